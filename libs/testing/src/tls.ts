import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureAptCommand } from './tools.js';

/** The password of every store and encrypted key made here. */
export const TEST_STORE_PASSWORD = 'strom-test-secret';

/** One certified identity: its files in every format Kafka reads. */
export interface TestIdentity {
  /** The subject as Java prints it (RFC 2253), e.g. `CN=alice,OU=eng,O=Strom,C=DE`. */
  readonly distinguishedName: string;
  /** PKCS#8 private key, unencrypted. */
  readonly keyPem: string;
  /** PKCS#8 private key encrypted with {@link TEST_STORE_PASSWORD}. */
  readonly encryptedKeyPem: string;
  /** The certificate, then its CA's. */
  readonly chainPem: string;
  /** keyPem followed by chainPem: Kafka's PEM key store file (KIP-651). */
  readonly keystorePem: string;
  /** PKCS12 key store (made by keytool), password {@link TEST_STORE_PASSWORD}. */
  readonly keystoreP12: string;
  /** JKS key store (made by keytool), password {@link TEST_STORE_PASSWORD}. */
  readonly keystoreJks: string;
}

export interface TestTlsMaterial {
  readonly dir: string;
  /** The test CA's certificate (PEM file). */
  readonly caPem: string;
  /** Trust stores holding the CA as a trusted certificate entry, password {@link TEST_STORE_PASSWORD}. */
  readonly truststoreP12: string;
  readonly truststoreJks: string;
  /** CN=localhost, SAN DNS:localhost and IP:127.0.0.1. */
  readonly broker: TestIdentity;
  /** Clients signed by the test CA. */
  readonly alice: TestIdentity;
  readonly bob: TestIdentity;
  /** A client signed by another CA, which the broker does not trust. */
  readonly mallory: TestIdentity;
}

/** Bumped when what is generated changes, so a cached directory of an older layout is not reused. */
const LAYOUT_VERSION = 1;
const VALIDITY_DAYS = 3;

let cached: TestTlsMaterial | undefined;

/**
 * A test CA, a broker certificate for localhost/127.0.0.1 and client certificates, made with
 * openssl and keytool (no private key is committed). Made once a day into a directory under the
 * OS temp dir shared by the test files of a run (renamed into place, so concurrent makers do not
 * clash), valid for a few days.
 */
export function testTlsMaterial(): TestTlsMaterial {
  if (cached !== undefined) return cached;
  const openssl = ensureAptCommand('openssl', 'openssl', ['/usr/bin']);
  const keytool = ensureAptCommand('keytool', 'default-jre-headless', ['/usr/bin']);
  const day = new Date().toISOString().slice(0, 10);
  const key = createHash('sha256').update(`${LAYOUT_VERSION}:${day}`).digest('hex').slice(0, 12);
  const dir = join(tmpdir(), `strom-tls-${key}`);
  if (!existsSync(join(dir, 'ready'))) {
    const scratch = mkdtempSync(join(tmpdir(), 'strom-tls-make-'));
    makeMaterial(scratch, openssl, keytool);
    writeFileSync(join(scratch, 'ready'), day);
    try {
      renameSync(scratch, dir);
    } catch {
      rmSync(scratch, { recursive: true, force: true }); // another test file made it first
    }
  }
  cached = materialIn(dir);
  return cached;
}

const identities = {
  broker: { subject: '/CN=localhost', dn: 'CN=localhost', ca: 'ca', san: 'DNS:localhost,IP:127.0.0.1' },
  alice: { subject: '/C=DE/O=Strom/OU=eng/CN=alice', dn: 'CN=alice,OU=eng,O=Strom,C=DE', ca: 'ca', san: undefined },
  bob: { subject: '/C=DE/O=Strom/OU=ops/CN=bob', dn: 'CN=bob,OU=ops,O=Strom,C=DE', ca: 'ca', san: undefined },
  mallory: { subject: '/C=DE/O=Elsewhere/CN=mallory', dn: 'CN=mallory,O=Elsewhere,C=DE', ca: 'other-ca', san: undefined },
} as const;

