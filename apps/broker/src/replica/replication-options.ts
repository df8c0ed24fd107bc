import type { ServerConfig } from '@strom/config';

/** Kafka's replica.* settings of a broker. */
export interface ReplicationOptions {
  /** replica.lag.time.max.ms */
  replicaLagTimeMaxMs: number;
  /** replica.fetch.wait.max.ms */
  fetchWaitMaxMs: number;
  /** replica.fetch.min.bytes */
  fetchMinBytes: number;
  /** replica.fetch.response.max.bytes */
  fetchResponseMaxBytes: number;
  /** replica.fetch.max.bytes */
  fetchMaxBytes: number;
  /** replica.fetch.backoff.ms */
  fetchBackoffMs: number;
  /** replica.socket.timeout.ms */
  socketTimeoutMs: number;
}

/** Kafka's defaults. */
export const DEFAULT_REPLICATION: ReplicationOptions = {
  replicaLagTimeMaxMs: 30_000,
  fetchWaitMaxMs: 500,
  fetchMinBytes: 1,
  fetchResponseMaxBytes: 10_485_760,
  fetchMaxBytes: 1_048_576,
  fetchBackoffMs: 1_000,
  socketTimeoutMs: 30_000,
};

/** The replica.* settings from the configuration (Kafka's keys and defaults, see libs/config). */
export function replicationOptions(config: ServerConfig): ReplicationOptions {
  return {
    replicaLagTimeMaxMs: config.long('replica.lag.time.max.ms'),
    fetchWaitMaxMs: config.int('replica.fetch.wait.max.ms'),
    fetchMinBytes: config.int('replica.fetch.min.bytes'),
    fetchResponseMaxBytes: config.int('replica.fetch.response.max.bytes'),
    fetchMaxBytes: config.int('replica.fetch.max.bytes'),
    fetchBackoffMs: config.int('replica.fetch.backoff.ms'),
    socketTimeoutMs: config.int('replica.socket.timeout.ms'),
  };
}
