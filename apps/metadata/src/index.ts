export { MetadataModule } from './metadata.module.js';
export { MetadataService } from './metadata.service.js';
export { defaultMetadataOptions, kafkaTopicConfigErrors, type MetadataOptions } from './metadata.options.js';
export { metadataConfig } from './config.js';
