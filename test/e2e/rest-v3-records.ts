import { Partitioners, type Admin, type Kafka, type KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestV3Client, RestV3Context } from './rest-v3-support.js';

/** REST v3 `POST …/topics/{t}/records`, with the records read back by kafkajs over the Kafka protocol. */
export function recordSuite(context: RestV3Context): void {
  describe('REST v3: producing records', () => {
    let rest: RestV3Client;
    let kafka: Kafka;
    let admin: Admin;
    let cluster_id: string;

    beforeAll(async () => {
      ({ rest, kafka, cluster_id } = context);
      admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'records', numPartitions: 3 }] });
    });
    afterAll(async () => admin?.disconnect());

    /** Every record of `topic` by partition, read from the beginning by a fresh consumer group. */
    async function readAll(topic: string, count: number): Promise<Map<number, KafkaMessage[]>> {
      const consumer = kafka.consumer({ groupId: `reader-${Math.random()}` });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const read = new Map<number, KafkaMessage[]>();
      let seen = 0;
      await new Promise<void>((resolve) => {
        void consumer.run({
          eachMessage: async ({ partition, message }) => {
            read.set(partition, [...(read.get(partition) ?? []), message]);
            if (++seen === count) resolve();
          },
        });
      });
      await consumer.disconnect();
      return read;
    }

    it('produces BINARY, JSON and STRING data with headers and a timestamp, as the records a Kafka client reads', async () => {
      const params = { cluster_id, topic_name: 'records' };
      const first = await rest.call('post', '/clusters/{cluster_id}/topics/{topic_name}/records', params, {
        partition_id: 1,
        headers: [
          { name: 'Header-1', value: Buffer.from('Header-1').toString('base64') },
          { name: 'nothing', value: null },
        ],
        key: { type: 'BINARY', data: Buffer.from('foobar').toString('base64') },
        value: { type: 'JSON', data: { foo: 'bar', n: [1, 2] } },
        timestamp: '2021-02-05T19:14:42Z',
      });
      expect(first).toEqual({
        status: 200,
        body: {
          error_code: 200,
          cluster_id,
          topic_name: 'records',
          partition_id: 1,
          offset: 0,
          timestamp: '2021-02-05T19:14:42Z',
          key: { type: 'BINARY', size: 6 },
          value: { type: 'JSON', size: 23 },
        },
      });
      const second = await rest.call('post', '/clusters/{cluster_id}/topics/{topic_name}/records', params, {
        partition_id: 1,
        value: { type: 'STRING', data: 'My message' },
      });
      expect(second.body).toMatchObject({ partition_id: 1, offset: 1, value: { type: 'STRING', size: 10 } });
      expect(second.body).not.toHaveProperty('key');
      const read = await readAll('records', 2);
      const [binary, text] = read.get(1)!;
      expect(binary!.key).toEqual(Buffer.from('foobar'));
      expect(JSON.parse(binary!.value!.toString())).toEqual({ foo: 'bar', n: [1, 2] });
      expect(binary!.timestamp).toBe(String(Date.parse('2021-02-05T19:14:42Z')));
      expect(binary!.headers).toEqual({ 'Header-1': Buffer.from('Header-1'), nothing: null });
      expect(text!.key).toBeNull();
      expect(text!.value!.toString()).toBe('My message');
    });

    it("puts a keyed record on the partition Kafka's partitioner picks (murmur2 of the key)", async () => {
      await admin.createTopics({ topics: [{ topic: 'keyed', numPartitions: 5 }] });
      const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      try {
        for (const key of ['alpha', 'beta', 'gamma', 'delta', 'a-much-longer-key-of-odd-length']) {
          const [java] = await producer.send({ topic: 'keyed', messages: [{ key, value: 'x' }] });
          const viaRest = await rest.call(
            'post',
            '/clusters/{cluster_id}/topics/{topic_name}/records',
            { cluster_id, topic_name: 'keyed' },
            { key: { type: 'STRING', data: key }, value: { type: 'STRING', data: 'x' } },
          );
          expect([key, viaRest.body!.partition_id]).toEqual([key, java!.partition]);
        }
      } finally {
        await producer.disconnect();
      }
    });

    it('produces a batch, reporting each entry as a success or a failure (207)', async () => {
      await admin.createTopics({ topics: [{ topic: 'batched', numPartitions: 1 }] });
      const params = { cluster_id, topic_name: 'batched' };
      const batch = await rest.call('post', '/clusters/{cluster_id}/topics/{topic_name}/records:batch', params, {
        entries: [
          { id: '1', value: { type: 'STRING', data: 'first' } },
          { id: '2', value: { type: 'BINARY', data: 1 } },
          { id: '3', key: { type: 'JSON', data: 7 }, value: { type: 'STRING', data: 'third' }, timestamp: '2024-01-02T03:04:05.678Z' },
        ],
      });
      expect(batch).toEqual({
        status: 207,
        body: {
          successes: [
            {
              id: '1',
              cluster_id,
              topic_name: 'batched',
              partition_id: 0,
              offset: 0,
              timestamp: expect.any(String),
              value: { type: 'STRING', size: 5 },
            },
            {
              id: '3',
              cluster_id,
              topic_name: 'batched',
              partition_id: 0,
              offset: 1,
              timestamp: '2024-01-02T03:04:05.678Z',
              key: { type: 'JSON', size: 1 },
              value: { type: 'STRING', size: 5 },
            },
          ],
          failures: [{ id: '2', error_code: 400, message: 'Bad Request: data=1 is not a base64 string.' }],
        },
      });
      const read = await readAll('batched', 2);
      expect(read.get(0)!.map((message) => message.value!.toString())).toEqual(['first', 'third']);
      const refused = (entries: unknown[]) =>
        rest.call('post', '/clusters/{cluster_id}/topics/{topic_name}/records:batch', params, { entries });
      expect(await refused([])).toEqual({ status: 422, body: { error_code: 42208, message: 'Empty batch.' } });
      expect(await refused([{ id: 'a' }, { id: 'a' }])).toEqual({
        status: 422,
        body: { error_code: 42208, message: 'Batch entry IDs are not distinct.' },
      });
      expect(await refused(Array.from({ length: 11 }, (_, i) => ({ id: String(i) })))).toEqual({
        status: 422,
        body: { error_code: 42208, message: 'Too many entries in batch.' },
      });
    });

    it('answers bad requests as kafka-rest does', async () => {
      const params = { cluster_id, topic_name: 'records' };
      const produce = (body: unknown, topic_name = 'records') =>
        rest.call('post', '/clusters/{cluster_id}/topics/{topic_name}/records', { ...params, topic_name }, body);
      expect(await produce({ value: { type: 'BINARY', data: 1 } })).toEqual({
        status: 400,
        body: { error_code: 400, message: 'Bad Request: data=1 is not a base64 string.' },
      });
      expect(await produce({ value: { type: 'AVRO', data: 'x' } })).toMatchObject({ status: 422, body: { error_code: 42207 } });
      expect(await produce({ value: { data: 'x' } })).toMatchObject({ status: 422, body: { error_code: 42207 } });
      expect(await produce({ partition_id: -1, value: { type: 'STRING', data: 'x' } })).toEqual({
        status: 404,
        body: { error_code: 40402, message: 'Partition not found.' },
      });
      expect(await produce({ partition_id: 3, value: { type: 'STRING', data: 'x' } })).toMatchObject({
        status: 404,
        body: { error_code: 40402 },
      });
      expect(await produce({ value: { type: 'STRING', data: 'x' } }, 'no-such-topic')).toMatchObject({
        status: 404,
        body: { error_code: 40401 },
      });
    });
  });
}
