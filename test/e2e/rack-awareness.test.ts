import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { KafkaConnection } from '@strom/kafka-client';
import {
  ApiKey,
  createDescribeClusterRequest,
  createFetchRequest,
  createFetchRequestFetchPartition,
  createMetadataRequest,
} from '@strom/protocol';
import { ensurePythonClients } from '@strom/testing';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freshDatabase, listenerPort, startApp, type AppProcess } from './app-process.js';

const TOPIC = 'racked';
const RECORDS = 60;
/** broker id → broker.rack: racks a, b and c, and a second broker in a so that placement has a rack to get wrong. */
const RACKS: Record<number, string> = { 1: 'a', 2: 'b', 3: 'c', 4: 'a' };

/**
 * librdkafka (confluent-kafka-python) with client.rack: reads partition 0 from offset 0 without
 * a group, one small batch per fetch and at most one record queued ahead (so it cannot have
 * everything before the test stops the leader), and prints each record as it takes it.
 */
const CONSUMER = `
import sys, time
from confluent_kafka import Consumer, TopicPartition
bootstrap, rack, topic, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
consumer = Consumer({
    'bootstrap.servers': bootstrap, 'group.id': 'rack-reader', 'client.rack': rack,
    'enable.auto.commit': False, 'max.partition.fetch.bytes': 1, 'fetch.max.bytes': 1000, 'message.max.bytes': 1000,
    'queued.min.messages': 1, 'queued.max.messages.kbytes': 1, 'fetch.wait.max.ms': 100,
    'topic.metadata.refresh.interval.ms': 600000, 'fetch.queue.backoff.ms': 10,
})
consumer.assign([TopicPartition(topic, 0, 0)])
seen = 0
while seen < count:
    message = consumer.poll(1.0)
    if message is None or message.error():
        continue
    seen += 1
    print('record', message.value().decode(), flush=True)
    time.sleep(0.05)
consumer.close()
`;

interface BrokerProcess {
  id: number;
  port: number;
  app: AppProcess;
}

/**
 * Rack awareness across real broker processes (distributed mode on real NATS and Postgres), four
 * brokers in racks a, b, c and a: an RF=3 topic has each partition's replicas on three racks
 * (StripedReplicaPlacer), and with replica.selector.class=RackAwareReplicaSelector a librdkafka
 * consumer with client.rack of a follower's rack reads every record from that follower (KIP-392):
 * it goes on reading after the leader is stopped, which only a follower can serve.
 */
