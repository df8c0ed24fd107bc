import type { ServerConfig } from '@strom/config';
import { COMMON_KEYS, HEALTH_KEYS } from '@strom/runtime';
import { kafkaTopicConfigErrors, type MetadataOptions } from './metadata.options.js';

/** The keys `apps/metadata` takes flags and env for when it runs as its own process. */
export const METADATA_KEYS: readonly string[] = [
  ...COMMON_KEYS,
  ...HEALTH_KEYS,
  'strom.nats.url',
  'strom.database.url',
  'strom.temporal.address',
  'strom.temporal.namespace',
  'strom.temporal.task.queue',
];

/** The metadata service's options from the one parsed configuration (embedded mode: no Temporal). */
export function metadataOptions(config: ServerConfig): MetadataOptions {
  return {
    numPartitions: config.int('num.partitions'),
    defaultReplicationFactor: config.int('default.replication.factor'),
    brokerLeaseMs: config.int('broker.session.timeout.ms'),
    leaseCheckIntervalMs: config.int('broker.heartbeat.interval.ms'),
    uncleanLeaderElection: config.bool('unclean.leader.election.enable'),
    validateTopicConfigs: kafkaTopicConfigErrors,
  };
}

/** The options of the metadata process in distributed mode: failovers run as Temporal workflows. */
export function distributedMetadataOptions(config: ServerConfig): MetadataOptions {
  return {
    ...metadataOptions(config),
    temporal: {
      address: config.string('strom.temporal.address'),
      namespace: config.string('strom.temporal.namespace'),
      taskQueue: config.string('strom.temporal.task.queue'),
    },
  };
}
