import type { BrokerSecurityOptions } from '../broker.options.js';
import { SUPPORTED_SASL_MECHANISMS, usableSaslMechanisms } from './listener-security.js';

/** Kafka 4's authorizer class; the only one Strom implements. */
export const STANDARD_AUTHORIZER_CLASS = 'org.apache.kafka.metadata.authorizer.StandardAuthorizer';
const PLAIN_LOGIN_MODULE = 'org.apache.kafka.common.security.plain.PlainLoginModule';
const DEFAULT_PROTOCOL_MAP = 'SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT';

/** A security setting of server.properties Strom cannot honour; the message names the key. */
export class SecurityConfigError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`${key}: ${message}`);
    this.name = 'SecurityConfigError';
  }
}

export interface SecurityFromProperties {
  readonly options: BrokerSecurityOptions;
  /** Keys read here that the generic validation would call unsupported (listener.name.… overrides). */
  readonly appliedKeys: ReadonlySet<string>;
  readonly warnings: string[];
}

/**
 * The security settings of a Kafka server.properties, for the one listener Strom serves:
 * its security protocol (listener.security.protocol.map; PLAINTEXT or SASL_PLAINTEXT),
 * sasl.enabled.mechanisms (Kafka's default GSSAPI is not supported: a SASL listener with no
 * supported mechanism is refused), PLAIN users from
 * `listener.name.<listener>.plain.sasl.jaas.config` (`user_<name>="<password>"` options of
 * PlainLoginModule), the authorizer (authorizer.class.name = StandardAuthorizer), super.users,
 * allow.everyone.if.no.acl.found, connections.max.reauth.ms and sasl.server.max.receive.size.
 * Throws {@link SecurityConfigError}.
 */
export function securityFromProperties(props: Readonly<Record<string, string>>, listenerName: string | undefined): SecurityFromProperties {
  const warnings: string[] = [];
  const appliedKeys = new Set<string>();
  const name = listenerName ?? 'PLAINTEXT';
  const protocolMap = new Map(
    (props['listener.security.protocol.map'] ?? DEFAULT_PROTOCOL_MAP)
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '')
      .map((entry) => {
        const colon = entry.indexOf(':');
        return [
          entry.slice(0, colon).trim().toUpperCase(),
          entry
            .slice(colon + 1)
            .trim()
            .toUpperCase(),
        ] as const;
      }),
  );
  const protocol = protocolMap.get(name.toUpperCase());
  if (protocol === undefined)
    throw new SecurityConfigError('listener.security.protocol.map', `No security protocol defined for listener ${name}`);
  if (protocol !== 'PLAINTEXT' && protocol !== 'SASL_PLAINTEXT') {
    throw new SecurityConfigError(
      'listeners',
      `security protocol ${protocol} (listener ${name}) is not supported by Strom; use PLAINTEXT or SASL_PLAINTEXT`,
    );
  }
  const options: BrokerSecurityOptions = { securityProtocol: protocol };
  const listenerPrefix = `listener.name.${name.toLowerCase()}.`;

  if (protocol === 'SASL_PLAINTEXT') {
    const enabled = splitList(props[`${listenerPrefix}sasl.enabled.mechanisms`] ?? props['sasl.enabled.mechanisms'] ?? 'GSSAPI');
    if (props[`${listenerPrefix}sasl.enabled.mechanisms`] !== undefined) appliedKeys.add(`${listenerPrefix}sasl.enabled.mechanisms`);
    let mechanisms: string[];
    try {
      mechanisms = usableSaslMechanisms(enabled);
    } catch (error) {
      throw new SecurityConfigError('sasl.enabled.mechanisms', (error as Error).message.replace(/^sasl\.enabled\.mechanisms: /, ''));
    }
    const ignored = enabled.filter((mechanism) => !SUPPORTED_SASL_MECHANISMS.includes(mechanism));
    if (ignored.length > 0) warnings.push(`sasl.enabled.mechanisms: ${ignored.join(', ')} not supported by Strom; ignored`);
    options.saslMechanisms = mechanisms;
    for (const mechanism of enabled) {
      const key = `${listenerPrefix}${mechanism.toLowerCase()}.sasl.jaas.config`;
      if (props[key] !== undefined) appliedKeys.add(key);
    }
    if (mechanisms.includes('PLAIN')) {
      const key = `${listenerPrefix}plain.sasl.jaas.config`;
      const jaas = props[key];
      if (jaas === undefined) {
        warnings.push(`${key} is not set: SASL/PLAIN has no users, every PLAIN login fails`);
      } else {
        const entry = parseJaasConfig(key, jaas);
        if (entry.loginModule !== PLAIN_LOGIN_MODULE) {
          throw new SecurityConfigError(key, `expected ${PLAIN_LOGIN_MODULE}, found ${entry.loginModule}`);
        }
        const users: Record<string, string> = {};
        for (const [option, value] of Object.entries(entry.options)) {
          if (option.startsWith('user_') && option.length > 'user_'.length) users[option.slice('user_'.length)] = value;
        }
        options.plainUsers = users;
      }
    }
    const reauth = props['connections.max.reauth.ms'];
    if (reauth !== undefined) options.connectionsMaxReauthMs = Number(reauth);
    const maxReceive = props['sasl.server.max.receive.size'];
    if (maxReceive !== undefined) {
      const bytes = Number(maxReceive);
      if (!Number.isSafeInteger(bytes) || bytes <= 0)
        throw new SecurityConfigError('sasl.server.max.receive.size', `not a positive integer: ${maxReceive}`);
      options.saslMaxReceiveBytes = bytes;
      appliedKeys.add('sasl.server.max.receive.size');
    }
  }

  const authorizer = (props['authorizer.class.name'] ?? '').trim();
  if (authorizer !== '') {
    if (authorizer !== STANDARD_AUTHORIZER_CLASS) {
      throw new SecurityConfigError('authorizer.class.name', `${authorizer} is not supported by Strom; use ${STANDARD_AUTHORIZER_CLASS}`);
    }
    options.authorizerEnabled = true;
    options.superUsers = (props['super.users'] ?? '')
      .split(';')
      .map((user) => user.trim())
      .filter((user) => user !== '');
    options.allowEveryoneIfNoAclFound = (props['allow.everyone.if.no.acl.found'] ?? 'false').trim().toLowerCase() === 'true';
  }
  return { options, appliedKeys, warnings };
}

