import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type * as Jks from 'jks-js';
import type Forge from 'node-forge';
import { forge, jks } from './forge.js';

/** A listener's `ssl.*` setting Strom cannot use; the message names the key. */
export class SslConfigError extends Error {
  constructor(
    readonly key: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${key}: ${message}`, options);
    this.name = 'SslConfigError';
  }
}

/** A key store's private key and certificate chain, as Node's TLS takes them. */
export interface KeyMaterial {
  /** Unencrypted PKCS#8 PEM. */
  readonly keyPem: string;
  /** The end-entity certificate first, then the certificates that issued it (PEM). */
  readonly certificateChainPem: string;
}

/** The listener's `ssl.*` settings, Kafka's keys, already resolved for the listener. */
export type SslSettings = Readonly<Record<string, string | undefined>>;

/**
 * The key store as Kafka's `DefaultSslEngineFactory.createKeystore` reads it:
 * `ssl.keystore.type` JKS (default) or PKCS12 from `ssl.keystore.location` with
 * `ssl.keystore.password` (and `ssl.key.password` for the key, default the store password), or
 * PEM (KIP-651) from `ssl.keystore.location` or the inline `ssl.keystore.key` and
 * `ssl.keystore.certificate.chain`, the key encrypted with `ssl.key.password` when set. JKS and
 * PKCS12 files are told apart by their content whichever of the two is named, as Java's
 * `keystore.type.compat` does. `undefined` when no key store is configured.
 */
export function loadKeyStore(settings: SslSettings): KeyMaterial | undefined {
  const type = (settings['ssl.keystore.type'] ?? 'JKS').trim().toUpperCase();
  const path = settings['ssl.keystore.location'];
  const password = settings['ssl.keystore.password'];
  const keyPassword = settings['ssl.key.password'];
  const inlineKey = settings['ssl.keystore.key'];
  const inlineChain = settings['ssl.keystore.certificate.chain'];
  if (inlineKey !== undefined) {
    if (type !== 'PEM')
      throw new SslConfigError('ssl.keystore.key', `SSL private key can be specified only for PEM, but key store type is ${type}.`);
    if (inlineChain === undefined)
      throw new SslConfigError('ssl.keystore.certificate.chain', 'SSL private key is specified, but certificate chain is not specified.');
    if (path !== undefined)
      throw new SslConfigError('ssl.keystore.location', 'Both SSL key store location and separate private key are specified.');
    if (password !== undefined)
      throw new SslConfigError(
        'ssl.keystore.password',
        'SSL key store password cannot be specified with PEM format, only key password may be specified.',
      );
    return pemKeyMaterial(inlineKey, 'ssl.keystore.key', inlineChain, 'ssl.keystore.certificate.chain', keyPassword);
  }
  if (inlineChain !== undefined)
    throw new SslConfigError('ssl.keystore.key', 'SSL certificate chain is specified, but private key is not specified');
  if (type === 'PEM' && path !== undefined) {
    if (password !== undefined)
      throw new SslConfigError(
        'ssl.keystore.password',
        'SSL key store password cannot be specified with PEM format, only key password may be specified',
      );
    const contents = readStore('ssl.keystore.location', path).toString('utf8');
    return pemKeyMaterial(contents, 'ssl.keystore.location', contents, 'ssl.keystore.location', keyPassword);
  }
  if (path === undefined) {
    if (password !== undefined)
      throw new SslConfigError('ssl.keystore.location', 'SSL key store is not specified, but key store password is specified.');
    return undefined;
  }
  if (password === undefined)
    throw new SslConfigError('ssl.keystore.password', 'SSL key store is specified, but key store password is not specified.');
  checkStoreType('ssl.keystore.type', type);
  const bytes = readStore('ssl.keystore.location', path);
  return isJks(bytes) ? jksKeyMaterial(bytes, path, password, keyPassword ?? password) : pkcs12KeyMaterial(bytes, path, password);
}

/**
 * The trust store's certificates (PEM), as Kafka's `createTruststore` reads it: JKS or PKCS12
 * from `ssl.truststore.location` (the password, when given, checks the store's integrity), or PEM
 * from that file or the inline `ssl.truststore.certificates`. `undefined` when none is configured
 * (Java then trusts its default CAs; Node trusts its bundled ones).
 */
export function loadTrustStore(settings: SslSettings): string[] | undefined {
  const type = (settings['ssl.truststore.type'] ?? 'JKS').trim().toUpperCase();
  const path = settings['ssl.truststore.location'];
  const password = settings['ssl.truststore.password'];
  const inline = settings['ssl.truststore.certificates'];
  if (inline !== undefined) {
    if (type !== 'PEM')
      throw new SslConfigError(
        'ssl.truststore.certificates',
        `SSL trust store certs can be specified only for PEM, but trust store type is ${type}.`,
      );
    if (path !== undefined)
      throw new SslConfigError('ssl.truststore.location', 'Both SSL trust store location and separate trust certificates are specified.');
    if (password !== undefined)
      throw new SslConfigError('ssl.truststore.password', 'SSL trust store password cannot be specified for PEM format.');
    return pemCertificates(inline, 'ssl.truststore.certificates');
  }
  if (type === 'PEM' && path !== undefined) {
    if (password !== undefined)
      throw new SslConfigError('ssl.truststore.password', 'SSL trust store password cannot be specified for PEM format.');
    return pemCertificates(readStore('ssl.truststore.location', path).toString('utf8'), 'ssl.truststore.location');
  }
  if (path === undefined) {
    if (password !== undefined)
      throw new SslConfigError('ssl.truststore.location', 'SSL trust store is not specified, but trust store password is specified.');
    return undefined;
  }
  checkStoreType('ssl.truststore.type', type);
  const bytes = readStore('ssl.truststore.location', path);
  const certificates = isJks(bytes) ? jksTrustedCertificates(bytes, path, password) : pkcs12Certificates(bytes, path, password);
  if (certificates.length === 0) throw new SslConfigError('ssl.truststore.location', `${path} holds no certificate`);
  return certificates;
}

function checkStoreType(key: string, type: string): void {
  if (type !== 'JKS' && type !== 'PKCS12') throw new SslConfigError(key, `${type} not found (supported: JKS, PKCS12, PEM)`);
}

function readStore(key: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new SslConfigError(key, `Failed to load SSL keystore ${path}: ${(error as Error).message}`, { cause: error });
  }
}

const JKS_MAGIC = 0xfeedfeed;

function isJks(bytes: Buffer): boolean {
  return bytes.length >= 4 && bytes.readUInt32BE(0) === JKS_MAGIC;
}

// ---- PEM (KIP-651) ----

/**
 * The PEM blocks of one kind in `pem`, as Kafka's `PemParser` finds them: text around the blocks
 * is allowed, and so is a block on one line (an inline value whose line breaks became spaces);
 * `label` is matched at the end of the block's name (so `PRIVATE KEY` also finds
 * `ENCRYPTED PRIVATE KEY`).
 */
function pemBlocks(pem: string, label: 'CERTIFICATE' | 'PRIVATE KEY'): string[] {
  const name = label.replace(' ', String.raw`\s+`);
  const pattern = new RegExp(
    String.raw`-+BEGIN\s*([A-Z0-9 ]*?${name})[^-]*-+\s+((?:\s*[^\r\n]*:[^\r\n]*[\r\n]+)*)([a-zA-Z0-9/+=\s]*)-+END\s*[A-Z0-9 ]*?${name}[^-]*-+\s+`,
    'g',
  );
  return [...`${pem}\n`.matchAll(pattern)].map(
    (match) =>
      `-----BEGIN ${match[1]!.trim()}-----\n${match[2]!}${match[3]!.replace(/\s/g, '').replace(/(.{64})/g, '$1\n')}\n-----END ${match[1]!.trim()}-----\n`,
  );
}

function pemCertificates(pem: string, key: string): string[] {
  const blocks = pemBlocks(pem, 'CERTIFICATE');
  if (blocks.length === 0) throw new SslConfigError(key, 'At least one certificate expected, but none found');
  return blocks.map((block) => {
    try {
      return new X509Certificate(block).toString();
    } catch (error) {
      throw new SslConfigError(key, `invalid certificate: ${(error as Error).message}`, { cause: error });
    }
  });
}

function pemKeyMaterial(keyPem: string, keyKey: string, chainPem: string, chainKey: string, keyPassword: string | undefined): KeyMaterial {
  const keys = pemBlocks(keyPem, 'PRIVATE KEY');
  if (keys.length === 0) throw new SslConfigError(keyKey, 'Private key not provided');
  if (keys.length !== 1) throw new SslConfigError(keyKey, `Expected one private key, but found ${keys.length}`);
  const encrypted = keys[0]!.includes('ENCRYPTED');
  if (encrypted && keyPassword === undefined)
    throw new SslConfigError('ssl.key.password', 'the private key is encrypted and ssl.key.password is not set');
  let keyPemOut: string;
  try {
    keyPemOut = createPrivateKey({ key: keys[0]!, format: 'pem', ...(encrypted ? { passphrase: keyPassword! } : {}) })
      .export({ format: 'pem', type: 'pkcs8' })
      .toString();
  } catch (error) {
    const reason = (error as Error).message;
    if (encrypted)
      throw new SslConfigError('ssl.key.password', `could not decrypt the private key (wrong password?): ${reason}`, { cause: error });
    throw new SslConfigError(keyKey, `Private key could not be loaded: ${reason}`, { cause: error });
  }
  return { keyPem: keyPemOut, certificateChainPem: orderChain(pemCertificates(chainPem, chainKey), keyPemOut, chainKey) };
}

// ---- JKS (jks-js) ----

function jksEntries(bytes: Buffer, path: string, password: string | undefined, passwordKey: string): ReturnType<typeof Jks.parseJks> {
  try {
    return jks().parseJks(bytes, password ?? '');
  } catch (error) {
    const reason = (error as Error).message;
    if (/password/i.test(reason))
      throw new SslConfigError(passwordKey, `wrong password for ${path} (Keystore was tampered with, or password was incorrect)`, {
        cause: error,
      });
    throw new SslConfigError(passwordKey.replace(/password$/, 'location'), `Failed to load SSL keystore ${path} of type JKS: ${reason}`, {
      cause: error,
    });
  }
}

function jksKeyMaterial(bytes: Buffer, path: string, password: string, keyPassword: string): KeyMaterial {
  const entry = jksEntries(bytes, path, password, 'ssl.keystore.password').find((candidate) => 'protectedPrivateKey' in candidate);
  if (entry === undefined || !('protectedPrivateKey' in entry))
    throw new SslConfigError('ssl.keystore.location', `${path} holds no private key entry`);
  let keyPem: string;
  try {
    keyPem = createPrivateKey(jks().decrypt(entry.protectedPrivateKey, keyPassword)).export({ format: 'pem', type: 'pkcs8' }).toString();
  } catch (error) {
    throw new SslConfigError('ssl.key.password', `cannot recover the key of ${path} (wrong key password?): ${(error as Error).message}`, {
      cause: error,
    });
  }
  const chain = entry.chain.map((certificate) => new X509Certificate(certificate.value).toString());
  return { keyPem, certificateChainPem: orderChain(chain, keyPem, 'ssl.keystore.location') };
}

function jksTrustedCertificates(bytes: Buffer, path: string, password: string | undefined): string[] {
  return jksEntries(bytes, path, password, 'ssl.truststore.password').map((entry) =>
    new X509Certificate('cert' in entry ? entry.cert.value : entry.chain[0]!.value).toString(),
  );
}

// ---- PKCS12 (node-forge) ----

function pkcs12(bytes: Buffer, path: string, password: string | undefined, passwordKey: string): Forge.pkcs12.Pkcs12Pfx {
  try {
    return forge().pkcs12.pkcs12FromAsn1(forge().asn1.fromDer(bytes.toString('binary'), false), false, password ?? '');
  } catch (error) {
    const reason = (error as Error).message;
    if (/password/i.test(reason)) throw new SslConfigError(passwordKey, `wrong password for ${path}: ${reason}`, { cause: error });
    throw new SslConfigError(
      passwordKey.replace(/password$/, 'location'),
      `Failed to load SSL keystore ${path} of type PKCS12: ${reason}`,
      { cause: error },
    );
  }
}

function certificateBags(pfx: Forge.pkcs12.Pkcs12Pfx): Forge.pkcs12.Bag[] {
  return pfx.getBags({ bagType: forge().pki.oids.certBag! })[forge().pki.oids.certBag!] ?? [];
}

function bagCertificatePem(bag: Forge.pkcs12.Bag): string {
  const asn1 = bag.cert ? forge().pki.certificateToAsn1(bag.cert) : bag.asn1;
  return new X509Certificate(Buffer.from(forge().asn1.toDer(asn1).getBytes(), 'binary')).toString();
}

function pkcs12KeyMaterial(bytes: Buffer, path: string, password: string): KeyMaterial {
  const pfx = pkcs12(bytes, path, password, 'ssl.keystore.password');
  const keyBags = [forge().pki.oids.pkcs8ShroudedKeyBag!, forge().pki.oids.keyBag!].flatMap(
    (type) => pfx.getBags({ bagType: type })[type] ?? [],
  );
  const keyBag = keyBags[0];
  if (keyBag === undefined) throw new SslConfigError('ssl.keystore.location', `${path} holds no private key entry`);
  const privateKeyInfo = keyBag.key ? forge().pki.wrapRsaPrivateKey(forge().pki.privateKeyToAsn1(keyBag.key)) : keyBag.asn1;
  const keyPem = createPrivateKey({
    key: Buffer.from(forge().asn1.toDer(privateKeyInfo).getBytes(), 'binary'),
    format: 'der',
    type: 'pkcs8',
  })
    .export({ format: 'pem', type: 'pkcs8' })
    .toString();
  return { keyPem, certificateChainPem: orderChain(certificateBags(pfx).map(bagCertificatePem), keyPem, 'ssl.keystore.location') };
}

function pkcs12Certificates(bytes: Buffer, path: string, password: string | undefined): string[] {
  return certificateBags(pkcs12(bytes, path, password, 'ssl.truststore.password')).map(bagCertificatePem);
}

/**
 * The certificate of `keyPem` first, then each issuer found among `certificates` in turn; a
 * chain without the key's certificate is refused (Node would fail later with a less clear error).
 */
function orderChain(certificates: readonly string[], keyPem: string, key: string): string {
  const parsed = certificates.map((pem) => new X509Certificate(pem));
  const privateKey = createPrivateKey(keyPem);
  const leaf = parsed.find((certificate) => certificate.checkPrivateKey(privateKey));
  if (leaf === undefined) throw new SslConfigError(key, 'no certificate of the chain matches the private key');
  const chain = [leaf];
  for (let current = leaf; ;) {
    const issuer = parsed.find((candidate) => !chain.includes(candidate) && current.checkIssued(candidate));
    if (issuer === undefined) break;
    chain.push(issuer);
    current = issuer;
  }
  return chain.map((certificate) => certificate.toString()).join('');
}