function materialIn(dir: string): TestTlsMaterial {
  const identity = (name: keyof typeof identities): TestIdentity => ({
    distinguishedName: identities[name].dn,
    keyPem: join(dir, `${name}.key.pem`),
    encryptedKeyPem: join(dir, `${name}.key.encrypted.pem`),
    chainPem: join(dir, `${name}.chain.pem`),
    keystorePem: join(dir, `${name}.keystore.pem`),
    keystoreP12: join(dir, `${name}.keystore.p12`),
    keystoreJks: join(dir, `${name}.keystore.jks`),
  });
  return {
    dir,
    caPem: join(dir, 'ca.cert.pem'),
    truststoreP12: join(dir, 'truststore.p12'),
    truststoreJks: join(dir, 'truststore.jks'),
    broker: identity('broker'),
    alice: identity('alice'),
    bob: identity('bob'),
    mallory: identity('mallory'),
  };
}

function makeMaterial(dir: string, openssl: string, keytool: string): void {
  const run = (command: string, args: string[]): void => {
    execFileSync(command, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  };
  const pass = `pass:${TEST_STORE_PASSWORD}`;
  for (const ca of ['ca', 'other-ca']) {
    run(openssl, ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', `${ca}.key.pem`]);
    run(openssl, [
      'req', '-x509', '-new', '-key', `${ca}.key.pem`, '-sha256', '-days', String(VALIDITY_DAYS),
      '-subj', `/O=Strom/CN=Strom test ${ca}`, '-out', `${ca}.cert.pem`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ]); // prettier-ignore
  }
  const material = materialIn(dir);
  for (const name of Object.keys(identities) as (keyof typeof identities)[]) {
    const spec = identities[name];
    const files = material[name];
    run(openssl, ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', files.keyPem]);
    run(openssl, ['pkcs8', '-topk8', '-in', files.keyPem, '-v2', 'aes-256-cbc', '-passout', pass, '-out', files.encryptedKeyPem]);
    run(openssl, ['req', '-new', '-key', files.keyPem, '-subj', spec.subject, '-out', `${name}.csr`]);
    const extensions = [
      'basicConstraints=CA:FALSE',
      `extendedKeyUsage=${name === 'broker' ? 'serverAuth,clientAuth' : 'clientAuth'}`,
      ...(spec.san ? [`subjectAltName=${spec.san}`] : []),
    ];
    writeFileSync(join(dir, `${name}.ext`), extensions.join('\n') + '\n');
    run(openssl, [
      'x509', '-req', '-in', `${name}.csr`, '-CA', `${spec.ca}.cert.pem`, '-CAkey', `${spec.ca}.key.pem`, '-CAcreateserial',
      '-days', String(VALIDITY_DAYS), '-sha256', '-extfile', `${name}.ext`, '-out', `${name}.cert.pem`,
    ]); // prettier-ignore
    const chain = readFileSync(join(dir, `${name}.cert.pem`), 'utf8') + readFileSync(join(dir, `${spec.ca}.cert.pem`), 'utf8');
    writeFileSync(files.chainPem, chain);
    writeFileSync(files.keystorePem, readFileSync(files.keyPem, 'utf8') + chain);
    // keytool reads a PKCS12 made by openssl and writes its own PKCS12 and JKS stores.
    run(openssl, [
      'pkcs12',
      '-export',
      '-in',
      files.chainPem,
      '-inkey',
      files.keyPem,
      '-name',
      name,
      '-passout',
      pass,
      '-out',
      `${name}.openssl.p12`,
    ]);
    for (const [type, file] of [
      ['PKCS12', files.keystoreP12],
      ['JKS', files.keystoreJks],
    ] as const) {
      run(keytool, [
        '-importkeystore', '-noprompt', '-srckeystore', `${name}.openssl.p12`, '-srcstoretype', 'PKCS12',
        '-srcstorepass', TEST_STORE_PASSWORD, '-destkeystore', file, '-deststoretype', type,
        '-deststorepass', TEST_STORE_PASSWORD, '-destkeypass', TEST_STORE_PASSWORD,
      ]); // prettier-ignore
    }
  }
  for (const [type, file] of [
    ['PKCS12', material.truststoreP12],
    ['JKS', material.truststoreJks],
  ] as const) {
    run(keytool, [
      '-importcert', '-noprompt', '-alias', 'strom-test-ca', '-file', material.caPem, '-keystore', file,
      '-storetype', type, '-storepass', TEST_STORE_PASSWORD,
    ]); // prettier-ignore
  }
}
