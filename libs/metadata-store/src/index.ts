export { openMetadataStore, type MetadataDatabase } from './connect.js';
export { openMetadataStoreInWorker } from './store-worker.js';
export { applyMigrations, readMigrations, defaultMigrationsDir, type Migration, type SqlExecutor } from './migrate.js';
export { MetadataStore } from './metadata-store.js';
export { MetadataError } from './errors.js';
export type { DynamicBrokerConfigs } from './repositories/configs.js';
export type { BrokerEndpoint, BrokerRegistration, RegisteredBroker } from './repositories/brokers.js';
export type { NewTopic, TopicState, PartitionState, LeadershipChange } from './repositories/topics.js';
export type { OffsetCommit, CommittedOffsetRow, StoredGroup } from './repositories/offsets.js';
export type { ProducerIdBlock } from './repositories/producer-ids.js';
export type { ScramCredentialRecord, AclBinding } from './repositories/security.js';
export type { AlterPartitionInput, AlterPartitionOutcome } from './repositories/partitions.js';
export type {
  BrokerFailoverRecord,
  ControlledShutdownOutcome,
  FailoverReason,
  FenceOutcome,
  RegistrationOutcome,
} from './repositories/membership.js';
export type { ElectionDefaults, PartitionChange } from './repositories/elections.js';
