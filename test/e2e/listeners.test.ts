/**
 * Several listeners (issue 13.2): an internal PLAINTEXT listener and an external SASL_PLAINTEXT
 * one advertised under another host name, each on its own port. Real clients (kafkajs, kcat)
 * bootstrap on each and are told the address of the listener they came in on; SASL is required
 * on the external listener only, and a `listener.name.<l>.*` setting applies to its listener only.
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { BrokerService, type BoundListener } from '@strom/broker';
import { ErrorCode } from '@strom/errors';
import {
  ApiKey,
  createDescribeClusterRequest,
  createFindCoordinatorRequest,
  createMetadataRequest,
  createSaslHandshakeRequest,
  encodeRequestFrame,
} from '@strom/protocol';
import { ensureKcat } from '@strom/testing';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStrom, type EmbeddedStrom } from './embedded-harness.js';
import { RawKafka, writeServerProperties } from './sasl-support.js';

const execFileAsync = promisify(execFile);
const PLAIN_LOGIN = 'org.apache.kafka.common.security.plain.PlainLoginModule required';
const ALICE: SASLOptions = { mechanism: 'plain', username: 'alice', password: 'alice-secret' };

describe('several listeners: INTERNAL (PLAINTEXT) and EXTERNAL (SASL_PLAINTEXT, advertised as localhost)', () => {
  let strom: EmbeddedStrom;
  let propsPath: string;
  let byName: Map<string, BoundListener>;
  const port = (name: string) => byName.get(name)!.port;

  beforeAll(async () => {
    propsPath = writeServerProperties([
      'listeners=INTERNAL://127.0.0.1:0,EXTERNAL://127.0.0.1:0,PARTNER://127.0.0.1:0',
      'advertised.listeners=INTERNAL://127.0.0.1:0,EXTERNAL://localhost:0',
      'listener.security.protocol.map=INTERNAL:PLAINTEXT,EXTERNAL:SASL_PLAINTEXT,PARTNER:SASL_PLAINTEXT',
      // The broker-wide mechanisms (PARTNER's); EXTERNAL has its own.
      'sasl.enabled.mechanisms=SCRAM-SHA-512',
      'listener.name.external.sasl.enabled.mechanisms=PLAIN',
      `listener.name.external.plain.sasl.jaas.config=${PLAIN_LOGIN} user_alice="alice-secret";`,
    ]);
    strom = await startEmbeddedStrom([], undefined, propsPath);
    byName = new Map(strom.running.app.get(BrokerService).boundListeners.map((listener) => [listener.name, listener]));
  });
  afterAll(async () => {
    await strom?.stop();
    if (propsPath) rmSync(dirname(propsPath), { recursive: true, force: true });
  });

  function kafka(listener: 'INTERNAL' | 'EXTERNAL', sasl?: SASLOptions): Kafka {
    const host = listener === 'EXTERNAL' ? 'localhost' : '127.0.0.1';
    return new Kafka({
      clientId: `listeners-${listener}`,
      brokers: [`${host}:${port(listener)}`],
      ...(sasl ? { sasl } : {}),
      logLevel: logLevel.NOTHING,
      retry: { retries: 2 },
    });
  }

  async function raw(listener: string, login?: { user: string; password: string }): Promise<RawKafka> {
    const connection = await RawKafka.connect(port(listener));
    if (login) expect((await connection.authenticatePlain(login.user, login.password)).errorCode).toBe(ErrorCode.NONE);
    return connection;
  }

  it('binds each listener on its own port', () => {
    expect([...byName.keys()]).toEqual(['INTERNAL', 'EXTERNAL', 'PARTNER']);
    const ports = [...byName.values()].map((listener) => listener.port);
    expect(new Set(ports).size).toBe(3);
    expect(ports.every((p) => p > 0)).toBe(true);
    expect(strom.port).toBe(port('INTERNAL'));
  });

  it("answers Metadata, FindCoordinator and DescribeCluster with the advertised address of the client's listener", async () => {
    const cases = [
      { listener: 'INTERNAL', host: '127.0.0.1', login: undefined },
      { listener: 'EXTERNAL', host: 'localhost', login: { user: 'alice', password: 'alice-secret' } },
    ];
    for (const { listener, host, login } of cases) {
      const connection = await raw(listener, login);
      try {
        const metadata = await connection.call(ApiKey.Metadata, 12, createMetadataRequest({ topics: null }));
        expect(metadata.brokers.map(({ nodeId, host: h, port: p }) => ({ nodeId, host: h, port: p }))).toEqual([
          { nodeId: 1, host, port: port(listener) },
        ]);
        const coordinator = await connection.call(
          ApiKey.FindCoordinator,
          4,
          createFindCoordinatorRequest({ keyType: 0, coordinatorKeys: ['g'] }),
        );
        expect(coordinator.coordinators[0]).toMatchObject({ errorCode: ErrorCode.NONE, nodeId: 1, host, port: port(listener) });
        const cluster = await connection.call(ApiKey.DescribeCluster, 1, createDescribeClusterRequest({ endpointType: 1 }));
        expect(cluster.brokers.map(({ brokerId, host: h, port: p }) => ({ brokerId, host: h, port: p }))).toEqual([
          { brokerId: 1, host, port: port(listener) },
        ]);
      } finally {
        connection.end();
      }
    }
  });

  it('requires SASL on EXTERNAL only: a request before authenticating closes the connection there', async () => {
    const external = await raw('EXTERNAL');
    external.raw.send(
      encodeRequestFrame(
        { apiKey: ApiKey.Metadata, apiVersion: 12, correlationId: 1, clientId: 'x' },
        createMetadataRequest({ topics: null }),
      ),
    );
    expect(await external.raw.closedWithin(5000)).toBe(true);
    // kafkajs without SASL: its ApiVersions is answered (Kafka allows it before SASL), its Metadata closes the connection.
    const anonymous = kafka('EXTERNAL').admin();
    await expect(anonymous.connect().then(() => anonymous.listTopics())).rejects.toThrow();
    await anonymous.disconnect();
    const internal = await raw('INTERNAL');
    const metadata = await internal.call(ApiKey.Metadata, 12, createMetadataRequest({ topics: null }));
    expect(metadata.brokers).toHaveLength(1);
    internal.end();
    const wrong = kafka('EXTERNAL', { mechanism: 'plain', username: 'alice', password: 'nope' }).admin();
    await expect(wrong.connect()).rejects.toThrow(/authentication failed/i);
  });

  it('applies listener.name.external.sasl.enabled.mechanisms on EXTERNAL only; PARTNER keeps the broker-wide mechanisms', async () => {
    const external = await raw('EXTERNAL');
    const partner = await raw('PARTNER');
    try {
      const handshake = (connection: RawKafka, mechanism: string) =>
        connection.call(ApiKey.SaslHandshake, 1, createSaslHandshakeRequest({ mechanism }));
      expect(await handshake(external, 'SCRAM-SHA-512')).toEqual({
        errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM,
        mechanisms: ['PLAIN'],
      });
      expect(await handshake(partner, 'PLAIN')).toEqual({ errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: ['SCRAM-SHA-512'] });
    } finally {
      external.end();
      partner.end();
    }
  });

  it('kafkajs produces and consumes on each listener, through the address Metadata gives it', async () => {
    for (const [listener, sasl] of [
      ['INTERNAL', undefined],
      ['EXTERNAL', ALICE],
    ] as const) {
      const client = kafka(listener, sasl);
      const topic = `kafkajs-${listener.toLowerCase()}`;
      const admin = client.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
      await admin.disconnect();
      const producer = client.producer();
      await producer.connect();
      await producer.send({ topic, messages: [{ value: `${listener}-1` }, { value: `${listener}-2` }] });
      await producer.disconnect();
      const consumer = client.consumer({ groupId: `group-${listener}` });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const seen: string[] = [];
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${listener}: consumed only ${seen.join(',')}`)), 30_000);
        void consumer.run({
          eachMessage: async ({ message }) => {
            seen.push(message.value!.toString());
            if (seen.length === 2) {
              clearTimeout(timer);
              resolve();
            }
          },
        });
      });
      await consumer.disconnect();
      expect(seen).toEqual([`${listener}-1`, `${listener}-2`]);
    }
  });

  it('kcat (librdkafka) is told the advertised address of each listener, and produces and consumes there', async () => {
    const kcat = ensureKcat();
    const run = async (args: string[], input?: string) => {
      const child = execFileAsync(kcat, args, { timeout: 60_000 });
      if (input !== undefined) {
        child.child.stdin!.write(input);
        child.child.stdin!.end();
      }
      return (await child).stdout;
    };
    const saslArgs = [
      '-X',
      'security.protocol=SASL_PLAINTEXT',
      '-X',
      'sasl.mechanisms=PLAIN',
      '-X',
      'sasl.username=alice',
      '-X',
      'sasl.password=alice-secret',
    ];
    for (const [listener, host, extra] of [
      ['INTERNAL', '127.0.0.1', []],
      ['EXTERNAL', 'localhost', saslArgs],
    ] as const) {
      const bootstrap = `${host}:${port(listener)}`;
      const listing = await run(['-b', bootstrap, ...extra, '-L', '-m', '10']);
      expect(listing).toContain(`broker 1 at ${host}:${port(listener)}`);
      const topic = `kcat-${listener.toLowerCase()}`;
      await run(['-b', bootstrap, ...extra, '-P', '-t', topic], `${listener}-a\n${listener}-b\n`);
      const out = await run(['-b', bootstrap, ...extra, '-C', '-t', topic, '-o', 'beginning', '-e', '-f', '%s\n']);
      expect(out.trim().split('\n')).toEqual([`${listener}-a`, `${listener}-b`]);
    }
  });
});
