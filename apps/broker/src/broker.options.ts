import type { ConnectionQuotaLimits } from './network/connection-quotas.js';
import type { ConnectionLimits } from './network/limits.js';
import type { SecurityProtocol } from './network/request-handler.js';

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
  /** max.connections.per.ip (and its overrides), max.connection.creation.rate, socket.listen.backlog.size. */
  connectionQuotas?: Partial<Omit<ConnectionQuotaLimits, 'maxConnections'>>;
  /** queued.max.request.bytes: -1, no bound. */
  queuedMaxRequestBytes?: number;
  limits?: Partial<ConnectionLimits>;
  /** How long in-flight requests may take to finish on shutdown. */
  drainTimeoutMs?: number;
  /** The broker's registration lease at the metadata service, and how often it renews it. */
  leaseMs?: number;
  heartbeatIntervalMs?: number;
  /**
   * server.properties as given (Kafka's names): reported by DescribeConfigs as static broker
   * config, and (with the dynamic broker configs over it) the defaults of topic configs.
   */
  staticConfig?: Record<string, string>;
  /** Timeout of requests to the other services over the bus. */
  busRequestTimeoutMs?: number;
  /** Authentication and authorization (server.properties' security settings); none: PLAINTEXT, no authorizer. */
  security?: BrokerSecurityOptions;
}

/** The listener's security and the authorizer, in Kafka's terms. */
export interface BrokerSecurityOptions {
  /** The security protocol of the (single) listener. Default PLAINTEXT. */
  securityProtocol?: SecurityProtocol;
  /**
   * SSL and SASL_SSL: the listener's `ssl.*` settings under Kafka's keys, already resolved for
   * the listener (`listener.name.<name>.ssl.*` over `ssl.*`): `ssl.keystore.type`,
   * `ssl.keystore.location`, `ssl.keystore.password`, `ssl.key.password`, `ssl.keystore.key`,
   * `ssl.keystore.certificate.chain`, `ssl.truststore.*`, `ssl.client.auth`,
   * `ssl.enabled.protocols`, `ssl.protocol`, `ssl.cipher.suites`, `ssl.principal.mapping.rules`.
   * Checked when the listener starts (see security/ssl/ssl-server.ts; errors name the key).
   */
  ssl?: Record<string, string>;
  /** sasl.enabled.mechanisms of a SASL_PLAINTEXT or SASL_SSL listener; supported: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512. */
  saslMechanisms?: string[];
  /** PLAIN users and passwords (the JAAS config's `user_<name>="<password>"` entries). */
  plainUsers?: Record<string, string>;
  /** connections.max.reauth.ms: 0 (default) = no session expiry. */
  connectionsMaxReauthMs?: number;
  /** sasl.server.max.receive.size: the frame limit before authentication. Default 524288. */
  saslMaxReceiveBytes?: number;
  /** authorizer.class.name is set: ACLs are enforced (deny by default). */
  authorizerEnabled?: boolean;
  /** super.users, e.g. `['User:admin']`. */
  superUsers?: string[];
  /** allow.everyone.if.no.acl.found. Default false. */
  allowEveryoneIfNoAclFound?: boolean;
}
