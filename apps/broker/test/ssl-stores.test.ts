/**
 * Key and trust stores as Kafka reads them (JKS, PKCS12 made by keytool; PEM files and inline
 * values, KIP-651), with Kafka's errors for inconsistent settings and a wrong password naming
 * the key. The material is made at test time by openssl and keytool (@strom/testing).
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { TEST_STORE_PASSWORD, testTlsMaterial, type TestIdentity } from '@strom/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadKeyStore, loadTrustStore, SslConfigError, type KeyMaterial, type SslSettings } from '../src/security/ssl/ssl-stores.js';

const tls = testTlsMaterial();
const caFingerprint = new X509Certificate(readFileSync(tls.caPem)).fingerprint256;

function expectIdentity(material: KeyMaterial | undefined, identity: TestIdentity): void {
  expect(material).toBeDefined();
  const chain = material!.certificateChainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g)!;
  expect(chain).toHaveLength(2);
  const leaf = new X509Certificate(chain[0]!);
  expect(leaf.checkPrivateKey(createPrivateKey(material!.keyPem))).toBe(true);
  expect(leaf.fingerprint256).toBe(new X509Certificate(readFileSync(identity.chainPem)).fingerprint256);
  expect(new X509Certificate(chain[1]!).fingerprint256).toBe(caFingerprint);
  expect(material!.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
}

function expectConfigError(load: () => unknown, key: string, message: RegExp): void {
  let thrown: unknown;
  try {
    load();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(SslConfigError);
  expect((thrown as SslConfigError).key).toBe(key);
  expect((thrown as Error).message).toMatch(message);
}

describe('key stores', () => {
  beforeAll(() => expect(tls.broker.distinguishedName).toBe('CN=localhost'));

  it('reads a JKS key store (the default type)', () => {
    const settings: SslSettings = { 'ssl.keystore.location': tls.broker.keystoreJks, 'ssl.keystore.password': TEST_STORE_PASSWORD };
    expectIdentity(loadKeyStore(settings), tls.broker);
    expectIdentity(loadKeyStore({ ...settings, 'ssl.keystore.type': 'JKS', 'ssl.key.password': TEST_STORE_PASSWORD }), tls.broker);
  });

  it('reads a PKCS12 key store, also when its type is left at JKS (Java reads either)', () => {
    const settings: SslSettings = { 'ssl.keystore.location': tls.alice.keystoreP12, 'ssl.keystore.password': TEST_STORE_PASSWORD };
    expectIdentity(loadKeyStore({ ...settings, 'ssl.keystore.type': 'PKCS12' }), tls.alice);
    expectIdentity(loadKeyStore(settings), tls.alice);
  });

  it('reads a PEM key store file, the key plain or encrypted with ssl.key.password', () => {
    expectIdentity(loadKeyStore({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': tls.broker.keystorePem }), tls.broker);
    const encrypted = readFileSync(tls.broker.encryptedKeyPem, 'utf8') + readFileSync(tls.broker.chainPem, 'utf8');
    expect(encrypted).toContain('BEGIN ENCRYPTED PRIVATE KEY');
    expectIdentity(
      loadKeyStore({
        'ssl.keystore.type': 'PEM',
        'ssl.keystore.key': encrypted,
        'ssl.keystore.certificate.chain': encrypted,
        'ssl.key.password': TEST_STORE_PASSWORD,
      }),
      tls.broker,
    );
  });

  it('reads inline PEM values (ssl.keystore.key, ssl.keystore.certificate.chain), also with the line breaks lost', () => {
    const key = readFileSync(tls.bob.keyPem, 'utf8');
    const chain = readFileSync(tls.bob.chainPem, 'utf8');
    expectIdentity(loadKeyStore({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.key': key, 'ssl.keystore.certificate.chain': chain }), tls.bob);
    const oneLine = (pem: string) => pem.replace(/\n/g, ' ');
    expectIdentity(
      loadKeyStore({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.key': oneLine(key), 'ssl.keystore.certificate.chain': oneLine(chain) }),
      tls.bob,
    );
  });

  it('names the key of a wrong password', () => {
    const jks = { 'ssl.keystore.location': tls.broker.keystoreJks, 'ssl.keystore.password': 'wrong' };
    expectConfigError(() => loadKeyStore(jks), 'ssl.keystore.password', /wrong password/);
    expectConfigError(
      () => loadKeyStore({ ...jks, 'ssl.keystore.password': TEST_STORE_PASSWORD, 'ssl.key.password': 'wrong' }),
      'ssl.key.password',
      /cannot recover the key/,
    );
    expectConfigError(
      () =>
        loadKeyStore({ 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': tls.broker.keystoreP12, 'ssl.keystore.password': 'wrong' }),
      'ssl.keystore.password',
      /wrong password/,
    );
    const encrypted = readFileSync(tls.broker.encryptedKeyPem, 'utf8');
    const chain = readFileSync(tls.broker.chainPem, 'utf8');
    const pem = { 'ssl.keystore.type': 'PEM', 'ssl.keystore.key': encrypted, 'ssl.keystore.certificate.chain': chain };
    expectConfigError(() => loadKeyStore({ ...pem, 'ssl.key.password': 'wrong' }), 'ssl.key.password', /could not decrypt/);
    expectConfigError(() => loadKeyStore(pem), 'ssl.key.password', /encrypted and ssl.key.password is not set/);
  });

  it('refuses a missing or unreadable store and inconsistent settings as Kafka does', () => {
    expectConfigError(
      () => loadKeyStore({ 'ssl.keystore.location': '/nonexistent/broker.jks', 'ssl.keystore.password': 'x' }),
      'ssl.keystore.location',
      /Failed to load SSL keystore \/nonexistent\/broker.jks/,
    );
    expectConfigError(
      () => loadKeyStore({ 'ssl.keystore.location': tls.caPem, 'ssl.keystore.password': 'x' }),
      'ssl.keystore.location',
      /Failed to load SSL keystore .* of type PKCS12/,
    );
    expectConfigError(
      () => loadKeyStore({ 'ssl.keystore.location': tls.broker.keystoreJks }),
      'ssl.keystore.password',
      /key store password is not specified/,
    );
    expectConfigError(() => loadKeyStore({ 'ssl.keystore.password': 'x' }), 'ssl.keystore.location', /key store is not specified/);
    expectConfigError(
      () => loadKeyStore({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': tls.broker.keystorePem, 'ssl.keystore.password': 'x' }),
      'ssl.keystore.password',
      /cannot be specified with PEM format/,
    );
    expectConfigError(
      () => loadKeyStore({ 'ssl.keystore.key': 'x', 'ssl.keystore.certificate.chain': 'y' }),
      'ssl.keystore.key',
      /only for PEM, but key store type is JKS/,
    );
    expectConfigError(
      () => loadKeyStore({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.key': 'x' }),
      'ssl.keystore.certificate.chain',
      /not specified/,
    );
    expectConfigError(
      () => loadKeyStore({ 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': tls.broker.chainPem }),
      'ssl.keystore.location',
      /Private key not provided/,
    );
    expectConfigError(
      () =>
        loadKeyStore({
          'ssl.keystore.type': 'PEM',
          'ssl.keystore.key': readFileSync(tls.alice.keyPem, 'utf8'),
          'ssl.keystore.certificate.chain': readFileSync(tls.bob.chainPem, 'utf8'),
        }),
      'ssl.keystore.certificate.chain',
      /no certificate of the chain matches the private key/,
    );
    expectConfigError(
      () => loadKeyStore({ 'ssl.keystore.type': 'BKS', 'ssl.keystore.location': tls.broker.keystoreJks, 'ssl.keystore.password': 'x' }),
      'ssl.keystore.type',
      /BKS not found/,
    );
    expect(loadKeyStore({})).toBeUndefined();
  });
});

describe('trust stores', () => {
  const expectCa = (certificates: string[] | undefined) => {
    expect(certificates?.map((pem) => new X509Certificate(pem).fingerprint256)).toEqual([caFingerprint]);
  };

  it('reads JKS and PKCS12 trust stores made by keytool, with or without the password', () => {
    for (const location of [tls.truststoreJks, tls.truststoreP12]) {
      expectCa(loadTrustStore({ 'ssl.truststore.location': location, 'ssl.truststore.password': TEST_STORE_PASSWORD }));
    }
    expectCa(loadTrustStore({ 'ssl.truststore.location': tls.truststoreJks }));
  });

  it('reads a PEM trust store file and inline ssl.truststore.certificates', () => {
    expectCa(loadTrustStore({ 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': tls.caPem }));
    expectCa(loadTrustStore({ 'ssl.truststore.type': 'PEM', 'ssl.truststore.certificates': readFileSync(tls.caPem, 'utf8') }));
  });

  it('names the key of a wrong password or inconsistent settings', () => {
    expectConfigError(
      () => loadTrustStore({ 'ssl.truststore.location': tls.truststoreJks, 'ssl.truststore.password': 'wrong' }),
      'ssl.truststore.password',
      /wrong password/,
    );
    expectConfigError(
      () => loadTrustStore({ 'ssl.truststore.location': tls.truststoreP12, 'ssl.truststore.password': 'wrong' }),
      'ssl.truststore.password',
      /wrong password/,
    );
    expectConfigError(
      () => loadTrustStore({ 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': tls.caPem, 'ssl.truststore.password': 'x' }),
      'ssl.truststore.password',
      /cannot be specified for PEM format/,
    );
    expectConfigError(
      () => loadTrustStore({ 'ssl.truststore.type': 'PEM', 'ssl.truststore.certificates': 'no certificate here' }),
      'ssl.truststore.certificates',
      /At least one certificate expected/,
    );
    expectConfigError(() => loadTrustStore({ 'ssl.truststore.certificates': 'x' }), 'ssl.truststore.certificates', /only for PEM/);
    expect(loadTrustStore({})).toBeUndefined();
  });
});
