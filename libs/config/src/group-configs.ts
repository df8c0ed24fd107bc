// Group configs (KIP-848's GROUP config resources): Kafka's GroupConfig as data, its validation
// against the broker's group coordinator bounds (GroupConfig.validate), and DescribeConfigs as
// Kafka's ConfigHelper.createGroupConfigEntry answers it. Reference: Apache Kafka trunk's
// GroupConfig (consumer.*, share.*, streams.*).
import { brokerConfigDef } from './broker-configs.js';
import { atLeast, oneOf } from './define.js';
import { configTypeCode, tryParseValue } from './parse.js';
import { mergeLayers, type BrokerConfigLayers, type DescribedConfig, type DescribeOptions } from './resolve.js';
import { ConfigSource, type ConfigDef, type ConfigType, type Validator } from './types.js';

/** A broker config bounding a group config, with Kafka's default for when Strom's table lacks it. */
interface BrokerBound {
  readonly name: string;
  readonly kafkaDefault: number;
}

export interface GroupConfigDef extends ConfigDef {
  readonly scope: 'group';
  /**
   * The broker config whose value is this group config's default (GroupCoordinatorConfig's
   * extractGroupConfigMap), with Kafka's default for when Strom's broker table lacks it.
   */
  readonly brokerDefault?: BrokerBound;
  /** Broker configs the value must lie within (GroupConfig.validateValues). */
  readonly min?: BrokerBound;
  readonly max?: BrokerBound;
}

function group(
  name: string,
  type: ConfigType,
  defaultValue: string,
  doc: string,
  extra: { validator?: Validator; brokerDefault?: BrokerBound; min?: BrokerBound; max?: BrokerBound } = {},
): GroupConfigDef {
  return { scope: 'group', name, type, default: defaultValue, doc, importance: 'MEDIUM', sensitive: false, ...extra };
}

const bound = (name: string, kafkaDefault: number): BrokerBound => ({ name, kafkaDefault });

/** A non-negative ISO-8601 duration as Java's Duration.parse reads it (PnDTnHnMn.nS), lower-cased. */
const ISO_DURATION = /^p(?=\d|t\d)(?:\d+d)?(?:t(?=\d)(?:\d+h)?(?:\d+m)?(?:\d+(?:\.\d+)?s)?)?$/;

/** ShareGroupAutoOffsetResetStrategy.Validator: earliest, latest or by_duration:<ISO-8601 duration>. */
const SHARE_AUTO_OFFSET_RESET: Validator = {
  kind: 'custom',
  describe: '[earliest, latest, by_duration:PnDTnHnMn.nS]',
  check: (value) => {
    const text = String(value).toLowerCase();
    if (text === 'earliest' || text === 'latest') return undefined;
    if (text.startsWith('by_duration:') && ISO_DURATION.test(text.slice('by_duration:'.length))) return undefined;
    return 'Invalid value for share.auto.offset.reset';
  },
};

