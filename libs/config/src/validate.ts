// Validation with Kafka's semantics: topic configs as CreateTopics / AlterConfigs check them
// (LogConfig.validate), broker configs as KafkaConfig checks server.properties.
import { isIP } from 'node:net';
import {
  BROKER_CONFIGS,
  BROKER_CONFIGS_BY_NAME,
  LISTENER_PATTERN,
  OTHER_KAFKA_BROKER_CONFIGS,
  REMOVED_IN_KAFKA_4,
  splitList,
} from './broker-configs.js';
import { isAppliedPerListenerKey } from './listeners.js';
import { defaultValue, tryParseValue } from './parse.js';
import { TOPIC_CONFIGS_BY_NAME } from './topic-configs.js';
import { INVALID_CONFIG, type ConfigValue } from './types.js';

export interface TopicConfigError {
  readonly name: string;
  /** Always INVALID_CONFIG (40), as Kafka answers CreateTopics / AlterConfigs. */
  readonly errorCode: typeof INVALID_CONFIG;
  readonly message: string;
}

export interface TopicValidationResult {
  readonly valid: boolean;
  /** One error per offending key, in input order. */
  readonly errors: readonly TopicConfigError[];
  /** Typed values of the valid, non-null entries. */
  readonly values: Readonly<Record<string, ConfigValue>>;
}

export interface TopicValidationOptions {
  /**
   * Null values: 'allow' (default) treats them as "remove the override" (IncrementalAlterConfigs
   * DELETE); 'reject' answers like CreateTopics: "Null value not supported for topic configs: x".
   */
  readonly nullValues?: 'allow' | 'reject';
  /** remote.log.storage.system.enable of the broker; Strom has no tiered storage (default false). */
  readonly remoteLogStorageSystemEnabled?: boolean;
}

function topicError(name: string, message: string): TopicConfigError {
  return { name, errorCode: INVALID_CONFIG, message };
}

/** Validate topic config entries; each bad key gets Kafka's INVALID_CONFIG error and message. */
export function validateTopicConfigs(
  entries: Readonly<Record<string, string | null>>,
  options: TopicValidationOptions = {},
): TopicValidationResult {
  const errors: TopicConfigError[] = [];
  const values: Record<string, ConfigValue> = {};
  for (const [name, raw] of Object.entries(entries)) {
    const def = TOPIC_CONFIGS_BY_NAME.get(name);
    if (!def) {
      errors.push(topicError(name, `Unknown topic config name: ${name}`));
      continue;
    }
    if (raw === null) {
      if (options.nullValues === 'reject') errors.push(topicError(name, `Null value not supported for topic configs: ${name}`));
      continue;
    }
    const parsed = tryParseValue(def, raw);
    if (parsed.ok) values[name] = parsed.value;
    else errors.push(topicError(name, parsed.error.message));
  }

  // LogConfig.validateValues: compaction lags must be ordered.
  const lag = (name: string) => values[name] ?? defaultValue(TOPIC_CONFIGS_BY_NAME.get(name)!);
  const minLag = lag('min.compaction.lag.ms');
  const maxLag = lag('max.compaction.lag.ms');
  if (
    (typeof minLag === 'number' || typeof minLag === 'bigint') &&
    (typeof maxLag === 'number' || typeof maxLag === 'bigint') &&
    minLag > maxLag
  ) {
    const key = 'min.compaction.lag.ms' in values ? 'min.compaction.lag.ms' : 'max.compaction.lag.ms';
    errors.push(topicError(key, `conflict topic config setting min.compaction.lag.ms (${minLag}) > max.compaction.lag.ms (${maxLag})`));
  }
  if (values['remote.storage.enable'] === true && !options.remoteLogStorageSystemEnabled) {
    errors.push(
      topicError(
        'remote.storage.enable',
        'Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log storage.',
      ),
    );
  }
  return { valid: errors.length === 0, errors, values };
}

export interface BrokerConfigIssue {
  readonly key: string;
  readonly message: string;
}

export interface BrokerConfigWarning extends BrokerConfigIssue {
  /** unknown: Kafka 4 does not know the key. unsupported: Kafka knows it, Strom ignores it. */
  readonly kind: 'unknown' | 'unsupported';
}

