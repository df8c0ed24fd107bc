// Listeners and their security as Kafka reads them from server.properties: `listeners` and
// `advertised.listeners` (NAME://host:port), `listener.security.protocol.map`, per-listener
// overrides `listener.name.<listener>.<key>`, the SASL mechanisms and JAAS users of a listener,
// and the authorizer. Kafka: SocketServerConfigs, ListenerName, JaasContext, JaasConfig.
import { BROKER_CONFIGS, LISTENER_PATTERN, type SECURITY_PROTOCOLS, splitList } from './broker-configs.js';

export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];

/** One endpoint of `listeners` (or `advertised.listeners`) with its security protocol. */
export interface Listener {
  /** The listener name, upper-cased as Kafka's ListenerName.normalised has it. */
  readonly name: string;
  /** The host; '' in the file (all interfaces) is given as 0.0.0.0. IPv6 without brackets. */
  readonly host: string;
  readonly port: number;
  readonly securityProtocol: SecurityProtocol;
}

/** The SASL settings of one SASL_* listener, per-listener overrides applied. */
export interface ListenerSasl {
  /** The mechanisms of sasl.enabled.mechanisms Strom implements, in the configured order. */
  readonly enabledMechanisms: readonly string[];
  /** Mechanisms configured that Strom does not implement (ignored, with a warning). */
  readonly ignoredMechanisms: readonly string[];
  /** PLAIN users (`user_<name>="<password>"` of the listener's PlainLoginModule), when PLAIN is enabled and configured. */
  readonly plainUsers: Readonly<Record<string, string>> | undefined;
}

/** authorizer.class.name and the StandardAuthorizer's own settings. */
export interface AuthorizerSettings {
  readonly enabled: boolean;
  /** super.users, e.g. `['User:admin']`. */
  readonly superUsers: readonly string[];
  readonly allowEveryoneIfNoAclFound: boolean;
}

/** The SASL mechanisms Strom's broker implements. */
export const SUPPORTED_SASL_MECHANISMS: readonly string[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];
/** Kafka 4's authorizer class; the only one Strom implements. */
export const STANDARD_AUTHORIZER_CLASS = 'org.apache.kafka.metadata.authorizer.StandardAuthorizer';
const PLAIN_LOGIN_MODULE = 'org.apache.kafka.common.security.plain.PlainLoginModule';

/** A setting that cannot work; `key` is the configuration key to blame. */
export class ListenerConfigError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(message);
    this.name = 'ListenerConfigError';
  }
}

/** `listener.name.<listener>.` (Kafka's ListenerName.configPrefix: the name in lower case). */
export function listenerPrefix(listenerName: string): string {
  return `listener.name.${listenerName.toLowerCase()}.`;
}

/** listener.security.protocol.map as a map from upper-cased listener name to protocol. */
export function protocolMap(value: string): Map<string, SecurityProtocol> {
  return new Map(
    splitList(value).map((entry) => {
      const [name = '', protocol = ''] = entry.split(':');
      return [name.trim().toUpperCase(), protocol.trim().toUpperCase() as SecurityProtocol];
    }),
  );
}

/**
 * The endpoints of a `listeners` value (already validated by its ConfigDef), each with its
 * protocol. A name without a protocol is an error of listener.security.protocol.map.
 */
export function parseListeners(value: string, protocols: ReadonlyMap<string, SecurityProtocol>): Listener[] {
  return splitList(value).map((entry) => {
    const match = LISTENER_PATTERN.exec(entry);
    if (!match) throw new ListenerConfigError('listeners', `Unable to parse ${entry} to a broker endpoint`);
    const name = match[1]!.toUpperCase();
    const securityProtocol = protocols.get(name.toUpperCase());
    if (securityProtocol === undefined) {
      throw new ListenerConfigError('listener.security.protocol.map', `No security protocol defined for listener ${name}`);
    }
    const host = match[2]!.replace(/^\[|\]$/g, '');
    return { name, host: host === '' ? '0.0.0.0' : host, port: Number(match[3]), securityProtocol };
  });
}

/**
 * The SASL settings of a listener: `sasl.enabled.mechanisms` (per-listener override first;
 * Kafka's default GSSAPI is not implemented, so a SASL listener needs a supported mechanism),
 * and the PLAIN users from `listener.name.<listener>.plain.sasl.jaas.config`.
 */
export function listenerSasl(props: Readonly<Record<string, string>>, listenerName: string): ListenerSasl {
  const prefix = listenerPrefix(listenerName);
  const key = props[`${prefix}sasl.enabled.mechanisms`] !== undefined ? `${prefix}sasl.enabled.mechanisms` : 'sasl.enabled.mechanisms';
  const enabled = [...new Set(splitList(props[key] ?? 'GSSAPI'))];
  const usable = enabled.filter((mechanism) => SUPPORTED_SASL_MECHANISMS.includes(mechanism));
  if (usable.length === 0) {
    throw new ListenerConfigError(
      key,
      `none of ${enabled.length === 0 ? '(empty)' : enabled.join(',')} is supported by Strom ` +
        `(supported: ${SUPPORTED_SASL_MECHANISMS.join(', ')}; GSSAPI and OAUTHBEARER are not)`,
    );
  }
  const jaasKey = `${prefix}plain.sasl.jaas.config`;
  const jaas = props[jaasKey];
  let plainUsers: Record<string, string> | undefined;
  if (usable.includes('PLAIN') && jaas !== undefined) {
    const entry = parseJaasConfig(jaasKey, jaas);
    if (entry.loginModule !== PLAIN_LOGIN_MODULE) {
      throw new ListenerConfigError(jaasKey, `expected ${PLAIN_LOGIN_MODULE}, found ${entry.loginModule}`);
    }
    plainUsers = {};
    for (const [option, value] of Object.entries(entry.options)) {
      if (option.startsWith('user_') && option.length > 'user_'.length) plainUsers[option.slice('user_'.length)] = value;
    }
  }
  return { enabledMechanisms: usable, ignoredMechanisms: enabled.filter((m) => !usable.includes(m)), plainUsers };
}

