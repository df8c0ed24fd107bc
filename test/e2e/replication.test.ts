import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaConnection } from '@strom/kafka-client';
import { ApiKey, createMetadataRequest, createMetadataRequestTopic } from '@strom/protocol';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freshDatabase, listenerPort, startApp, type AppProcess } from './app-process.js';

const TOPIC = 'replicated';
/** Short, so that a stopped follower leaves the ISR within seconds (Kafka's default is 30 s). */
const REPLICA_LAG_TIME_MAX_MS = 3_000;

interface BrokerProcess {
  id: number;
  port: number;
  dataDir: string;
  app: AppProcess;
}

/**
 * Replication across real broker processes (distributed mode on real NATS and Postgres): three
 * brokers, an RF=3 topic with min.insync.replicas=2, a kafkajs producer with acks=all. Followers
 * fetch from the leader over the Kafka protocol, the leader shrinks the ISR through the metadata
 * service when a follower stops, and acks=all follows the ISR: it succeeds with two in sync and
 * is refused (NOT_ENOUGH_REPLICAS) with one, while acks=1 still works.
 */
describe('replication between three broker processes', () => {
  const apps: AppProcess[] = [];
  const brokers: BrokerProcess[] = [];
  let root = '';
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;

  beforeAll(async () => {
    const databaseUrl = await freshDatabase(`strom_replication_${process.pid}`);
    const env = { STROM_NATS_URL: inject('natsUrl'), DATABASE_URL: databaseUrl };
    apps.push(await startApp('metadata', env), await startApp('coordinator', env));
    root = mkdtempSync(join(tmpdir(), 'strom-replication-'));
    const properties = join(root, 'server.properties');
    writeFileSync(properties, `replica.lag.time.max.ms=${REPLICA_LAG_TIME_MAX_MS}\nreplica.fetch.backoff.ms=200\n`);
    for (const id of [1, 2, 3]) {
      const dataDir = join(root, `broker-${id}`);
      const app = await startApp('broker', env, ['--config', properties, '--node-id', String(id), '--port', '0', '--data-dir', dataDir]);
      apps.push(app);
      const port = listenerPort(app);
      brokers.push({ id, port, dataDir, app });
    }
    kafka = new Kafka({
      clientId: 'replication-test',
      // Bootstrapped through the leader, which stays up: metadata requests never go to a stopped broker.
      brokers: [`127.0.0.1:${brokers[0]!.port}`],
      logLevel: logLevel.NOTHING,
    });
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
    await producer.connect();
  }, 120_000);

  afterAll(async () => {
    await producer?.disconnect().catch(() => undefined);
    await admin?.disconnect().catch(() => undefined);
    for (const app of apps.reverse()) {
      app.child.kill('SIGCONT');
      app.child.kill('SIGKILL');
    }
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /**
   * The ISR that Metadata reports, asked of the leader alone over the project's own client (a
   * kafkajs admin may pick a stopped broker for metadata, whose kernel still accepts connections).
   */
  const isr = async (): Promise<number[]> => {
    const connection = await KafkaConnection.connect('127.0.0.1', brokers[0]!.port, {
      clientId: 'replication-test',
      requestTimeoutMs: 5_000,
    });
    try {
      const { body } = await connection.request(
        ApiKey.Metadata,
        createMetadataRequest({ topics: [createMetadataRequestTopic({ name: TOPIC })], allowAutoTopicCreation: false }),
      );
      return [...body.topics[0]!.partitions[0]!.isrNodes].sort();
    } finally {
      connection.close();
    }
  };

  const waitForIsr = async (expected: number[], timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const current = await isr();
      if (current.join() === expected.join()) return;
      if (Date.now() > deadline) throw new Error(`ISR is [${current.join()}], not [${expected.join()}] after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };

  const send = (acks: number, from: number, count: number) =>
    producer.send({
      topic: TOPIC,
      acks,
      timeout: 20_000,
      messages: Array.from({ length: count }, (_, i) => ({ key: `k${from + i}`, value: `record-${from + i}` })),
    });

  const segment = (broker: BrokerProcess): Buffer =>
    readFileSync(join(broker.dataDir, 'kafka-logs', `${TOPIC}-0`, '00000000000000000000.log'));

  it('replicates every acks=all record to all three brokers, byte for byte, with the ISR [1,2,3]', async () => {
    await admin.createTopics({
      waitForLeaders: true,
      // Broker 1 leads (placement would pick any broker): the client bootstraps through it and the other two are stopped later.
      topics: [
        {
          topic: TOPIC,
          replicaAssignment: [{ partition: 0, replicas: [1, 2, 3] }],
          configEntries: [{ name: 'min.insync.replicas', value: '2' }],
        },
      ],
    });
    const metadata = await admin.fetchTopicMetadata({ topics: [TOPIC] });
    const partition = metadata.topics[0]!.partitions[0]!;
    expect([...partition.replicas].sort()).toEqual([1, 2, 3]);
    expect(partition.leader).toBe(1);
    expect(await isr()).toEqual([1, 2, 3]);

    for (let batch = 0; batch < 10; batch++) {
      const [result] = await send(-1, batch * 20, 20);
      expect(result).toMatchObject({ errorCode: 0, baseOffset: String(batch * 20) });
    }
    // acks=all with the ISR [1,2,3]: each follower had every batch before the leader answered.
    const leaderLog = segment(brokers[0]!);
    expect(leaderLog.length).toBeGreaterThan(0);
    expect(segment(brokers[1]!).equals(leaderLog)).toBe(true);
    expect(segment(brokers[2]!).equals(leaderLog)).toBe(true);

    const consumer = kafka.consumer({ groupId: 'replication-check' });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    const values: string[] = [];
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ message }) => {
            values.push(message.value!.toString());
            if (values.length === 200) resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    expect(values).toEqual(Array.from({ length: 200 }, (_, i) => `record-${i}`));
  }, 90_000);

  it('keeps acks=all working with one follower stopped, after the leader shrinks the ISR to [1,2]', async () => {
    brokers[2]!.app.child.kill('SIGSTOP');
    // The stopped follower holds the high watermark back until the leader drops it from the ISR.
    const [result] = await send(-1, 200, 10);
    expect(result).toMatchObject({ errorCode: 0, baseOffset: '200' });
    await waitForIsr([1, 2], 10_000);
    const [next] = await send(-1, 210, 10);
    expect(next).toMatchObject({ errorCode: 0, baseOffset: '210' });
    expect(segment(brokers[1]!).equals(segment(brokers[0]!))).toBe(true);

    // What an operator watches: the leader and the metadata service both report the partition
    // under-replicated, and the leader counts the shrink.
    const logged = async (app: AppProcess, msg: string, fields: Record<string, unknown>) => {
      const deadline = Date.now() + 10_000;
      const matches = () => app.lines.some((line) => line.msg === msg && Object.entries(fields).every(([k, v]) => line[k] === v));
      while (!matches() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      return matches();
    };
    expect(await logged(brokers[0]!.app, 'replication status', { underReplicatedPartitions: 1, isrShrinks: 1, isrExpands: 0 })).toBe(true);
    expect(await logged(apps[0]!, 'cluster status', { offlinePartitions: 0, underReplicatedPartitions: 1 })).toBe(true);
  }, 60_000);

  it('refuses acks=all with NOT_ENOUGH_REPLICAS once the ISR is [1] alone, and still takes acks=1', async () => {
    brokers[1]!.app.child.kill('SIGSTOP');
    // A stopped follower that had everything stays in sync until the leader has more (as in Kafka).
    const [behind] = await send(1, 220, 5);
    expect(behind).toMatchObject({ errorCode: 0, baseOffset: '220' });
    await waitForIsr([1], 3 * REPLICA_LAG_TIME_MAX_MS + 5_000);
    const refused = await send(-1, 225, 1).then(
      () => undefined,
      (error: unknown) => error as { type?: string; cause?: { type?: string } },
    );
    expect(refused?.type ?? refused?.cause?.type).toBe('NOT_ENOUGH_REPLICAS');
    const [accepted] = await send(1, 225, 5);
    expect(accepted).toMatchObject({ errorCode: 0, baseOffset: '225' });
  }, 60_000);
});
