import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetadataError, type BrokerEndpoint, type MetadataStore } from '../src/index.js';

const endpoint = (name: string, port: number): BrokerEndpoint => ({ name, host: '127.0.0.1', port, securityProtocol: 'PLAINTEXT' });

/**
 * One repository suite for every database the store runs on (real Postgres, PGlite): the same
 * behaviour on both, or embedded mode is not the product.
 */
export function repositoryContract(name: string, open: () => Promise<MetadataStore>): void {
  describe(`metadata repositories on ${name}`, () => {
    let store: MetadataStore;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store?.close();
    });

    it('makes a Kafka-style cluster id once and keeps it', async () => {
      const id = await store.clusterId();
      expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(await store.clusterId()).toBe(id);
    });

    it('registers brokers with growing epochs and fences stale ones', async () => {
      const first = await store.brokers.register({ id: 1, endpoints: [endpoint('PLAINTEXT', 9092)], leaseMs: 10_000 });
      const second = await store.brokers.register({ id: 1, endpoints: [endpoint('PLAINTEXT', 9093)], leaseMs: 10_000 });
      expect(second.epoch).toBe(first.epoch + 1n);
      expect(second.endpoints).toEqual([endpoint('PLAINTEXT', 9093)]);
      expect(await store.brokers.renewLease(1, first.epoch, 10_000)).toBe(false);
      expect(await store.brokers.renewLease(1, second.epoch, 10_000)).toBe(true);
      expect(await store.brokers.fence(1, second.epoch)).toBe(true);
      expect(await store.brokers.fence(1, second.epoch)).toBe(false);
      expect(await store.brokers.renewLease(1, second.epoch, 10_000)).toBe(false);
    });

    it('keeps every advertised listener of a broker, and a new registration replaces them', async () => {
      const internal = endpoint('INTERNAL', 9092);
      const external = { name: 'EXTERNAL', host: 'kafka.example', port: 443, securityProtocol: 'SASL_SSL' };
      await store.brokers.register({ id: 4, endpoints: [internal, external], rack: 'r1', leaseMs: 60_000 });
      expect((await store.brokers.list()).find((broker) => broker.id === 4)).toMatchObject({ rack: 'r1', endpoints: [external, internal] });
      await store.brokers.register({ id: 4, endpoints: [external], leaseMs: 60_000 });
      expect((await store.brokers.list()).find((broker) => broker.id === 4)?.endpoints).toEqual([external]);
    });

    it('finds brokers whose lease expired', async () => {
      await store.brokers.register({ id: 2, endpoints: [endpoint('PLAINTEXT', 1)], leaseMs: -1000 });
      await store.brokers.register({ id: 3, endpoints: [endpoint('PLAINTEXT', 1)], leaseMs: 60_000 });
      const expired = (await store.brokers.expired()).map((broker) => broker.id);
      expect(expired).toContain(2);
      expect(expired).not.toContain(3);
    });

    it('creates topics with uuid ids, partitions, replicas and configs, and bumps the version', async () => {
      const before = await store.version();
      const topic = await store.topics.create({
        name: 'orders',
        assignments: [
          [1, 2],
          [2, 1],
          [1, 2],
        ],
        configs: { 'cleanup.policy': 'compact', 'retention.ms': '1000' },
      });
      expect(topic.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(topic.partitions.map((p) => [p.partitionIndex, p.leaderId, p.replicas, p.isr])).toEqual([
        [0, 1, [1, 2], [1, 2]],
        [1, 2, [2, 1], [2, 1]],
        [2, 1, [1, 2], [1, 2]],
      ]);
      expect(topic.configs).toEqual({ 'cleanup.policy': 'compact', 'retention.ms': '1000' });
      expect(await store.version()).toBe(before + 1n);
      expect((await store.topics.byId(topic.id))?.name).toBe('orders');
    });

    it('refuses a second topic with the same name with a typed error', async () => {
      await store.topics.create({ name: 'dup', assignments: [[1]] });
      const error = await store.topics.create({ name: 'dup', assignments: [[1]] }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(MetadataError);
      expect((error as MetadataError).code).toBe('TOPIC_ALREADY_EXISTS');
    });

    it('alters topic configs and deletes topics with their partitions', async () => {
      await store.topics.create({ name: 'cfg', assignments: [[1]], configs: { a: '1', b: '2' } });
      await store.topics.alterConfigs('cfg', { a: null, b: '3', c: '4' });
      expect((await store.topics.byName('cfg'))?.configs).toEqual({ b: '3', c: '4' });
      await expect(store.topics.alterConfigs('nope', { a: '1' })).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC' });
      expect(await store.topics.delete('cfg')).toBe(true);
      expect(await store.topics.delete('cfg')).toBe(false);
      expect(await store.topics.byName('cfg')).toBeUndefined();
    });

    it("deletes every group's committed offsets of a deleted topic with it, and no others", async () => {
      await store.topics.create({ name: 'doomed', assignments: [[1]] });
      await store.offsets.commit('g-del', [
        { topic: 'doomed', partitionIndex: 0, offset: 3n },
        { topic: 'survivor', partitionIndex: 0, offset: 4n },
      ]);
      await store.offsets.commit('g-del-2', [{ topic: 'doomed', partitionIndex: 0, offset: 5n }]);
      expect(await store.topics.delete('doomed')).toBe(true);
      expect((await store.offsets.fetch('g-del')).map((o) => [o.topic, o.offset])).toEqual([['survivor', 4n]]);
      expect(await store.offsets.fetch('g-del-2')).toEqual([]);
    });

    it('adds partitions after the existing ones and bumps the version', async () => {
      await store.topics.create({ name: 'grow', assignments: [[1], [2]] });
      const before = await store.version();
      const grown = await store.topics.addPartitions('grow', [[2], [1]]);
      expect(grown.partitions.map((p) => [p.partitionIndex, p.replicas, p.leaderId])).toEqual([
        [0, [1], 1],
        [1, [2], 2],
        [2, [2], 2],
        [3, [1], 1],
      ]);
      expect(await store.version()).toBe(before + 1n);
      await expect(store.topics.addPartitions('nope', [[1]])).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC' });
    });

    it('changes leadership by compare-and-set on the partition epoch: one of two writers wins', async () => {
      const topic = await store.topics.create({ name: 'cas', assignments: [[1, 2, 3]] });
      const start = topic.partitions[0]!;
      const [a, b] = await Promise.all([
        store.topics.changeLeadership(topic.id, 0, start.partitionEpoch, { leaderId: 2, isr: [2, 3] }),
        store.topics.changeLeadership(topic.id, 0, start.partitionEpoch, { leaderId: 3, isr: [3] }),
      ]);
      const winners = [a, b].filter((result) => result !== undefined);
      expect(winners).toHaveLength(1);
      expect(winners[0]!.partitionEpoch).toBe(start.partitionEpoch + 1);
      expect(winners[0]!.leaderEpoch).toBe(start.leaderEpoch + 1);
      const sameLeader = await store.topics.changeLeadership(topic.id, 0, winners[0]!.partitionEpoch, {
        leaderId: winners[0]!.leaderId,
        isr: [1, 2, 3],
      });
      expect(sameLeader?.leaderEpoch).toBe(winners[0]!.leaderEpoch);
      expect(sameLeader?.isr).toEqual([1, 2, 3]);
    });

    it('stores dynamic broker configs cluster-wide and per broker, and bumps the version', async () => {
      await store.brokers.register({ id: 7, endpoints: [endpoint('PLAINTEXT', 1)], leaseMs: 60_000 });
      const before = await store.version();
      await store.brokerConfigs.alter(null, { 'log.retention.ms': '1000', 'message.max.bytes': '2000' }, false);
      await store.brokerConfigs.alter(7, { 'log.segment.bytes': '1048576' }, false);
      expect(await store.version()).toBe(before + 2n);
      expect(await store.brokerConfigs.list()).toMatchObject({
        cluster: { 'log.retention.ms': '1000', 'message.max.bytes': '2000' },
        brokers: { 7: { 'log.segment.bytes': '1048576' } },
      });
      await store.brokerConfigs.alter(null, { 'message.max.bytes': null }, false);
      await store.brokerConfigs.alter(7, { 'log.roll.ms': '5000' }, true);
      const after = await store.brokerConfigs.list();
      expect(after.cluster).toEqual({ 'log.retention.ms': '1000' });
      expect(after.brokers[7]).toEqual({ 'log.roll.ms': '5000' });
      await expect(store.brokerConfigs.alter(99, { 'log.roll.ms': '1' }, false)).rejects.toMatchObject({ code: 'UNKNOWN_BROKER' });
      await store.brokerConfigs.alter(null, {}, true);
      expect((await store.brokerConfigs.list()).cluster).toEqual({});
    });

    it('stores group configs (GROUP config resources) for groups that need not exist, and bumps the version', async () => {
      const before = await store.version();
      await store.groupConfigs.alter(
        'g-configs',
        { 'consumer.session.timeout.ms': '50000', 'share.isolation.level': 'read_committed' },
        false,
      );
      await store.groupConfigs.alter('other', { 'consumer.heartbeat.interval.ms': '6000' }, false);
      expect(await store.version()).toBe(before + 2n);
      expect(await store.groupConfigs.list()).toEqual({
        'g-configs': { 'consumer.session.timeout.ms': '50000', 'share.isolation.level': 'read_committed' },
        other: { 'consumer.heartbeat.interval.ms': '6000' },
      });
      await store.groupConfigs.alter('g-configs', { 'consumer.session.timeout.ms': null }, false);
      await store.groupConfigs.alter('other', { 'streams.num.standby.replicas': '1' }, true);
      expect(await store.groupConfigs.list()).toEqual({
        'g-configs': { 'share.isolation.level': 'read_committed' },
        other: { 'streams.num.standby.replicas': '1' },
      });
      await store.groupConfigs.alter('g-configs', { 'share.isolation.level': null }, false);
      expect(Object.keys(await store.groupConfigs.list())).toEqual(['other']);
    });

    it('commits and fetches group offsets', async () => {
      await store.offsets.commit('g1', [
        { topic: 'orders', partitionIndex: 0, offset: 10n, leaderEpoch: 3, metadata: 'm' },
        { topic: 'orders', partitionIndex: 1, offset: 2n ** 40n },
      ]);
      await store.offsets.commit('g1', [{ topic: 'orders', partitionIndex: 0, offset: 11n }]);
      const offsets = await store.offsets.fetch('g1');
      expect(offsets.map((o) => [o.topic, o.partitionIndex, o.offset, o.leaderEpoch, o.metadata])).toEqual([
        ['orders', 0, 11n, -1, null],
        ['orders', 1, 2n ** 40n, -1, null],
      ]);
      expect(await store.offsets.fetch('g1', ['other'])).toEqual([]);
      await store.offsets.saveGroup({
        groupId: 'g1',
        protocolType: 'consumer',
        protocolName: 'range',
        state: 'Stable',
        generationId: 4,
        leaderId: 'm-1',
      });
      expect(await store.offsets.listGroups()).toContainEqual({
        groupId: 'g1',
        protocolType: 'consumer',
        state: 'Stable',
        generationId: 4,
      });
      expect(await store.offsets.deleteGroup('g1')).toBe(true);
      expect(await store.offsets.fetch('g1')).toEqual([]);
    });

    it('allocates disjoint producer id blocks under concurrency', async () => {
      const blocks = await Promise.all(Array.from({ length: 6 }, () => store.producerIds.allocateBlock(1000)));
      const starts = blocks.map((block) => block.firstProducerId).sort((x, y) => (x < y ? -1 : 1));
      for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(1000n);
    });

    it('stores SCRAM credentials and ACLs', async () => {
      const credential = {
        user: 'alice',
        mechanism: 'SCRAM_SHA_256' as const,
        salt: Buffer.from('salt'),
        storedKey: Buffer.alloc(32, 1),
        serverKey: Buffer.alloc(32, 2),
        iterations: 4096,
      };
      await store.security.upsertScramCredential(credential);
      const read = await store.security.scramCredential('alice', 'SCRAM_SHA_256');
      expect(Buffer.from(read!.storedKey)).toEqual(Buffer.alloc(32, 1));
      expect(read!.iterations).toBe(4096);
      expect(await store.security.scramCredential('alice', 'SCRAM_SHA_512')).toBeUndefined();
      const acl = {
        resourceType: 2,
        resourceName: 'orders',
        patternType: 3,
        principal: 'User:alice',
        host: '*',
        operation: 3,
        permissionType: 3,
      };
      await store.security.createAcls([acl, acl, { ...acl, operation: 4 }]);
      expect(await store.security.listAcls({ principal: 'User:alice' })).toHaveLength(2);
      expect(await store.security.deleteAcls({ operation: 4 })).toEqual([{ ...acl, operation: 4 }]);
      expect(await store.security.listAcls()).toEqual([acl]);
    });
  });
}
