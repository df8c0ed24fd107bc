import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaConnection } from '@strom/kafka-client';
import { ApiKey, createMetadataRequest, createMetadataRequestTopic } from '@strom/protocol';
import { startNatsServer, type NatsServerHandle } from '@strom/testing';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freshDatabase, listenerPort, startApp, type AppProcess } from './app-process.js';

const TOPIC = 'failover';
const PARTITIONS = 3;
/** Short leases, so that a killed broker is fenced within seconds (Kafka's defaults: 9000 and 2000). */
const SESSION_TIMEOUT_MS = 3_000;
const HEARTBEAT_MS = 500;
/** Node ids of their own: failover workflow ids are per broker id and epoch on the shared Temporal server. */
const NODE_IDS = [21, 22, 23];

interface BrokerProcess {
  id: number;
  port: number;
  dataDir: string;
  app: AppProcess;
}

interface PartitionView {
  partition: number;
  leader: number;
  isr: number[];
}

/**
 * The headline failover scenario, all real processes on their own NATS, a fresh Postgres database
 * and the Temporal dev server: metadata, coordinator, orchestrator and three brokers. An idempotent
 * acks=all producer streams numbered records into an RF=3, min.insync.replicas=2 topic while a
 * consumer group reads it; the broker leading partition 0 is SIGKILLed. Its lease expires, the
 * failover (workflow or metadata service) elects a new leader from the ISR and publishes it,
 * produce resumes there and the consumer goes on. Every acknowledged record is in the log exactly
 * once. The killed broker restarts with its node id and data directory, truncates to the new
 * leader's log, catches up and is taken back into the ISR.
 */
