import type { ServerConfig } from '@strom/config';
import type { SecurityProtocol } from '../network/request-handler.js';
import type { SslSettings } from '../security/ssl/ssl-stores.js';

/**
 * How followers connect to leaders (Kafka's inter-broker channel): the listener they reach a
 * leader on, its security protocol, its `ssl.*` settings for the client side of TLS, and on
 * SASL_* the mechanism and credentials (sasl.mechanism.inter.broker.protocol, the username and
 * password of the listener's JAAS config for it).
 */
export interface InterBrokerSecurityOptions {
  /** inter.broker.listener.name, else the listener named after security.inter.broker.protocol; upper-cased. */
  listenerName: string;
  securityProtocol: SecurityProtocol;
  /** The listener's `listener.name.<l>.ssl.*` over the broker-wide `ssl.*` (used on SSL and SASL_SSL). */
  ssl: SslSettings;
  sasl: { mechanism: string; username: string; password: string } | undefined;
}

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
  /** How followers connect to leaders. */
  interBroker: InterBrokerSecurityOptions;
  /** replica.selector.class (KIP-392): null, consumers read from leaders only. */
  replicaSelectorClass: string | null;
}

/** The replica.* and inter-broker settings from the configuration (Kafka's keys and defaults, see libs/config). */
export function replicationOptions(config: ServerConfig): ReplicationOptions {
  return {
    replicaLagTimeMaxMs: config.long('replica.lag.time.max.ms'),
    fetchWaitMaxMs: config.int('replica.fetch.wait.max.ms'),
    fetchMinBytes: config.int('replica.fetch.min.bytes'),
    fetchResponseMaxBytes: config.int('replica.fetch.response.max.bytes'),
    fetchMaxBytes: config.int('replica.fetch.max.bytes'),
    fetchBackoffMs: config.int('replica.fetch.backoff.ms'),
    socketTimeoutMs: config.int('replica.socket.timeout.ms'),
    interBroker: {
      listenerName: config.interBroker.listenerName,
      securityProtocol: config.interBroker.securityProtocol,
      ssl: config.ssl(config.interBroker.listenerName),
      sasl: config.interBroker.sasl && { ...config.interBroker.sasl },
    },
    replicaSelectorClass: config.optionalString('replica.selector.class'),
  };
}
