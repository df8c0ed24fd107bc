// Parsing, validating and rendering single values the way Kafka's ConfigDef does
// (ConfigDef.parseType, the validators' ensureValid, ConfigDef.convertToString).
import { ConfigTypeCode, type ConfigDef, type ConfigType, type ConfigValue, type Validator } from './types.js';

/** Kafka's ConfigException for one value: "Invalid value v for configuration name: reason". */
export class ConfigValueError extends Error {
  constructor(
    readonly configName: string,
    readonly configValue: string | null,
    readonly reason: string,
    message = `Invalid value ${configValue} for configuration ${configName}${reason ? `: ${reason}` : ''}`,
  ) {
    super(message);
    this.name = 'ConfigValueError';
  }
}

const INT_RANGE: Record<'INT' | 'SHORT', [number, number]> = { INT: [-2147483648, 2147483647], SHORT: [-32768, 32767] };
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;
const INTEGER = /^[+-]?[0-9]+$/;
// java.lang.Double.parseDouble for decimal input: sign, digits with optional point, exponent, d/f suffix.
const DOUBLE = /^[+-]?(NaN|Infinity|(([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?[fFdD]?))$/;
const JAVA_CLASS_NAME = /^[\p{L}_$][\p{L}\p{N}_$]*(\.[\p{L}_$][\p{L}\p{N}_$]*)*$/u;

/** LONG values: a number when exact (|v| <= 2^53 - 1), otherwise a bigint. */
export function longValue(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/**
 * ConfigDef.parseType: a raw string (or null) to the typed value, before validation. Strings are
 * trimmed; lists split on commas with surrounding whitespace. Throws ConfigValueError.
 */
export function parseType(name: string, type: ConfigType, raw: string | null): ConfigValue {
  if (raw === null) return null;
  const trimmed = raw.trim();
  const fail = (reason: string): never => {
    throw new ConfigValueError(name, raw, reason);
  };
  switch (type) {
    case 'BOOLEAN': {
      const lower = trimmed.toLowerCase();
      if (lower === 'true') return true;
      if (lower === 'false') return false;
      return fail('Expected value to be either true or false');
    }
    case 'STRING':
    case 'PASSWORD':
      return trimmed;
    case 'CLASS':
      return JAVA_CLASS_NAME.test(trimmed) ? trimmed : fail(`Class ${trimmed} could not be found.`);
    case 'INT':
    case 'SHORT': {
      const [min, max] = INT_RANGE[type];
      const n = INTEGER.test(trimmed) ? Number(trimmed) : NaN;
      return Number.isInteger(n) && n >= min && n <= max ? n : fail(`Not a number of type ${type}`);
    }
    case 'LONG': {
      const n = INTEGER.test(trimmed) ? BigInt(trimmed) : undefined;
      return n !== undefined && n >= LONG_MIN && n <= LONG_MAX ? longValue(n) : fail('Not a number of type LONG');
    }
    case 'DOUBLE': {
      if (!DOUBLE.test(trimmed)) return fail('Not a number of type DOUBLE');
      return Number(trimmed.replace(/[fFdD]$/, ''));
    }
    case 'LIST':
      return trimmed === '' ? [] : trimmed.split(/\s*,\s*/);
  }
}

/** Java's Double.toString: "0.5", "1.0", "1.0E7", "1.7976931348623157E308". */
export function javaDoubleToString(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(x);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(x);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [mantissa = '', exponent = '0'] = x.toExponential().split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}

/** ConfigDef.convertToString: how DescribeConfigs renders a typed value. */
export function renderValue(type: ConfigType, value: ConfigValue): string | null {
  if (value === null) return null;
  if (Array.isArray(value)) return value.join(',');
  if (type === 'DOUBLE' && typeof value === 'number') return javaDoubleToString(value);
  return String(value);
}

/** How Java prints a parsed value inside a ConfigException message. */
function showValue(value: ConfigValue): string {
  if (typeof value === 'number' && !Number.isInteger(value)) return javaDoubleToString(value);
  if (Array.isArray(value)) return `[${value.join(', ')}]`;
  return String(value);
}

/** The validator's ensureValid. Returns the ConfigValueError, or undefined when valid. */
export function checkValidator(name: string, validator: Validator, value: ConfigValue): ConfigValueError | undefined {
  const invalid = (reason: string, shown: ConfigValue = value) =>
    new ConfigValueError(name, shown === null ? null : showValue(shown), reason);
  switch (validator.kind) {
    case 'range': {
      if (value === null) return invalid('Value must be non-null');
      const n = value as number | bigint;
      if (validator.min !== undefined && n < validator.min) return invalid(`Value must be at least ${validator.min}`);
      if (validator.max !== undefined && n > validator.max) return invalid(`Value must be no more than ${validator.max}`);
      return undefined;
    }
    case 'in': {
      if (value === null) return undefined;
      const s = value as string;
      const ok = validator.caseInsensitive
        ? validator.values.some((v) => v.toLowerCase() === s.toLowerCase())
        : validator.values.includes(s);
      if (ok) return undefined;
      return invalid(
        validator.caseInsensitive
          ? `String must be one of (case insensitive): ${validator.values.join(', ')}`
          : `String must be one of: ${validator.values.join(', ')}`,
      );
    }
    case 'list-in': {
      if (value === null) return undefined;
      const bad = (value as string[]).find((element) => !validator.values.includes(element));
      return bad === undefined ? undefined : invalid(`String must be one of: ${validator.values.join(', ')}`, bad);
    }
    case 'non-empty-string':
      return value === null || (value as string).trim() !== '' ? undefined : invalid('String must be non-empty');
    case 'non-null':
      return value === null ? invalid('entry must be non null') : undefined;
    case 'custom': {
      if (value === null) return undefined;
      const reason = validator.check(value);
      return reason === undefined ? undefined : invalid(reason);
    }
  }
}

/** Kafka's "Valid Values" column for a validator. */
export function describeValidator(validator: Validator | undefined): string {
  if (!validator) return '';
  switch (validator.kind) {
    case 'range':
      if (validator.max === undefined) return `[${validator.min},...]`;
      if (validator.min === undefined) return `[...,${validator.max}]`;
      return `[${validator.min},...,${validator.max}]`;
    case 'in':
      return `${validator.caseInsensitive ? '(case insensitive) ' : ''}[${validator.values.join(', ')}]`;
    case 'list-in':
      return `[${validator.values.join(', ')}]`;
    case 'non-empty-string':
      return 'non-empty string';
    case 'non-null':
      return 'non-null string';
    case 'custom':
      return validator.describe;
  }
}

/** Parse and validate one raw value for a config. Throws ConfigValueError (Kafka's message). */
export function parseValue(def: ConfigDef, raw: string | null): ConfigValue {
  const value = parseType(def.name, def.type, raw);
  if (def.validator) {
    const error = checkValidator(def.name, def.validator, value);
    if (error) throw error;
  }
  return value;
}

export type ParseResult = { ok: true; value: ConfigValue } | { ok: false; error: ConfigValueError };

/** parseValue without throwing. */
export function tryParseValue(def: ConfigDef, raw: string | null): ParseResult {
  try {
    return { ok: true, value: parseValue(def, raw) };
  } catch (error) {
    if (error instanceof ConfigValueError) return { ok: false, error };
    throw error;
  }
}

/** The typed default of a config (null when Kafka's default is null or there is none). */
export function defaultValue(def: ConfigDef): ConfigValue {
  return parseType(def.name, def.type, def.default);
}

export function configTypeCode(type: ConfigType | undefined): ConfigTypeCode {
  return type === undefined ? ConfigTypeCode.UNKNOWN : ConfigTypeCode[type];
}
