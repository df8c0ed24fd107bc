// Small builders that keep the config tables readable: one line of data per config.
import type {
  BrokerConfigDef,
  BrokerSynonym,
  ConfigType,
  ConfigValue,
  Importance,
  StromSupport,
  TopicConfigDef,
  UpdateMode,
  Validator,
} from './types.js';

export const LONG_MAX = '9223372036854775807';
export const INT_MAX = '2147483647';

export const atLeast = (min: number): Validator => ({ kind: 'range', min });
export const between = (min: number, max: number): Validator => ({ kind: 'range', min, max });
export const oneOf = (...values: string[]): Validator => ({ kind: 'in', values });
export const oneOfIgnoringCase = (...values: string[]): Validator => ({ kind: 'in', values, caseInsensitive: true });
export const listOf = (...values: string[]): Validator => ({ kind: 'list-in', values });
export const nonNull: Validator = { kind: 'non-null' };
export const custom = (describe: string, check: (value: ConfigValue) => string | undefined): Validator => ({
  kind: 'custom',
  describe,
  check,
});

export const hours = (name: string): BrokerSynonym => ({ name, unit: 'hours' });
export const minutes = (name: string): BrokerSynonym => ({ name, unit: 'minutes' });

const IMPORTANCE = { high: 'HIGH', medium: 'MEDIUM', low: 'LOW' } as const;

interface Common {
  validator?: Validator;
  importance?: keyof typeof IMPORTANCE;
  required?: boolean;
}

/** A topic config: name, type, Kafka default, doc, then validator and broker synonyms. */
export function topic(
  name: string,
  type: ConfigType,
  defaultValue: string | null,
  doc: string,
  options: Common & { synonyms?: (string | BrokerSynonym)[] } = {},
): TopicConfigDef {
  return {
    scope: 'topic',
    name,
    type,
    default: defaultValue,
    doc,
    ...(options.validator ? { validator: options.validator } : {}),
    importance: IMPORTANCE[options.importance ?? 'medium'] as Importance,
    sensitive: type === 'PASSWORD',
    synonyms: (options.synonyms ?? []).map((s) => (typeof s === 'string' ? { name: s } : s)),
  };
}

const MODE = { ro: 'read-only', broker: 'per-broker', cluster: 'cluster-wide' } as const;

/** A broker config: name, type, Kafka default, update mode, Strom support, doc, then options. */
export function broker(
  name: string,
  type: ConfigType,
  defaultValue: string | null,
  mode: keyof typeof MODE,
  strom: StromSupport,
  doc: string,
  options: Common & { kafkaConfigKey?: boolean } = {},
): BrokerConfigDef {
  return {
    scope: 'broker',
    name,
    type,
    default: defaultValue,
    ...(options.required ? { required: true } : {}),
    doc,
    ...(options.validator ? { validator: options.validator } : {}),
    importance: IMPORTANCE[options.importance ?? 'medium'] as Importance,
    sensitive: type === 'PASSWORD' || options.kafkaConfigKey === false,
    updateMode: MODE[mode] as UpdateMode,
    strom,
    kafkaConfigKey: options.kafkaConfigKey ?? true,
  };
}