/**
 * The settings Strom applies per listener as `listener.name.<listener>.<key>` (over `<key>`), as
 * Kafka's channel builders read them: the SASL mechanisms and JAAS configs, the session lifetime
 * and token bound, the `ssl.*` settings Strom serves, and the listener's connection limits
 * (`max.connections`, KIP-402; `max.connection.creation.rate`, KIP-612), as Kafka's ConnectionQuotas reads them.
 */
const PER_LISTENER_KEYS: ReadonlySet<string> = new Set([
  'sasl.enabled.mechanisms',
  'max.connections',
  'max.connection.creation.rate',
  ...SUPPORTED_SASL_MECHANISMS.map((m) => `${m.toLowerCase()}.sasl.jaas.config`),
  'connections.max.reauth.ms',
  'sasl.server.max.receive.size',
  ...BROKER_CONFIGS.filter((def) => def.name.startsWith('ssl.') && def.strom !== 'unsupported').map((def) => def.name),
]);

/** Whether `listener.name.<listener>.<key>` is a per-listener setting Strom applies. */
export function isAppliedPerListenerKey(key: string): boolean {
  const match = /^listener\.name\.[^.]+\.(.+)$/.exec(key);
  return match !== null && PER_LISTENER_KEYS.has(match[1]!);
}

/** The authorizer: only Kafka's StandardAuthorizer (ACLs in the metadata store) is implemented. */
export function authorizerSettings(className: string, superUsers: string | null, allowEveryone: boolean): AuthorizerSettings {
  if (className === '') return { enabled: false, superUsers: [], allowEveryoneIfNoAclFound: allowEveryone };
  if (className !== STANDARD_AUTHORIZER_CLASS) {
    throw new ListenerConfigError('authorizer.class.name', `${className} is not supported by Strom; use ${STANDARD_AUTHORIZER_CLASS}`);
  }
  const users = (superUsers ?? '')
    .split(';')
    .map((user) => user.trim())
    .filter((user) => user !== '');
  return { enabled: true, superUsers: users, allowEveryoneIfNoAclFound: allowEveryone };
}

/** One JAAS configuration entry: `<LoginModule> <flag> key=value ... ;`. */
export interface JaasEntry {
  readonly loginModule: string;
  readonly flag: string;
  readonly options: Record<string, string>;
}

interface JaasToken {
  text: string;
  quoted: boolean;
}

function jaasTokens(key: string, value: string): JaasToken[] {
  const tokens: JaasToken[] = [];
  let i = 0;
  while (i < value.length) {
    const ch = value[i]!;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '"') {
      let text = '';
      i++;
      while (i < value.length && value[i] !== '"') {
        if (value[i] === '\\' && i + 1 < value.length) i++;
        text += value[i];
        i++;
      }
      if (i >= value.length) throw new ListenerConfigError(key, 'unterminated quoted string in JAAS config');
      i++;
      tokens.push({ text, quoted: true });
    } else if (ch === '=' || ch === ';') {
      tokens.push({ text: ch, quoted: false });
      i++;
    } else {
      let text = '';
      while (i < value.length && !/[\s=;"]/.test(value[i]!)) text += value[i++];
      tokens.push({ text, quoted: false });
    }
  }
  return tokens;
}

/**
 * Parses a `sasl.jaas.config` value as Kafka's JaasConfig does (one login module): the class,
 * the control flag, then `name=value` options, values bare or double-quoted (with `\` escapes),
 * ending with `;`.
 */
export function parseJaasConfig(key: string, value: string): JaasEntry {
  const [module, flag, ...rest] = jaasTokens(key, value);
  if (!module || module.quoted || !flag || flag.quoted) throw new ListenerConfigError(key, 'expected "<LoginModule> <flag> options;"');
  if (!['required', 'requisite', 'sufficient', 'optional'].includes(flag.text.toLowerCase())) {
    throw new ListenerConfigError(key, `invalid JAAS control flag '${flag.text}'`);
  }
  const options: Record<string, string> = {};
  let p = 0;
  while (p < rest.length && !(rest[p]!.text === ';' && !rest[p]!.quoted)) {
    const name = rest[p];
    const equals = rest[p + 1];
    const optionValue = rest[p + 2];
    const valueMissing = !optionValue || (!optionValue.quoted && (optionValue.text === ';' || optionValue.text === '='));
    if (!name || name.quoted || equals?.text !== '=' || equals.quoted || valueMissing) {
      throw new ListenerConfigError(key, `expected name=value at '${name?.text ?? ''}' in JAAS config`);
    }
    options[name.text] = optionValue!.text;
    p += 3;
  }
  if (p >= rest.length) throw new ListenerConfigError(key, "JAAS config entry must end with ';'");
  if (rest.slice(p + 1).length > 0) throw new ListenerConfigError(key, 'only one login module is supported in sasl.jaas.config');
  return { loginModule: module.text, flag: flag.text, options };
}
