import type { OffsetsTopicSettings } from './cluster/offsets-topic.js';
import type { ConnectionQuotaLimits } from './network/connection-quotas.js';
import type { ConnectionLimits } from './network/limits.js';
import type { SecurityProtocol } from './network/request-handler.js';
import type { ReplicationOptions } from './replica/replication-options.js';

/** Injection token for the broker's options. */
export const BROKER_OPTIONS = Symbol.for('strom.broker.options');

/**
 * Everything the broker module needs, complete: built once from the parsed configuration
 * (see config.ts), so no default is restated where a value is used.
 */
export interface BrokerOptions {
  /** node.id */
  nodeId: number;
  /** The served listener's host and port (the first of `listeners`). */
  host: string;
  port: number;
  /** The host clients are told to connect to (the first of `advertised.listeners`). */
  advertisedHost: string;
  /** broker.rack */
  rack: string | null;
  dataDir: string;
  /** auto.create.topics.enable */
  autoCreateTopicsEnable: boolean;
  /**
   * max.connections, max.connections.per.ip and its overrides (IP addresses; hostnames resolved
   * at start), max.connection.creation.rate, socket.listen.backlog.size.
   */
  connectionQuotas: ConnectionQuotaLimits;
  /** max.connections.per.ip.overrides entries naming hosts, resolved to addresses when the broker starts. */
  maxConnectionsPerHostOverrides: ReadonlyMap<string, number>;
  /** queued.max.request.bytes: the bytes of requests being read, over all connections; -1, no bound. */
  queuedMaxRequestBytes: number;
  limits: ConnectionLimits;
  /** strom.request.drain.timeout.ms: how long in-flight requests may take to finish on shutdown. */
  drainTimeoutMs: number;
  /** broker.session.timeout.ms and broker.heartbeat.interval.ms: the registration lease at the metadata service. */
  leaseMs: number;
  heartbeatIntervalMs: number;
  /**
   * The Kafka keys the configuration sets (Kafka's names): reported by DescribeConfigs as static
   * broker config, and (with the dynamic broker configs over it) the defaults of topic configs.
   */
  staticConfig: Readonly<Record<string, string>>;
  /** strom.bus.request.timeout.ms: timeout of requests to the other services over the bus. */
  busRequestTimeoutMs: number;
  /** Authentication and authorization of the served listener. */
  security: BrokerSecurityOptions;
  /** replica.lag.time.max.ms and the replica.fetch.* settings of follower fetches. */
  replication: ReplicationOptions;
  /** offsets.topic.num.partitions, offsets.topic.replication.factor, offsets.topic.segment.bytes */
  offsetsTopic: OffsetsTopicSettings;
}

/** The listener's security and the authorizer, in Kafka's terms. */
export interface BrokerSecurityOptions {
  /** The security protocol of the (single) served listener. */
  securityProtocol: SecurityProtocol;
  /**
   * SSL and SASL_SSL: the listener's `ssl.*` settings under Kafka's keys, already resolved for
   * the listener (`listener.name.<name>.ssl.*` over `ssl.*`): `ssl.keystore.type`,
   * `ssl.keystore.location`, `ssl.keystore.password`, `ssl.key.password`, `ssl.keystore.key`,
   * `ssl.keystore.certificate.chain`, `ssl.truststore.*`, `ssl.client.auth`,
   * `ssl.enabled.protocols`, `ssl.protocol`, `ssl.cipher.suites`, `ssl.principal.mapping.rules`.
   * Checked when the listener starts (see security/ssl/ssl-server.ts; errors name the key).
   */
  ssl: Readonly<Record<string, string>>;
  /** sasl.enabled.mechanisms of a SASL_PLAINTEXT or SASL_SSL listener that Strom implements: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512. */
  saslMechanisms: readonly string[];
  /** PLAIN users and passwords (the JAAS config's `user_<name>="<password>"` entries). */
  plainUsers: Readonly<Record<string, string>>;
  /** connections.max.reauth.ms: 0 = no session expiry. */
  connectionsMaxReauthMs: number;
  /** sasl.server.max.receive.size: the frame limit before authentication. */
  saslMaxReceiveBytes: number;
  /** authorizer.class.name is set: ACLs are enforced (deny by default). */
  authorizerEnabled: boolean;
  /** super.users, e.g. `['User:admin']`. */
  superUsers: readonly string[];
  /** allow.everyone.if.no.acl.found */
  allowEveryoneIfNoAclFound: boolean;
}
