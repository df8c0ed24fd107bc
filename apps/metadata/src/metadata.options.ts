import { validateTopicConfigs } from '@strom/config';

/** Injection token for the metadata service's cluster-wide defaults. */
export const METADATA_OPTIONS = Symbol.for('strom.metadata.options');

export interface MetadataOptions {
  /** num.partitions: partitions of a topic created with -1 (or auto-created). */
  numPartitions: number;
  /** default.replication.factor */
  defaultReplicationFactor: number;
  /** broker.session.timeout.ms: how long a broker registration lives without a heartbeat, when the broker names none. */
  brokerLeaseMs: number;
  /** broker.heartbeat.interval.ms: how often expired leases are looked for (and failovers reconciled). */
  leaseCheckIntervalMs: number;
  /** unclean.leader.election.enable of the static configuration, under topic and dynamic overrides. */
  uncleanLeaderElection: boolean;
  /**
   * Where BrokerFailover workflows are started (distributed mode). Absent (embedded mode): the
   * metadata service fences and elects itself.
   */
  temporal?: FailoverTemporalOptions;
  /**
   * Validates topic config overrides; returns an error message per bad key (Kafka's
   * INVALID_CONFIG). Absent: every key is accepted.
   */
  validateTopicConfigs?: (configs: Record<string, string | null>, nullValues: 'allow' | 'reject') => Record<string, string>;
}

/** Kafka's own validation of topic config overrides (names, types, ranges), one message per bad key. */
export function kafkaTopicConfigErrors(configs: Record<string, string | null>, nullValues: 'allow' | 'reject'): Record<string, string> {
  const result = validateTopicConfigs(configs, { nullValues });
  return Object.fromEntries(result.errors.map((error) => [error.name, error.message]));
}

export interface FailoverTemporalOptions {
  address: string;
  namespace: string;
  /** The orchestrator's task queue (default: @strom/workflows' ORCHESTRATOR_TASK_QUEUE). */
  taskQueue?: string;
}
