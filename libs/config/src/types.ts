// The shapes of Kafka's configuration model. Reference: Apache Kafka 4.1 (ConfigDef, LogConfig,
// KafkaConfig, DescribeConfigsResponse). Everything here is plain data.

/** Kafka's `ConfigDef.Type`. */
export type ConfigType = 'BOOLEAN' | 'STRING' | 'INT' | 'SHORT' | 'LONG' | 'DOUBLE' | 'LIST' | 'CLASS' | 'PASSWORD';

/** DescribeConfigs `ConfigType` codes (DescribeConfigsResponse.ConfigType). */
export const ConfigTypeCode = {
  UNKNOWN: 0,
  BOOLEAN: 1,
  STRING: 2,
  INT: 3,
  SHORT: 4,
  LONG: 5,
  DOUBLE: 6,
  LIST: 7,
  CLASS: 8,
  PASSWORD: 9,
} as const;
export type ConfigTypeCode = (typeof ConfigTypeCode)[keyof typeof ConfigTypeCode];

/**
 * DescribeConfigs `ConfigSource` codes (DescribeConfigsResponse.ConfigSource; the admin client calls
 * 1 DYNAMIC_TOPIC_CONFIG, the broker calls it TOPIC_CONFIG).
 */
export const ConfigSource = {
  UNKNOWN: 0,
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
  CLIENT_METRICS_CONFIG: 7,
  GROUP_CONFIG: 8,
} as const;
export type ConfigSource = (typeof ConfigSource)[keyof typeof ConfigSource];

/** Kafka error code for a bad configuration (Errors.INVALID_CONFIG). */
export const INVALID_CONFIG = 40;

export type Importance = 'HIGH' | 'MEDIUM' | 'LOW';

/** Kafka's broker "Update Mode": read-only needs a restart; the others can be altered dynamically. */
export type UpdateMode = 'read-only' | 'per-broker' | 'cluster-wide';

/**
 * What Strom does with a broker config. `applied`: honoured. `reported`: accepted and shown by
 * DescribeConfigs but has no effect. `unsupported`: a Kafka config Strom ignores; setting it warns.
 */
export type StromSupport = 'applied' | 'reported' | 'unsupported';

/** A typed config value, as ConfigDef.parseType produces it. LONG is a bigint only beyond 2^53. */
export type ConfigValue = boolean | number | bigint | string | string[] | null;

export type Validator =
  /** ConfigDef.Range: inclusive bounds, either may be absent. */
  | { readonly kind: 'range'; readonly min?: number; readonly max?: number }
  /** ConfigDef.ValidString (or CaseInsensitiveValidString). */
  | { readonly kind: 'in'; readonly values: readonly string[]; readonly caseInsensitive?: boolean }
  /** ConfigDef.ValidList: every element must be one of the values. */
  | { readonly kind: 'list-in'; readonly values: readonly string[] }
  /** ConfigDef.NonEmptyString. */
  | { readonly kind: 'non-empty-string' }
  /** ConfigDef.NonNullValidator. */
  | { readonly kind: 'non-null' }
  /**
   * Anything else. `check` gets the parsed value and returns Kafka's message (the part after
   * "Invalid value x for configuration y: "), or undefined when the value is fine.
   */
  | {
      readonly kind: 'custom';
      readonly describe: string;
      readonly check: (value: ConfigValue) => string | undefined;
    };

export interface ConfigDef {
  readonly name: string;
  readonly type: ConfigType;
  /** The default as DescribeConfigs renders it (ConfigDef.convertToString): a string, or null. */
  readonly default: string | null;
  /** True when Kafka defines no default (NO_DEFAULT_VALUE): the config must be set. */
  readonly required?: boolean;
  /** Short documentation; Kafka's text, shortened. */
  readonly doc: string;
  readonly validator?: Validator;
  readonly importance: Importance;
  /** Kafka treats PASSWORD (and untyped) configs as sensitive: values are never returned. */
  readonly sensitive: boolean;
}

/** A broker config that supplies a topic config's server default, with its unit conversion. */
export interface BrokerSynonym {
  readonly name: string;
  /** log.*.hours and log.retention.minutes are converted to milliseconds. */
  readonly unit?: 'hours' | 'minutes';
}

export interface TopicConfigDef extends ConfigDef {
  readonly scope: 'topic';
  /** Broker configs supplying the default, in Kafka's priority order (ServerTopicConfigSynonyms). */
  readonly synonyms: readonly BrokerSynonym[];
}

export interface BrokerConfigDef extends ConfigDef {
  readonly scope: 'broker';
  readonly updateMode: UpdateMode;
  readonly strom: StromSupport;
  /**
   * False for configs Kafka passes through to a plugin (e.g. super.users for the authorizer) but
   * that are not KafkaConfig keys: DescribeConfigs reports them as UNKNOWN type, sensitive.
   */
  readonly kafkaConfigKey: boolean;
}

/**
 * A setting of Strom's own (not a Kafka key): how a process reaches NATS, Postgres, Temporal,
 * where it keeps data, its admin port. Same model as Kafka's keys; named `strom.*` so a
 * server.properties can carry them beside Kafka's.
 */
export interface StromConfigDef extends ConfigDef {
  readonly scope: 'strom';
}

/** A command-line flag and environment variable that set one key (Kafka's or Strom's). */
export interface FlagBinding {
  readonly key: string;
  /** The long flag without dashes, e.g. `port` for `--port`. */
  readonly flag: string;
  /** The environment variable, e.g. `STROM_PORT`. */
  readonly env: string;
}
