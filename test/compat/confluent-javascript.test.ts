import { ConfigResourceTypes } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStrom, type EmbeddedStrom } from '../e2e/embedded-harness.js';
import {
  ConfluentJs,
  fromKjs,
  loadConfluentKafkaJavascript,
  OFFSET_BEGINNING,
  OFFSET_END,
  type ConfluentKafkaJavascript,
  type KjsAdmin,
  type KjsConsumer,
  type KjsError,
} from './drivers/confluent-javascript.js';
import { createTopics, endOffsets, kafkajsClient } from './drivers/kafkajs.js';
import {
  ACKS,
  CODECS,
  codecAcksMatrix,
  expectAdminReport,
  expectExactly,
  makeRecords,
  type AdminReport,
  type Consumed,
} from './support/model.js';

/** The Kafka error name of a KafkaJS-API error (KafkaJSError.type, possibly inside an aggregate's .errors). */
function errorType(error: unknown): string {
  const e = error as KjsError;
  // Its type is librdkafka's name of the code: ERR_ and Kafka's name (or a short form, see expectAdminReport).
  return (e.type ?? e.errors?.[0]?.type ?? String(error)).replace(/^ERR_/, '');
}

/**
 * @confluentinc/kafka-javascript 1.10.1 has no DescribeConfigs, AlterConfigs nor
 * IncrementalAlterConfigs (in neither API) and no describeCluster: its admin scenario covers
 * CreateTopics (with configs), Metadata, DeleteTopics and their errors. The configs its
 * CreateTopics carried are read back with kafkajs (DescribeConfigs); the broker count comes from
 * the native client's Metadata.
 */
const ADMIN_KEYS = [
  'topicsAfterCreate',
  'duplicateCreate',
  'partitions',
  'configsA',
  'configsB',
  'clusterNodes',
  'topicsAfterDelete',
  'deleteUnknown',
] as const satisfies readonly (keyof AdminReport)[];

/** Topic configs as DescribeConfigs (kafkajs) answers them. */
async function topicConfigs(bootstrap: string, name: string, keys: string[]): Promise<Record<string, string | null>> {
  const admin = kafkajsClient(bootstrap, 'compat-confluent-js-configs').admin();
  await admin.connect();
  try {
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name, configNames: keys }],
    });
    const entries = new Map(described.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
    return Object.fromEntries(keys.map((k) => [k, entries.get(k) ?? null]));
  } finally {
    await admin.disconnect();
  }
}