describe('rack-aware placement and fetching from the follower in the client rack', () => {
  const apps: AppProcess[] = [];
  const brokers: BrokerProcess[] = [];
  let root = '';
  let admin: Admin;
  let kafka: Kafka;

  beforeAll(async () => {
    const databaseUrl = await freshDatabase(`strom_racks_${process.pid}`);
    const env = { STROM_NATS_URL: inject('natsUrl'), DATABASE_URL: databaseUrl };
    apps.push(await startApp('metadata', env), await startApp('coordinator', env));
    root = mkdtempSync(join(tmpdir(), 'strom-racks-'));
    for (const [id, rack] of Object.entries(RACKS).map(([id, rack]) => [Number(id), rack] as const)) {
      const properties = join(root, `broker-${id}.properties`);
      // A stopped leader keeps its lease for the whole test: no failover moves the partition.
      writeFileSync(
        properties,
        `broker.rack=${rack}\nreplica.selector.class=org.apache.kafka.common.replica.RackAwareReplicaSelector\nbroker.session.timeout.ms=120000\n`,
      );
      const args = ['--config', properties, '--node-id', String(id), '--port', '0', '--data-dir', join(root, `broker-${id}`)];
      const app = await startApp('broker', env, args);
      apps.push(app);
      brokers.push({ id, port: listenerPort(app), app });
    }
    kafka = new Kafka({ clientId: 'rack-test', brokers: brokers.map((b) => `127.0.0.1:${b.port}`), logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
  }, 180_000);

  afterAll(async () => {
    await admin?.disconnect().catch(() => undefined);
    for (const app of apps.reverse()) {
      app.child.kill('SIGCONT');
      app.child.kill('SIGKILL');
    }
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('reports every broker with its rack, and places each partition of an RF=3 topic on three racks', async () => {
    const connection = await KafkaConnection.connect('127.0.0.1', brokers[0]!.port, { clientId: 'rack-test', requestTimeoutMs: 5_000 });
    try {
      const racks = (entries: { brokerId?: number; nodeId?: number; rack: string | null }[]) =>
        Object.fromEntries(entries.map((entry) => [entry.brokerId ?? entry.nodeId, entry.rack]));
      const metadata = () => connection.request(ApiKey.Metadata, createMetadataRequest({ topics: [], allowAutoTopicCreation: false }));
      // The last broker to register may reach this broker's view a moment after it is ready.
      const deadline = Date.now() + 20_000;
      while ((await metadata()).body.brokers.length < 4 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(racks((await metadata()).body.brokers)).toEqual(RACKS);
      const described = await connection.request(ApiKey.DescribeCluster, createDescribeClusterRequest({}));
      expect(racks(described.body.brokers)).toEqual(RACKS);
    } finally {
      connection.close();
    }
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: TOPIC, numPartitions: 8, replicationFactor: 3 }] });
    const [topic] = (await admin.fetchTopicMetadata({ topics: [TOPIC] })).topics;
    expect(topic!.partitions).toHaveLength(8);
    for (const partition of topic!.partitions) {
      expect(new Set(partition.replicas).size).toBe(3);
      expect(new Set(partition.replicas.map((id) => RACKS[id])).size).toBe(3);
    }
  }, 60_000);

  it('lets a client.rack consumer read every record from the follower in its rack, on after the leader stops', async () => {
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const value = (i: number) => `record-${String(i).padStart(3, '0')}-${'x'.repeat(100)}`;
    for (let i = 0; i < RECORDS; i++) await producer.send({ topic: TOPIC, acks: -1, messages: [{ partition: 0, value: value(i) }] });
    await producer.disconnect();
    const [topic] = (await admin.fetchTopicMetadata({ topics: [TOPIC] })).topics;
    const partition = topic!.partitions.find((p) => p.partitionId === 0)!;
    const leader = brokers.find((broker) => broker.id === partition.leader)!;
    const followerId = partition.replicas.find((id) => id !== leader.id)!;

    // A follower learns the high watermark from its next fetch of the leader: wait until the one
    // the consumer will read from has all of it, asking it directly as a consumer (Fetch v12).
    const follower = brokers.find((broker) => broker.id === followerId)!;
    const connection = await KafkaConnection.connect('127.0.0.1', follower.port, { clientId: 'rack-test', requestTimeoutMs: 5_000 });
    try {
      const fetchOne = () =>
        connection.requestVersioned(
          ApiKey.Fetch,
          () =>
            createFetchRequest({
              maxWaitMs: 0,
              minBytes: 0,
              maxBytes: 1 << 20,
              topics: [
                {
                  topic: TOPIC,
                  topicId: '00000000-0000-0000-0000-000000000000',
                  partitions: [createFetchRequestFetchPartition({ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 })],
                },
              ],
            }),
          12,
        );
      const deadline = Date.now() + 10_000;
      let answer = (await fetchOne()).body.responses[0]!.partitions[0]!;
      while (answer.highWatermark < BigInt(RECORDS) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        answer = (await fetchOne()).body.responses[0]!.partitions[0]!;
      }
      expect({ errorCode: answer.errorCode, highWatermark: answer.highWatermark }).toEqual({
        errorCode: 0,
        highWatermark: BigInt(RECORDS),
      });
    } finally {
      connection.close();
    }

    const bootstrap = brokers.map((broker) => `127.0.0.1:${broker.port}`).join(',');
    const consumer = spawn(ensurePythonClients(), ['-c', CONSUMER, bootstrap, RACKS[followerId]!, TOPIC, String(RECORDS)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    consumer.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const received: string[] = [];
    const progress = new Set<() => void>();
    createInterface({ input: consumer.stdout }).on('line', (line) => {
      if (line.startsWith('record ')) received.push(line.slice('record '.length));
      for (const check of progress) check();
    });
    const until = (count: number, timeoutMs: number) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(new Error(`${received.length} of ${count} records after ${timeoutMs} ms; the consumer said: ${stderr.slice(-4000)}`)),
          timeoutMs,
        );
        const check = () => {
          if (received.length < count) return;
          clearTimeout(timer);
          progress.delete(check);
          resolve();
        };
        progress.add(check);
        check();
      });
    try {
      await until(5, 30_000);
      // The leader's fetch path is gone: only the follower in the client's rack can serve what is left.
      leader.app.child.kill('SIGSTOP');
      await until(RECORDS, 20_000);
    } finally {
      leader.app.child.kill('SIGCONT');
      consumer.kill('SIGKILL');
    }
    expect(received).toEqual(Array.from({ length: RECORDS }, (_, i) => value(i)));
  }, 120_000);
});
