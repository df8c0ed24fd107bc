export { MetadataModule } from './metadata.module.js';
export { MetadataService } from './metadata.service.js';
export { kafkaTopicConfigErrors, type FailoverTemporalOptions, type MetadataOptions } from './metadata.options.js';
export { METADATA_KEYS, metadataOptions, distributedMetadataOptions } from './config.js';
export { ClusterStatusService, clusterStatus, type ClusterStatus } from './cluster-status.service.js';
