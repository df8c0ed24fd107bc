import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStrom, type EmbeddedStrom } from './embedded-harness.js';

describe('kafkajs admin against embedded Strom', () => {
  let strom: EmbeddedStrom;
  let kafka: Kafka;

  beforeAll(async () => {
    strom = await startEmbeddedStrom();
    kafka = new Kafka({ clientId: 'e2e-admin', brokers: [strom.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  });
  afterAll(async () => strom?.stop());

  it('creates, lists, describes and deletes topics', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(
        await admin.createTopics({
          topics: [
            { topic: 'orders', numPartitions: 3 },
            { topic: 'audit', numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '1000' }] },
          ],
        }),
      ).toBe(true);
      expect((await admin.listTopics()).sort()).toEqual(['audit', 'orders']);
      const metadata = await admin.fetchTopicMetadata({ topics: ['orders'] });
      expect(metadata.topics[0]!.partitions.map((p) => [p.partitionId, p.leader, p.replicas, p.isr]).sort()).toEqual([
        [0, 1, [1], [1]],
        [1, 1, [1], [1]],
        [2, 1, [1], [1]],
      ]);
      expect(await admin.createTopics({ topics: [{ topic: 'orders' }] })).toBe(false);
      await admin.deleteTopics({ topics: ['audit'] });
      expect(await admin.listTopics()).toEqual(['orders']);
    } finally {
      await admin.disconnect();
    }
  });

  it('reports Kafka errors for bad topic requests', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await expect(admin.createTopics({ topics: [{ topic: 'bad name!' }] })).rejects.toMatchObject({
        errors: [expect.objectContaining({ type: 'INVALID_TOPIC_EXCEPTION' })],
      });
      await expect(admin.createTopics({ topics: [{ topic: 'zero', numPartitions: 0 }] })).rejects.toMatchObject({
        errors: [expect.objectContaining({ type: 'INVALID_PARTITIONS' })],
      });
      await expect(admin.createTopics({ topics: [{ topic: 'rf', replicationFactor: 3 }] })).rejects.toMatchObject({
        errors: [expect.objectContaining({ type: 'INVALID_REPLICATION_FACTOR' })],
      });
      await expect(admin.deleteTopics({ topics: ['never-was'] })).rejects.toMatchObject({
        cause: expect.objectContaining({ type: 'UNKNOWN_TOPIC_OR_PARTITION' }),
      });
    } finally {
      await admin.disconnect();
    }
  });
  it("adds partitions with Kafka's checks, and the new partitions take records", async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: 'growing', numPartitions: 2 }] });
      await admin.createPartitions({ topicPartitions: [{ topic: 'growing', count: 4 }] });
      expect((await admin.fetchTopicMetadata({ topics: ['growing'] })).topics[0]!.partitions).toHaveLength(4);
      await expect(admin.createPartitions({ topicPartitions: [{ topic: 'growing', count: 3 }] })).rejects.toMatchObject({
        type: 'INVALID_PARTITIONS',
      });
      await expect(admin.createPartitions({ topicPartitions: [{ topic: 'growing', count: 5, assignments: [[7]] }] })).rejects.toMatchObject(
        { type: 'INVALID_REPLICA_ASSIGNMENT' },
      );
      const producer = kafka.producer();
      await producer.connect();
      const [sent] = await producer.send({ topic: 'growing', messages: [{ value: 'into the new partition', partition: 3 }] });
      await producer.disconnect();
      expect(sent).toMatchObject({ partition: 3, errorCode: 0, baseOffset: '0' });
    } finally {
      await admin.disconnect();
    }
  });
});
