import type { Consumer, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfluentSchemas, items, StromClient, type RestV3Client, type RestV3Context } from './rest-v3-support.js';

/** REST v3 consumer groups, consumers, assignments and lags of a real kafkajs consumer group. */
export function groupSuite(context: RestV3Context): void {
  describe('REST v3: consumer groups and lag', () => {
    let rest: RestV3Client;
    let producer: Producer;
    let consumer: Consumer;
    let base: string;
    let cluster_id: string;
    let memberId: string;

    beforeAll(async () => {
      ({ rest, base, cluster_id } = context);
      const kafka = context.kafka;
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'events', numPartitions: 2 }] });
      await admin.disconnect();
      producer = kafka.producer();
      await producer.connect();
      const send = (partition: number, count: number) =>
        producer.send({ topic: 'events', messages: Array.from({ length: count }, (_, i) => ({ partition, value: `m${i}` })) });
      await send(0, 6);
      await send(1, 4);
      // A member that reads everything, commits, and then stops reading while staying in the group.
      consumer = kafka.consumer({ groupId: 'readers', heartbeatInterval: 500 });
      await consumer.connect();
      await consumer.subscribe({ topic: 'events', fromBeginning: true });
      let seen = 0;
      const allSeen = new Promise<void>((resolve) => {
        void consumer.run({
          autoCommitThreshold: 1,
          eachMessage: async () => {
            if (++seen === 10) resolve();
          },
        });
      });
      await allSeen;
      await vi.waitFor(
        async () => {
          const lags = await rest.call('get', '/clusters/{cluster_id}/consumer-groups/{consumer_group_id}/lags', {
            cluster_id,
            consumer_group_id: 'readers',
          });
          expect(lags.status === 200 ? items(lags.body).map((lag) => Number(lag.current_offset)) : []).toEqual([6, 4]);
        },
        { timeout: 15_000, interval: 200 },
      );
      consumer.pause([{ topic: 'events' }]);
      await send(0, 3);
    });
    afterAll(async () => {
      await consumer?.disconnect();
      await producer?.disconnect();
    });

    it('lists and gets the group, stable, with its assignor and links', async () => {
      const group = `${base}/v3/clusters/${cluster_id}/consumer-groups/readers`;
      const expected = {
        kind: 'KafkaConsumerGroup',
        metadata: { self: group, resource_name: `crn:///kafka=${cluster_id}/consumer-group=readers` },
        cluster_id,
        consumer_group_id: 'readers',
        is_simple: false,
        partition_assignor: 'RoundRobinAssigner',
        state: 'STABLE',
        type: 'CLASSIC',
        is_mixed_consumer_group: false,
        coordinator: { related: `${base}/v3/clusters/${cluster_id}/brokers/1` },
        consumers: { related: `${group}/consumers` },
        lag_summary: { related: `${group}/lag-summary` },
      };
      const list = await rest.call('get', '/clusters/{cluster_id}/consumer-groups', { cluster_id });
      expect(list.body).toMatchObject({
        kind: 'KafkaConsumerGroupList',
        metadata: { self: `${base}/v3/clusters/${cluster_id}/consumer-groups`, next: null },
      });
      expect(items(list.body)).toEqual([expected]);
      expect(
        (await rest.call('get', '/clusters/{cluster_id}/consumer-groups/{consumer_group_id}', { cluster_id, consumer_group_id: 'readers' }))
          .body,
      ).toEqual(expected);
      expect(
        await rest.call('get', '/clusters/{cluster_id}/consumer-groups/{consumer_group_id}', { cluster_id, consumer_group_id: 'nobody' }),
      ).toEqual({
        status: 404,
        body: { error_code: 404, message: 'Consumer Group nobody could not be found.' },
      });
    });

    it('lists the consumer, gets it, and its assignments', async () => {
      const consumers = await rest.call('get', '/clusters/{cluster_id}/consumer-groups/{consumer_group_id}/consumers', {
        cluster_id,
        consumer_group_id: 'readers',
      });
      const [member] = items(consumers.body);
      memberId = String(member!.consumer_id);
      const self = `${base}/v3/clusters/${cluster_id}/consumer-groups/readers/consumers/${encodeURIComponent(memberId)}`;
      expect(member).toEqual({
        kind: 'KafkaConsumer',
        metadata: { self, resource_name: `crn:///kafka=${cluster_id}/consumer-group=readers/consumer=${memberId}` },
        cluster_id,
        consumer_group_id: 'readers',
        consumer_id: memberId,
        instance_id: null,
        client_id: 'rest-v3-e2e',
        assignments: { related: `${self}/assignments` },
      });
      const params = { cluster_id, consumer_group_id: 'readers', consumer_id: memberId };
      expect(
        (await rest.call('get', '/clusters/{cluster_id}/consumer-groups/{consumer_group_id}/consumers/{consumer_id}', params)).body,
      ).toEqual(member);
      const assignments = await rest.call(
        'get',
        '/clusters/{cluster_id}/consumer-groups/{consumer_group_id}/consumers/{consumer_id}/assignments',
        params,
      );
      expect(items(assignments.body).map((a) => [a.topic_name, a.partition_id])).toEqual([
        ['events', 0],
        ['events', 1],
      ]);
      const one = await rest.call(
        'get',
        '/clusters/{cluster_id}/consumer-groups/{consumer_group_id}/consumers/{consumer_id}/assignments/{topic_name}/partitions/{partition_id}',
        { ...params, topic_name: 'events', partition_id: 1 },
      );
      expect(one.body).toEqual({
        kind: 'KafkaConsumerAssignment',
        metadata: {
          self: `${self}/assignments/events/partitions/1`,
          resource_name: `crn:///kafka=${cluster_id}/consumer-group=readers/consumer=${memberId}/assignment=events/partition=1`,
        },
        cluster_id,
        consumer_group_id: 'readers',
        consumer_id: memberId,
        topic_name: 'events',
        partition_id: 1,
        partition: { related: `${base}/v3/clusters/${cluster_id}/topics/events/partitions/1` },
        lag: { related: `${base}/v3/clusters/${cluster_id}/consumer-groups/readers/lags/events/partitions/1` },
      });
      expect(
        await rest.call('get', '/clusters/{cluster_id}/consumer-groups/{consumer_group_id}/consumers/{consumer_id}', {
          ...params,
          consumer_id: 'ghost',
        }),
      ).toEqual({
        status: 404,
        body: { error_code: 404, message: 'HTTP 404 Not Found' },
      });
    });

    it('reports lag per partition, one partition, and the summary', async () => {
      const group = { cluster_id, consumer_group_id: 'readers' };
      const lags = await rest.call('get', '/clusters/{cluster_id}/consumer-groups/{consumer_group_id}/lags', group);
      expect(lags.body).toMatchObject({ kind: 'KafkaConsumerLagList' });
      expect(
        items(lags.body).map((lag) => [lag.partition_id, lag.current_offset, lag.log_end_offset, lag.lag, lag.consumer_id, lag.client_id]),
      ).toEqual([
        [0, 6, 9, 3, memberId, 'rest-v3-e2e'],
        [1, 4, 4, 0, memberId, 'rest-v3-e2e'],
      ]);
      const one = await rest.call(
        'get',
        '/clusters/{cluster_id}/consumer-groups/{consumer_group_id}/lags/{topic_name}/partitions/{partition_id}',
        {
          ...group,
          topic_name: 'events',
          partition_id: 0,
        },
      );
      expect(one.body).toEqual(items(lags.body)[0]);
      expect(one.body).toMatchObject({
        kind: 'KafkaConsumerLag',
        metadata: {
          self: `${base}/v3/clusters/${cluster_id}/consumer-groups/readers/lags/events/partitions/0`,
          resource_name: `crn:///kafka=${cluster_id}/consumer-group=readers/lag=events/partition=0`,
        },
        instance_id: null,
      });
      const summary = await rest.call('get', '/clusters/{cluster_id}/consumer-groups/{consumer_group_id}/lag-summary', group);
      expect(summary.body).toEqual({
        kind: 'KafkaConsumerGroupLagSummary',
        metadata: {
          self: `${base}/v3/clusters/${cluster_id}/consumer-groups/readers/lag-summary`,
          resource_name: `crn:///kafka=${cluster_id}/consumer-group=readers/lag-summary`,
        },
        cluster_id,
        consumer_group_id: 'readers',
        max_lag_consumer_id: memberId,
        max_lag_instance_id: null,
        max_lag_client_id: 'rest-v3-e2e',
        max_lag_topic_name: 'events',
        max_lag_partition_id: 0,
        max_lag: 3,
        total_lag: 3,
        max_lag_consumer: {
          related: `${base}/v3/clusters/${cluster_id}/consumer-groups/readers/consumers/${encodeURIComponent(memberId)}`,
        },
        max_lag_partition: { related: `${base}/v3/clusters/${cluster_id}/topics/events/partitions/0` },
      });
    });

    it("resets the offsets of an inactive group (Strom /strom/v1), refusing while it is active as Kafka's tool does", async () => {
      const strom = new StromClient(context.base, new ConfluentSchemas());
      const path = '/strom/v1/clusters/{cluster_id}/consumer-groups/{consumer_group_id}/offsets:reset';
      const group = { cluster_id, consumer_group_id: 'readers' };
      const reset = (body: unknown) => strom.call('post', path, group, body);
      const current = async () =>
        items((await rest.call('get', '/clusters/{cluster_id}/consumer-groups/{consumer_group_id}/lags', group)).body).map((lag) =>
          Number(lag.current_offset),
        );
      expect(await reset({ to: 'EARLIEST' })).toEqual({
        status: 409,
        body: {
          error_code: 409,
          message: "Assignments can only be reset if the group 'readers' is inactive, but the current state is Stable.",
        },
      });
      await consumer.disconnect();
      await vi.waitFor(
        async () =>
          expect((await rest.call('get', '/clusters/{cluster_id}/consumer-groups/{consumer_group_id}', group)).body).toMatchObject({
            state: 'EMPTY',
          }),
        { timeout: 15_000, interval: 200 },
      );
      const planned = await reset({ to: 'EARLIEST', validate_only: true });
      expect(planned).toEqual({
        status: 200,
        body: {
          kind: 'StromConsumerGroupOffsetReset',
          metadata: { self: `${base}/strom/v1/clusters/${cluster_id}/consumer-groups/readers/offsets:reset` },
          cluster_id,
          consumer_group_id: 'readers',
          validate_only: true,
          data: [
            { topic_name: 'events', partition_id: 0, offset: 0 },
            { topic_name: 'events', partition_id: 1, offset: 0 },
          ],
        },
      });
      expect(await current()).toEqual([6, 4]);
      expect((await reset({ to: 'EARLIEST' })).status).toBe(200);
      expect(await current()).toEqual([0, 0]);
      expect((await reset({ to: 'OFFSET', offset: 5, topics: [{ topic_name: 'events', partitions: [0] }] })).body).toMatchObject({
        data: [{ topic_name: 'events', partition_id: 0, offset: 5 }],
      });
      expect(await current()).toEqual([5, 0]);
      expect((await reset({ to: 'OFFSET', offset: 100, topics: [{ topic_name: 'events' }] })).body).toMatchObject({
        data: [
          { partition_id: 0, offset: 9 },
          { partition_id: 1, offset: 4 },
        ],
      });
      await reset({ to: 'TIMESTAMP', timestamp: '2000-01-01T00:00:00Z' });
      expect(await current()).toEqual([0, 0]);
      await reset({ to: 'TIMESTAMP', timestamp: new Date(Date.now() + 3_600_000).toISOString() });
      expect(await current()).toEqual([9, 4]);
      await reset({ to: 'EARLIEST' });
      await reset({ to: 'LATEST' });
      expect(await current()).toEqual([9, 4]);
      expect(await reset({ to: 'EARLIEST', topics: [{ topic_name: 'nope' }] })).toMatchObject({ status: 404, body: { error_code: 40403 } });
      expect(await reset({ to: 'TIMESTAMP' })).toMatchObject({ status: 400, body: { error_code: 400 } });
      expect(await strom.call('post', path, { cluster_id, consumer_group_id: 'fresh' }, { to: 'LATEST' })).toMatchObject({
        status: 400,
        body: { message: 'Consumer group fresh has no committed offsets: name the topics to reset.' },
      });
      const fresh = await strom.call(
        'post',
        path,
        { cluster_id, consumer_group_id: 'fresh' },
        { to: 'LATEST', topics: [{ topic_name: 'events' }] },
      );
      expect(fresh.body).toMatchObject({ data: [{ offset: 9 }, { offset: 4 }] });
    });
  });
}
