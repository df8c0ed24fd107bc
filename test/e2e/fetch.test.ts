import {
  ApiKey,
  decodeResponse,
  encodeRecordBatch,
  encodeRequestFrame,
  ZERO_UUID,
  type FetchResponse,
  type ProduceResponse,
} from '@strom/protocol';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStrom, type EmbeddedStrom } from './embedded-harness.js';
import { RawClient } from './raw-client.js';

describe('Fetch: long polling and incremental fetch sessions', () => {
  let strom: EmbeddedStrom;
  let client: RawClient;
  let topicId: string;
  let correlationId = 0;

  const request = async <K extends ApiKey>(apiKey: K, apiVersion: number, body: unknown) => {
    client.send(encodeRequestFrame({ apiKey, apiVersion, correlationId: ++correlationId, clientId: 'raw' }, body as never));
    return decodeResponse(apiKey, apiVersion, await client.nextFrame(20_000)).body;
  };
  const produce = async (partition: number, value: string) => {
    const records = encodeRecordBatch({ baseTimestamp: BigInt(Date.now()), records: [{ value: Buffer.from(value) }] });
    const response = (await request(ApiKey.Produce, 9, {
      transactionalId: null,
      acks: 1,
      timeoutMs: 5000,
      topicData: [{ name: 'polled', partitionData: [{ index: partition, records }] }],
    })) as ProduceResponse;
    expect(response.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
  };
  const fetch = async (
    sessionId: number,
    sessionEpoch: number,
    partitions: { partition: number; fetchOffset: bigint }[],
    maxWaitMs = 0,
    minBytes = 0,
  ) =>
    (await request(ApiKey.Fetch, 13, {
      clusterId: null,
      replicaId: -1,
      replicaState: { replicaId: -1, replicaEpoch: -1n },
      maxWaitMs,
      minBytes,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId,
      sessionEpoch,
      topics:
        partitions.length === 0
          ? []
          : [
              {
                topic: '',
                topicId,
                partitions: partitions.map((p) => ({
                  partition: p.partition,
                  currentLeaderEpoch: -1,
                  fetchOffset: p.fetchOffset,
                  lastFetchedEpoch: -1,
                  logStartOffset: -1n,
                  partitionMaxBytes: 1 << 20,
                  replicaDirectoryId: '00000000-0000-0000-0000-000000000000',
                })),
              },
            ],
      forgottenTopicsData: [],
      rackId: '',
    })) as FetchResponse;

  beforeAll(async () => {
    strom = await startEmbeddedStrom();
    const kafka = new Kafka({ clientId: 'e2e-fetch', brokers: [strom.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'polled', numPartitions: 2 }] });
    await admin.disconnect();
    client = await RawClient.connect(strom.port);
    const metadata = await request(ApiKey.Metadata, 12, {
      topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name: 'polled' }],
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    topicId = (metadata as { topics: { topicId: string }[] }).topics[0]!.topicId;
  });
  afterAll(async () => {
    client?.end();
    await strom?.stop();
  });

  it('a long poll is answered as soon as data arrives, not at max.wait.ms', async () => {
    const producer = await RawClient.connect(strom.port);
    const waiting = fetch(0, -1, [{ partition: 0, fetchOffset: 0n }], 15_000, 1);
    setTimeout(() => {
      const records = encodeRecordBatch({ baseTimestamp: BigInt(Date.now()), records: [{ value: Buffer.from('wake up') }] });
      producer.send(
        encodeRequestFrame(
          { apiKey: ApiKey.Produce, apiVersion: 9, correlationId: 1, clientId: 'p' },
          {
            transactionalId: null,
            acks: 1,
            timeoutMs: 5000,
            topicData: [{ name: 'polled', topicId: ZERO_UUID, partitionData: [{ index: 0, records }] }],
          },
        ),
      );
    }, 300);
    // The raw client would time out at 20 s; the test's own 10 s bound fails a response that waited for max.wait.ms.
    const response = await waiting;
    expect(response.responses[0]!.partitions[0]!.records!.length).toBeGreaterThan(0);
    producer.end();
  }, 10_000);

  it('creates a session on a full fetch and then answers incrementally with only what changed', async () => {
    const full = await fetch(0, 0, [
      { partition: 0, fetchOffset: 1n },
      { partition: 1, fetchOffset: 0n },
    ]);
    expect(full.errorCode).toBe(0);
    expect(full.sessionId).not.toBe(0);
    expect(full.responses[0]!.partitions.map((p) => p.partitionIndex).sort()).toEqual([0, 1]);

    const quiet = await fetch(full.sessionId, 1, []);
    expect(quiet.sessionId).toBe(full.sessionId);
    expect(quiet.responses).toEqual([]);

    await produce(1, 'changed');
    const changed = await fetch(full.sessionId, 2, []);
    expect(changed.responses[0]!.partitions.map((p) => p.partitionIndex)).toEqual([1]);
    expect(changed.responses[0]!.partitions[0]!.records!.length).toBeGreaterThan(0);

    const stale = await fetch(full.sessionId, 2, []);
    expect(stale.errorCode).toBe(71);
    const unknown = await fetch(12345, 1, []);
    expect(unknown.errorCode).toBe(70);
  });
  it('a long poll that wants more than min.bytes waits for new data instead of spinning, and its end is on time', async () => {
    const started = Date.now();
    const cpuBefore = process.cpuUsage();
    const response = await fetch(0, -1, [{ partition: 0, fetchOffset: 0n }], 1500, 10 * 1024 * 1024);
    const cpu = process.cpuUsage(cpuBefore);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect(response.responses[0]!.partitions[0]!.records!.length).toBeGreaterThan(0);
    // A spinning loop burns a whole core for the 1.5 s; waiting costs next to nothing.
    expect((cpu.user + cpu.system) / 1000).toBeLessThan(1000);
  });

  it('a long poll on a topic deleted meanwhile ends with a partition error, and the connection stays open', async () => {
    const kafka = new Kafka({ clientId: 'e2e-fetch-delete', brokers: [strom.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'doomed', numPartitions: 1 }] });
    const doomedId = (
      (await request(ApiKey.Metadata, 12, {
        topics: [{ topicId: '00000000-0000-0000-0000-000000000000', name: 'doomed' }],
        allowAutoTopicCreation: false,
        includeClusterAuthorizedOperations: false,
        includeTopicAuthorizedOperations: false,
      })) as {
        topics: { topicId: string }[];
      }
    ).topics[0]!.topicId;
    const saved = topicId;
    topicId = doomedId;
    const polling = fetch(0, -1, [{ partition: 0, fetchOffset: 0n }], 8000, 1);
    topicId = saved;
    await new Promise((resolve) => setTimeout(resolve, 300));
    await admin.deleteTopics({ topics: ['doomed'] });
    await admin.disconnect();
    const response = await polling;
    expect(response.responses[0]!.partitions[0]!.errorCode).toBe(100);
    const again = await fetch(0, -1, [{ partition: 0, fetchOffset: 0n }]);
    expect(again.errorCode).toBe(0);
  });
});
