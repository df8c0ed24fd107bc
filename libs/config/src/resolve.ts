// Effective values, sources and synonym chains, as Kafka's ConfigHelper computes them for
// DescribeConfigs (createTopicConfigEntry, createBrokerConfigEntry, configSynonyms).
import { BROKER_CONFIGS, brokerConfigDef } from './broker-configs.js';
import { configTypeCode, parseType, renderValue, tryParseValue } from './parse.js';
import { TOPIC_CONFIGS } from './topic-configs.js';
import { ConfigSource, ConfigTypeCode, type BrokerConfigDef, type BrokerSynonym, type ConfigValue, type TopicConfigDef } from './types.js';

/** Broker config values by where they come from. Values are raw strings as configured. */
export interface BrokerConfigLayers {
  /** server.properties (STATIC_BROKER_CONFIG). */
  readonly static?: Readonly<Record<string, string>>;
  /** Cluster-wide dynamic config, set on the default broker resource (DYNAMIC_DEFAULT_BROKER_CONFIG). */
  readonly dynamicDefault?: Readonly<Record<string, string>>;
  /** Dynamic config of this broker (DYNAMIC_BROKER_CONFIG). */
  readonly dynamicBroker?: Readonly<Record<string, string>>;
}

export interface ConfigSynonymEntry {
  readonly name: string;
  readonly value: string | null;
  readonly source: ConfigSource;
}

/** One config of a DescribeConfigs result (DescribeConfigsResourceResult). */
export interface DescribedConfig {
  readonly name: string;
  /** Kafka's rendering; null for sensitive configs and unset configs without default. */
  readonly value: string | null;
  readonly readOnly: boolean;
  readonly configSource: ConfigSource;
  readonly isSensitive: boolean;
  readonly synonyms: readonly ConfigSynonymEntry[];
  readonly configType: ConfigTypeCode;
  readonly documentation: string | null;
}

/** A resolved topic config: the DescribeConfigs entry (with all synonyms) plus the typed value. */
export interface ResolvedTopicConfig extends DescribedConfig {
  readonly parsed: ConfigValue;
}

export interface ResolveOptions {
  /**
   * 'chain' (default): the synonym list holds every broker synonym found, layer by layer.
   * 'kafka': reproduce Kafka 4.x exactly; it drops synonyms before the first occurrence of the
   * primary broker name (ConfigHelper.configSynonyms' dropWhile), so e.g. retention.ms fed only by
   * log.retention.hours is reported as DEFAULT_CONFIG with no synonyms.
   */
  readonly synonymMode?: 'chain' | 'kafka';
}

export interface DescribeOptions extends ResolveOptions {
  readonly includeSynonyms?: boolean;
  readonly includeDocumentation?: boolean;
  /** Only these configs (DescribeConfigs ConfigurationKeys); absent or empty means all. */
  readonly configNames?: readonly string[] | null;
}

const LISTENER_MECHANISM_CONFIGS = [
  'sasl.jaas.config',
  'sasl.login.class',
  'sasl.login.callback.handler.class',
  'sasl.server.callback.handler.class',
  'connections.max.reauth.ms',
  'sasl.server.max.receive.size',
];

/** DynamicBrokerConfig.brokerConfigSynonyms(name, matchListenerOverride = true). */
export function brokerConfigSynonyms(name: string): string[] {
  switch (name) {
    case 'log.roll.ms':
    case 'log.roll.hours':
      return ['log.roll.ms', 'log.roll.hours'];
    case 'log.roll.jitter.ms':
    case 'log.roll.jitter.hours':
      return ['log.roll.jitter.ms', 'log.roll.jitter.hours'];
    case 'log.flush.interval.ms':
      return ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'];
    case 'log.retention.ms':
    case 'log.retention.minutes':
    case 'log.retention.hours':
      return ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'];
  }
  const listener = /^listener\.name\.[^.]*\.(.*)$/.exec(name);
  if (listener?.[1]) {
    const baseName = listener[1];
    const mechanismConfig = LISTENER_MECHANISM_CONFIGS.find((config) => baseName.endsWith(config));
    return [name, mechanismConfig ?? baseName];
  }
  return [name];
}

const brokerDefaults = new Map<string, string>(
  BROKER_CONFIGS.filter((def) => def.default !== null && def.kafkaConfigKey).map((def) => [def.name, def.default as string]),
);