describe('leader failover of a three-broker cluster under an idempotent acks=all stream', () => {
  const apps: AppProcess[] = [];
  const brokers: BrokerProcess[] = [];
  let nats: NatsServerHandle;
  let root = '';
  let env: Record<string, string>;
  let properties = '';
  let kafka: Kafka;
  let producer: Producer;
  let consumer: Consumer;
  /** Values the consumer group saw while the stream ran (at least once). */
  const consumed = new Set<string>();
  /** Acknowledged values, with the partition each was sent to. */
  const acknowledged = new Map<string, number>();
  let killed: BrokerProcess;
  let producing: Promise<void> | undefined;
  let stopProducing = false;
  /** The next record number: carried over when producing stops and starts again, so no value is sent twice. */
  let nextSequence = 0;
  let failedSends = 0;

  const startBroker = async (id: number, dataDir: string, port: number): Promise<BrokerProcess> => {
    const app = await startApp('broker', env, [
      '--config',
      properties,
      '--node-id',
      String(id),
      '--port',
      String(port),
      '--data-dir',
      dataDir,
    ]);
    apps.push(app);
    return { id, port: listenerPort(app), dataDir, app };
  };

  beforeAll(async () => {
    const databaseUrl = await freshDatabase(`strom_leader_failover_${process.pid}`);
    // Its own NATS: the metadata processes of other test files must not answer this one's brokers.
    nats = await startNatsServer();
    root = mkdtempSync(join(tmpdir(), 'strom-leader-failover-'));
    properties = join(root, 'server.properties');
    writeFileSync(
      properties,
      [
        `broker.session.timeout.ms=${SESSION_TIMEOUT_MS}`,
        `broker.heartbeat.interval.ms=${HEARTBEAT_MS}`,
        'replica.lag.time.max.ms=3000',
        'replica.fetch.backoff.ms=200',
        '',
      ].join('\n'),
    );
    env = {
      STROM_NATS_URL: nats.url,
      DATABASE_URL: databaseUrl,
      STROM_CONFIG: properties,
      STROM_TEMPORAL_ADDRESS: inject('temporalAddress'),
      STROM_TEMPORAL_NAMESPACE: inject('temporalNamespace'),
    };
    apps.push(await startApp('metadata', env));
    apps.push(await startApp('coordinator', env), await startApp('orchestrator', env));
    for (const id of NODE_IDS) brokers.push(await startBroker(id, join(root, `broker-${id}`), 0));
    kafka = new Kafka({
      clientId: 'failover-test',
      brokers: brokers.map((broker) => `127.0.0.1:${broker.port}`),
      logLevel: logLevel.NOTHING,
      retry: { retries: 12, initialRetryTime: 100, maxRetryTime: 1_000 },
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: TOPIC,
          numPartitions: PARTITIONS,
          replicationFactor: 3,
          configEntries: [{ name: 'min.insync.replicas', value: '2' }],
        },
      ],
    });
    await admin.disconnect();
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    consumer = kafka.consumer({ groupId: 'failover-readers', sessionTimeout: 10_000, heartbeatInterval: 1_000 });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void consumed.add(message.value!.toString()) });
  }, 180_000);

  afterAll(async () => {
    stopProducing = true;
    await producing?.catch(() => undefined);
    await consumer?.disconnect().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
    for (const app of apps.reverse()) app.child.kill('SIGKILL');
    await nats?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** Partitions of the topic as Metadata tells them, asked of one live broker over the project's own client. */
  const partitions = async (via: BrokerProcess): Promise<PartitionView[]> => {
    const connection = await KafkaConnection.connect('127.0.0.1', via.port, { clientId: 'failover-test', requestTimeoutMs: 5_000 });
    try {
      const { body } = await connection.request(
        ApiKey.Metadata,
        createMetadataRequest({ topics: [createMetadataRequestTopic({ name: TOPIC })], allowAutoTopicCreation: false }),
      );
      return body.topics[0]!.partitions.map((p) => ({ partition: p.partitionIndex, leader: p.leaderId, isr: [...p.isrNodes].sort() })).sort(
        (a, b) => a.partition - b.partition,
      );
    } finally {
      connection.close();
    }
  };

  const until = async <T>(read: () => Promise<T>, done: (value: T) => boolean, waitMs: number, what: string): Promise<T> => {
    const deadline = Date.now() + waitMs;
    let last: T | undefined;
    for (;;) {
      last = await read().catch(() => undefined);
      if (last !== undefined && done(last)) return last;
      if (Date.now() > deadline) throw new Error(`${what}: gave up after ${waitMs} ms; last: ${JSON.stringify(last)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };

  /** One record per send, round-robin over the partitions, each value sent once only (no application retry). */
  const produce = async (): Promise<void> => {
    for (; !stopProducing; nextSequence++) {
      const sequence = nextSequence;
      const partition = sequence % PARTITIONS;
      const value = `record-${sequence}`;
      try {
        await producer.send({ topic: TOPIC, acks: -1, timeout: 10_000, messages: [{ partition, key: `k${sequence}`, value }] });
        acknowledged.set(value, partition);
      } catch {
        failedSends++;
      }
    }
  };

  const acknowledgedOn = (partition: number): number => [...acknowledged.values()].filter((p) => p === partition).length;

  /**
   * Reads the topic from the beginning with a fresh consumer until it has seen every record
   * acknowledged so far (a lost or hidden one makes this time out), and returns offset → value.
   */
  let readBacks = 0;
  const readBack = async (what: string): Promise<Map<string, string>> => {
    const reader = kafka.consumer({ groupId: `failover-read-back-${++readBacks}` });
    await reader.connect();
    await reader.subscribe({ topic: TOPIC, fromBeginning: true });
    const log = new Map<string, string>();
    await reader.run({
      eachMessage: async ({ partition, message }) => void log.set(`${partition}@${message.offset}`, message.value!.toString()),
    });
    try {
      await until(
        async () => new Set(log.values()),
        (values) => [...acknowledged.keys()].every((value) => values.has(value)),
        60_000,
        `${what}: every acknowledged record read back`,
      );
    } finally {
      await reader.disconnect();
    }
    return log;
  };

  it('moves the leadership of a SIGKILLed broker, and the stream goes on with nothing acknowledged lost or doubled', async () => {
    const before = await until(
      () => partitions(brokers[0]!),
      (view) => view.length === PARTITIONS && view.every((p) => p.isr.length === 3),
      20_000,
      'ISR of 3 everywhere',
    );
    producing = produce();
    await until(
      async () => acknowledgedOn(0),
      (count) => count >= 50,
      30_000,
      'records acknowledged on partition 0',
    );

    killed = brokers.find((broker) => broker.id === before[0]!.leader)!;
    const survivor = brokers.find((broker) => broker !== killed)!;
    const ackedAtKill = acknowledged.size;
    const ackedOnZeroAtKill = acknowledgedOn(0);
    killed.app.child.kill('SIGKILL');
    await killed.app.exited;
    // Nothing new is written until the records acknowledged before the kill are read back from the
    // new leaders: a later write could otherwise move a high watermark past what failover hid.
    stopProducing = true;
    await producing;

    const after = await until(
      () => partitions(survivor),
      (view) => view[0]!.leader !== killed.id && view[0]!.leader !== -1 && view.every((p) => !p.isr.includes(killed.id)),
      30_000,
      'a new leader for partition 0',
    );
    expect(after.every((p) => p.isr.length === 2 && p.leader !== killed.id)).toBe(true);
    // The metadata service saw the lease expire and published the new leaders (by the workflow, or
    // itself should another orchestrator on the shared Temporal server take the task).
    const metadata = apps[0]!;
    const failover = await until(
      async () =>
        metadata.lines.find((line) => line.msg === 'broker fenced: lease expired, new leaders published' && line.brokerId === killed.id),
      (line) => line !== undefined,
      5_000,
      'the failover logged by the metadata service',
    );
    expect(failover).toMatchObject({ fencedBy: expect.stringMatching(/^(workflow|metadata-service)$/) });
    await readBack('after the failover, before any new write');
    stopProducing = false;
    producing = produce();
    // Produce resumes on the new leader, for partition 0 and the others.
    await until(
      async () => acknowledgedOn(0),
      (count) => count >= ackedOnZeroAtKill + 50,
      60_000,
      'produce on the new leader',
    );
    await until(
      async () => acknowledged.size,
      (count) => count >= ackedAtKill + 150,
      60_000,
      'produce on every partition',
    );

    stopProducing = true;
    await producing;
    // The group went on: it sees every acknowledged record.
    await until(
      async () => [...acknowledged.keys()].filter((value) => !consumed.has(value)),
      (missing) => missing.length === 0,
      60_000,
      'the consumer group to see every acknowledged record',
    );

    // Read everything back by offset: every acknowledged record is in the log, and no value twice.
    const log = await readBack('at the end');
    const values = [...log.values()];
    const duplicates = values.filter((value, i) => values.indexOf(value) !== i);
    expect(duplicates).toEqual([]);
    // Each acknowledged record sits on the partition it was sent to.
    for (const [location, value] of log) {
      const partition = Number(location.split('@')[0]);
      if (acknowledged.has(value)) expect(acknowledged.get(value)).toBe(partition);
    }
    expect(acknowledged.size).toBeGreaterThan(ackedAtKill + 150);
    expect(failedSends).toBeLessThan(acknowledged.size);
  }, 240_000);

  it('takes the restarted broker back: it catches up to the leader, byte for byte, and the ISR is 3 again', async () => {
    const index = brokers.indexOf(killed);
    const restarted = await startBroker(killed.id, killed.dataDir, killed.port);
    brokers[index] = restarted;
    const view = await until(
      () => partitions(restarted),
      (current) => current.every((p) => p.isr.length === 3),
      60_000,
      'the restarted broker back in every ISR',
    );
    expect(view.map((p) => p.isr)).toEqual(Array.from({ length: PARTITIONS }, () => [...NODE_IDS]));
    // Nothing is produced any more: once in sync, every replica's log is the leader's.
    for (const { partition, leader } of view) {
      const leaderLog = segments(
        brokers.find((broker) => broker.id === leader)!,
        partition,
      );
      expect(leaderLog.length).toBeGreaterThan(0);
      await until(
        async () => brokers.map((broker) => segments(broker, partition).equals(leaderLog)),
        (same) => same.every(Boolean),
        20_000,
        `partition ${partition} identical on every broker`,
      );
    }
    // A clean restart of every broker: everything acknowledged is read back before anything new is written.
    for (const [i, broker] of brokers.entries()) {
      broker.app.child.kill('SIGTERM');
      await broker.app.exited;
      brokers[i] = await startBroker(broker.id, broker.dataDir, broker.port);
      await until(
        () => partitions(brokers[i]!),
        (current) => current.every((p) => p.isr.length === 3 && p.leader !== -1),
        60_000,
        `broker ${broker.id} back in every ISR`,
      );
    }
    await until(
      () => partitions(brokers[0]!),
      (current) => current.every((p) => p.isr.length === 3 && p.leader !== -1),
      60_000,
      'every partition led, with an ISR of 3, after the clean restart',
    );
    await readBack('after a clean restart of every broker, before any new write');
    // And it serves as a replica again: produce still works with all three in the ISR.
    const [result] = await producer.send({ topic: TOPIC, acks: -1, messages: [{ partition: 0, value: 'after-restart' }] });
    expect(result!.errorCode).toBe(0);
  }, 240_000);
});

/** The concatenated segment files of one partition on one broker. */
function segments(broker: BrokerProcess, partition: number): Buffer {
  const dir = join(broker.dataDir, 'kafka-logs', `${TOPIC}-${partition}`);
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.log'))
    .sort();
  return Buffer.concat(files.map((name) => readFileSync(join(dir, name))));
}
