import { isIP } from 'node:net';
import { ConfigError, parseConnectionOverrides, type Listener, type ServerConfig } from '@strom/config';
import { COMMON_KEYS, HEALTH_KEYS } from '@strom/runtime';
import type { BrokerListenerOptions, BrokerOptions, ListenerSecurityOptions } from './broker.options.js';
import { STROM_CONNECTION_LIMITS } from './network/limits.js';
import { replicationOptions } from './replica/replication-options.js';
import type { ReplicationOptions } from './replica/replication-options.js';
import { clientSecurity } from './security/client-security.js';
import { sslServer } from './security/ssl/ssl-server.js';
import { SslConfigError } from './security/ssl/ssl-stores.js';

/** The keys of the Kafka listener and the data directory: what a broker takes flags for in either mode. */
export const BROKER_LISTENER_KEYS: readonly string[] = [
  'node.id',
  'strom.listener.host',
  'strom.listener.port',
  'strom.advertised.host',
  'strom.listener.security.protocol',
  'sasl.enabled.mechanisms',
  'strom.data.dir',
];

/** The keys `apps/broker` takes flags and env for when it runs as its own process. */
export const BROKER_KEYS: readonly string[] = [...COMMON_KEYS, ...HEALTH_KEYS, 'strom.nats.url', ...BROKER_LISTENER_KEYS];

/** The broker's options from the one parsed configuration. */
export function brokerOptions(config: ServerConfig): BrokerOptions {
  if (config.listeners.length === 0) throw new Error('the configuration has no listener');
  const idleMs = config.long('connections.max.idle.ms');
  return {
    nodeId: config.int('node.id'),
    listeners: config.listeners.map((listener) => brokerListener(config, listener)),
    advertisedListeners: config.advertisedListeners.map(({ name, host, port, securityProtocol }) => ({
      name,
      host,
      port,
      securityProtocol,
    })),
    rack: config.optionalString('broker.rack'),
    dataDir: config.dataDir,
    autoCreateTopicsEnable: config.bool('auto.create.topics.enable'),
    ...connectionQuotas(config),
    queuedMaxRequestBytes: config.long('queued.max.request.bytes'),
    limits: {
      ...STROM_CONNECTION_LIMITS,
      maxFrameBytes: config.int('socket.request.max.bytes'),
      // Kafka's Selector: a negative connections.max.idle.ms disables idle expiry.
      idleTimeoutMs: idleMs < 0 ? Number.POSITIVE_INFINITY : idleMs,
    },
    drainTimeoutMs: config.int('strom.request.drain.timeout.ms'),
    leaseMs: config.int('broker.session.timeout.ms'),
    heartbeatIntervalMs: config.int('broker.heartbeat.interval.ms'),
    staticConfig: config.staticConfig,
    busRequestTimeoutMs: config.int('strom.bus.request.timeout.ms'),
    authorizer: { ...config.authorizer },
    replication: interBrokerChecked(config, replicationOptions(config)),
    checkpointIntervalMs: config.long('replica.high.watermark.checkpoint.interval.ms'),
    offsetsTopic: {
      numPartitions: config.int('offsets.topic.num.partitions'),
      replicationFactor: config.int('offsets.topic.replication.factor'),
      segmentBytes: config.int('offsets.topic.segment.bytes'),
    },
  };
}

/** Kafka's ConnectionQuotas settings; overrides naming hosts are resolved when the broker starts. */
function connectionQuotas(config: ServerConfig): Pick<BrokerOptions, 'connectionQuotas' | 'maxConnectionsPerHostOverrides'> {
  const byIp = new Map<string, number>();
  const byHost = new Map<string, number>();
  for (const [host, count] of parseConnectionOverrides(config.string('max.connections.per.ip.overrides'))) {
    (isIP(host) === 0 ? byHost : byIp).set(host, count);
  }
  return {
    connectionQuotas: {
      maxConnections: config.int('max.connections'),
      maxConnectionsPerIp: config.int('max.connections.per.ip'),
      maxConnectionsPerIpOverrides: byIp,
      maxConnectionCreationRate: config.int('max.connection.creation.rate'),
      listenBacklogSize: config.int('socket.listen.backlog.size'),
      // KIP-402/612: each listener's own limits, the broker-wide values where it has none.
      listeners: new Map(
        config.listeners.map(({ name }) => [
          name,
          {
            maxConnections: config.listenerNumber(name, 'max.connections'),
            maxConnectionCreationRate: config.listenerNumber(name, 'max.connection.creation.rate'),
          },
        ]),
      ),
      // Kafka's ConnectionQuotas.protectedListener: the inter-broker listener, when there are several.
      protectedListener: config.listeners.length > 1 ? config.interBroker.listenerName : undefined,
    },
    maxConnectionsPerHostOverrides: byHost,
  };
}

function brokerListener(config: ServerConfig, listener: Listener): BrokerListenerOptions {
  return { name: listener.name, host: listener.host, port: listener.port, security: listenerSecurityOptions(config, listener) };
}

/** The listener's authentication: its `listener.name.<name>.*` settings over the broker-wide ones, as Kafka's channel builders read them. */
function listenerSecurityOptions(config: ServerConfig, listener: Listener): ListenerSecurityOptions {
  const { name, securityProtocol: protocol } = listener;
  const sasl = config.sasl(name);
  const ssl = protocol === 'SSL' || protocol === 'SASL_SSL' ? config.ssl(name) : {};
  if (protocol === 'SSL' || protocol === 'SASL_SSL') {
    // Load the stores now, so that a bad path or password exits 2 naming the key instead of failing at bind.
    try {
      sslServer(ssl);
    } catch (error) {
      if (error instanceof SslConfigError) throw new ConfigError(`${config.filePath ?? 'listener'} (listener ${name}): ${error.message}`);
      throw error;
    }
  }
  return {
    securityProtocol: protocol,
    ssl,
    saslMechanisms: sasl?.enabledMechanisms ?? [],
    plainUsers: sasl?.plainUsers ?? {},
    connectionsMaxReauthMs: config.listenerNumber(name, 'connections.max.reauth.ms'),
    saslMaxReceiveBytes: config.listenerNumber(name, 'sasl.server.max.receive.size'),
  };
}

/**
 * Loads the inter-broker TLS stores now, so that a bad store or setting of the client side exits 2
 * naming the key instead of failing every follower fetch later.
 */
function interBrokerChecked(config: ServerConfig, replication: ReplicationOptions): ReplicationOptions {
  try {
    clientSecurity(replication.interBroker);
  } catch (error) {
    if (error instanceof SslConfigError) {
      const listener = replication.interBroker.listenerName;
      throw new ConfigError(
        `${config.filePath ?? 'inter-broker listener'} (inter-broker listener ${listener}, client side): ${error.message}`,
      );
    }
    throw error;
  }
  return replication;
}