async function adminScenario(client: ConfluentJs, admin: KjsAdmin, prefix: string): Promise<Partial<AdminReport>> {
  const a = `${prefix}-a`;
  const b = `${prefix}-b`;
  const names = async () => (await admin.listTopics()).filter((t) => t.startsWith(prefix)).sort();
  await admin.createTopics({
    topics: [
      { topic: a, numPartitions: 3, replicationFactor: 1, configEntries: [{ name: 'retention.ms', value: '3600000' }] },
      { topic: b, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
    ],
  });
  const topicsAfterCreate = await names();
  // Like kafkajs, createTopics resolves to false (instead of throwing) on TOPIC_ALREADY_EXISTS only.
  const duplicateCreate = (await admin.createTopics({ topics: [{ topic: a, numPartitions: 1 }] })) ? 'NONE' : 'TOPIC_ALREADY_EXISTS';
  const metadata = await admin.fetchTopicMetadata({ topics: [a, b] });
  const report: Partial<AdminReport> = {
    topicsAfterCreate,
    duplicateCreate,
    partitions: Object.fromEntries(metadata.map((t) => [t.name, t.partitions.length])),
    configsA: await topicConfigs(client.bootstrap, a, ['retention.ms', 'cleanup.policy', 'max.message.bytes']),
    configsB: await topicConfigs(client.bootstrap, b, ['cleanup.policy']),
    clusterNodes: await client.brokerCount(),
  };
  await admin.deleteTopics({ topics: [b] });
  report.topicsAfterDelete = await names();
  report.deleteUnknown = await admin.deleteTopics({ topics: [`${prefix}-never`] }).then(
    () => 'NONE',
    (e: unknown) => errorType(e),
  );
  return report;
}

describe('@confluentinc/kafka-javascript 1.10.1 (librdkafka; KafkaJS-compatible and native APIs) against embedded Strom', () => {
  let lib: ConfluentKafkaJavascript;
  let strom: EmbeddedStrom;
  let client: ConfluentJs;

  beforeAll(async () => {
    // Synchronous: before the broker shares this event loop. A machine that has not built it yet
    // builds it here (minutes; .ci/run does it up front), hence the hook's bound.
    lib = loadConfluentKafkaJavascript();
    strom = await startEmbeddedStrom();
    client = new ConfluentJs(lib, strom.bootstrap);
  }, 30 * 60_000);
  afterAll(async () => strom?.stop());

  it('is built with every codec', () => {
    expect(lib.features).toEqual(expect.arrayContaining(['gzip', 'snappy', 'lz4', 'zstd']));
  });

  it('admin: creates, lists, describes and deletes topics with Kafka errors', async () => {
    const prefix = 'confluent-js-admin';
    const report = await client.withAdmin((admin) => adminScenario(client, admin, prefix));
    expectAdminReport(report, prefix, ADMIN_KEYS);
  });

  it('produces with every codec and acks level, and idempotently; reads exactly those records back from earliest', async () => {
    const topic = 'confluent-js-matrix';
    await createTopics(strom.bootstrap, [{ topic, numPartitions: 3 }]);
    const batches = codecAcksMatrix('confluent-js', CODECS, ACKS, { partitions: 3, perBatch: 10 });
    const acks = await client.produce(topic, batches);
    const expected = batches.flatMap((b) => b.records);
    expect(acks.map((a) => a.index)).toEqual(expected.map((_, i) => i));
    const withOffsets = acks.filter((a) => batches[a.batch]!.acks !== '0');
    expect(withOffsets.every((a) => a.offset >= 0)).toBe(true);
    const consumed = await client.read(topic, new Map([0, 1, 2].map((p) => [p, OFFSET_BEGINNING])));
    expectExactly(consumed, topic, expected, { acks: withOffsets });
  });

  it('one idempotent producer with 5 requests in flight: every record exactly once, in order', async () => {
    const topic = 'confluent-js-idempotent';
    await createTopics(strom.bootstrap, [{ topic, numPartitions: 3 }]);
    const records = makeRecords('confluent-js-idempotent', 300, 3);
    const acks = await client.produce(topic, [{ compression: 'lz4', acks: 'all', idempotent: true, records }], {
      'max.in.flight.requests.per.connection': 5,
      'batch.num.messages': 7,
      'linger.ms': 0,
    });
    expect(acks.every((a) => a.offset >= 0)).toBe(true);
    const consumed = await client.read(topic, new Map([0, 1, 2].map((p) => [p, OFFSET_BEGINNING])));
    expectExactly(consumed, topic, records, { acks });
  });

  it('consumes from latest (librdkafka resolves OFFSET_END): only the records produced after it positioned', async () => {
    const topic = 'confluent-js-latest';
    await createTopics(strom.bootstrap, [{ topic, numPartitions: 2 }]);
    await client.produce(topic, [
      { compression: 'none', acks: 'all', idempotent: false, records: makeRecords('confluent-js-before', 6, 2) },
    ]);
    const start = await endOffsets(strom.bootstrap, topic);
    expect([...start.values()]).toEqual([3, 3]);
    const after = makeRecords('confluent-js-after', 8, 2);
    const consumed = await client.read(topic, new Map([0, 1].map((p) => [p, OFFSET_END])), {
      count: after.length,
      positioned: async () => {
        await client.produce(topic, [{ compression: 'zstd', acks: '1', idempotent: false, records: after }]);
      },
    });
    expectExactly(consumed, topic, after, { startOffsets: start });
  });

  it('consumes from a timestamp (offsetsForTimes, and the admin by timestamp): exactly the records at or after it', async () => {
    const topic = 'confluent-js-time';
    await createTopics(strom.bootstrap, [{ topic, numPartitions: 2 }]);
    const base = Date.now() - 3_600_000;
    const records = makeRecords('confluent-js-time', 20, 2, { timestamp: (i) => base + i * 1000 });
    await client.produce(topic, [{ compression: 'snappy', acks: 'all', idempotent: true, records }]);
    // The first record at or after base + 10.5 s is record 11 (partition 1, its 6th), then 12 (partition 0, its 7th).
    const starts = await client.offsetsForTimes(topic, [0, 1], base + 10_500);
    expect([...starts].sort()).toEqual([
      [0, 6],
      [1, 5],
    ]);
    const byAdmin = await client.withAdmin((admin) => admin.fetchTopicOffsetsByTimestamp(topic, base + 10_500));
    expect(byAdmin.map((p) => [p.partition, p.offset]).sort()).toEqual([
      [0, '6'],
      [1, '5'],
    ]);
    const latest = await client.withAdmin((admin) => admin.fetchTopicOffsets(topic));
    expect(latest.map((p) => [p.partition, p.low, p.high]).sort()).toEqual([
      [0, '0', '10'],
      [1, '0', '10'],
    ]);
    expectExactly(
      await client.read(topic, starts),
      topic,
      records.filter((_, i) => i >= 11),
      { startOffsets: starts, checkTimestamps: true },
    );
  });

  it('a consumer group shares all partitions, commits, and a restarted member resumes from the committed offsets', async () => {
    const topic = 'confluent-js-group';
    const groupId = 'confluent-js-group';
    const partitions = [0, 1, 2, 3];
    await createTopics(strom.bootstrap, [{ topic, numPartitions: partitions.length }]);
    const kafka = client.kafka();
    const consumed: Consumed[] = [];
    const byMember = new Map<string, Set<number>>();
    const startMember = async (name: string): Promise<KjsConsumer> => {
      // fromBeginning: without a committed offset a member would read everything again.
      const consumer = kafka.consumer({ kafkaJS: { groupId, fromBeginning: true, autoCommit: false } });
      await consumer.connect();
      await consumer.subscribe({ topics: [topic] });
      byMember.set(name, new Set());
      void consumer.run({
        eachMessage: async ({ topic: t, partition, message }) => {
          byMember.get(name)!.add(partition);
          consumed.push(fromKjs(t, partition, message));
          await consumer.commitOffsets([{ topic: t, partition, offset: String(Number(message.offset) + 1) }]);
        },
      });
      return consumer;
    };
    const assigned = (c: KjsConsumer) => c.assignment().flatMap((a) => (a.topic === topic ? [a.partition] : []));
    const until = async (what: string, condition: () => boolean, timeoutMs = 60_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!condition()) {
        if (Date.now() > deadline) {
          const owned = [...byMember].map(([name, ps]) => `${name}: ${[...ps].join(',')}`).join('; ');
          throw new Error(`timed out waiting for ${what}: ${consumed.length} records consumed (${owned})`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    };

    // Two members: between them, each partition exactly once.
    const first = await startMember('first');
    const second = await startMember('second');
    const members = [first, second];
    await until('both members to share the 4 partitions', () => {
      const all = members.flatMap(assigned);
      return members.every((m) => assigned(m).length > 0) && all.length === 4 && new Set(all).size === 4;
    });
    const before = makeRecords('confluent-js-group-1', 24, partitions.length);
    await client.produce(topic, [{ compression: 'gzip', acks: 'all', idempotent: false, records: before }]);
    await until('the first 24 records', () => consumed.length >= before.length);
    const sort = (rs: Consumed[]) => [...rs].sort((x, y) => x.partition - y.partition || x.offset - y.offset);
    expectExactly(sort(consumed), topic, before);
    // Each member read only the partitions it was assigned, and the two sets are disjoint.
    const [p1, p2] = [byMember.get('first')!, byMember.get('second')!];
    expect([...p1].filter((p) => p2.has(p))).toEqual([]);
    expect([...p1, ...p2].sort()).toEqual(partitions);
    const committed = await client.withAdmin((admin) => admin.fetchOffsets({ groupId, topics: [topic] }));
    expect(committed.flatMap((t) => t.partitions.map((p) => [p.partition, p.offset])).sort()).toEqual(partitions.map((p) => [p, '6']));
    await Promise.all(members.map((m) => m.disconnect()));

    // A restarted member resumes where the group committed: only the records produced since.
    consumed.length = 0;
    const later = makeRecords('confluent-js-group-2', 16, partitions.length);
    await client.produce(topic, [{ compression: 'zstd', acks: '1', idempotent: false, records: later }]);
    const restarted = await startMember('restarted');
    try {
      await until('the 16 later records', () => consumed.length >= later.length);
      await new Promise((r) => setTimeout(r, 500)); // nothing more may come
      expectExactly(sort(consumed), topic, later, { startOffsets: new Map(partitions.map((p) => [p, 6])) });
      expect([...byMember.get('restarted')!].sort()).toEqual(partitions);
    } finally {
      await restarted.disconnect();
    }
  }, 180_000);
});
