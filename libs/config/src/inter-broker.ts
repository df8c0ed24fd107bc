// How a broker connects to other brokers as a client (followers fetching from leaders), as Kafka's
// KafkaConfig and ChannelBuilders.clientChannelBuilder read it: the inter-broker listener
// (inter.broker.listener.name, else the listener named after security.inter.broker.protocol), its
// security protocol, and on SASL_* the mechanism (sasl.mechanism.inter.broker.protocol) with the
// username and password of `listener.name.<listener>.<mechanism>.sasl.jaas.config`.
import {
  listenerPrefix,
  ListenerConfigError,
  parseJaasConfig,
  SUPPORTED_SASL_MECHANISMS,
  type Listener,
  type ListenerSasl,
  type SecurityProtocol,
} from './listeners.js';

/** The client side of SASL between brokers. */
export interface InterBrokerSasl {
  /** sasl.mechanism.inter.broker.protocol: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512. */
  readonly mechanism: string;
  /** The `username` and `password` options of the listener's JAAS config for the mechanism. */
  readonly username: string;
  readonly password: string;
}

/** What a broker connects to other brokers with. */
export interface InterBrokerSettings {
  /** The listener name (upper-cased) a broker is reached on by the others. */
  readonly listenerName: string;
  readonly securityProtocol: SecurityProtocol;
  /** Set on SASL_PLAINTEXT and SASL_SSL. */
  readonly sasl: InterBrokerSasl | undefined;
  /**
   * Set when the defaults (security.inter.broker.protocol=PLAINTEXT) name a listener that does not
   * exist or that followers cannot authenticate to. Kafka refuses to start without the listener;
   * Strom starts, as a single broker needs no inter-broker listener, and says so.
   */
  readonly warning: string | undefined;
}

/** Kafka's login modules: the class a mechanism's JAAS config must name. */
const LOGIN_MODULES: Readonly<Record<string, string>> = {
  PLAIN: 'org.apache.kafka.common.security.plain.PlainLoginModule',
  'SCRAM-SHA-256': 'org.apache.kafka.common.security.scram.ScramLoginModule',
  'SCRAM-SHA-512': 'org.apache.kafka.common.security.scram.ScramLoginModule',
};

export interface InterBrokerInput {
  readonly props: Readonly<Record<string, string>>;
  /** inter.broker.listener.name (null when unset). */
  readonly listenerNameSetting: string | null;
  /** security.inter.broker.protocol, and whether the configuration sets it. */
  readonly securityProtocolSetting: SecurityProtocol;
  readonly securityProtocolExplicit: boolean;
  /** sasl.mechanism.inter.broker.protocol */
  readonly saslMechanism: string;
  /** The broker listeners served here and the ones advertised to other brokers. */
  readonly listeners: readonly Listener[];
  readonly advertisedListeners: readonly Listener[];
  /** The SASL settings of each SASL listener served here, by name. */
  readonly saslByListener: ReadonlyMap<string, ListenerSasl>;
}

/**
 * The inter-broker client settings; throws {@link ListenerConfigError} naming the key for an
 * inter-broker configuration that cannot work (Kafka's KafkaConfig.validateValues messages where
 * Kafka has one). When neither inter.broker.listener.name nor security.inter.broker.protocol is
 * set, the defaults name a listener PLAINTEXT, which many single-broker configurations do not
 * have or serve with SASL (`--security-protocol`): then the problem is a warning, and followers
 * fall back to plaintext, as before inter-broker security existed.
 */
export function interBrokerSettings(input: InterBrokerInput): InterBrokerSettings {
  try {
    return configuredInterBroker(input);
  } catch (error) {
    const explicit = input.listenerNameSetting !== null || input.securityProtocolExplicit;
    if (explicit || !(error instanceof ListenerConfigError)) throw error;
    return {
      listenerName: input.securityProtocolSetting.toUpperCase(),
      securityProtocol: input.securityProtocolSetting,
      sasl: undefined,
      warning:
        `${error.key}: ${error.message}. The inter-broker listener comes from the default security.inter.broker.protocol=` +
        `${input.securityProtocolSetting}: this broker starts (one broker needs no inter-broker listener), but other brokers ` +
        'cannot replicate from it; set inter.broker.listener.name or security.inter.broker.protocol (Kafka refuses to start)',
    };
  }
}

function configuredInterBroker(input: InterBrokerInput): InterBrokerSettings {
  const listenerName = (input.listenerNameSetting ?? input.securityProtocolSetting).toUpperCase();
  const served = input.listeners.find((listener) => listener.name === listenerName);
  const advertised = input.advertisedListeners.find((listener) => listener.name === listenerName);
  const listener = served ?? advertised;
  if (listener === undefined || advertised === undefined) {
    const valid = input.advertisedListeners.map((l) => l.name).join(',');
    throw new ListenerConfigError(
      input.listenerNameSetting !== null ? 'inter.broker.listener.name' : 'security.inter.broker.protocol',
      `inter.broker.listener.name must be a listener name defined in advertised.listeners. The valid options based on currently configured listeners are ${valid}`,
    );
  }
  const securityProtocol = listener.securityProtocol;
  if (securityProtocol !== 'SASL_PLAINTEXT' && securityProtocol !== 'SASL_SSL') {
    return { listenerName, securityProtocol, sasl: undefined, warning: undefined };
  }
  return { listenerName, securityProtocol, sasl: interBrokerSasl(input, listenerName), warning: undefined };
}

function interBrokerSasl(input: InterBrokerInput, listenerName: string): InterBrokerSasl {
  const mechanism = input.saslMechanism.trim();
  if (!SUPPORTED_SASL_MECHANISMS.includes(mechanism)) {
    throw new ListenerConfigError(
      'sasl.mechanism.inter.broker.protocol',
      `${mechanism} is not supported by Strom between brokers (supported: ${SUPPORTED_SASL_MECHANISMS.join(', ')}); ` +
        `the inter-broker listener ${listenerName} uses SASL`,
    );
  }
  const enabled = input.saslByListener.get(listenerName)?.enabledMechanisms ?? [];
  if (!enabled.includes(mechanism)) {
    throw new ListenerConfigError(
      'sasl.mechanism.inter.broker.protocol',
      'sasl.mechanism.inter.broker.protocol must be included in sasl.enabled.mechanisms when SASL is used for inter-broker communication',
    );
  }
  const jaasKey = `${listenerPrefix(listenerName)}${mechanism.toLowerCase()}.sasl.jaas.config`;
  const jaas = input.props[jaasKey];
  if (jaas === undefined) {
    throw new ListenerConfigError(
      jaasKey,
      `not set: a broker authenticates to the others with the username and password of this JAAS config (${mechanism} on listener ${listenerName})`,
    );
  }
  const entry = parseJaasConfig(jaasKey, jaas);
  const loginModule = LOGIN_MODULES[mechanism]!;
  if (entry.loginModule !== loginModule) throw new ListenerConfigError(jaasKey, `expected ${loginModule}, found ${entry.loginModule}`);
  const { username, password } = entry.options;
  if (username === undefined || username === '' || password === undefined || password === '') {
    throw new ListenerConfigError(
      jaasKey,
      `a broker authenticates to the others with the username and password options of ${loginModule}; ${username ? 'password' : 'username'} is not set`,
    );
  }
  return { mechanism, username, password };
}
