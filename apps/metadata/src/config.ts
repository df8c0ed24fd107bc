import type { ServerConfig } from '@strom/config';
import { COMMON_KEYS } from '@strom/runtime';
import { kafkaTopicConfigErrors, type MetadataOptions } from './metadata.options.js';

/** The keys `apps/metadata` takes flags and env for when it runs as its own process. */
export const METADATA_KEYS: readonly string[] = [...COMMON_KEYS, 'strom.nats.url', 'strom.database.url'];

/** The metadata service's options from the one parsed configuration. */
export function metadataOptions(config: ServerConfig): MetadataOptions {
  return {
    numPartitions: config.int('num.partitions'),
    defaultReplicationFactor: config.int('default.replication.factor'),
    brokerLeaseMs: config.int('broker.session.timeout.ms'),
    validateTopicConfigs: kafkaTopicConfigErrors,
  };
}
