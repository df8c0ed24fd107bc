import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { ErrorCode } from '@strom/errors';
import {
  ApiKey,
  createDescribeLogDirsRequest,
  createFetchRequest,
  createFetchRequestFetchPartition,
  createFetchRequestFetchTopic,
  createMetadataRequest,
  createMetadataRequestTopic,
  createProduceRequest,
  createProduceRequestPartitionProduceData,
  createProduceRequestTopicProduceData,
  decodeResponse,
  encodeRecordBatch,
  encodeRequestFrame,
  type RequestBodies,
  type ResponseBodies,
} from '@strom/protocol';
import { freePort } from '@strom/testing';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../e2e/raw-client.js';
import { BrokerProcess } from './broker-process.js';

const TOPIC = 'fills-the-disk';
const PARTITIONS = 2;
const TMPFS_SIZE = '64m';
const RECORDS_PER_SEND = 64;
const VALUE_BYTES = 8 * 1024;
/** 64 MiB take ~128 sends of 512 KiB: a bound that only a disk that never fills reaches. */
const MAX_SENDS = 400;
const PINO_ERROR = 50;

/**
 * Issue 13, point 3: the log directory on a 64 MiB tmpfs, filled with acks=all through kafkajs
 * until the broker answers KAFKA_STORAGE_ERROR (56). The connection stays open, the records
 * already acknowledged stay consumable, Metadata and DescribeLogDirs report the offline
 * directory; the directory stays offline once space is back, and after a restart every
 * acknowledged record is there and the partitions take writes again.
 *
 * Only the log directory (`<data dir>/kafka-logs`) is on the tmpfs: the embedded metadata store
 * beside it is not the log directory this is about. Mounting needs root (CI runs as root).
 */
