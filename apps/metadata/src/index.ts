export { MetadataModule } from './metadata.module.js';
export { MetadataService } from './metadata.service.js';
export { defaultMetadataOptions, kafkaTopicConfigErrors, type MetadataOptions } from './metadata.options.js';
export { topicNameProblem, MAX_TOPIC_NAME_LENGTH } from './topic-names.js';
export * from './contract.js';
export { metadataConfig } from './config.js';
