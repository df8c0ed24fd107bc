// The one configuration path of every Strom process: flags > environment > server.properties
// (`--config` / STROM_CONFIG) > defaults, read once into typed, defaulted, validated values
// under Kafka's key names (and `strom.*` for Strom's own settings).
import { BROKER_CONFIGS, BROKER_CONFIGS_BY_NAME } from './broker-configs.js';
import {
  authorizerSettings,
  isAppliedPerListenerKey,
  listenerPrefix,
  listenerSasl,
  ListenerConfigError,
  parseListeners,
  protocolMap,
  type AuthorizerSettings,
  type Listener,
  type ListenerSasl,
  type SecurityProtocol,
} from './listeners.js';
import { interBrokerSettings, type InterBrokerSettings } from './inter-broker.js';
import { ConfigValueError, defaultValue, parseValue } from './parse.js';
import { PropertiesSyntaxError, readServerProperties } from './properties.js';
import { bindingsOf, CONFIG_FILE_BINDING, STROM_CONFIGS, STROM_CONFIGS_BY_NAME, STROM_DEFAULTS_FOR_KAFKA_KEYS } from './strom-configs.js';
import type { ConfigDef, ConfigValue } from './types.js';
import { validateBrokerConfig } from './validate.js';

/** kafka-server-start.sh's `--override key=value`. */
const OVERRIDE_FLAG = 'override';

/** A bad flag, environment value, file or key. The message names where it came from and the key. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Where a key's value came from. */
export type ConfigOrigin = 'flag' | 'env' | 'file' | 'default';

interface Explicit {
  readonly raw: string;
  readonly origin: Exclude<ConfigOrigin, 'default'>;
  /** `--port`, `STROM_PORT` or the file's path: what an error message blames. */
  readonly label: string;
}

export interface ConfigInput {
  /** Flags and env names of these keys are read; other flags are refused. Default: every binding. */
  readonly keys?: readonly string[];
  /** Values by key from flags (already split), with the flag each came from. */
  readonly flags?: ReadonlyMap<string, { raw: string; flag: string }>;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The server.properties entries and the path they were read from. */
  readonly file?: { readonly path: string; readonly entries: Readonly<Record<string, string>> };
}

/** The parsed configuration of one process. Every value is validated and defaulted. */
export class ServerConfig {
  private constructor(
    private readonly values: ReadonlyMap<string, ConfigValue>,
    private readonly explicit: ReadonlyMap<string, Explicit>,
    private readonly props: Readonly<Record<string, string>>,
    /**
     * The broker listeners of `listeners`, each served on its own port (the KRaft controller
     * listeners of `controller.listener.names` left out), the flags' host, port and protocol
     * applied to the first.
     */
    readonly listeners: readonly Listener[],
    /**
     * The broker listeners of `advertised.listeners` (default: `listeners`): what clients on each
     * listener are told. `strom.advertised.host` applies to the one named like the first listener.
     */
    readonly advertisedListeners: readonly Listener[],
    /** The SASL settings of each SASL listener, by listener name. */
    private readonly saslByListener: ReadonlyMap<string, ListenerSasl>,
    readonly authorizer: AuthorizerSettings,
    /** How this broker connects to the others (followers to leaders): the inter-broker listener and its client-side SASL. */
    readonly interBroker: InterBrokerSettings,
    /** The data directory (strom.data.dir, else the first of log.dirs or log.dir the file sets). */
    readonly dataDir: string,
    /**
     * Kafka keys set by the file, environment or flags, as given: what DescribeConfigs reports as
     * STATIC_BROKER_CONFIG and the broker layer under dynamic configs.
     */
    readonly staticConfig: Readonly<Record<string, string>>,
    readonly filePath: string | undefined,
    /** Keys set but ignored, and settings Strom serves only in part: to be logged at start. */
    readonly warnings: readonly string[],
  ) {}

