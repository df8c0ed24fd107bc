/**
 * SSL and SASL_SSL listeners with real clients: kcat (librdkafka), the Java client and kafkajs
 * each produce and consume over TLS; mutual TLS (ssl.client.auth=required) where the
 * certificate's subject is the principal the authorizer sees; SASL_SSL with PLAIN; a plaintext
 * client on the TLS port is refused while TLS clients keep working.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureKcat, TEST_STORE_PASSWORD, testTlsMaterial, type TestIdentity } from '@strom/testing';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, logLevel, ResourcePatternTypes, type KafkaConfig } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { javaDriver } from '../compat/drivers/java.js';
import type { Batch } from '../compat/support/model.js';
import { brokerSslSettings, propertyLines, startTlsStrom, type TlsStrom } from './tls-harness.js';

const execFileAsync = promisify(execFile);
const tls = testTlsMaterial();
const ca = readFileSync(tls.caPem, 'utf8');

function kafkajs(strom: TlsStrom, extra: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId: 'tls-e2e',
    brokers: [strom.bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 1 },
    connectionTimeout: 5000,
    ...extra,
  });
}

function kafkajsTls(identity?: TestIdentity) {
  return { ca: [ca], ...(identity ? { key: readFileSync(identity.keyPem, 'utf8'), cert: readFileSync(identity.chainPem, 'utf8') } : {}) };
}

async function kcat(args: string[], input?: string): Promise<string> {
  const child = execFileAsync(ensureKcat(), args, { timeout: 60_000 });
  if (input !== undefined) {
    child.child.stdin!.end(input);
  }
  return (await child).stdout;
}

function kcatTls(identity?: TestIdentity, protocol = 'ssl'): string[] {
  return [
    '-X', `security.protocol=${protocol}`, '-X', `ssl.ca.location=${tls.caPem}`,
    ...(identity ? ['-X', `ssl.key.location=${identity.keyPem}`, '-X', `ssl.certificate.location=${identity.chainPem}`] : []),
  ]; // prettier-ignore
}

function javaProperties(lines: string[]): string {
  const path = join(mkdtempSync(join(tmpdir(), 'strom-tls-java-')), 'client.properties');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

const javaTrust = [
  'security.protocol=SSL',
  `ssl.truststore.location=${tls.truststoreJks}`,
  `ssl.truststore.password=${TEST_STORE_PASSWORD}`,
];

function batch(values: string[]): Batch[] {
  return [
    {
      compression: 'none',
      acks: 'all',
      idempotent: false,
      records: values.map((value) => ({ partition: 0, key: null, value, headers: [] })),
    },
  ];
}

async function consumeKafkajs(kafka: Kafka, topic: string, count: number): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: `g-${topic}-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const values: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kafkajs consumed ${values.length} of ${count}`)), 30_000);
    void consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value!.toString());
        if (values.length === count) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return values;
}

describe('SSL listener: kcat, Java and kafkajs over TLS', () => {
  let strom: TlsStrom;

  beforeAll(async () => {
    strom = await startTlsStrom(['listeners=SSL://127.0.0.1:0', ...propertyLines(brokerSslSettings())]);
    const admin = kafkajs(strom, { ssl: kafkajsTls() }).admin();
    await admin.connect();
    await admin.createTopics({ topics: ['kafkajs-tls', 'kcat-tls', 'java-tls'].map((topic) => ({ topic, numPartitions: 1 })) });
    await admin.disconnect();
  });
  afterAll(async () => strom?.stop());

  it('kafkajs produces and consumes', async () => {
    const kafka = kafkajs(strom, { ssl: kafkajsTls() });
    const producer = kafka.producer();
    await producer.connect();
    const [sent] = await producer.send({ topic: 'kafkajs-tls', messages: [{ value: 'k1' }, { value: 'k2' }] });
    expect(sent!.errorCode).toBe(0);
    await producer.disconnect();
    expect(await consumeKafkajs(kafka, 'kafkajs-tls', 2)).toEqual(['k1', 'k2']);
  });

  it('kcat (librdkafka, hostname verification on) produces and consumes', async () => {
    await kcat(['-b', strom.bootstrap, ...kcatTls(), '-P', '-t', 'kcat-tls'], 'c1\nc2\nc3\n');
    const out = await kcat(['-b', strom.bootstrap, ...kcatTls(), '-C', '-t', 'kcat-tls', '-o', 'beginning', '-e', '-f', '%s\n']);
    expect(out.trim().split('\n')).toEqual(['c1', 'c2', 'c3']);
  });

  it('the Java client (JKS trust store, ssl.endpoint.identification.algorithm=https) produces and consumes', async () => {
    const java = await javaDriver(undefined, { clientProperties: javaProperties(javaTrust) });
    const produced = await java.produce(strom.bootstrap, 'java-tls', batch(['j1', 'j2']));
    expect(produced.errors).toEqual([]);
    expect(produced.acks.map((ack) => ack.offset)).toEqual([0, 1]);
    const consumed = await java.consume(strom.bootstrap, 'java-tls', { start: 'earliest' });
    expect(consumed.records.map((record) => record.value)).toEqual(['j1', 'j2']);
  }, 120_000);

  it('refuses a plaintext client on the TLS port while TLS clients keep working', async () => {
    const plain = kafkajs(strom, { retry: { retries: 0 }, connectionTimeout: 3000, requestTimeout: 3000 }).admin();
    await expect(plain.connect()).rejects.toThrow();
    const plainKcat = kcat(['-b', strom.bootstrap, '-L', '-m', '3', '-X', 'socket.timeout.ms=3000']);
    await expect(plainKcat).rejects.toThrow();
    const admin = kafkajs(strom, { ssl: kafkajsTls() }).admin();
    await admin.connect();
    expect(await admin.listTopics()).toContain('kafkajs-tls');
    await admin.disconnect();
  });
});

describe('mutual TLS (ssl.client.auth=required): the certificate subject is the principal the authorizer sees', () => {
  let strom: TlsStrom;
  const alicePrincipal = `User:${tls.alice.distinguishedName}`;

  beforeAll(async () => {
    // The stores broker-wide, client authentication for this listener only (listener.name.<l>.ssl.*).
    strom = await startTlsStrom([
      'listeners=INTERNAL://127.0.0.1:0',
      'listener.security.protocol.map=INTERNAL:SSL',
      ...propertyLines(brokerSslSettings()),
      'listener.name.internal.ssl.client.auth=required',
      'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      `super.users=User:${tls.broker.distinguishedName}`,
    ]);
    // The broker's certificate (clientAuth usage too) is the super user that sets things up.
    const admin = kafkajs(strom, { ssl: kafkajsTls(tls.broker) }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'mtls', numPartitions: 1 }] });
    await admin.createAcls({
      acl: ['WRITE', 'READ', 'DESCRIBE'].map((operation) => ({
        resourceType: AclResourceTypes.TOPIC,
        resourceName: 'mtls',
        resourcePatternType: ResourcePatternTypes.LITERAL,
        principal: alicePrincipal,
        host: '*',
        operation: AclOperationTypes[operation as 'WRITE'],
        permissionType: AclPermissionTypes.ALLOW,
      })),
    });
    await admin.disconnect();
  });
  afterAll(async () => strom?.stop());

  it('kafkajs: alice (ACL for her subject) writes, bob (no ACL) is denied, no certificate is refused', async () => {
    const alice = kafkajs(strom, { ssl: kafkajsTls(tls.alice) }).producer();
    await alice.connect();
    const [sent] = await alice.send({ topic: 'mtls', messages: [{ value: 'from-alice' }] });
    expect(sent!.errorCode).toBe(0);
    await alice.disconnect();

    const bob = kafkajs(strom, { ssl: kafkajsTls(tls.bob), retry: { retries: 0 } }).producer();
    await bob.connect();
    await expect(bob.send({ topic: 'mtls', messages: [{ value: 'from-bob' }] })).rejects.toThrow(/not authorized|authorization/i);
    await bob.disconnect();

    const anonymous = kafkajs(strom, { ssl: kafkajsTls(), retry: { retries: 0 }, connectionTimeout: 3000 }).admin();
    await expect(anonymous.connect()).rejects.toThrow();
  });

  it('kcat with alice certificate produces and reads; with bob certificate it is denied', async () => {
    await kcat(['-b', strom.bootstrap, ...kcatTls(tls.alice), '-P', '-t', 'mtls'], 'kcat-alice\n');
    const out = await kcat(['-b', strom.bootstrap, ...kcatTls(tls.alice), '-C', '-t', 'mtls', '-o', 'beginning', '-e', '-f', '%s\n']);
    expect(out.trim().split('\n')).toContain('kcat-alice');
    await expect(
      kcat(['-b', strom.bootstrap, ...kcatTls(tls.bob), '-C', '-t', 'mtls', '-o', 'beginning', '-e', '-f', '%s\n']),
    ).rejects.toThrow(/authoriz/i);
  });

  it('the Java client with alice PKCS12 key store produces; with bob key store it is denied', async () => {
    const keystore = (identity: TestIdentity) => [
      ...javaTrust,
      'ssl.keystore.type=PKCS12',
      `ssl.keystore.location=${identity.keystoreP12}`,
      `ssl.keystore.password=${TEST_STORE_PASSWORD}`,
    ];
    const asAlice = await javaDriver(undefined, { clientProperties: javaProperties(keystore(tls.alice)) });
    const produced = await asAlice.produce(strom.bootstrap, 'mtls', batch(['java-alice']));
    expect(produced.errors).toEqual([]);
    expect(produced.acks).toHaveLength(1);
    const asBob = await javaDriver(undefined, { clientProperties: javaProperties(keystore(tls.bob)) });
    await expect(asBob.produce(strom.bootstrap, 'mtls', batch(['java-bob']))).rejects.toThrow(/TopicAuthorizationException/);
  }, 120_000);
});

describe('SASL_SSL with PLAIN', () => {
  let strom: TlsStrom;

  beforeAll(async () => {
    strom = await startTlsStrom([
      'listeners=SASL_SSL://127.0.0.1:0',
      ...propertyLines(brokerSslSettings()),
      'sasl.enabled.mechanisms=PLAIN',
      'listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";',
    ]);
  });
  afterAll(async () => strom?.stop());

  it('kafkajs, kcat and Java authenticate with PLAIN over TLS; a wrong password is refused', async () => {
    const sasl = { mechanism: 'plain' as const, username: 'alice', password: 'alice-secret' };
    const wrong = kafkajs(strom, { ssl: kafkajsTls(), sasl: { ...sasl, password: 'wrong' }, retry: { retries: 0 } }).admin();
    await expect(wrong.connect()).rejects.toThrow(/authentication failed/i);
    const admin = kafkajs(strom, { ssl: kafkajsTls(), sasl }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'sasl-ssl', numPartitions: 1 }] });
    await admin.disconnect();
    const producer = kafkajs(strom, { ssl: kafkajsTls(), sasl }).producer();
    await producer.connect();
    await producer.send({ topic: 'sasl-ssl', messages: [{ value: 'kafkajs' }] });
    await producer.disconnect();

    const kcatSasl = [
      ...kcatTls(undefined, 'sasl_ssl'),
      '-X',
      'sasl.mechanisms=PLAIN',
      '-X',
      'sasl.username=alice',
      '-X',
      'sasl.password=alice-secret',
    ];
    await kcat(['-b', strom.bootstrap, ...kcatSasl, '-P', '-t', 'sasl-ssl'], 'kcat\n');

    const java = await javaDriver(undefined, {
      clientProperties: javaProperties([
        ...javaTrust.filter((line) => !line.startsWith('security.protocol')),
        'security.protocol=SASL_SSL',
        'sasl.mechanism=PLAIN',
        'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="alice-secret";',
      ]),
    });
    const produced = await java.produce(strom.bootstrap, 'sasl-ssl', batch(['java']));
    expect(produced.errors).toEqual([]);
    const out = await kcat(['-b', strom.bootstrap, ...kcatSasl, '-C', '-t', 'sasl-ssl', '-o', 'beginning', '-e', '-f', '%s\n']);
    expect(out.trim().split('\n')).toEqual(['kafkajs', 'kcat', 'java']);
  }, 120_000);
});