export interface BrokerValidationResult {
  readonly valid: boolean;
  /** Invalid values of known keys, missing required keys, inconsistent settings. */
  readonly errors: readonly BrokerConfigIssue[];
  readonly warnings: readonly BrokerConfigWarning[];
  /** Every broker config of the table, typed: the configured value, else Kafka's default. */
  readonly values: Readonly<Record<string, ConfigValue>>;
}

const OTHER_KNOWN = new Set(OTHER_KAFKA_BROKER_CONFIGS);
const REMOVED = new Set(REMOVED_IN_KAFKA_4);

function warningFor(key: string): BrokerConfigWarning | undefined {
  const def = BROKER_CONFIGS_BY_NAME.get(key);
  if (def) {
    return def.strom === 'unsupported'
      ? { key, kind: 'unsupported', message: `${key} is a Kafka broker config that Strom does not support; it is ignored` }
      : undefined;
  }
  if (OTHER_KNOWN.has(key)) {
    return { key, kind: 'unsupported', message: `${key} is a Kafka broker config that Strom does not support; it is ignored` };
  }
  if (key.startsWith('listener.name.')) {
    if (isAppliedPerListenerKey(key)) return undefined;
    return { key, kind: 'unsupported', message: `${key} is not a per-listener setting Strom applies; it is ignored` };
  }
  if (REMOVED.has(key) || key.startsWith('zookeeper.')) {
    return { key, kind: 'unknown', message: `${key} was removed in Kafka 4.0; it is ignored` };
  }
  return { key, kind: 'unknown', message: `${key} is not a known Kafka broker config; it is ignored` };
}

/**
 * Validate broker properties (e.g. a parsed server.properties). Unknown keys are warnings (Kafka
 * accepts them and logs a warning); invalid values of known keys are errors.
 */
export function validateBrokerConfig(props: Readonly<Record<string, string>>): BrokerValidationResult {
  const errors: BrokerConfigIssue[] = [];
  const warnings: BrokerConfigWarning[] = [];
  const values: Record<string, ConfigValue> = {};
  for (const def of BROKER_CONFIGS) {
    const raw = Object.hasOwn(props, def.name) ? props[def.name] : undefined;
    if (raw === undefined) {
      if (def.required) errors.push({ key: def.name, message: `Missing required configuration "${def.name}" which has no default value.` });
      values[def.name] = defaultValue(def);
      continue;
    }
    const parsed = tryParseValue(def, raw);
    if (parsed.ok) values[def.name] = parsed.value;
    else {
      errors.push({ key: def.name, message: parsed.error.message });
      values[def.name] = defaultValue(def);
    }
  }
  for (const key of Object.keys(props)) {
    const warning = warningFor(key);
    if (warning) warnings.push(warning);
  }
  errors.push(...crossCheck(props, values));
  if ((values['process.roles'] as string[] | null)?.includes('controller')) {
    warnings.push({
      key: 'process.roles',
      kind: 'unsupported',
      message: 'process.roles: the KRaft controller role is not supported by Strom; only the broker role is served',
    });
  }
  return { valid: errors.length === 0, errors, warnings, values };
}

interface Endpoint {
  readonly listenerName: string;
  readonly host: string;
  readonly port: number;
}

function endpoints(value: ConfigValue | undefined): Endpoint[] {
  if (typeof value !== 'string') return [];
  return splitList(value).flatMap((entry) => {
    const match = LISTENER_PATTERN.exec(entry);
    return match ? [{ listenerName: match[1] as string, host: match[2] as string, port: Number(match[3]) }] : [];
  });
}

/**
 * Kafka's CoreUtils.listenerListToEndPoints: listeners need different ports (port 0 excepted),
 * unless exactly two share one and one of them binds an IPv4 address and the other an IPv6 one.
 */