describe('a full log directory (tmpfs)', () => {
  let dataDir: string;
  let logDir: string;
  let mounted = false;
  let port: number;
  let broker: BrokerProcess | undefined;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'strom-storage-full-'));
    logDir = join(dataDir, 'kafka-logs');
    mkdirSync(logDir);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_SIZE}`, 'tmpfs', logDir], { stdio: 'pipe' });
    } catch (error) {
      throw new Error(`this test needs to mount a tmpfs (run it as root, as CI does): ${String(error)}`, { cause: error });
    }
    mounted = true;
    port = await freePort();
  });
  afterAll(async () => {
    await broker?.kill9().catch(() => undefined);
    if (mounted) execFileSync('umount', [logDir], { stdio: 'pipe' });
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const kafka = (): Kafka =>
    new Kafka({
      clientId: 'storage-full',
      brokers: [`127.0.0.1:${port}`],
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    });

  /** Each acknowledged value, by partition, in offset order. */
  const acked: string[][] = Array.from({ length: PARTITIONS }, () => []);

  /** Sends until the broker refuses; returns the error that ended it. */
  async function fillDisk(producer: Producer): Promise<unknown> {
    for (let send = 0; send < MAX_SENDS; send++) {
      const partition = send % PARTITIONS;
      const values = Array.from({ length: RECORDS_PER_SEND }, (_, i) => `${partition}-${send}-${i}-`.padEnd(VALUE_BYTES, 'x'));
      try {
        const [result] = await producer.send({ topic: TOPIC, acks: -1, messages: values.map((value) => ({ partition, value })) });
        expect(Number(result!.baseOffset)).toBe(acked[partition]!.length);
        acked[partition]!.push(...values);
      } catch (error) {
        return error;
      }
    }
    throw new Error(`${MAX_SENDS} sends fit on a ${TMPFS_SIZE} tmpfs`);
  }

  async function consumeAll(groupId: string, expected: number): Promise<string[][]> {
    const consumed: string[][] = Array.from({ length: PARTITIONS }, () => []);
    const consumer = kafka().consumer({ groupId, maxBytes: 16 << 20 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
      let count = 0;
      const done = new Promise<void>((resolve) => {
        void consumer.run({
          eachMessage: async ({ partition, message }) => {
            consumed[partition]!.push(message.value!.toString());
            if (++count === expected) resolve();
          },
        });
      });
      await Promise.race([
        done,
        new Promise((_, reject) => setTimeout(() => reject(new Error(`consumed ${count} of ${expected}`)), 90_000)),
      ]);
    } finally {
      await consumer.disconnect();
    }
    return consumed;
  }

  it(
    'answers KAFKA_STORAGE_ERROR on one connection, keeps serving reads, and loses nothing across a restart',
    { timeout: 400_000 },
    async () => {
      broker = await BrokerProcess.start({ port, dataDir });
      const admin = kafka().admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS, replicationFactor: 1 }] });
      await admin.disconnect();

      const producer = kafka().producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
      await producer.connect();
      // With retries off, kafkajs hands over the broker's error as the cause of its last attempt.
      const error = (await fillDisk(producer)) as { name?: string; cause?: { name?: string; type?: string; code?: number } };
      expect([error.name, error.cause?.name, error.cause?.type, error.cause?.code]).toEqual([
        'KafkaJSNumberOfRetriesExceeded',
        'KafkaJSProtocolError',
        'KAFKA_STORAGE_ERROR',
        56,
      ]);
      // The directory is offline, not just full: the next send is refused without a disconnect.
      await expect(producer.send({ topic: TOPIC, acks: -1, messages: [{ partition: 0, value: 'more' }] })).rejects.toMatchObject({
        cause: { type: 'KAFKA_STORAGE_ERROR' },
      });
      await producer.disconnect();
      const ackedCount = acked.reduce((sum, values) => sum + values.length, 0);
      // Most of the 64 MiB went to records before the disk filled.
      expect(ackedCount * VALUE_BYTES).toBeGreaterThan(48 << 20);

      // One raw connection: every answer below comes back on it, none closes it.
      const raw = await RawClient.connect(port);
      let correlationId = 0;
      const request = async <K extends ApiKey>(apiKey: K, apiVersion: number, body: RequestBodies[K]): Promise<ResponseBodies[K]> => {
        const id = ++correlationId;
        raw.send(encodeRequestFrame({ apiKey, apiVersion, correlationId: id, clientId: 'raw' }, body));
        const response = decodeResponse(apiKey, apiVersion, await raw.nextFrame(10_000));
        expect(response.header.correlationId).toBe(id);
        return response.body;
      };
      const batch = encodeRecordBatch({ baseTimestamp: BigInt(Date.now()), records: [{ value: Buffer.from('refused') }] });
      const produceToAll = async (): Promise<number[]> => {
        const produced = await request(
          ApiKey.Produce,
          9,
          createProduceRequest({
            acks: -1,
            timeoutMs: 5_000,
            topicData: [
              createProduceRequestTopicProduceData({
                name: TOPIC,
                partitionData: Array.from({ length: PARTITIONS }, (_, index) =>
                  createProduceRequestPartitionProduceData({ index, records: batch }),
                ),
              }),
            ],
          }),
        );
        return produced.responses[0]!.partitionResponses.map((p) => p.errorCode);
      };
      const describeLogDirs = async (): Promise<{ errorCode: number; partitions: number }[]> =>
        (await request(ApiKey.DescribeLogDirs, 4, createDescribeLogDirsRequest({ topics: null }))).results.map((result) => ({
          errorCode: result.errorCode,
          partitions: result.topics.reduce((sum, topic) => sum + topic.partitions.length, 0),
        }));

      expect(await produceToAll()).toEqual([ErrorCode.KAFKA_STORAGE_ERROR, ErrorCode.KAFKA_STORAGE_ERROR]);
      expect(ErrorCode.KAFKA_STORAGE_ERROR).toBe(56);
      const metadata = await request(ApiKey.Metadata, 12, createMetadataRequest({ topics: [createMetadataRequestTopic({ name: TOPIC })] }));
      const nodeId = metadata.brokers[0]!.nodeId;
      expect(metadata.topics[0]!.partitions.map((p) => [p.errorCode, p.leaderId, p.offlineReplicas])).toEqual(
        Array.from({ length: PARTITIONS }, () => [ErrorCode.NONE, nodeId, [nodeId]]),
      );
      expect(await describeLogDirs()).toEqual([{ errorCode: ErrorCode.KAFKA_STORAGE_ERROR, partitions: 0 }]);
      const fetched = await request(
        ApiKey.Fetch,
        12,
        createFetchRequest({
          maxWaitMs: 0,
          minBytes: 1,
          maxBytes: 1 << 20,
          topics: [
            createFetchRequestFetchTopic({
              topic: TOPIC,
              partitions: [createFetchRequestFetchPartition({ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 })],
            }),
          ],
        }),
      );
      const fetchedPartition = fetched.responses[0]!.partitions[0]!;
      expect(fetchedPartition.errorCode).toBe(ErrorCode.NONE);
      expect(fetchedPartition.highWatermark).toBe(BigInt(acked[0]!.length));
      expect(fetchedPartition.records!.length).toBeGreaterThan(VALUE_BYTES);
      expect(await raw.closedWithin(200)).toBe(false);

      // Everything acknowledged is consumable from the offline directory.
      expect(await consumeAll('before-restart', ackedCount)).toEqual(acked);

      // Space is back; the directory stays offline until a restart (as in Kafka).
      execFileSync('mount', ['-o', 'remount,size=256m', logDir], { stdio: 'pipe' });
      expect(await produceToAll()).toEqual([ErrorCode.KAFKA_STORAGE_ERROR, ErrorCode.KAFKA_STORAGE_ERROR]);
      expect(await raw.closedWithin(200)).toBe(false);
      raw.end();
      // One error line for the failure, none for each refused request (pino writes asynchronously).
      const errorLines = (): string[] =>
        broker!
          .output()
          .split('\n')
          .filter((line) => line.includes(`"level":${PINO_ERROR}`));
      for (const deadline = Date.now() + 5_000; errorLines().length === 0 && Date.now() < deadline;) await sleep(100);
      expect(errorLines()).toHaveLength(1);
      expect(errorLines()[0]).toContain('log directory failed');

      await broker.stop();
      broker = await BrokerProcess.start({ port, dataDir });
      const after = kafka().producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
      await after.connect();
      for (let partition = 0; partition < PARTITIONS; partition++) {
        const [result] = await after.send({ topic: TOPIC, acks: -1, messages: [{ partition, value: `after-${partition}` }] });
        expect(Number(result!.baseOffset)).toBe(acked[partition]!.length);
        acked[partition]!.push(`after-${partition}`);
      }
      await after.disconnect();
      expect(await consumeAll('after-restart', ackedCount + PARTITIONS)).toEqual(acked);
      const online = await RawClient.connect(port);
      online.send(
        encodeRequestFrame(
          { apiKey: ApiKey.DescribeLogDirs, apiVersion: 4, correlationId: 1, clientId: 'raw' },
          createDescribeLogDirsRequest({ topics: null }),
        ),
      );
      const described = decodeResponse(ApiKey.DescribeLogDirs, 4, await online.nextFrame(10_000)).body;
      online.end();
      const ours = (result: (typeof described.results)[number]) => result.topics.filter((topic) => topic.name === TOPIC);
      expect(described.results.map((result) => [result.errorCode, ours(result).flatMap((topic) => topic.partitions).length])).toEqual([
        [ErrorCode.NONE, PARTITIONS],
      ]);
    },
  );
});
