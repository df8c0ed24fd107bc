/**
 * Configuration from flags, environment and defaults (in that order of precedence), declared
 * once per app as a schema, so help text, validation and docker-compose checks all read the
 * same table.
 */

export type ConfigType = 'string' | 'int' | 'boolean' | 'url';

export interface ConfigField<T extends ConfigType = ConfigType> {
  type: T;
  /** The environment variable, e.g. `STROM_PORT`. */
  env: string;
  /** The long flag without dashes, e.g. `port` for `--port`. */
  flag: string;
  doc: string;
  default?: ValueOf<T>;
  /** Allowed values, for strings. */
  oneOf?: readonly string[];
  min?: number;
  max?: number;
}

type ValueOf<T extends ConfigType> = T extends 'int' ? number : T extends 'boolean' ? boolean : string;

export type ConfigSchema = Record<string, ConfigField>;

export type ConfigValues<S extends ConfigSchema> = {
  [K in keyof S]: S[K] extends { default: unknown } ? ValueOf<S[K]['type']> : ValueOf<S[K]['type']> | undefined;
};

/** A bad flag, environment value or config key; the message names it. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function defineConfigSchema<S extends ConfigSchema>(schema: S): S {
  for (const [key, field] of Object.entries(schema)) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(field.env)) throw new Error(`config ${key}: env name ${field.env} is not UPPER_SNAKE`);
    if (!/^[a-z][a-z0-9-]*$/.test(field.flag)) throw new Error(`config ${key}: flag ${field.flag} is not kebab-case`);
  }
  return schema;
}

/** Every environment variable a schema reads. */
export function envNames(schema: ConfigSchema): string[] {
  return Object.values(schema).map((field) => field.env);
}

/** Splits `--name value`, `--name=value` and bare `--flag` (boolean) arguments. */
export function parseFlags(argv: readonly string[], schema: ConfigSchema): { flags: Map<string, string>; rest: string[] } {
  const byFlag = new Map(Object.values(schema).map((field) => [field.flag, field]));
  const flags = new Map<string, string>();
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      rest.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const field = byFlag.get(name);
    if (!field) throw new ConfigError(`unknown flag --${name}`);
    if (eq !== -1) flags.set(name, arg.slice(eq + 1));
    else if (field.type === 'boolean' && (argv[i + 1] === undefined || argv[i + 1]!.startsWith('--'))) flags.set(name, 'true');
    else {
      const value = argv[++i];
      if (value === undefined) throw new ConfigError(`flag --${name} needs a value`);
      flags.set(name, value);
    }
  }
  return { flags, rest };
}

/**
 * Reads every field of `schema` from flags, then env, then `defaults` (a config file's values),
 * then the schema's default, validating flags and env.
 */
export function loadConfig<S extends ConfigSchema>(
  schema: S,
  sources: { argv?: readonly string[]; env?: NodeJS.ProcessEnv; defaults?: Partial<Record<keyof S, string | number | boolean>> } = {},
): ConfigValues<S> {
  const env = sources.env ?? process.env;
  const { flags } = parseFlags(sources.argv ?? [], schema);
  const values: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(schema)) {
    const fromFlag = flags.get(field.flag);
    const fromEnv = env[field.env];
    const raw = fromFlag ?? (fromEnv === '' ? undefined : fromEnv);
    const source = fromFlag !== undefined ? `--${field.flag}` : field.env;
    values[key] = raw === undefined ? (sources.defaults?.[key] ?? field.default) : parseValue(field, raw, source);
  }
  return values as ConfigValues<S>;
}

function parseValue(field: ConfigField, raw: string, source: string): string | number | boolean {
  switch (field.type) {
    case 'int': {
      if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(`${source}: '${raw}' is not an integer`);
      const value = Number(raw);
      if (!Number.isSafeInteger(value)) throw new ConfigError(`${source}: '${raw}' is out of range`);
      if (field.min !== undefined && value < field.min) throw new ConfigError(`${source}: ${value} is below the minimum ${field.min}`);
      if (field.max !== undefined && value > field.max) throw new ConfigError(`${source}: ${value} is above the maximum ${field.max}`);
      return value;
    }
    case 'boolean': {
      const lowered = raw.trim().toLowerCase();
      if (lowered === 'true' || lowered === '1') return true;
      if (lowered === 'false' || lowered === '0') return false;
      throw new ConfigError(`${source}: '${raw}' is not a boolean (true or false)`);
    }
    case 'url': {
      try {
        new URL(raw);
      } catch {
        throw new ConfigError(`${source}: '${raw}' is not a URL`);
      }
      return raw;
    }
    case 'string': {
      if (field.oneOf && !field.oneOf.includes(raw)) throw new ConfigError(`${source}: '${raw}' is not one of ${field.oneOf.join(', ')}`);
      return raw;
    }
  }
}

/** Help lines for a schema: flag, env name, default and what it does. */
export function describeConfig(schema: ConfigSchema): string {
  const rows = Object.values(schema).map((field) => {
    const flag = `--${field.flag}${field.type === 'boolean' ? '' : ' <' + field.type + '>'}`;
    const fallback = field.default === undefined ? '' : ` (default ${String(field.default)})`;
    return `  ${flag.padEnd(28)} ${field.env.padEnd(26)} ${field.doc}${fallback}`;
  });
  return rows.join('\n');
}