/** One JAAS configuration entry: `<LoginModule> <flag> key=value ... ;`. */
export interface JaasEntry {
  readonly loginModule: string;
  readonly flag: string;
  readonly options: Record<string, string>;
}

/**
 * Parses a `sasl.jaas.config` value as Kafka's JaasConfig does (one login module): the class,
 * the control flag, then `name=value` options, values bare or double-quoted (with `\` escapes),
 * ending with `;`.
 */
export function parseJaasConfig(key: string, value: string): JaasEntry {
  const tokens: { text: string; quoted: boolean }[] = [];
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
      if (i >= value.length) throw new SecurityConfigError(key, 'unterminated quoted string in JAAS config');
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
  const [module, flag, ...rest] = tokens;
  if (!module || module.quoted || !flag || flag.quoted) throw new SecurityConfigError(key, 'expected "<LoginModule> <flag> options;"');
  if (!['required', 'requisite', 'sufficient', 'optional'].includes(flag.text.toLowerCase())) {
    throw new SecurityConfigError(key, `invalid JAAS control flag '${flag.text}'`);
  }
  const options: Record<string, string> = {};
  let p = 0;
  while (p < rest.length && !(rest[p]!.text === ';' && !rest[p]!.quoted)) {
    const name = rest[p];
    const equals = rest[p + 1];
    const optionValue = rest[p + 2];
    const valueMissing = !optionValue || (!optionValue.quoted && (optionValue.text === ';' || optionValue.text === '='));
    if (!name || name.quoted || equals?.text !== '=' || equals.quoted || valueMissing) {
      throw new SecurityConfigError(key, `expected name=value at '${name?.text ?? ''}' in JAAS config`);
    }
    options[name.text] = optionValue!.text;
    p += 3;
  }
  if (p >= rest.length) throw new SecurityConfigError(key, "JAAS config entry must end with ';'");
  if (rest.slice(p + 1).length > 0) throw new SecurityConfigError(key, 'only one login module is supported in sasl.jaas.config');
  return { loginModule: module.text, flag: flag.text, options };
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}
