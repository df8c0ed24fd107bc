import type { X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContextOptions, type SecureVersion, type TlsOptions, type TLSSocket } from 'node:tls';
import { OPENSSL_CIPHER_BY_IANA_NAME } from './generated/cipher-suites.js';
import { DEFAULT_SSL_PRINCIPAL_MAPPING_RULES, SslPrincipalMapper } from './ssl-principal-mapper.js';
import { loadKeyStore, loadTrustStore, SslConfigError, type SslSettings } from './ssl-stores.js';
import { subjectDistinguishedName } from './x500-name.js';

/** `ssl.client.auth`: whether the broker asks for (requested) or insists on (required) a client certificate. */
export type SslClientAuth = 'none' | 'requested' | 'required';

/** Kafka's defaults for a listener's TLS. */
export const SSL_DEFAULTS = {
  'ssl.client.auth': 'none',
  'ssl.enabled.protocols': 'TLSv1.2,TLSv1.3',
  'ssl.protocol': 'TLSv1.3',
} as const;

/** Oldest first: Node's minVersion/maxVersion take a range of these. */
const TLS_VERSIONS: readonly SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
/** ssl.protocol values Java's SSLContext.getInstance knows (the context's protocol family). */
const SSL_CONTEXT_PROTOCOLS: ReadonlySet<string> = new Set(['TLS', 'TLSV1', 'TLSV1.1', 'TLSV1.2', 'TLSV1.3', 'SSL', 'SSLV3', 'DEFAULT']);

/** What a TLS listener serves with: the context, the client certificate policy, the principal rules. */
export interface SslServer {
  /** For `tls.createServer`: the key, chain, trusted CAs, protocols and ciphers, and the client certificate policy. */
  readonly serverOptions: TlsOptions;
  readonly clientAuth: SslClientAuth;
  /**
   * The connection's principal once its handshake is done (Kafka's
   * `DefaultKafkaPrincipalBuilder` for SSL): `User:` and the client certificate's subject mapped
   * by `ssl.principal.mapping.rules`, or `User:ANONYMOUS` without a client certificate. Throws
   * when no rule maps the subject (Kafka then fails the connection's authentication).
   */
  principalOf(socket: TLSSocket): string;
}

/**
 * A TLS listener's settings (Kafka's `ssl.*` keys, already resolved for the listener, e.g. from
 * `listener.name.<name>.ssl.*`) checked and turned into what Node's TLS serves with. Throws
 * {@link SslConfigError} naming the key for a missing or unreadable store, a wrong password, an
 * unknown protocol, cipher suite or client-auth value, or invalid mapping rules.
 */
export function sslServer(settings: SslSettings): SslServer {
  const clientAuth = parseClientAuth(settings['ssl.client.auth'] ?? SSL_DEFAULTS['ssl.client.auth']);
  const protocol = (settings['ssl.protocol'] ?? SSL_DEFAULTS['ssl.protocol']).trim();
  if (!SSL_CONTEXT_PROTOCOLS.has(protocol.toUpperCase())) throw new SslConfigError('ssl.protocol', `${protocol} SSLContext not available`);
  const { minVersion, maxVersion } = protocolRange(settings['ssl.enabled.protocols'] ?? SSL_DEFAULTS['ssl.enabled.protocols']);
  const ciphers = settings['ssl.cipher.suites'] === undefined ? undefined : openSslCiphers(settings['ssl.cipher.suites']);
  let mapper: SslPrincipalMapper;
  try {
    mapper = new SslPrincipalMapper(settings['ssl.principal.mapping.rules'] ?? DEFAULT_SSL_PRINCIPAL_MAPPING_RULES);
  } catch (error) {
    throw new SslConfigError('ssl.principal.mapping.rules', (error as Error).message, { cause: error });
  }
  const keyStore = loadKeyStore(settings);
  if (keyStore === undefined)
    throw new SslConfigError(
      'ssl.keystore.location',
      'a TLS listener needs a key store (ssl.keystore.location, or ssl.keystore.key with ssl.keystore.type=PEM)',
    );
  const trusted = loadTrustStore(settings);
  const contextOptions: SecureContextOptions = {
    key: keyStore.keyPem,
    cert: keyStore.certificateChainPem,
    ...(trusted ? { ca: trusted } : {}),
    minVersion,
    maxVersion,
    ...(ciphers !== undefined ? { ciphers } : {}),
  };
  try {
    createSecureContext(contextOptions); // refuses what OpenSSL cannot serve now rather than at the first client
  } catch (error) {
    const reason = (error as Error).message;
    const key = /cipher/i.test(reason) ? 'ssl.cipher.suites' : 'ssl.keystore.location';
    throw new SslConfigError(key, `cannot serve TLS with these settings: ${reason}`, { cause: error });
  }
  return {
    // Kafka's `requested` (want) still fails a client whose certificate is not trusted: the
    // listener closes those (Node lets them through with `authorized` false).
    serverOptions: { ...contextOptions, requestCert: clientAuth !== 'none', rejectUnauthorized: clientAuth === 'required' },
    clientAuth,
    principalOf: (socket) => {
      const certificate: X509Certificate | undefined = socket.getPeerX509Certificate();
      if (certificate === undefined) return 'User:ANONYMOUS';
      return `User:${mapper.getName(subjectDistinguishedName(certificate.raw))}`;
    },
  };
}

function parseClientAuth(value: string): SslClientAuth {
  const normalized = value.trim().toLowerCase();
  if (normalized === 'none' || normalized === 'requested' || normalized === 'required') return normalized;
  throw new SslConfigError('ssl.client.auth', `Invalid value ${value}: must be one of required, requested, none`);
}

/**
 * `ssl.enabled.protocols` as Node's version range. Node enables a contiguous range, so a list
 * with a gap (TLSv1.1,TLSv1.3) also enables what lies between.
 */
export function protocolRange(list: string): { minVersion: SecureVersion; maxVersion: SecureVersion } {
  const indexes = splitList(list).map((name) => {
    const index = TLS_VERSIONS.findIndex((version) => version.toLowerCase() === name.toLowerCase());
    if (index < 0)
      throw new SslConfigError('ssl.enabled.protocols', `Unsupported protocol: ${name} (supported: ${TLS_VERSIONS.join(', ')})`);
    return index;
  });
  if (indexes.length === 0) throw new SslConfigError('ssl.enabled.protocols', 'no protocol enabled');
  return { minVersion: TLS_VERSIONS[Math.min(...indexes)]!, maxVersion: TLS_VERSIONS[Math.max(...indexes)]! };
}

/**
 * `ssl.cipher.suites` (IANA names, as Java has them; `SSL_` is Java's prefix for the oldest
 * ones) as an OpenSSL cipher list for Node, in the given order.
 */
export function openSslCiphers(list: string): string {
  const names = splitList(list);
  if (names.length === 0) throw new SslConfigError('ssl.cipher.suites', 'no cipher suite listed');
  return names
    .map((name) => {
      const openssl = OPENSSL_CIPHER_BY_IANA_NAME.get(name.replace(/^SSL_/, 'TLS_'));
      if (openssl === undefined) throw new SslConfigError('ssl.cipher.suites', `Unsupported CipherSuite: ${name}`);
      return openssl;
    })
    .join(':');
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}