// In the order GroupConfig.validateValues checks the bounds (heartbeat before session timeout).
// prettier-ignore
export const GROUP_CONFIGS: readonly GroupConfigDef[] = [
  group('consumer.heartbeat.interval.ms', 'INT', '5000', 'The heartbeat interval given to the members of a consumer group.', {
    validator: atLeast(1), brokerDefault: bound('group.consumer.heartbeat.interval.ms', 5000),
    min: bound('group.consumer.min.heartbeat.interval.ms', 5000), max: bound('group.consumer.max.heartbeat.interval.ms', 15000) }),
  group('consumer.session.timeout.ms', 'INT', '45000', 'The timeout to detect client failures when using the consumer group protocol.', {
    validator: atLeast(1), brokerDefault: bound('group.consumer.session.timeout.ms', 45000),
    min: bound('group.consumer.min.session.timeout.ms', 45000), max: bound('group.consumer.max.session.timeout.ms', 60000) }),
  group('consumer.assignment.interval.ms', 'INT', '-1', 'The minimum interval between assignment updates of a consumer group.', {
    validator: atLeast(-1) }),
  group('share.heartbeat.interval.ms', 'INT', '5000', 'The heartbeat interval given to the members of a share group.', {
    validator: atLeast(1), brokerDefault: bound('group.share.heartbeat.interval.ms', 5000),
    min: bound('group.share.min.heartbeat.interval.ms', 5000), max: bound('group.share.max.heartbeat.interval.ms', 15000) }),
  group('share.session.timeout.ms', 'INT', '45000', 'The timeout to detect client failures when using the share group protocol.', {
    validator: atLeast(1), brokerDefault: bound('group.share.session.timeout.ms', 45000),
    min: bound('group.share.min.session.timeout.ms', 45000), max: bound('group.share.max.session.timeout.ms', 60000) }),
  group('share.record.lock.duration.ms', 'INT', '30000', 'The record acquisition lock duration in milliseconds for share groups.', {
    validator: atLeast(1000), brokerDefault: bound('group.share.record.lock.duration.ms', 30000),
    min: bound('group.share.min.record.lock.duration.ms', 15000), max: bound('group.share.max.record.lock.duration.ms', 60000) }),
  group('share.delivery.count.limit', 'INT', '5', 'The maximum number of delivery attempts for a record delivered to a share group.', {
    validator: atLeast(2), brokerDefault: bound('group.share.delivery.count.limit', 5),
    min: bound('group.share.min.delivery.count.limit', 2), max: bound('group.share.max.delivery.count.limit', 10) }),
  group('share.auto.offset.reset', 'STRING', 'latest', 'The strategy to initialize the share-partition start offset.', {
    validator: SHARE_AUTO_OFFSET_RESET }),
  group('share.isolation.level', 'STRING', 'read_uncommitted', 'Controls how a share group reads records written transactionally.', {
    validator: oneOf('read_committed', 'read_uncommitted') }),
  group('share.assignment.interval.ms', 'INT', '-1', 'The minimum interval between assignment updates of a share group.', {
    validator: atLeast(-1) }),
  group('streams.heartbeat.interval.ms', 'INT', '5000', 'The heartbeat interval given to the members of a streams group.', {
    validator: atLeast(1), brokerDefault: bound('group.streams.heartbeat.interval.ms', 5000),
    min: bound('group.streams.min.heartbeat.interval.ms', 5000), max: bound('group.streams.max.heartbeat.interval.ms', 15000) }),
  group('streams.session.timeout.ms', 'INT', '45000', 'The timeout to detect client failures when using the streams group protocol.', {
    validator: atLeast(1), brokerDefault: bound('group.streams.session.timeout.ms', 45000),
    min: bound('group.streams.min.session.timeout.ms', 45000), max: bound('group.streams.max.session.timeout.ms', 60000) }),
  group('streams.num.standby.replicas', 'INT', '0', 'The number of standby replicas for each task of a streams group.', {
    validator: atLeast(0), brokerDefault: bound('group.streams.num.standby.replicas', 0),
    max: bound('group.streams.max.standby.replicas', 2) }),
  group('streams.initial.rebalance.delay.ms', 'INT', '3000', 'The delay before the first rebalance of a new streams group.', {
    validator: atLeast(0), brokerDefault: bound('group.streams.initial.rebalance.delay.ms', 3000) }),
  group('streams.assignment.interval.ms', 'INT', '-1', 'The minimum interval between assignment updates of a streams group.', {
    validator: atLeast(-1) }),
];

export const GROUP_CONFIGS_BY_NAME: ReadonlyMap<string, GroupConfigDef> = new Map(GROUP_CONFIGS.map((def) => [def.name, def]));

export function groupConfigDef(name: string): GroupConfigDef | undefined {
  return GROUP_CONFIGS_BY_NAME.get(name);
}

