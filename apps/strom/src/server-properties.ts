import { SecurityConfigError, securityFromProperties, type BrokerSecurityOptions } from '@strom/broker';
import { readServerProperties, validateBrokerConfig } from '@strom/config';
import type { EmbeddedConfig } from './embedded.js';

/** What a Kafka server.properties file contributes to `strom start`. */
export interface ServerProperties {
  /** The file as given, for DescribeConfigs (STATIC_BROKER_CONFIG). */
  raw: Record<string, string>;
  /** Values for `strom start`'s own settings; flags and env still win over them. */
  settings: Partial<Record<keyof EmbeddedConfig, string | number | boolean>>;
  /**
   * The group coordinator's settings (group.initial.rebalance.delay.ms,
   * group.min/max.session.timeout.ms, group.max.size, offset.metadata.max.bytes,
   * offsets.retention.minutes, offsets.retention.check.interval.ms) that the file sets.
   */
  groups: {
    initialRebalanceDelayMs?: number;
    minSessionTimeoutMs?: number;
    maxSessionTimeoutMs?: number;
    maxGroupSize?: number;
    offsetMetadataMaxBytes?: number;
    offsetsRetentionMs?: number;
    offsetsRetentionCheckIntervalMs?: number;
  };
  /** Cluster defaults for new topics. */
  numPartitions: number;
  defaultReplicationFactor: number;
  autoCreateTopicsEnable: boolean;
  /** socket.request.max.bytes, connections.max.idle.ms, max.connections */
  maxFrameBytes: number;
  idleTimeoutMs: number;
  maxConnections: number;
  /**
   * The listener's security and the authorizer: listeners + listener.security.protocol.map,
   * sasl.enabled.mechanisms, the PLAIN users of listener.name.<listener>.plain.sasl.jaas.config,
   * authorizer.class.name, super.users, allow.everyone.if.no.acl.found. The security protocol and
   * mechanisms also go into `settings` (flags --security-protocol / --sasl-mechanisms win).
   */
  security: BrokerSecurityOptions;
  warnings: string[];
}

/** A server.properties value Strom cannot use; the message names the key. */
export class ServerPropertiesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServerPropertiesError';
  }
}

const listenerPattern = /^([A-Za-z0-9_]+):\/\/(\[[^\]]*\]|[^:]*):(\d+)$/;

/**
 * Reads a Kafka server.properties (Kafka's own names), validates it as Kafka would, and maps
 * what applies to Strom. node.id and process.roles are filled in when absent, since a Strom
 * node is always one broker with its own metadata.
 */
export async function loadServerProperties(path: string, nodeIdFallback: number): Promise<ServerProperties> {
  let file: Record<string, string>;
  try {
    file = await readServerProperties(path);
  } catch (error) {
    throw new ServerPropertiesError(`cannot read ${path}: ${(error as Error).message}`);
  }
  const props: Record<string, string> = { 'node.id': String(nodeIdFallback), 'process.roles': 'broker', ...file };
  const validation = validateBrokerConfig(props);
  const firstError = validation.errors[0];
  if (firstError) throw new ServerPropertiesError(`${path}: ${firstError.key}: ${firstError.message}`);

  const settings: ServerProperties['settings'] = { nodeId: Number(props['node.id']) };
  const listener = (props['listeners'] ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0)[0];
  if (listener) {
    const match = listenerPattern.exec(listener);
    if (!match) throw new ServerPropertiesError(`${path}: listeners: cannot parse '${listener}' (expected NAME://host:port)`);
    const host = match[2]!.replace(/^\[|\]$/g, '');
    settings.host = host === '' ? '0.0.0.0' : host;
    settings.port = Number(match[3]);
  }
  const advertised = (props['advertised.listeners'] ?? '').split(',')[0]?.trim();
  if (advertised) {
    const match = listenerPattern.exec(advertised);
    if (!match) throw new ServerPropertiesError(`${path}: advertised.listeners: cannot parse '${advertised}' (expected NAME://host:port)`);
    settings.advertisedHost = match[2]!.replace(/^\[|\]$/g, '');
  }
  let security: ReturnType<typeof securityFromProperties>;
  try {
    security = securityFromProperties(props, listener ? listenerPattern.exec(listener)?.[1] : undefined);
  } catch (error) {
    if (error instanceof SecurityConfigError) throw new ServerPropertiesError(`${path}: ${error.message}`);
    throw error;
  }
  settings.securityProtocol = security.options.securityProtocol ?? 'PLAINTEXT';
  if (security.options.saslMechanisms) settings.saslMechanisms = security.options.saslMechanisms.join(',');
  const logDirs = (props['log.dirs'] ?? props['log.dir'])?.split(',')[0]?.trim();
  if (logDirs) settings.dataDir = logDirs;

  const number = (key: string, fallback: number): number => (props[key] === undefined ? fallback : Number(props[key]));
  const groups: ServerProperties['groups'] = {};
  const groupSetting = (key: string, name: keyof ServerProperties['groups'], scale = 1): void => {
    if (props[key] !== undefined) groups[name] = Number(props[key]) * scale;
  };
  groupSetting('group.initial.rebalance.delay.ms', 'initialRebalanceDelayMs');
  groupSetting('group.min.session.timeout.ms', 'minSessionTimeoutMs');
  groupSetting('group.max.session.timeout.ms', 'maxSessionTimeoutMs');
  groupSetting('group.max.size', 'maxGroupSize');
  groupSetting('offset.metadata.max.bytes', 'offsetMetadataMaxBytes');
  groupSetting('offsets.retention.minutes', 'offsetsRetentionMs', 60_000);
  groupSetting('offsets.retention.check.interval.ms', 'offsetsRetentionCheckIntervalMs');
  return {
    groups,
    raw: file,
    settings,
    numPartitions: number('num.partitions', 1),
    defaultReplicationFactor: number('default.replication.factor', 1),
    autoCreateTopicsEnable: (props['auto.create.topics.enable'] ?? 'true').trim().toLowerCase() === 'true',
    maxFrameBytes: number('socket.request.max.bytes', 104_857_600),
    idleTimeoutMs: number('connections.max.idle.ms', 600_000),
    maxConnections: Math.min(number('max.connections', 2_147_483_647), 1_000_000),
    security: security.options,
    warnings: [
      ...validation.warnings
        .filter((warning) => !security.appliedKeys.has(warning.key))
        .map((warning) => `${warning.key}: ${warning.message}`),
      ...security.warnings,
      ...((props['listeners'] ?? '').split(',').filter((entry) => entry.trim() !== '').length > 1
        ? [`listeners: Strom serves one listener; only ${listener} is used`]
        : []),
    ],
  };
}
