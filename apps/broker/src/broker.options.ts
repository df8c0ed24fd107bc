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
  /**
   * Every listener of `listeners` (KRaft controller listeners left out), each served on its own
   * port with its own security; the first is the one `--host` and `--port` change.
   */
  listeners: BrokerListenerOptions[];
  /**
   * `advertised.listeners` (default: `listeners`): what a client on each listener is told in
   * Metadata, FindCoordinator and DescribeCluster. Port 0: the port the listener was bound to.
   */
  advertisedListeners: AdvertisedListener[];
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
  /** authorizer.class.name and the StandardAuthorizer's settings: one authorizer for every listener. */
  authorizer: BrokerAuthorizerOptions;
  /** replica.lag.time.max.ms and the replica.fetch.* settings of follower fetches. */
  replication: ReplicationOptions;
  /** replica.high.watermark.checkpoint.interval.ms */
  checkpointIntervalMs: number;
  /** offsets.topic.num.partitions, offsets.topic.replication.factor, offsets.topic.segment.bytes */
  offsetsTopic: OffsetsTopicSettings;
}

/** One listener the broker serves. */
export interface BrokerListenerOptions {
  /** The listener name, upper-cased (Kafka's ListenerName). */
  name: string;
  host: string;
  port: number;
  /** Its security: the listener's own `listener.name.<name>.*` settings over the broker-wide ones. */
  security: ListenerSecurityOptions;
}

/** An endpoint of `advertised.listeners`. */
export interface AdvertisedListener {
  name: string;
  host: string;
  /** 0: the port its listener was bound to (Kafka's rule for advertised port 0). */
  port: number;
  securityProtocol: SecurityProtocol;
}

/** A listener's authentication, in Kafka's terms, resolved for that listener. */
export interface ListenerSecurityOptions {
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
}

/** The authorizer, broker-wide. */
export interface BrokerAuthorizerOptions {
  /** authorizer.class.name is set: ACLs are enforced (deny by default). */
  enabled: boolean;
  /** super.users, e.g. `['User:admin']`. */
  superUsers: readonly string[];
  /** allow.everyone.if.no.acl.found */
  allowEveryoneIfNoAclFound: boolean;
}