function duplicatePortProblem(listeners: readonly Endpoint[], value: string): string | undefined {
  const byPort = new Map<number, Endpoint[]>();
  for (const endpoint of listeners) {
    if (endpoint.port !== 0) byPort.set(endpoint.port, [...(byPort.get(endpoint.port) ?? []), endpoint]);
  }
  for (const [port, sharing] of byPort) {
    if (sharing.length < 2) continue;
    const withIp = sharing.filter((e) => isIP(e.host.replace(/^\[|\]$/g, '')) !== 0);
    if (withIp.length < sharing.length - 1) return `Each listener must have a different port, listeners: ${value}`;
    const [first, second] = withIp.map((e) => isIP(e.host.replace(/^\[|\]$/g, '')));
    if (withIp.length > 2)
      return `Each listener must have a different port unless exactly one listener has an IPv4 address and the other IPv6 address, listeners: ${value}, port: ${port}`;
    if (withIp.length !== sharing.length || first === second)
      return `If you have two listeners on the same port then one needs to be IPv4 and the other IPv6, listeners: ${value}, port: ${port}`;
  }
  return undefined;
}

/** KafkaConfig.validateValues, the parts that matter to a broker. */
function crossCheck(props: Readonly<Record<string, string>>, values: Record<string, ConfigValue>): BrokerConfigIssue[] {
  const issues: BrokerConfigIssue[] = [];
  const nodeId = values['node.id'];
  const brokerId = values['broker.id'];
  if (Object.hasOwn(props, 'broker.id') && nodeId !== null && brokerId !== -1 && brokerId !== nodeId) {
    issues.push({ key: 'broker.id', message: 'You must set `node.id` to the same value as `broker.id`.' });
  }
  const roles = values['process.roles'];
  if (Object.hasOwn(props, 'process.roles') && Array.isArray(roles) && roles.length === 0) {
    issues.push({ key: 'process.roles', message: 'process.roles must contain broker, controller, or both' });
  }

  const listeners = endpoints(values['listeners']);
  const names = listeners.map((e) => e.listenerName.toUpperCase());
  if (new Set(names).size !== names.length) {
    issues.push({ key: 'listeners', message: `Each listener must have a different name, listeners: ${String(values['listeners'])}` });
  }
  const portProblem = duplicatePortProblem(listeners, String(values['listeners']));
  if (portProblem !== undefined) issues.push({ key: 'listeners', message: portProblem });
  const advertisedExplicit = Object.hasOwn(props, 'advertised.listeners');
  const advertised = advertisedExplicit ? endpoints(values['advertised.listeners']) : listeners;
  const advertisedNames = advertised.map((e) => e.listenerName.toUpperCase());
  if (advertisedExplicit && new Set(advertisedNames).size !== advertisedNames.length) {
    issues.push({
      key: 'advertised.listeners',
      message: `Each listener must have a different name, listeners: ${String(values['advertised.listeners'])}`,
    });
  }
  if (advertised.some((e) => e.host === '0.0.0.0')) {
    issues.push({
      key: 'advertised.listeners',
      message: 'advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a routable IP address.',
    });
  }
  const controllerNames = new Set(splitList((values['controller.listener.names'] as string | null) ?? '').map((n) => n.toUpperCase()));
  const advertisedBrokerNames = [...new Set(advertisedNames.filter((name) => !controllerNames.has(name)))];
  if (advertisedBrokerNames.length === 0) {
    issues.push({
      key: advertisedExplicit ? 'advertised.listeners' : 'listeners',
      message:
        'There must be at least one broker advertised listener.' +
        (controllerNames.size > 0 ? ' Perhaps all listeners appear in controller.listener.names?' : ''),
    });
  } else if (!advertisedBrokerNames.every((name) => names.includes(name))) {
    issues.push({
      key: 'advertised.listeners',
      message:
        'advertised.listeners listener names must be equal to or a subset of the ones defined in listeners. ' +
        `Found ${advertisedBrokerNames.join(',')}. The valid options based on the current configuration are ${[...new Set(names)].join(',')}`,
    });
  }

  const explicitMap = Object.hasOwn(props, 'listener.security.protocol.map');
  const protocolOf = new Map(
    splitList((values['listener.security.protocol.map'] as string | null) ?? '').map((entry) => {
      const [name = '', protocol = ''] = entry.split(':');
      return [name.toUpperCase(), protocol] as const;
    }),
  );
  for (const name of new Set([...names, ...advertisedNames])) {
    // KRaft maps controller listeners to PLAINTEXT when the map is not set explicitly.
    if (!protocolOf.has(name) && !(controllerNames.has(name) && !explicitMap)) {
      issues.push({ key: 'listener.security.protocol.map', message: `No security protocol defined for listener ${name}` });
    }
  }

  // SocketServer's ConnectionQuotas requirement.
  if (values['max.connections.per.ip'] === 0 && ((values['max.connections.per.ip.overrides'] as string | null) ?? '').trim() === '') {
    issues.push({
      key: 'max.connections.per.ip',
      message: 'max.connections.per.ip can be set to zero only if max.connections.per.ip.overrides property is set.',
    });
  }

  // GroupCoordinatorConfig's requirement on the classic group session timeouts.
  if ((values['group.max.session.timeout.ms'] as number) < (values['group.min.session.timeout.ms'] as number)) {
    issues.push({
      key: Object.hasOwn(props, 'group.max.session.timeout.ms') ? 'group.max.session.timeout.ms' : 'group.min.session.timeout.ms',
      message: 'group.max.session.timeout.ms must be greater than or equal to group.min.session.timeout.ms',
    });
  }

  const interBrokerName = Object.hasOwn(props, 'inter.broker.listener.name');
  if (interBrokerName && Object.hasOwn(props, 'security.inter.broker.protocol')) {
    issues.push({
      key: 'inter.broker.listener.name',
      message: 'Only one of inter.broker.listener.name and security.inter.broker.protocol should be set.',
    });
  } else if (interBrokerName && values['inter.broker.listener.name'] !== null) {
    // Kafka's ListenerName.normalised: listener names compare upper-cased.
    const wantedName = (values['inter.broker.listener.name'] as string).toUpperCase();
    if (!advertisedNames.includes(wantedName) && !(values['process.roles'] as string[] | null)?.every((r) => r === 'controller')) {
      issues.push({
        key: 'inter.broker.listener.name',
        message: `inter.broker.listener.name must be a listener name defined in advertised.listeners. The valid options based on currently configured listeners are ${advertisedNames.join(',')}`,
      });
    }
  }
  return issues;
}

