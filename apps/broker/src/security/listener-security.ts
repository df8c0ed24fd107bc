import { SUPPORTED_SASL_MECHANISMS } from '@strom/config';
import type { ListenerSecurityOptions } from '../broker.options.js';
import type { ConnectionSecurity } from '../network/connection.js';
import { usesSasl, usesTls } from '../network/request-handler.js';
import { staticPlainVerifier } from './plain.js';
import { SaslSession, saslMechanismFactory } from './sasl-session.js';
import { isScramMechanism, type ScramCredentialLookup } from './scram.js';
import { sslServer } from './ssl/ssl-server.js';

export { SUPPORTED_SASL_MECHANISMS };

/**
 * The mechanisms of `sasl.enabled.mechanisms` Strom can serve. Throws when none is left (Kafka's
 * default, GSSAPI, is not implemented), so a broker never starts a SASL listener no client can
 * authenticate on. The configuration already refuses such a file; this guards other callers.
 */
export function usableSaslMechanisms(enabled: readonly string[]): string[] {
  const usable = [...new Set(enabled.map((mechanism) => mechanism.trim()))].filter((mechanism) =>
    SUPPORTED_SASL_MECHANISMS.includes(mechanism),
  );
  if (usable.length === 0) {
    throw new Error(
      `sasl.enabled.mechanisms: none of ${enabled.length === 0 ? '(empty)' : enabled.join(',')} is supported by Strom ` +
        `(supported: ${SUPPORTED_SASL_MECHANISMS.join(', ')}; GSSAPI and OAUTHBEARER are not)`,
    );
  }
  return usable;
}

/**
 * What each connection of the listener applies: nothing for PLAINTEXT; the listener's TLS for
 * SSL and SASL_SSL (from `options.ssl`; throws SslConfigError naming the key when a store or
 * setting is wrong); for SASL_PLAINTEXT and SASL_SSL a {@link SaslSession} per connection over
 * the enabled mechanisms, PLAIN checked against the configured users and SCRAM against the
 * credentials of the metadata store.
 */
export function listenerSecurity(options: ListenerSecurityOptions, scram: { lookupScram: ScramCredentialLookup }): ConnectionSecurity {
  const protocol = options.securityProtocol;
  const ssl = usesTls(protocol) ? sslServer(options.ssl) : undefined;
  if (!usesSasl(protocol)) return { protocol, ...(ssl ? { ssl } : {}) };
  const mechanisms = usableSaslMechanisms(options.saslMechanisms);
  const plainUsers = options.plainUsers;
  const createMechanism = saslMechanismFactory({
    ...(mechanisms.includes('PLAIN') ? { verifyPlain: staticPlainVerifier(plainUsers) } : {}),
    ...(mechanisms.some(isScramMechanism) ? { lookupScram: (user, mechanism) => scram.lookupScram(user, mechanism) } : {}),
  });
  const maxTokenBytes = options.saslMaxReceiveBytes;
  return {
    protocol,
    ...(ssl ? { ssl } : {}),
    maxPreAuthFrameBytes: maxTokenBytes,
    createSaslSession: () =>
      new SaslSession({
        enabledMechanisms: mechanisms,
        createMechanism,
        connectionsMaxReauthMs: options.connectionsMaxReauthMs,
        maxTokenBytes,
      }),
  };
}
