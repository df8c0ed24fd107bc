import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { KafkaConnection } from '@strom/kafka-client';
import { NatsBus, requestJson } from '@strom/bus';
import { MetadataSubjects, type ClusterSnapshot } from '@strom/contracts';
import { ApiKey, createMetadataRequest, createMetadataRequestTopic } from '@strom/protocol';
import { startNatsServer, type NatsServerHandle } from '@strom/testing';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, startApp, type AppProcess } from './app-process.js';
import { createTestNetwork, type TestHost, type TestNetwork } from './netns.js';

const TOPIC = 'partitioned';
const PORT = 9092;
const LEASE_MS = 3000;
/** The project's own addresses: a private /24 that nothing else on the machine uses. */
const NETWORK_PREFIX = '10.77.0';

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, waitMs: number): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined && done(value)) return value;
    if (Date.now() > deadline) throw new Error(`gave up after ${waitMs} ms waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * One acks=all produce by a kafkajs client inside a host's namespace, to that host's broker
 * alone; the process is killed if it has not answered within `waitMs`.
 */
async function produceFrom(host: TestHost, value: string, waitMs: number): Promise<{ ok: boolean; detail: string }> {
  const kafkajs = pathToFileURL(createRequire(import.meta.url).resolve('kafkajs')).href;
  const program = `
    const module = await import(${JSON.stringify(kafkajs)});
    const { Kafka, logLevel } = module.default ?? module;
    const kafka = new Kafka({ clientId: 'isolated', brokers: ['${host.address}:${PORT}'], logLevel: logLevel.NOTHING, requestTimeout: 5000, retry: { retries: 0 } });
    const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
    try {
      await producer.connect();
      const [result] = await producer.send({ topic: '${TOPIC}', acks: -1, timeout: 5000, messages: [{ partition: 0, value: '${value}' }] });
      console.log(JSON.stringify({ ok: true, detail: JSON.stringify(result) }));
    } catch (error) {
      console.log(JSON.stringify({ ok: false, detail: String(error.type ?? error.name) + ': ' + error.message }));
    }
    process.exit(0);`;
  const child = spawn(host.exec[0]!, [...host.exec.slice(1), process.execPath, '--input-type=module', '-e', program], { stdio: 'pipe' });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), waitMs);
  await new Promise((resolve) => child.on('exit', resolve));
  clearTimeout(timer);
  return output.trim() === ''
    ? { ok: false, detail: `no answer within ${waitMs} ms` }
    : (JSON.parse(output) as { ok: boolean; detail: string });
}

/**
 * A network partition between real processes: three brokers, each a host in its own network
 * namespace on a bridge; metadata, coordinator, NATS and Postgres in the root namespace. The
 * leader of an RF=3, min.insync.replicas=2 partition is cut off: its lease expires and it is
 * fenced, a new leader is elected, the old leader cannot acknowledge an acks=all write from a
 * client beside it, and after the partition heals every acknowledged record is there.
 */
describe('a network partition isolating the leader broker', () => {
  let network: TestNetwork;
  let nats: NatsServerHandle;
  let bus: NatsBus;
  let root = '';
  const apps: AppProcess[] = [];
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;

  beforeAll(async () => {
    // Fails (never skips) with the reason when namespaces cannot be made here.
    network = createTestNetwork('stromnp', NETWORK_PREFIX, 3);
    // The hosts reach the root namespace's NATS through the bridge address.
    nats = await startNatsServer({ jetStream: false, host: network.gateway });
    bus = await NatsBus.connect({ servers: nats.url, name: 'network-partition-test' });
    const databaseUrl = await freshDatabase(`strom_partition_${process.pid}`);
    const env = {
      STROM_NATS_URL: nats.url,
      DATABASE_URL: databaseUrl,
      STROM_TEMPORAL_ADDRESS: '127.0.0.1:1',
    };
    apps.push(await startApp('metadata', env), await startApp('coordinator', env));
    root = mkdtempSync(join(tmpdir(), 'strom-partition-'));
    const properties = join(root, 'server.properties');
    writeFileSync(
      properties,
      [
        `broker.session.timeout.ms=${LEASE_MS}`,
        'broker.heartbeat.interval.ms=500',
        'replica.lag.time.max.ms=3000',
        'replica.fetch.backoff.ms=200',
        'offsets.topic.replication.factor=1',
        '',
      ].join('\n'),
    );
    for (const [index, host] of network.hosts.entries()) {
      const args = ['--config', properties, '--node-id', String(index + 1), '--host', host.address, '--port', String(PORT)];
      apps.push(
        await startApp('broker', { STROM_NATS_URL: nats.url }, [...args, '--data-dir', join(root, `broker-${index + 1}`)], host.exec),
      );
    }
    kafka = new Kafka({
      clientId: 'partition-test',
      brokers: network.hosts.map((host) => `${host.address}:${PORT}`),
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1000,
      requestTimeout: 10_000,
    });
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, retry: { retries: 5 } });
    await producer.connect();
  }, 120_000);

  afterAll(async () => {
    await producer?.disconnect().catch(() => undefined);
    await admin?.disconnect().catch(() => undefined);
    for (const app of apps) app.child.kill('SIGKILL');
    await Promise.all(apps.map((app) => app.exited));
    await bus?.close();
    await nats?.stop();
    network?.destroy();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /**
   * The partition's leader and ISR as broker 2 (never cut off) reports them, over the project's
   * own client: a kafkajs admin may keep asking the unreachable broker.
   */
  const partition = async () => {
    const connection = await KafkaConnection.connect(network.hosts[1]!.address, PORT, {
      clientId: 'partition-test',
      requestTimeoutMs: 5_000,
    });
    try {
      const { body } = await connection.request(
        ApiKey.Metadata,
        createMetadataRequest({ topics: [createMetadataRequestTopic({ name: TOPIC })], allowAutoTopicCreation: false }),
      );
      const { leaderId, isrNodes } = body.topics[0]!.partitions[0]!;
      return { leader: leaderId, isr: [...isrNodes].sort() };
    } finally {
      connection.close();
    }
  };

  const send = (from: number, count: number) =>
    producer.send({
      topic: TOPIC,
      acks: -1,
      timeout: 10_000,
      messages: Array.from({ length: count }, (_, i) => ({ partition: 0, value: `acked-${from + i}` })),
    });

  it('fences the cut-off leader, elects another, refuses the old leader an acks=all write, and loses nothing acknowledged', async () => {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: TOPIC,
          replicaAssignment: [{ partition: 0, replicas: [1, 2, 3] }],
          configEntries: [{ name: 'min.insync.replicas', value: '2' }],
        },
      ],
    });
    await until(partition, (p) => p.leader === 1 && p.isr.join() === '1,2,3', 'leader 1 with the ISR [1,2,3]', 30_000);
    for (let batch = 0; batch < 5; batch++) await send(batch * 10, 10);

    const [isolated] = network.hosts;
    network.isolate(isolated!);
    const isolatedAtMs = Date.now();
    // A client beside the cut-off leader: its acks=all write must never be acknowledged.
    const beside = produceFrom(isolated!, 'written-in-the-partition', 30_000);

    const elected = await until(partition, (p) => p.leader === 2 || p.leader === 3, 'a new leader', 30_000);
    const electionMs = Date.now() - isolatedAtMs;
    expect(elected.isr).not.toContain(1);
    const snapshot = await requestJson<ClusterSnapshot>(bus, MetadataSubjects.snapshot, {}, { timeoutMs: 10_000 });
    expect(snapshot.brokers.find((broker) => broker.id === 1)?.fenced).toBe(true);
    // kafkajs keeps a timed-out request's connection (to the cut-off leader) and does not refresh
    // its metadata on a timeout, unlike Kafka's Java client: a producer started now finds the new leader.
    await producer.disconnect();
    producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, retry: { retries: 5 } });
    await producer.connect();
    for (let batch = 5; batch < 10; batch++) await send(batch * 10, 10);

    const refused = await beside;
    expect(refused.ok, refused.detail).toBe(false);

    // The cut-off leader did append the write locally (it waited for followers that never came).
    const segment = (id: number) => readFileSync(join(root, `broker-${id}`, 'kafka-logs', `${TOPIC}-0`, '00000000000000000000.log'));
    expect(segment(1).includes('written-in-the-partition')).toBe(true);
    network.heal(isolated!);
    const healed = await until(partition, (p) => p.isr.join() === '1,2,3', 'the old leader back in the ISR', 60_000);
    // Back in the ISR, the old leader holds exactly the new leader's log: whatever it had
    // appended alone in the partition is truncated away.
    await until(
      async () => segment(1).equals(segment(healed.leader)),
      (same) => same,
      "the old leader to hold the new leader's log",
      10_000,
    );

    const consumer = kafka.consumer({ groupId: 'partition-check' });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    const values: string[] = [];
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ message }) => {
            values.push(message.value!.toString());
            if (values.length >= 100) resolve();
          },
        })
        .catch(reject);
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await consumer.disconnect();
    expect(values).toEqual(Array.from({ length: 100 }, (_, i) => `acked-${i}`));
    expect(electionMs).toBeLessThan(LEASE_MS + 10_000);
  }, 240_000);
});
