import { isIP } from 'node:net';
import { checkServerIdentity, createSecureContext, type ConnectionOptions, type SecureContextOptions } from 'node:tls';
import { openSslCiphers, protocolRange, SSL_DEFAULTS } from './ssl-server.js';
import { loadKeyStore, loadTrustStore, SslConfigError, type SslSettings } from './ssl-stores.js';

/** Kafka's default: the server certificate must name the host connected to. */
const DEFAULT_ENDPOINT_IDENTIFICATION = 'https';

/** The client side of TLS to one kind of server: what each connection is made with. */
export interface SslClient {
  /** Whether the server's certificate must name the host (ssl.endpoint.identification.algorithm=https). */
  readonly verifiesHostName: boolean;
  /** For `tls.connect` to `host`: the trusted CAs, the key store for mutual TLS, protocols and ciphers, host checking. */
  connectOptions(host: string): ConnectionOptions;
}

/**
 * TLS as a client with Kafka's `ssl.*` settings (Kafka's DefaultSslEngineFactory in client mode,
 * as a broker uses it towards other brokers): the server certificate is checked against the trust
 * store (Node's bundled CAs without one, as Java falls back to its cacerts), and its name against
 * the host when `ssl.endpoint.identification.algorithm` is `https` (the default; empty turns the
 * name check off, never the chain check). The key store, when configured, is presented for mutual
 * TLS. Throws {@link SslConfigError} naming the key for a store or setting that cannot work.
 */
export function sslClient(settings: SslSettings): SslClient {
  const algorithm = (settings['ssl.endpoint.identification.algorithm'] ?? DEFAULT_ENDPOINT_IDENTIFICATION).trim();
  if (algorithm !== '' && algorithm.toLowerCase() !== 'https') {
    throw new SslConfigError(
      'ssl.endpoint.identification.algorithm',
      `${algorithm} is not supported: use https (check the host name) or empty`,
    );
  }
  const verifiesHostName = algorithm !== '';
  const { minVersion, maxVersion } = protocolRange(settings['ssl.enabled.protocols'] ?? SSL_DEFAULTS['ssl.enabled.protocols']);
  const ciphers = settings['ssl.cipher.suites'] === undefined ? undefined : openSslCiphers(settings['ssl.cipher.suites']);
  const keyStore = loadKeyStore(settings);
  const trusted = loadTrustStore(settings);
  const contextOptions: SecureContextOptions = {
    ...(keyStore ? { key: keyStore.keyPem, cert: keyStore.certificateChainPem } : {}),
    ...(trusted ? { ca: trusted } : {}),
    minVersion,
    maxVersion,
    ...(ciphers !== undefined ? { ciphers } : {}),
  };
  let secureContext;
  try {
    secureContext = createSecureContext(contextOptions);
  } catch (error) {
    const reason = (error as Error).message;
    const key = /cipher/i.test(reason) ? 'ssl.cipher.suites' : 'ssl.keystore.location';
    throw new SslConfigError(key, `cannot connect with TLS with these settings: ${reason}`, { cause: error });
  }
  return {
    verifiesHostName,
    connectOptions: (host) => ({
      secureContext,
      // SNI takes host names only; an IP address is still checked against the certificate's IP SANs.
      ...(isIP(host) === 0 ? { servername: host } : {}),
      rejectUnauthorized: true,
      checkServerIdentity: verifiesHostName ? checkServerIdentity : () => undefined,
    }),
  };
}
