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
  /**
   * The listener followers fetch from leaders on: inter.broker.listener.name, else the listener
   * named after security.inter.broker.protocol (Kafka's derivation); upper-cased.
   */
  interBrokerListenerName: string;
  /** replica.selector.class (KIP-392): null, consumers read from leaders only. */
  replicaSelectorClass: string | null;
}

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
    interBrokerListenerName: (
      config.optionalString('inter.broker.listener.name') ?? config.string('security.inter.broker.protocol')
    ).toUpperCase(),
    replicaSelectorClass: config.optionalString('replica.selector.class'),
  };
}