/** ConfigHelper.configSynonyms: every layer in priority order, each synonym name in order. */
function configSynonyms(
  name: string,
  synonyms: readonly string[],
  layers: BrokerConfigLayers,
  sensitive: boolean,
  dropBefore: boolean,
): ConfigSynonymEntry[] {
  const all: ConfigSynonymEntry[] = [];
  const scan = (map: Readonly<Record<string, string>> | ReadonlyMap<string, string> | undefined, source: ConfigSource) => {
    if (!map) return;
    for (const synonym of synonyms) {
      const value =
        map instanceof Map ? map.get(synonym) : Object.hasOwn(map, synonym) ? (map as Record<string, string>)[synonym] : undefined;
      if (value !== undefined && value !== null) all.push({ name: synonym, value: sensitive ? null : value, source });
    }
  };
  scan(layers.dynamicBroker, ConfigSource.DYNAMIC_BROKER_CONFIG);
  scan(layers.dynamicDefault, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
  scan(layers.static, ConfigSource.STATIC_BROKER_CONFIG);
  scan(brokerDefaults, ConfigSource.DEFAULT_CONFIG);
  if (!dropBefore) return all;
  const first = all.findIndex((entry) => entry.name === name);
  return first < 0 ? [] : all.slice(first);
}

/** static, then dynamic default, then dynamic broker on top: the broker's current properties. */
export function mergeLayers(layers: BrokerConfigLayers): Record<string, string> {
  return { ...layers.static, ...layers.dynamicDefault, ...layers.dynamicBroker };
}

const MS_PER_UNIT = { hours: 3_600_000n, minutes: 60_000n } as const;

/** A broker synonym's value as the topic config value (hours and minutes become ms). */
function fromSynonym(synonym: BrokerSynonym, raw: string | null): ConfigValue | undefined {
  const def = brokerConfigDef(synonym.name);
  if (!def || raw === null) return undefined;
  const parsed = tryParseValue(def, raw);
  if (!parsed.ok || parsed.value === null) return undefined;
  if (!synonym.unit) return parsed.value;
  const ms = BigInt(parsed.value as number) * MS_PER_UNIT[synonym.unit];
  return Number(ms);
}

/** The broker-derived server default of a topic config (KafkaConfig.extractLogConfigMap). */
function serverDefault(def: TopicConfigDef, merged: Record<string, string>): ConfigValue {
  let value: ConfigValue | undefined;
  for (const synonym of def.synonyms) {
    if (Object.hasOwn(merged, synonym.name)) value = fromSynonym(synonym, merged[synonym.name] ?? null);
    if (value !== undefined) break;
  }
  if (value === undefined) {
    for (const synonym of def.synonyms) {
      value = fromSynonym(synonym, brokerConfigDef(synonym.name)?.default ?? null);
      if (value !== undefined) break;
    }
  }
  value ??= parseType(def.name, def.type, def.default);
  // KafkaConfig.logRetentionTimeMillis maps any negative retention to -1.
  if (def.name === 'retention.ms' && typeof value === 'number' && value < 0) value = -1;
  return value;
}

function resolveOne(
  def: TopicConfigDef,
  overrides: Readonly<Record<string, string | null>>,
  layers: BrokerConfigLayers,
  merged: Record<string, string>,
  options: ResolveOptions,
): ResolvedTopicConfig {
  const raw = Object.hasOwn(overrides, def.name) ? overrides[def.name] : undefined;
  const override = raw === undefined || raw === null ? undefined : tryParseValue(def, raw);
  const parsed = override?.ok ? override.value : serverDefault(def, merged);
  const value = def.sensitive ? null : renderValue(def.type, parsed);
  const primary = def.synonyms[0]?.name;
  const synonyms = primary
    ? configSynonyms(primary, brokerConfigSynonyms(primary), layers, def.sensitive, options.synonymMode === 'kafka')
    : [];
  if (override?.ok) synonyms.unshift({ name: def.name, value, source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
  return {
    name: def.name,
    value,
    parsed,
    readOnly: false,
    configSource: synonyms[0]?.source ?? ConfigSource.DEFAULT_CONFIG,
    isSensitive: def.sensitive,
    synonyms,
    configType: configTypeCode(def.type),
    documentation: def.doc,
  };
}

/**
 * Every topic config's effective value for a topic with these overrides on a broker with these
 * configs, with its source and synonym chain: dynamic topic config, then dynamic broker, dynamic
 * default broker, static broker (each broker synonym in order), then broker defaults. Overrides
 * that are null or invalid are ignored (validate them with validateTopicConfigs first).
 */
export function resolveTopicConfig(
  topicOverrides: Readonly<Record<string, string | null>> = {},
  brokerConfig: BrokerConfigLayers = {},
  options: ResolveOptions = {},
): Record<string, ResolvedTopicConfig> {
  const merged = mergeLayers(brokerConfig);
  const result: Record<string, ResolvedTopicConfig> = {};
  for (const def of TOPIC_CONFIGS) result[def.name] = resolveOne(def, topicOverrides, brokerConfig, merged, options);
  return result;
}

function wanted(names: readonly string[] | null | undefined): (name: string) => boolean {
  if (!names || names.length === 0) return () => true;
  const set = new Set(names);
  return (name) => set.has(name);
}

function shape(entry: DescribedConfig, options: DescribeOptions): DescribedConfig {
  return {
    name: entry.name,
    value: entry.value,
    readOnly: entry.readOnly,
    configSource: entry.configSource,
    isSensitive: entry.isSensitive,
    synonyms: options.includeSynonyms ? entry.synonyms : [],
    configType: entry.configType,
    documentation: options.includeDocumentation ? entry.documentation : null,
  };
}

/** DescribeConfigs for a TOPIC resource. */
export function describeTopicConfigs(
  topicOverrides: Readonly<Record<string, string | null>> = {},
  brokerConfig: BrokerConfigLayers = {},
  options: DescribeOptions = {},
): DescribedConfig[] {
  const include = wanted(options.configNames);
  return Object.values(resolveTopicConfig(topicOverrides, brokerConfig, options))
    .filter((entry) => include(entry.name))
    .map((entry) => shape(entry, options));
}

export interface DescribeBrokerOptions extends DescribeOptions {
  /**
   * 'broker' (default): this broker's resource (name = its id): every config with its effective
   * value. 'default': the cluster default resource (empty name): only dynamic default configs.
   */
  readonly resource?: 'broker' | 'default';
}

function describedBrokerValue(def: BrokerConfigDef | undefined, raw: string | undefined): string | null {
  if (!def) return null;
  if (raw === undefined) return def.default;
  if (def.type === 'STRING') return raw.trim();
  const parsed = tryParseValue(def, raw);
  return parsed.ok ? renderValue(def.type, parsed.value) : raw;
}

/**
 * DescribeConfigs for a BROKER resource. Keys that are not KafkaConfig keys (unknown keys, and
 * authorizer configs such as super.users) are reported as Kafka does: UNKNOWN type, sensitive,
 * read-only, value null.
 */
export function describeBrokerConfigs(brokerConfig: BrokerConfigLayers = {}, options: DescribeBrokerOptions = {}): DescribedConfig[] {
  const include = wanted(options.configNames);
  const perBroker = (options.resource ?? 'broker') === 'broker';
  const merged = mergeLayers(brokerConfig);
  const names = perBroker
    ? new Set([...BROKER_CONFIGS.filter((def) => def.kafkaConfigKey).map((def) => def.name), ...Object.keys(merged)])
    : new Set(Object.keys(brokerConfig.dynamicDefault ?? {}));
  const result: DescribedConfig[] = [];
  for (const name of names) {
    if (!include(name)) continue;
    const known = brokerConfigDef(name);
    const def = known?.kafkaConfigKey ? known : undefined;
    const sensitive = def ? def.sensitive : true;
    let synonyms = configSynonyms(name, brokerConfigSynonyms(name), brokerConfig, sensitive, true);
    if (!perBroker) synonyms = synonyms.filter((s) => s.source === ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
    const raw = perBroker ? merged[name] : brokerConfig.dynamicDefault?.[name];
    const value = sensitive ? null : perBroker ? describedBrokerValue(def, raw) : (raw ?? null);
    result.push(
      shape(
        {
          name,
          value,
          readOnly: def ? def.updateMode === 'read-only' : true,
          configSource: synonyms[0]?.source ?? ConfigSource.DEFAULT_CONFIG,
          isSensitive: sensitive,
          synonyms,
          configType: def ? configTypeCode(def.type) : ConfigTypeCode.UNKNOWN,
          documentation: def?.doc ?? null,
        },
        options,
      ),
    );
  }
  return result;
}