  /** Resolves the layers; throws ConfigError naming the source and key of the first bad value. */
  static resolve(input: ConfigInput): ServerConfig {
    const explicit = explicitValues(input);
    const label = (key: string) => explicit.get(key)?.label ?? input.file?.path ?? 'default';
    const fail = (key: string, message: string): never => {
      throw new ConfigError(`${label(key)}: ${key}: ${message}`);
    };
    const props: Record<string, string> = { ...STROM_DEFAULTS_FOR_KAFKA_KEYS };
    for (const [key, { raw }] of explicit) props[key] = raw;

    const validation = validateBrokerConfig(props);
    const firstError = validation.errors[0];
    if (firstError) fail(firstError.key, firstError.message);
    const values = new Map<string, ConfigValue>(Object.entries(validation.values));
    for (const key of Object.keys(props)) {
      // A per-listener setting is checked against its key's definition, as Kafka checks listener-prefixed configs.
      const def = isAppliedPerListenerKey(key) ? BROKER_CONFIGS_BY_NAME.get(key.replace(/^listener\.name\.[^.]+\./, '')) : undefined;
      if (def) parseOrFail(def, props[key]!, (_key, message) => fail(key, message));
    }
    for (const def of STROM_CONFIGS) {
      const given = explicit.get(def.name);
      values.set(def.name, given === undefined ? defaultValue(def) : parseOrFail(def, given.raw, fail));
    }

    const warnings: string[] = [];
    const value = <T extends ConfigValue>(key: string) => values.get(key) as T;
    let listeners: Listener[];
    let advertisedListeners: Listener[];
    const saslByListener = new Map<string, ListenerSasl>();
    let authorizer: AuthorizerSettings;
    let interBroker: InterBrokerSettings;
    try {
      const protocols = protocolMap(value<string>('listener.security.protocol.map'));
      if (!explicit.has('listener.security.protocol.map')) {
        // KafkaConfig: KRaft controller listeners are PLAINTEXT unless the map says otherwise.
        for (const name of (value<string | null>('controller.listener.names') ?? '').split(',')) {
          if (name.trim() !== '' && !protocols.has(name.trim().toUpperCase())) protocols.set(name.trim().toUpperCase(), 'PLAINTEXT');
        }
      }
      const controllerNames = new Set(
        (value<string | null>('controller.listener.names') ?? '')
          .split(',')
          .map((name) => name.trim().toUpperCase())
          .filter((name) => name !== ''),
      );
      const all = parseListeners(value<string>('listeners'), protocols);
      for (const listener of all.filter((l) => controllerNames.has(l.name))) {
        warnings.push(
          `listeners: ${listener.name} is a KRaft controller listener (controller.listener.names); Strom has no controller and does not serve it`,
        );
      }
      listeners = withFirst(
        all.filter((listener) => !controllerNames.has(listener.name)),
        {
          host: value<string | null>('strom.listener.host'),
          port: value<number | null>('strom.listener.port'),
          securityProtocol: value<SecurityProtocol | null>('strom.listener.security.protocol'),
        },
      );
      const first = listeners[0];
      if (!first) return fail('listeners', 'There must be at least one broker listener');
      const advertised = explicit.has('advertised.listeners')
        ? parseListeners(value<string>('advertised.listeners'), protocols).filter((listener) => !controllerNames.has(listener.name))
        : listeners;
      const advertisedHost = value<string | null>('strom.advertised.host');
      advertisedListeners = advertised.map((listener) =>
        listener.name === first.name && advertisedHost !== null ? { ...listener, host: advertisedHost } : listener,
      );
      for (const listener of listeners) {
        if (listener.securityProtocol !== 'SASL_PLAINTEXT' && listener.securityProtocol !== 'SASL_SSL') continue;
        const sasl = listenerSasl(props, listener.name);
        saslByListener.set(listener.name, sasl);
        if (sasl.ignoredMechanisms.length > 0)
          warnings.push(
            `sasl.enabled.mechanisms (listener ${listener.name}): ${sasl.ignoredMechanisms.join(', ')} not supported by Strom; ignored`,
          );
        if (sasl.enabledMechanisms.includes('PLAIN') && sasl.plainUsers === undefined) {
          warnings.push(
            `${listenerPrefix(listener.name)}plain.sasl.jaas.config is not set: SASL/PLAIN has no users on listener ${listener.name}, every PLAIN login there fails`,
          );
        }
      }
      authorizer = authorizerSettings(
        value<string>('authorizer.class.name'),
        value<string | null>('super.users'),
        value<boolean>('allow.everyone.if.no.acl.found'),
      );
      interBroker = interBrokerSettings({
        props,
        listenerNameSetting: value<string | null>('inter.broker.listener.name'),
        securityProtocolSetting: value<SecurityProtocol>('security.inter.broker.protocol'),
        securityProtocolExplicit: explicit.has('security.inter.broker.protocol'),
        saslMechanism: value<string>('sasl.mechanism.inter.broker.protocol'),
        listeners,
        advertisedListeners,
        saslByListener,
      });
      if (interBroker.warning !== undefined) warnings.push(interBroker.warning);
    } catch (error) {
      if (error instanceof ListenerConfigError) return fail(error.key, error.message);
      throw error;
    }

    for (const warning of validation.warnings) {
      if (!STROM_CONFIGS_BY_NAME.has(warning.key)) warnings.push(`${warning.key}: ${warning.message}`);
    }
    const firstDir = (key: string) => (explicit.has(key) ? (value<string>(key).split(',')[0]?.trim() ?? '') : '');
    const dataDir = explicit.has('strom.data.dir')
      ? value<string>('strom.data.dir')
      : firstDir('log.dirs') || firstDir('log.dir') || value<string>('strom.data.dir');
    const staticConfig: Record<string, string> = { ...input.file?.entries };
    for (const [key, given] of explicit) if (given.origin !== 'file' && BROKER_CONFIGS_BY_NAME.has(key)) staticConfig[key] = given.raw;
    return new ServerConfig(
      values,
      explicit,
      props,
      listeners,
      advertisedListeners,
      saslByListener,
      authorizer,
      interBroker,
      dataDir,
      staticConfig,
      input.file?.path,
      warnings,
    );
  }

