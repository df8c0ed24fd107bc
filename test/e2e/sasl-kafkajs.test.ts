import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ErrorCode } from '@strom/errors';
import { ApiKey, createMetadataRequest } from '@strom/protocol';
import { ensureKcat } from '@strom/testing';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStrom, type EmbeddedStrom } from './embedded-harness.js';
import { plainJaas, RawKafka, writeServerProperties } from './sasl-support.js';

const execFileAsync = promisify(execFile);

describe('SASL PLAIN and SCRAM on a SASL_PLAINTEXT listener (kafkajs, kcat)', () => {
  let strom: EmbeddedStrom;
  let kcat: string;
  let propsPath: string;

  beforeAll(async () => {
    kcat = ensureKcat();
    propsPath = writeServerProperties([
      'listeners=SASL_PLAINTEXT://127.0.0.1:9093',
      'sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
      plainJaas({ admin: 'admin-secret', alice: 'alice-secret' }),
    ]);
    strom = await startEmbeddedStrom([], undefined, propsPath);
  });
  afterAll(async () => strom?.stop());

  function kafka(sasl: SASLOptions, clientId = 'sasl-e2e'): Kafka {
    return new Kafka({ clientId, brokers: [strom.bootstrap], sasl, logLevel: logLevel.NOTHING, retry: { retries: 0 } });
  }

  /** Admin over a raw connection authenticated with PLAIN. */
  async function rawAdmin(): Promise<RawKafka> {
    const raw = await RawKafka.connect(strom.port);
    const auth = await raw.authenticatePlain('admin', 'admin-secret');
    expect(auth.errorCode).toBe(0);
    return raw;
  }

  it('PLAIN: a configured user produces and reads metadata; a wrong password is refused', async () => {
    const admin = kafka({ mechanism: 'plain', username: 'alice', password: 'alice-secret' }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'plain-topic', numPartitions: 1 }] });
    expect(await admin.listTopics()).toContain('plain-topic');
    await admin.disconnect();
    const producer = kafka({ mechanism: 'plain', username: 'alice', password: 'alice-secret' }).producer();
    await producer.connect();
    const [sent] = await producer.send({ topic: 'plain-topic', messages: [{ value: 'hello' }] });
    expect(sent!.errorCode).toBe(0);
    await producer.disconnect();

    const bad = kafka({ mechanism: 'plain', username: 'alice', password: 'wrong' }).admin();
    await expect(bad.connect()).rejects.toThrow(/SASL PLAIN authentication failed|Authentication failed/i);
    const unknown = kafka({ mechanism: 'plain', username: 'mallory', password: 'x' }).admin();
    await expect(unknown.connect()).rejects.toThrow(/authentication failed/i);
  });

  it('closes a connection that sends anything but ApiVersions or SaslHandshake before authenticating', async () => {
    const raw = await RawKafka.connect(strom.port);
    raw.raw.send(
      (await import('@strom/protocol')).encodeRequestFrame(
        { apiKey: ApiKey.Metadata, apiVersion: 12, correlationId: 1, clientId: 'x' },
        createMetadataRequest({ topics: null }),
      ),
    );
    expect(await raw.raw.closedWithin(5000)).toBe(true);
  });

  it('SCRAM credentials: AlterUserScramCredentials / DescribeUserScramCredentials with Kafka errors', async () => {
    const raw = await rawAdmin();
    try {
      const created = await raw.upsertScram([{ name: 'carol', mechanism: 'SCRAM-SHA-256', password: 'carol-secret' }]);
      expect(created.results).toEqual([expect.objectContaining({ user: 'carol', errorCode: 0 })]);
      const created512 = await raw.upsertScram([{ name: 'carol', mechanism: 'SCRAM-SHA-512', password: 'carol-512', iterations: 8192 }]);
      expect(created512.results).toEqual([expect.objectContaining({ user: 'carol', errorCode: 0 })]);

      const described = await raw.describeScram(['carol', 'nobody']);
      expect(described.errorCode).toBe(0);
      const carol = described.results.find((r) => r.user === 'carol')!;
      expect(carol.errorCode).toBe(0);
      expect(carol.credentialInfos.map((c) => [c.mechanism, c.iterations]).sort()).toEqual([
        [1, 4096],
        [2, 8192],
      ]);
      expect(described.results.find((r) => r.user === 'nobody')).toMatchObject({
        errorCode: ErrorCode.RESOURCE_NOT_FOUND,
        errorMessage: 'Attempt to describe a user credential that does not exist: nobody',
      });
      expect((await raw.describeScram(['carol', 'carol'])).results).toEqual([
        expect.objectContaining({ user: 'carol', errorCode: ErrorCode.DUPLICATE_RESOURCE }),
      ]);
      expect((await raw.describeScram(null)).results.map((r) => r.user)).toContain('carol');

      const errors = await raw.upsertScram(
        [
          { name: 'few', mechanism: 'SCRAM-SHA-256', password: 'x', iterations: 1000 },
          { name: 'many', mechanism: 'SCRAM-SHA-256', password: 'x', iterations: 20000 },
          { name: '', mechanism: 'SCRAM-SHA-256', password: 'x' },
          { name: 'weird', mechanism: 9, password: 'x' },
          { name: 'twice', mechanism: 'SCRAM-SHA-256', password: 'x' },
          { name: 'twice', mechanism: 'SCRAM-SHA-512', password: 'x' },
        ],
        [{ name: 'ghost', mechanism: 1 }],
      );
      const byUser = new Map(errors.results.map((r) => [r.user, r]));
      expect(byUser.get('few')).toMatchObject({ errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: 'Too few iterations' });
      expect(byUser.get('many')).toMatchObject({ errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: 'Too many iterations' });
      expect(byUser.get('')).toMatchObject({ errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: 'Username must not be empty' });
      expect(byUser.get('weird')).toMatchObject({ errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM });
      expect(byUser.get('twice')).toMatchObject({ errorCode: ErrorCode.DUPLICATE_RESOURCE });
      expect(byUser.get('ghost')).toMatchObject({ errorCode: ErrorCode.RESOURCE_NOT_FOUND });
      expect((await raw.describeScram(['twice'])).results[0]!.errorCode).toBe(ErrorCode.RESOURCE_NOT_FOUND);
    } finally {
      raw.end();
    }
  });

  it('SCRAM-SHA-256 and SCRAM-SHA-512 with kafkajs: right password works, wrong one is refused', async () => {
    const raw = await rawAdmin();
    await raw.upsertScram([{ name: 'dave', mechanism: 'SCRAM-SHA-256', password: 'dave-256' }]);
    await raw.upsertScram([{ name: 'erin', mechanism: 'SCRAM-SHA-512', password: 'erin-512' }]);
    raw.end();

    for (const [mechanism, username, password] of [
      ['scram-sha-256', 'dave', 'dave-256'],
      ['scram-sha-512', 'erin', 'erin-512'],
    ] as const) {
      const producer = kafka({ mechanism, username, password }).producer({ allowAutoTopicCreation: true });
      await producer.connect();
      const [result] = await producer.send({ topic: `scram-${username}`, messages: [{ value: username }] });
      expect(result!.errorCode).toBe(0);
      await producer.disconnect();
      const wrong = kafka({ mechanism, username, password: 'nope' }).admin();
      await expect(wrong.connect()).rejects.toThrow(/authentication failed/i);
    }
    // A mechanism the user has no credential for fails like a wrong password.
    const other = kafka({ mechanism: 'scram-sha-512', username: 'dave', password: 'dave-256' }).admin();
    await expect(other.connect()).rejects.toThrow(/authentication failed/i);
  });

  it('a deleted SCRAM credential no longer authenticates', async () => {
    const raw = await rawAdmin();
    await raw.upsertScram([{ name: 'frank', mechanism: 'SCRAM-SHA-256', password: 'frank-pw' }]);
    const admin = kafka({ mechanism: 'scram-sha-256', username: 'frank', password: 'frank-pw' }).admin();
    await admin.connect();
    await admin.disconnect();
    const deleted = await raw.upsertScram([], [{ name: 'frank', mechanism: 1 }]);
    expect(deleted.results).toEqual([expect.objectContaining({ user: 'frank', errorCode: 0 })]);
    raw.end();
    const again = kafka({ mechanism: 'scram-sha-256', username: 'frank', password: 'frank-pw' }).admin();
    await expect(again.connect()).rejects.toThrow(/authentication failed/i);
  });

  it('without an authorizer the ACL APIs answer SECURITY_DISABLED', async () => {
    const admin = kafka({ mechanism: 'plain', username: 'admin', password: 'admin-secret' }).admin();
    await admin.connect();
    try {
      await expect(
        admin.describeAcls({ resourceType: 1, resourcePatternType: 1, operation: 1, permissionType: 1 } as never),
      ).rejects.toMatchObject({ type: 'SECURITY_DISABLED' });
    } finally {
      await admin.disconnect();
    }
  });

  it('kcat (librdkafka) with SCRAM-SHA-512 produces and consumes; a wrong password fails', async () => {
    const raw = await rawAdmin();
    await raw.upsertScram([{ name: 'kcat-user', mechanism: 'SCRAM-SHA-512', password: 'kcat-pw' }]);
    raw.end();
    const sasl = (password: string) => [
      '-X',
      'security.protocol=SASL_PLAINTEXT',
      '-X',
      'sasl.mechanisms=SCRAM-SHA-512',
      '-X',
      'sasl.username=kcat-user',
      '-X',
      `sasl.password=${password}`,
    ];
    const input = join(strom.dataDir, 'kcat-input.txt');
    writeFileSync(input, 'one\ntwo\nthree\n');
    await execFileAsync(kcat, ['-P', '-b', strom.bootstrap, '-t', 'kcat-scram', '-l', input, ...sasl('kcat-pw')], {
      timeout: 30_000,
    });
    const { stdout } = await execFileAsync(
      kcat,
      ['-C', '-b', strom.bootstrap, '-t', 'kcat-scram', '-o', 'beginning', '-e', '-q', ...sasl('kcat-pw')],
      { encoding: 'utf8', timeout: 30_000 },
    );
    expect(stdout.trim().split('\n')).toEqual(['one', 'two', 'three']);

    const failure = await execFileAsync(kcat, ['-L', '-b', strom.bootstrap, '-m', '5', ...sasl('wrong')], {
      encoding: 'utf8',
      timeout: 30_000,
    }).then(
      () => undefined,
      (error: { stderr?: string; stdout?: string }) => error,
    );
    expect(failure).toBeDefined();
    expect(`${failure?.stderr ?? ''}${failure?.stdout ?? ''}`).toMatch(/Authentication failed|SASL/i);
  });
});
