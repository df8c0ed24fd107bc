import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { items, type RestV3Client, type RestV3Context } from './rest-v3-support.js';

/** REST v3 topics and configs against embedded Strom, with the effects seen through kafkajs (the Kafka protocol). */
export function topicSuite(context: RestV3Context): void {
  describe('REST v3: topics and configs', () => {
    let rest: RestV3Client;
    let admin: Admin;
    let base: string;
    let cluster_id: string;

    beforeAll(async () => {
      ({ rest, base, cluster_id } = context);
      admin = context.kafka.admin();
      await admin.connect();
    });
    afterAll(async () => admin?.disconnect());

    it('creates a topic that a Kafka client then sees, with its configs', async () => {
      const created = await rest.call(
        'post',
        '/clusters/{cluster_id}/topics',
        { cluster_id },
        { topic_name: 'orders', partitions_count: 3, replication_factor: 1, configs: [{ name: 'retention.ms', value: '60000' }] },
      );
      expect(created).toEqual({
        status: 201,
        body: {
          kind: 'KafkaTopic',
          metadata: { self: `${base}/v3/clusters/${cluster_id}/topics/orders`, resource_name: `crn:///kafka=${cluster_id}/topic=orders` },
          cluster_id,
          topic_name: 'orders',
          is_internal: false,
          replication_factor: 1,
          partitions_count: 3,
          partitions: { related: `${base}/v3/clusters/${cluster_id}/topics/orders/partitions` },
          configs: { related: `${base}/v3/clusters/${cluster_id}/topics/orders/configs` },
          partition_reassignments: { related: `${base}/v3/clusters/${cluster_id}/topics/orders/partitions/-/reassignment` },
        },
      });
      const metadata = await admin.fetchTopicMetadata({ topics: ['orders'] });
      expect(metadata.topics[0]!.partitions.map((partition) => partition.partitionId).sort()).toEqual([0, 1, 2]);
      const configs = await admin.describeConfigs({
        resources: [{ type: 2, name: 'orders', configNames: ['retention.ms'] }],
        includeSynonyms: false,
      });
      expect(configs.resources[0]!.configEntries[0]).toMatchObject({ configName: 'retention.ms', configValue: '60000' });

      expect((await rest.call('get', '/clusters/{cluster_id}/topics/{topic_name}', { cluster_id, topic_name: 'orders' })).body).toEqual(
        created.body,
      );
      const dryRun = await rest.call(
        'post',
        '/clusters/{cluster_id}/topics',
        { cluster_id },
        { topic_name: 'dry', partitions_count: 2, validate_only: true },
      );
      expect(dryRun).toMatchObject({ status: 200, body: { topic_name: 'dry', partitions_count: 2 } });
      expect(await admin.listTopics()).not.toContain('dry');
    });

    it('lists topics, including one a Kafka client created, and deletes one', async () => {
      await admin.createTopics({ topics: [{ topic: 'from-kafkajs', numPartitions: 2 }] });
      const list = await rest.call('get', '/clusters/{cluster_id}/topics', { cluster_id });
      expect(list.body).toMatchObject({
        kind: 'KafkaTopicList',
        metadata: { self: `${base}/v3/clusters/${cluster_id}/topics`, next: null },
      });
      expect(items(list.body).map((topic) => [topic.topic_name, topic.partitions_count])).toEqual([
        ['from-kafkajs', 2],
        ['orders', 3],
      ]);
      expect(await rest.call('delete', '/clusters/{cluster_id}/topics/{topic_name}', { cluster_id, topic_name: 'from-kafkajs' })).toEqual({
        status: 204,
        body: undefined,
      });
      expect(await admin.listTopics()).toEqual(['orders']);
    });

    it('grows a topic with PATCH partitions_count', async () => {
      const grown = await rest.call(
        'patch',
        '/clusters/{cluster_id}/topics/{topic_name}',
        { cluster_id, topic_name: 'orders' },
        { partitions_count: 5 },
      );
      expect(grown).toMatchObject({ status: 200, body: { topic_name: 'orders', partitions_count: 5 } });
      expect((await admin.fetchTopicMetadata({ topics: ['orders'] })).topics[0]!.partitions).toHaveLength(5);
    });

    it("maps Kafka's errors as the REST proxy does", async () => {
      const unknownTopic = { status: 404, body: { error_code: 40403, message: 'This server does not host this topic-partition.' } };
      expect(await rest.call('get', '/clusters/{cluster_id}/topics/{topic_name}', { cluster_id, topic_name: 'nope' })).toEqual(
        unknownTopic,
      );
      expect(await rest.call('delete', '/clusters/{cluster_id}/topics/{topic_name}', { cluster_id, topic_name: 'nope' })).toMatchObject({
        status: 404,
        body: { error_code: 40403 },
      });
      expect(await rest.call('get', '/clusters/{cluster_id}/topics/{topic_name}/configs', { cluster_id, topic_name: 'nope' })).toEqual(
        unknownTopic,
      );
      const exists = await rest.call(
        'post',
        '/clusters/{cluster_id}/topics',
        { cluster_id },
        { topic_name: 'orders', partitions_count: 1 },
      );
      expect(exists).toMatchObject({ status: 400, body: { error_code: 40002, message: expect.stringContaining('already exists') } });
      const badConfig = await rest.call(
        'post',
        '/clusters/{cluster_id}/topics',
        { cluster_id },
        { topic_name: 'bad', configs: [{ name: 'retention.ms', value: 'soon' }] },
      );
      expect(badConfig).toMatchObject({ status: 400, body: { error_code: 40002 } });
      expect(await rest.call('post', '/clusters/{cluster_id}/topics', { cluster_id }, { partitions_count: 1 })).toEqual({
        status: 400,
        body: { error_code: 400, message: "Payload error. body must have required property 'topic_name'." },
      });
      expect(await rest.call('post', '/clusters/{cluster_id}/topics', { cluster_id }, '{"topic_name": ')).toMatchObject({
        status: 400,
        body: { error_code: 400 },
      });
    });

    it('lists, gets, updates, resets and batch-alters topic configs', async () => {
      const params = { cluster_id, topic_name: 'orders' };
      const list = await rest.call('get', '/clusters/{cluster_id}/topics/{topic_name}/configs', params);
      expect(list.body).toMatchObject({
        kind: 'KafkaTopicConfigList',
        metadata: { self: `${base}/v3/clusters/${cluster_id}/topics/orders/configs` },
      });
      const retention = items(list.body).find((config) => String(config.name) === 'retention.ms');
      expect(retention).toEqual({
        kind: 'KafkaTopicConfig',
        metadata: {
          self: `${base}/v3/clusters/${cluster_id}/topics/orders/configs/retention.ms`,
          resource_name: `crn:///kafka=${cluster_id}/topic=orders/config=retention.ms`,
        },
        cluster_id,
        topic_name: 'orders',
        name: 'retention.ms',
        value: '60000',
        is_default: false,
        is_read_only: false,
        is_sensitive: false,
        source: 'DYNAMIC_TOPIC_CONFIG',
        synonyms: expect.arrayContaining([{ name: 'retention.ms', value: '60000', source: 'DYNAMIC_TOPIC_CONFIG' }]),
      });
      const one = { ...params, name: 'cleanup.policy' };
      expect((await rest.call('get', '/clusters/{cluster_id}/topics/{topic_name}/configs/{name}', one)).body).toMatchObject({
        name: 'cleanup.policy',
        value: 'delete',
        is_default: true,
        source: 'DEFAULT_CONFIG',
      });
      expect(await rest.call('put', '/clusters/{cluster_id}/topics/{topic_name}/configs/{name}', one, { value: 'compact' })).toEqual({
        status: 204,
        body: undefined,
      });
      expect(await topicConfig('orders', 'cleanup.policy')).toBe('compact');
      expect(await rest.call('delete', '/clusters/{cluster_id}/topics/{topic_name}/configs/{name}', one)).toEqual({
        status: 204,
        body: undefined,
      });
      expect(await topicConfig('orders', 'cleanup.policy')).toBe('delete');

      const alter = await rest.call('post', '/clusters/{cluster_id}/topics/{topic_name}/configs:alter', params, {
        data: [
          { name: 'retention.ms', operation: 'DELETE' },
          { name: 'max.message.bytes', value: '200000' },
        ],
      });
      expect(alter).toEqual({ status: 204, body: undefined });
      expect(await topicConfig('orders', 'max.message.bytes')).toBe('200000');
      expect(await topicConfig('orders', 'retention.ms')).toBe('604800000');
      const validateOnly = await rest.call('post', '/clusters/{cluster_id}/topics/{topic_name}/configs:alter', params, {
        data: [{ name: 'max.message.bytes', value: '300000' }],
        validate_only: true,
      });
      expect(validateOnly.status).toBe(204);
      expect(await topicConfig('orders', 'max.message.bytes')).toBe('200000');
      expect(
        await rest.call('get', '/clusters/{cluster_id}/topics/{topic_name}/configs/{name}', { ...params, name: 'no.such.config' }),
      ).toEqual({
        status: 404,
        body: { error_code: 404, message: `Config no.such.config cannot be found for TOPIC orders in cluster ${cluster_id}.` },
      });
      const all = await rest.call('get', '/clusters/{cluster_id}/topics/-/configs', { cluster_id });
      expect(items(all.body).every((config) => String(config.topic_name) === 'orders')).toBe(true);
      expect(items(all.body).length).toBe(items(list.body).length);
    });

    it("lists, gets and changes a broker's configs and the cluster-wide defaults", async () => {
      const broker = { cluster_id, broker_id: 1 };
      const list = await rest.call('get', '/clusters/{cluster_id}/brokers/{broker_id}/configs', broker);
      expect(list.body).toMatchObject({ kind: 'KafkaBrokerConfigList' });
      expect(items(list.body).find((config) => String(config.name) === 'log.retention.hours')).toMatchObject({
        kind: 'KafkaBrokerConfig',
        broker_id: 1,
        metadata: { resource_name: `crn:///kafka=${cluster_id}/broker=1/config=log.retention.hours` },
      });
      const name = { ...broker, name: 'log.cleaner.threads' };
      expect((await rest.call('put', '/clusters/{cluster_id}/brokers/{broker_id}/configs/{name}', name, { value: '2' })).status).toBe(204);
      expect((await rest.call('get', '/clusters/{cluster_id}/brokers/{broker_id}/configs/{name}', name)).body).toMatchObject({
        value: '2',
        source: 'DYNAMIC_BROKER_CONFIG',
      });
      expect((await rest.call('delete', '/clusters/{cluster_id}/brokers/{broker_id}/configs/{name}', name)).status).toBe(204);
      const batch = { data: [{ name: 'log.cleaner.threads', value: '4' }] };
      expect((await rest.call('post', '/clusters/{cluster_id}/brokers/{broker_id}/configs:alter', broker, batch)).status).toBe(204);
      expect((await rest.call('get', '/clusters/{cluster_id}/brokers/{broker_id}/configs/{name}', name)).body).toMatchObject({
        value: '4',
      });
      const unknown = { data: [{ name: 'no.such.config', value: '1' }] };
      expect(await rest.call('post', '/clusters/{cluster_id}/brokers/{broker_id}/configs:alter', broker, unknown)).toEqual({
        status: 404,
        body: { error_code: 404, message: `Config no.such.config cannot be found for BROKER 1 in cluster ${cluster_id}.` },
      });
      expect((await rest.call('delete', '/clusters/{cluster_id}/brokers/{broker_id}/configs/{name}', name)).status).toBe(204);
      expect((await rest.call('get', '/clusters/{cluster_id}/brokers/{broker_id}/configs/{name}', name)).body).toMatchObject({
        source: 'DEFAULT_CONFIG',
      });
      expect(await rest.call('get', '/clusters/{cluster_id}/brokers/{broker_id}/configs', { cluster_id, broker_id: 9 })).toEqual({
        status: 404,
        body: { error_code: 404, message: 'Broker 9 cannot be found.' },
      });
      expect(items((await rest.call('get', '/clusters/{cluster_id}/brokers/-/configs', { cluster_id })).body).length).toBe(
        items(list.body).length,
      );

      const clusterWide = { cluster_id, name: 'log.cleaner.threads' };
      expect((await rest.call('put', '/clusters/{cluster_id}/broker-configs/{name}', clusterWide, { value: '3' })).status).toBe(204);
      expect((await rest.call('get', '/clusters/{cluster_id}/broker-configs/{name}', clusterWide)).body).toMatchObject({
        kind: 'KafkaClusterConfig',
        config_type: 'BROKER',
        value: '3',
        source: 'DYNAMIC_DEFAULT_BROKER_CONFIG',
        metadata: { resource_name: `crn:///kafka=${cluster_id}/broker-config=log.cleaner.threads` },
      });
      expect(
        items((await rest.call('get', '/clusters/{cluster_id}/broker-configs', { cluster_id })).body).map((config) => config.name),
      ).toContain('log.cleaner.threads');
      const alter = await rest.call(
        'post',
        '/clusters/{cluster_id}/broker-configs:alter',
        { cluster_id },
        { data: [{ name: 'log.cleaner.threads', operation: 'DELETE' }] },
      );
      expect(alter.status).toBe(204);
      // Cluster-wide defaults change unchecked (kafka-rest's unsafeResetConfig): resetting one not set is no error.
      expect((await rest.call('delete', '/clusters/{cluster_id}/broker-configs/{name}', clusterWide)).status).toBe(204);
    });

    it('lists and gets partitions and their replicas, and the replicas a broker holds', async () => {
      await admin.createTopics({ topics: [{ topic: 'parts', numPartitions: 2 }] });
      const topic = `${base}/v3/clusters/${cluster_id}/topics/parts`;
      const list = await rest.call('get', '/clusters/{cluster_id}/topics/{topic_name}/partitions', { cluster_id, topic_name: 'parts' });
      expect(list.body).toMatchObject({ kind: 'KafkaPartitionList', metadata: { self: `${topic}/partitions`, next: null } });
      expect(items(list.body)).toEqual(
        [0, 1].map((p) => ({
          kind: 'KafkaPartition',
          metadata: { self: `${topic}/partitions/${p}`, resource_name: `crn:///kafka=${cluster_id}/topic=parts/partition=${p}` },
          cluster_id,
          topic_name: 'parts',
          partition_id: p,
          leader: { related: `${topic}/partitions/${p}/replicas/1` },
          replicas: { related: `${topic}/partitions/${p}/replicas` },
          reassignment: { related: `${topic}/partitions/${p}/reassignment` },
        })),
      );
      const one = { cluster_id, topic_name: 'parts', partition_id: 1 };
      expect((await rest.call('get', '/clusters/{cluster_id}/topics/{topic_name}/partitions/{partition_id}', one)).body).toEqual(
        items(list.body)[1],
      );
      const replica = {
        kind: 'KafkaReplica',
        metadata: {
          self: `${topic}/partitions/1/replicas/1`,
          resource_name: `crn:///kafka=${cluster_id}/topic=parts/partition=1/replica=1`,
        },
        cluster_id,
        topic_name: 'parts',
        partition_id: 1,
        broker_id: 1,
        is_leader: true,
        is_in_sync: true,
        broker: { related: `${base}/v3/clusters/${cluster_id}/brokers/1` },
      };
      expect(
        items((await rest.call('get', '/clusters/{cluster_id}/topics/{topic_name}/partitions/{partition_id}/replicas', one)).body),
      ).toEqual([replica]);
      expect(
        (
          await rest.call('get', '/clusters/{cluster_id}/topics/{topic_name}/partitions/{partition_id}/replicas/{broker_id}', {
            ...one,
            broker_id: 1,
          })
        ).body,
      ).toEqual(replica);
      const notFound = { status: 404, body: { error_code: 404, message: 'HTTP 404 Not Found' } };
      expect(
        await rest.call('get', '/clusters/{cluster_id}/topics/{topic_name}/partitions/{partition_id}', { ...one, partition_id: 7 }),
      ).toEqual(notFound);
      expect(
        await rest.call('get', '/clusters/{cluster_id}/topics/{topic_name}/partitions/{partition_id}/replicas/{broker_id}', {
          ...one,
          broker_id: 2,
        }),
      ).toEqual(notFound);
      const held = await rest.call('get', '/clusters/{cluster_id}/brokers/{broker_id}/partition-replicas', { cluster_id, broker_id: 1 });
      expect(items(held.body).map((r) => `${String(r.topic_name)}-${Number(r.partition_id)}`)).toEqual(
        expect.arrayContaining(['parts-0', 'parts-1']),
      );
      await admin.deleteTopics({ topics: ['parts'] });
    });

    async function topicConfig(topic: string, name: string): Promise<string | undefined> {
      const described = await admin.describeConfigs({ resources: [{ type: 2, name: topic, configNames: [name] }], includeSynonyms: false });
      return described.resources[0]!.configEntries.find((entry) => entry.configName === name)?.configValue;
    }
  });
}
