import { ConfigResourceTypes, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStrom, type EmbeddedStrom } from '../e2e/embedded-harness.js';
import { createTopics, kafkajsClient, kafkajsProduce, registerKafkajsZstd } from './drivers/kafkajs.js';
import { kcatConsume, kcatPath } from './drivers/kcat.js';
import { ACKS, codecAcksMatrix, expectAdminReport, expectExactly, makeRecords, type AdminReport, type Codec } from './support/model.js';

/** The type of a kafkajs protocol error (KafkaJSProtocolError.type, possibly under .cause or .errors). */
function errorType(error: unknown): string {
  const e = error as { type?: string; cause?: { type?: string }; errors?: { type?: string }[] };
  return e.type ?? e.cause?.type ?? e.errors?.[0]?.type ?? String(error);
}

async function topicConfigs(
  admin: Admin,
  name: string,
  keys: string[],
  type = ConfigResourceTypes.TOPIC,
): Promise<Record<string, string | null>> {
  const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type, name, configNames: keys }] });
  const entries = new Map(described.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
  return Object.fromEntries(keys.map((k) => [k, entries.get(k) ?? null]));
}

/**
 * kafkajs 2.2.4 has no IncrementalAlterConfigs: its alterConfigs is AlterConfigs, which replaces
 * the resource's whole dynamic config, so "reset max.message.bytes" is an AlterConfigs without it.
 */
async function kafkajsAdminScenario(admin: Admin, prefix: string): Promise<AdminReport> {
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
  // kafkajs resolves createTopics to false (instead of throwing) on TOPIC_ALREADY_EXISTS only.
  const duplicateCreate = (await admin.createTopics({ topics: [{ topic: a, numPartitions: 1 }] })) ? 'NONE' : 'TOPIC_ALREADY_EXISTS';
  const metadata = await admin.fetchTopicMetadata({ topics: [a, b] });
  const alter = (entries: { name: string; value: string }[]) =>
    admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: a, configEntries: entries }] });
  const report: Partial<AdminReport> = {
    topicsAfterCreate,
    duplicateCreate,
    partitions: Object.fromEntries(metadata.topics.map((t) => [t.name, t.partitions.length])),
    configsA: await topicConfigs(admin, a, ['retention.ms', 'cleanup.policy', 'max.message.bytes']),
    configsB: await topicConfigs(admin, b, ['cleanup.policy']),
  };
  await alter([
    { name: 'retention.ms', value: '7200000' },
    { name: 'max.message.bytes', value: '500000' },
  ]);
  report.configsAfterSet = await topicConfigs(admin, a, ['retention.ms', 'max.message.bytes']);
  await alter([{ name: 'retention.ms', value: '7200000' }]);
  report.configsAfterReset = await topicConfigs(admin, a, ['retention.ms', 'max.message.bytes']);
  report.invalidAlter = await alter([{ name: 'retention.ms', value: 'not-a-number' }]).then(
    () => 'NONE',
    (e: unknown) => errorType(e),
  );
  report.brokerConfigs = await topicConfigs(admin, '1', ['num.partitions'], ConfigResourceTypes.BROKER);
  report.clusterNodes = (await admin.describeCluster()).brokers.length;
  await admin.deleteTopics({ topics: [b] });
  report.topicsAfterDelete = await names();
  report.deleteUnknown = await admin.deleteTopics({ topics: [`${prefix}-never`] }).then(
    () => 'NONE',
    (e: unknown) => errorType(e),
  );
  return report as AdminReport;
}

// kafkajs has no consumer without a group: it produces here, and kcat (librdkafka) reads back.
// It ships gzip only; zstd is its documented codec plug-in point fed by node:zlib, and snappy
// and lz4 would need packages (kafkajs-snappy, kafkajs-lz4) that are not installed.
const KAFKAJS_CODECS: Codec[] = ['none', 'gzip', 'zstd'];

describe('kafkajs 2.2.4 (producer and admin) against embedded Strom', () => {
  let strom: EmbeddedStrom;
  let kcat: string;

  beforeAll(async () => {
    kcat = kcatPath();
    registerKafkajsZstd();
    strom = await startEmbeddedStrom();
  });
  afterAll(async () => strom?.stop());

  it('admin: creates, lists, describes, alters (AlterConfigs) and deletes topics with Kafka errors', async () => {
    const admin = kafkajsClient(strom.bootstrap).admin();
    await admin.connect();
    try {
      expectAdminReport(await kafkajsAdminScenario(admin, 'kafkajs-admin'), 'kafkajs-admin');
    } finally {
      await admin.disconnect();
    }
  });

  it('produces with none/gzip/zstd at every acks level, and idempotently; every record lands where it was acknowledged', async () => {
    const topic = 'kafkajs-matrix';
    await createTopics(strom.bootstrap, [{ topic, numPartitions: 3 }]);
    const batches = codecAcksMatrix('kafkajs', KAFKAJS_CODECS, ACKS, { partitions: 3, perBatch: 10 });
    const acks = await kafkajsProduce(strom.bootstrap, topic, batches);
    const withOffsets = acks.filter((a) => batches[a.batch]!.acks !== '0');
    expect(withOffsets.every((a) => a.offset >= 0)).toBe(true);
    expectExactly(
      await kcatConsume(kcat, strom.bootstrap, topic),
      topic,
      batches.flatMap((b) => b.records),
      { acks: withOffsets },
    );
  });

  it('refuses snappy and lz4 without their plug-ins (a client-side limitation, nothing is sent)', async () => {
    for (const compression of ['snappy', 'lz4'] as const) {
      await expect(
        kafkajsProduce(strom.bootstrap, 'kafkajs-nocodec', [
          { compression, acks: '1', idempotent: false, records: makeRecords('x', 1, 1) },
        ]),
      ).rejects.toThrow(/not implemented/i);
    }
  });

  it('finds offsets by timestamp (ListOffsets) and the latest offsets', async () => {
    const topic = 'kafkajs-time';
    await createTopics(strom.bootstrap, [{ topic, numPartitions: 2 }]);
    const base = Date.now() - 3_600_000;
    const records = makeRecords('kafkajs-time', 20, 2, { timestamp: (i) => base + i * 1000 });
    await kafkajsProduce(strom.bootstrap, topic, [{ compression: 'gzip', acks: 'all', idempotent: true, records }]);
    const admin = kafkajsClient(strom.bootstrap).admin();
    await admin.connect();
    try {
      const byTime = await admin.fetchTopicOffsetsByTimestamp(topic, base + 10_500);
      expect(byTime.map((p) => [p.partition, p.offset]).sort()).toEqual([
        [0, '6'],
        [1, '5'],
      ]);
      const latest = await admin.fetchTopicOffsets(topic);
      expect(latest.map((p) => [p.partition, p.low, p.high]).sort()).toEqual([
        [0, '0', '10'],
        [1, '0', '10'],
      ]);
    } finally {
      await admin.disconnect();
    }
    expectExactly(await kcatConsume(kcat, strom.bootstrap, topic), topic, records, { checkTimestamps: true });
  });
});
