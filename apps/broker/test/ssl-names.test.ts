/**
 * The certificate principal's distinguished name printed as Java's X500Principal.getName()
 * prints it (compared with Java itself on certificates with special characters, multi-valued
 * RDNs, non-ASCII text and attribute types Java prints as OIDs), and the IANA → OpenSSL cipher
 * suite names of ssl.cipher.suites.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureAptCommand, ensureJavac } from '@strom/testing';
import { describe, expect, it } from 'vitest';
import { openSslCiphers, protocolRange, sslServer } from '../src/security/ssl/ssl-server.js';
import { SslConfigError } from '../src/security/ssl/ssl-stores.js';
import { subjectDistinguishedName } from '../src/security/ssl/x500-name.js';

const PRINT_SUBJECT = `
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;

public class PrintSubject {
  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, "UTF-8");
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    for (String path : args) {
      try (InputStream in = Files.newInputStream(Path.of(path))) {
        out.println(((X509Certificate) factory.generateCertificate(in)).getSubjectX500Principal().getName());
      }
    }
  }
}
`;

describe('subject distinguished names (RFC 2253 as Java prints them)', () => {
  it('matches java.security X500Principal.getName() on tricky subjects', () => {
    const openssl = ensureAptCommand('openssl', 'openssl', ['/usr/bin']);
    ensureJavac();
    const dir = mkdtempSync(join(tmpdir(), 'strom-x500-'));
    const subjects: { subject: string; multivalue?: boolean }[] = [
      { subject: '/C=DE/O=Strom/OU=eng/CN=alice' },
      { subject: '/DC=com/DC=example/O=Strom, Inc./OU=a+b=c;d/CN=Jürgen <j> "q" #1' },
      { subject: '/C=DE/CN=alice+UID=a1', multivalue: true },
      { subject: '/CN= lead and trail /serialNumber=42/ST=Bayern/L=München/street=Main 1/emailAddress=a@example.com' },
      { subject: '/CN=#hash/O=日本' },
    ];
    const files = subjects.map(({ subject, multivalue }, i) => {
      const file = join(dir, `cert-${i}.pem`);
      execFileSync(openssl, [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, `key-${i}.pem`),
        '-days', '1', '-utf8', ...(multivalue ? ['-multivalue-rdn'] : []), '-subj', subject, '-out', file,
      ], { stdio: ['ignore', 'ignore', 'pipe'] }); // prettier-ignore
      return file;
    });
    writeFileSync(join(dir, 'PrintSubject.java'), PRINT_SUBJECT);
    const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
    const expected = execFileSync(java, [join(dir, 'PrintSubject.java'), ...files], { encoding: 'utf8' })
      .trimEnd()
      .split('\n');
    const ours = files.map((file) => subjectDistinguishedName(new X509Certificate(readFileSync(file)).raw));
    expect(ours).toEqual(expected);
    expect(ours[0]).toBe('CN=alice,OU=eng,O=Strom,C=DE');
  }, 60_000);
});

describe('ssl.cipher.suites and ssl.enabled.protocols', () => {
  it('maps IANA names (and Java SSL_ names) to OpenSSL names, TLS 1.3 names unchanged', () => {
    expect(openSslCiphers('TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TLS_AES_128_GCM_SHA256')).toBe(
      'ECDHE-RSA-AES256-GCM-SHA384:TLS_AES_128_GCM_SHA256',
    );
    expect(openSslCiphers('SSL_RSA_WITH_NULL_SHA')).toBe('NULL-SHA');
    expect(openSslCiphers('TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256')).toBe('ECDHE-ECDSA-CHACHA20-POLY1305');
  });

  it('refuses an unknown cipher suite or protocol, naming the key', () => {
    expect(() => openSslCiphers('TLS_NO_SUCH_SUITE')).toThrow(SslConfigError);
    expect(() => openSslCiphers('TLS_NO_SUCH_SUITE')).toThrow(/^ssl.cipher.suites: Unsupported CipherSuite: TLS_NO_SUCH_SUITE/);
    expect(() => protocolRange('TLSv1.2,TLSv9')).toThrow(/^ssl.enabled.protocols: Unsupported protocol: TLSv9/);
  });

  it("takes Kafka's default protocols, and a list with a gap as the range around it", () => {
    expect(protocolRange('TLSv1.2,TLSv1.3')).toEqual({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' });
    expect(protocolRange('TLSv1.3')).toEqual({ minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' });
    expect(protocolRange('TLSv1.3,TLSv1.1')).toEqual({ minVersion: 'TLSv1.1', maxVersion: 'TLSv1.3' });
  });

  it('a listener without a key store, or with a bad ssl.client.auth or mapping rule, is refused naming the key', () => {
    expect(() => sslServer({})).toThrow(/^ssl.keystore.location: a TLS listener needs a key store/);
    expect(() => sslServer({ 'ssl.client.auth': 'always' })).toThrow(/^ssl.client.auth: Invalid value always/);
    expect(() => sslServer({ 'ssl.principal.mapping.rules': 'RULE:^CN=(.*$/$1/' })).toThrow(/^ssl.principal.mapping.rules: Invalid rule/);
    expect(() => sslServer({ 'ssl.protocol': 'TLSv9' })).toThrow(/^ssl.protocol: TLSv9 SSLContext not available/);
  });
});