/** A broker config's value on this broker (its layers over Strom's default over Kafka's). */
function brokerValue(broker: Readonly<Record<string, string>>, bound: BrokerBound): number {
  const raw = broker[bound.name] ?? brokerConfigDef(bound.name)?.default;
  const value = raw === undefined || raw === null ? Number.NaN : Number(raw);
  return Number.isInteger(value) ? value : bound.kafkaDefault;
}

/** The session/heartbeat pairs GroupConfig checks last: the session timeout must exceed the interval. */
const SESSION_OVER_HEARTBEAT: readonly [string, string][] = [
  ['consumer.session.timeout.ms', 'consumer.heartbeat.interval.ms'],
  ['share.session.timeout.ms', 'share.heartbeat.interval.ms'],
  ['streams.session.timeout.ms', 'streams.heartbeat.interval.ms'],
];

/**
 * GroupConfig.validate: `configs` is the group's whole set of overrides after the change; unset
 * configs take GroupConfig's own defaults. Returns Kafka's InvalidConfigurationException message,
 * or undefined when the configs are valid. `broker` is the broker's config (its layers merged),
 * which holds the group.* bounds.
 */
export function groupConfigProblem(
  configs: Readonly<Record<string, string>>,
  broker: Readonly<Record<string, string>>,
): string | undefined {
  for (const name of Object.keys(configs)) if (!GROUP_CONFIGS_BY_NAME.has(name)) return `Unknown group config name: ${name}`;
  const values = new Map<string, number>();
  for (const def of GROUP_CONFIGS) {
    const parsed = tryParseValue(def, configs[def.name] ?? def.default);
    if (!parsed.ok) return parsed.error.message;
    if (typeof parsed.value === 'number') values.set(def.name, parsed.value);
  }
  for (const def of GROUP_CONFIGS) {
    const value = values.get(def.name);
    if (value === undefined) continue;
    if (def.min && value < brokerValue(broker, def.min)) return `${def.name} must be greater than or equal to ${def.min.name}`;
    if (def.max && value > brokerValue(broker, def.max)) return `${def.name} must be less than or equal to ${def.max.name}`;
  }
  for (const [session, heartbeat] of SESSION_OVER_HEARTBEAT) {
    if (values.get(session)! <= values.get(heartbeat)!) return `${session} must be greater than ${heartbeat}`;
  }
  return undefined;
}

/**
 * DescribeConfigs for a GROUP resource, as ConfigHelper.createGroupConfigEntry answers it: every
 * group config, GROUP_CONFIG where the group sets it, else DEFAULT_CONFIG with the broker's group
 * coordinator value (group.consumer.session.timeout.ms for consumer.session.timeout.ms, …); never
 * read-only.
 */
export function describeGroupConfigs(
  overrides: Readonly<Record<string, string>>,
  layers: BrokerConfigLayers,
  options: DescribeOptions = {},
): DescribedConfig[] {
  const broker = mergeLayers(layers);
  const wanted = options.configNames && options.configNames.length > 0 ? new Set(options.configNames) : undefined;
  return GROUP_CONFIGS.filter((def) => !wanted || wanted.has(def.name)).map((def) => {
    const set = overrides[def.name];
    const defaultValue = def.brokerDefault ? String(brokerValue(broker, def.brokerDefault)) : def.default;
    const value = set ?? defaultValue;
    const source = set === undefined ? ConfigSource.DEFAULT_CONFIG : ConfigSource.GROUP_CONFIG;
    // The default under the broker config that gives it (group.consumer.session.timeout.ms, …),
    // after the group's own value if it sets one: what Kafka 4.4 lists.
    const fallback = { name: def.brokerDefault?.name ?? def.name, value: defaultValue, source: ConfigSource.DEFAULT_CONFIG };
    const synonyms = set === undefined ? [fallback] : [{ name: def.name, value, source }, fallback];
    return {
      name: def.name,
      value,
      readOnly: false,
      configSource: source,
      isSensitive: false,
      synonyms: options.includeSynonyms ? synonyms : [],
      configType: configTypeCode(def.type),
      documentation: options.includeDocumentation ? def.doc : null,
    };
  });
}
