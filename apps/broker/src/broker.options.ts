import type { ConnectionLimits } from './network/limits.js';

/** Injection token for the broker's options. */
export const BROKER_OPTIONS = Symbol.for('strom.broker.options');

export interface BrokerOptions {
  nodeId: number;
  host: string;
  port: number;
  advertisedHost?: string | undefined;
  rack?: string | null;
  dataDir: string;
  /** auto.create.topics.enable */
  autoCreateTopicsEnable?: boolean;
  /** max.connections */
  maxConnections?: number;
  limits?: Partial<ConnectionLimits>;
  /** How long in-flight requests may take to finish on shutdown. */
  drainTimeoutMs?: number;
  /** The broker's registration lease at the metadata service, and how often it renews it. */
  leaseMs?: number;
  heartbeatIntervalMs?: number;
  /** server.properties as given (Kafka's names), reported by DescribeConfigs as static broker config. */
  staticConfig?: Record<string, string>;
  /** Broker-level defaults of topic configs (retention.ms from log.retention.hours, ...). */
  topicDefaults?: Record<string, string>;
  /** Timeout of requests to the other services over the bus. */
  busRequestTimeoutMs?: number;
}