/** Listener settings Strom cannot change while running: a restart with a new server.properties does. */
const RESTART_ONLY = new Set(['listeners', 'advertised.listeners', 'listener.security.protocol.map']);

/**
 * A dynamic broker config change (AlterConfigs / IncrementalAlterConfigs on a BROKER resource) as
 * Kafka's DynamicBrokerConfig.validate checks it: no read-only configs, no per-broker configs at
 * the cluster default level, values of the config's type and range. Keys Kafka does not know are
 * accepted and stored, as Kafka does. Returns Kafka's message (without the resource prefix), or
 * undefined when the change is valid. Null values (removals) are always valid.
 */
export function dynamicBrokerConfigProblem(changes: Readonly<Record<string, string | null>>, perBroker: boolean): string | undefined {
  const names = Object.keys(changes);
  const set = (found: string[]) => `Set(${found.join(', ')})`;
  const readOnly = names.filter((name) => BROKER_CONFIGS_BY_NAME.get(name)?.updateMode === 'read-only');
  if (readOnly.length > 0) return `Cannot update these configs dynamically: ${set(readOnly)}`;
  const restartOnly = names.filter((name) => RESTART_ONLY.has(name) && changes[name] !== null);
  if (restartOnly.length > 0)
    return `Cannot update these configs dynamically: ${set(restartOnly)}; Strom applies listener changes from server.properties on restart`;
  for (const name of names) {
    const def = BROKER_CONFIGS_BY_NAME.get(name);
    const raw = changes[name];
    if (!def || raw === null || raw === undefined) continue;
    const parsed = tryParseValue(def, raw);
    if (!parsed.ok) return parsed.error.message;
  }
  if (!perBroker) {
    const perBrokerOnly = names.filter((name) => BROKER_CONFIGS_BY_NAME.get(name)?.updateMode === 'per-broker');
    if (perBrokerOnly.length > 0)
      return `Cannot update these configs at default cluster level, broker id must be specified: ${set(perBrokerOnly)}`;
  }
  return undefined;
}
