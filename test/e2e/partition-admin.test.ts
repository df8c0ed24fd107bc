import { ApiKey, createApiVersionsRequest, createConsumerGroupHeartbeatRequest, decodeResponse, encodeRequestFrame } from '@strom/protocol';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStrom, type EmbeddedStrom } from './embedded-harness.js';
import { RawClient } from './raw-client.js';

describe('DeleteRecords, DescribeCluster, OffsetForLeaderEpoch, DescribeProducers', () => {
  let strom: EmbeddedStrom;
  let kafka: Kafka;

  beforeAll(async () => {
    strom = await startEmbeddedStrom();
    kafka = new Kafka({ clientId: 'e2e-admin2', brokers: [strom.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'trimmed', numPartitions: 1 }] });
    await admin.disconnect();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (let i = 0; i < 10; i++) await producer.send({ topic: 'trimmed', acks: -1, messages: [{ value: `v${i}` }] });
    await producer.disconnect();
  });
  afterAll(async () => strom?.stop());

  it('deletes records below an offset and reports the new low watermark', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      // kafkajs's deleteTopicRecords needs the topic's metadata loaded first (a kafkajs quirk).
      await admin.fetchTopicMetadata({ topics: ['trimmed'] });
      await admin.deleteTopicRecords({ topic: 'trimmed', partitions: [{ partition: 0, offset: '4' }] });
      const offsets = await admin.fetchTopicOffsets('trimmed');
      expect(offsets[0]).toMatchObject({ low: '4', high: '10' });
      await expect(admin.deleteTopicRecords({ topic: 'trimmed', partitions: [{ partition: 0, offset: '99' }] })).rejects.toThrow();
      const cluster = await admin.describeCluster();
      expect(cluster.brokers).toEqual([{ nodeId: 1, host: '127.0.0.1', port: strom.port }]);
      expect(cluster.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    } finally {
      await admin.disconnect();
    }
  });

  it('answers OffsetForLeaderEpoch and DescribeProducers from the log', async () => {
    const client = await RawClient.connect(strom.port);
    client.send(
      encodeRequestFrame(
        { apiKey: ApiKey.OffsetForLeaderEpoch, apiVersion: 4, correlationId: 1, clientId: 'raw' },
        { replicaId: -2, topics: [{ topic: 'trimmed', partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }] }] },
      ),
    );
    const epochs = decodeResponse(ApiKey.OffsetForLeaderEpoch, 4, await client.nextFrame()).body;
    expect(epochs.topics[0]!.partitions[0]).toMatchObject({ errorCode: 0, leaderEpoch: 0, endOffset: 10n });
    client.send(
      encodeRequestFrame(
        { apiKey: ApiKey.DescribeProducers, apiVersion: 0, correlationId: 2, clientId: 'raw' },
        { topics: [{ name: 'trimmed', partitionIndexes: [0, 7] }] },
      ),
    );
    const producers = decodeResponse(ApiKey.DescribeProducers, 0, await client.nextFrame()).body;
    const [known, unknown] = producers.topics[0]!.partitions;
    expect(known!.activeProducers).toHaveLength(1);
    expect(known!.activeProducers[0]).toMatchObject({ producerEpoch: 0, lastSequence: 9 });
    expect(unknown!.errorCode).toBe(3);
    client.end();
  });
  it('describes the log dir, and answers a disabled feature (KIP-848) as Kafka does', async () => {
    const client = await RawClient.connect(strom.port);
    client.send(encodeRequestFrame({ apiKey: ApiKey.DescribeLogDirs, apiVersion: 4, correlationId: 1, clientId: 'raw' }, { topics: null }));
    const dirs = decodeResponse(ApiKey.DescribeLogDirs, 4, await client.nextFrame()).body;
    expect(dirs.results).toHaveLength(1);
    expect(dirs.results[0]!.topics.find((topic) => topic.name === 'trimmed')!.partitions[0]!.partitionSize).toBeGreaterThan(0n);
    expect(dirs.results[0]!.totalBytes).toBeGreaterThan(0n);
    client.send(
      encodeRequestFrame(
        { apiKey: ApiKey.ApiVersions, apiVersion: 3, correlationId: 2, clientId: 'raw' },
        createApiVersionsRequest({ clientSoftwareName: 'raw', clientSoftwareVersion: '1' }),
      ),
    );
    const versions = decodeResponse(ApiKey.ApiVersions, 3, await client.nextFrame()).body;
    expect(versions.apiKeys.map((range) => range.apiKey)).not.toContain(ApiKey.ConsumerGroupHeartbeat);
    client.send(
      encodeRequestFrame(
        { apiKey: ApiKey.ConsumerGroupHeartbeat, apiVersion: 0, correlationId: 3, clientId: 'raw' },
        createConsumerGroupHeartbeatRequest({
          groupId: 'g',
          memberId: 'm',
          memberEpoch: 0,
          rebalanceTimeoutMs: 30000,
          subscribedTopicNames: ['trimmed'],
          topicPartitions: [],
        }),
      ),
    );
    expect(decodeResponse(ApiKey.ConsumerGroupHeartbeat, 0, await client.nextFrame()).body.errorCode).toBe(35);
    client.end();
  });
});