  /** Where a key's value came from. */
  source(key: string): ConfigOrigin {
    return this.explicit.get(key)?.origin ?? 'default';
  }

  /** The typed value of a key of either table. Throws for a key neither table defines (a bug). */
  value(key: string): ConfigValue {
    if (!this.values.has(key)) throw new Error(`no such config: ${key}`);
    return this.values.get(key)!;
  }

  int(key: string): number {
    return this.typed(key, 'number') as number;
  }

  /** A LONG that fits a JavaScript number (every LONG Strom reads as a duration or size does). */
  long(key: string): number {
    return this.typed(key, 'number') as number;
  }

  bool(key: string): boolean {
    return this.typed(key, 'boolean') as boolean;
  }

  string(key: string): string {
    return this.typed(key, 'string') as string;
  }

  /** A STRING with no default (null when not set). */
  optionalString(key: string): string | null {
    const value = this.value(key);
    if (value !== null && typeof value !== 'string') throw new Error(`config ${key} is not a string`);
    return value;
  }

  list(key: string): string[] {
    const value = this.value(key);
    if (!Array.isArray(value)) throw new Error(`config ${key} is not a list`);
    return value;
  }

  /**
   * A key as one listener sees it: `listener.name.<listener>.<key>` when set, else the key
   * (Kafka's per-listener overrides), typed by the key's definition.
   */
  listenerValue(listenerName: string, key: string): ConfigValue {
    const override = this.props[`${listenerPrefix(listenerName)}${key}`];
    const def = BROKER_CONFIGS_BY_NAME.get(key);
    if (override === undefined || def === undefined) return this.value(key);
    return parseValue(def, override);
  }

  /** A number-valued key (INT, or LONG that fits a number) as one listener sees it. */
  listenerNumber(listenerName: string, key: string): number {
    const value = this.listenerValue(listenerName, key);
    if (typeof value !== 'number') throw new Error(`config ${key} is not a number`);
    return value;
  }

  /**
   * The `ssl.*` settings of a listener (its `listener.name.<l>.ssl.*` over the broker-wide ones),
   * rendered as Kafka's strings; keys with no value are left out.
   */
  ssl(listenerName: string): Record<string, string> {
    const settings: Record<string, string> = {};
    for (const def of BROKER_CONFIGS) {
      if (!def.name.startsWith('ssl.')) continue;
      const value = this.listenerValue(listenerName, def.name);
      if (value === null) continue;
      settings[def.name] = Array.isArray(value) ? value.join(',') : String(value);
    }
    return settings;
  }

  /** The SASL settings of a SASL listener (undefined for PLAINTEXT and SSL listeners and those Strom does not serve). */
  sasl(listenerName: string): ListenerSasl | undefined {
    return this.saslByListener.get(listenerName);
  }

  private typed(key: string, type: 'number' | 'boolean' | 'string'): ConfigValue {
    const value = this.value(key);
    if (typeof value !== type) throw new Error(`config ${key} is ${value === null ? 'not set' : `not a ${type}`}`);
    return value;
  }
}

function parseOrFail(def: ConfigDef, raw: string, fail: (key: string, message: string) => never): ConfigValue {
  try {
    return parseValue(def, raw);
  } catch (error) {
    if (error instanceof ConfigValueError) return fail(def.name, error.message);
    throw error;
  }
}

/** File, then environment, then flags: each later layer replaces a key of the ones before. */
function explicitValues(input: ConfigInput): Map<string, Explicit> {
  const explicit = new Map<string, Explicit>();
  for (const [key, raw] of Object.entries(input.file?.entries ?? {})) explicit.set(key, { raw, origin: 'file', label: input.file!.path });
  for (const binding of bindingsOf(input.keys)) {
    const raw = input.env?.[binding.env];
    if (raw !== undefined && raw !== '') explicit.set(binding.key, { raw, origin: 'env', label: binding.env });
  }
  for (const [key, { raw, flag }] of input.flags ?? []) explicit.set(key, { raw, origin: 'flag', label: `--${flag}` });
  return explicit;
}

function withFirst(
  listeners: Listener[],
  overlay: { host?: string | null; port?: number | null; securityProtocol?: SecurityProtocol | null },
): Listener[] {
  const [first, ...rest] = listeners;
  if (!first) return listeners;
  return [
    {
      ...first,
      ...(overlay.host != null ? { host: overlay.host } : {}),
      ...(overlay.port != null ? { port: overlay.port } : {}),
      ...(overlay.securityProtocol != null ? { securityProtocol: overlay.securityProtocol } : {}),
    },
    ...rest,
  ];
}

/**
 * Splits `--name value` and `--name=value`; `--config` names the file, and `--override key=value`
 * (repeatable, as kafka-server-start.sh takes it) sets any key at flag precedence.
 */
export function parseFlags(
  argv: readonly string[],
  keys?: readonly string[],
): { flags: Map<string, { raw: string; flag: string }>; configPath?: string } {
  const byFlag = new Map(bindingsOf(keys).map((binding) => [binding.flag, binding]));
  const flags = new Map<string, { raw: string; flag: string }>();
  let configPath: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new ConfigError(`unexpected argument '${arg}'`);
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const binding = byFlag.get(name);
    if (!binding && name !== CONFIG_FILE_BINDING.flag && name !== OVERRIDE_FLAG) throw new ConfigError(`unknown flag --${name}`);
    const raw = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (raw === undefined) throw new ConfigError(`flag --${name} needs a value`);
    if (name === OVERRIDE_FLAG) {
      const split = raw.indexOf('=');
      const key = raw.slice(0, split).trim();
      if (split <= 0 || key === '') throw new ConfigError(`flag --${OVERRIDE_FLAG} needs key=value, not '${raw}'`);
      flags.set(key, { raw: raw.slice(split + 1), flag: `${OVERRIDE_FLAG} ${key}` });
    } else if (binding) flags.set(binding.key, { raw, flag: name });
    else configPath = raw;
  }
  return { flags, ...(configPath === undefined ? {} : { configPath }) };
}

export interface LoadOptions {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The keys this process takes flags and env for (see {@link FLAG_BINDINGS}). */
  readonly keys?: readonly string[];
}

/** Reads the flags, the environment and the server.properties they name: the one configuration of a process. */
export async function loadServerConfig(options: LoadOptions): Promise<ServerConfig> {
  const { flags, configPath } = parseFlags(options.argv, options.keys);
  const envPath = options.env[CONFIG_FILE_BINDING.env];
  const path = configPath ?? (envPath === '' ? undefined : envPath);
  let file: ConfigInput['file'];
  if (path !== undefined) {
    try {
      file = { path, entries: await readServerProperties(path) };
    } catch (error) {
      const reason = error instanceof PropertiesSyntaxError ? error.message : `cannot read it: ${(error as Error).message}`;
      throw new ConfigError(`${path}: ${reason}`);
    }
  }
  return ServerConfig.resolve({ flags, env: options.env, ...(options.keys ? { keys: options.keys } : {}), ...(file ? { file } : {}) });
}
