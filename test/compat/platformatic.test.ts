import { Admin, ConfigResourceTypes, Consumer, type ConfigResourceTypeValue } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStrom, type EmbeddedStrom } from '../e2e/embedded-harness.js';
import { createTopics } from './drivers/kafkajs.js';
import { ACKS, CODECS, codecAcksMatrix, expectAdminReport, expectExactly, makeRecords, type AdminReport } from './support/model.js';
import {
  EARLIEST,
  LATEST,
  platformaticErrorId as errorId,
  platformaticListOffsets,
  platformaticProduce,
  platformaticRead,
} from './drivers/platformatic.js';

const TOPIC = ConfigResourceTypes.TOPIC;
const BROKER = ConfigResourceTypes.BROKER;
const SET = 0;
const DELETE = 1;

async function platformaticAdminScenario(bootstrap: string, prefix: string): Promise<AdminReport> {
  const admin = new Admin({ clientId: 'compat-platformatic', bootstrapBrokers: [bootstrap], retries: 1 });
  const a = `${prefix}-a`;
  const b = `${prefix}-b`;
  try {
    const names = async () => (await admin.listTopics()).filter((t) => t.startsWith(prefix)).sort();
    const configs = async (
      resourceType: ConfigResourceTypeValue,
      resourceName: string,
      keys: string[],
    ): Promise<Record<string, string | null>> => {
      const [described] = await admin.describeConfigs({ resources: [{ resourceType, resourceName, configurationKeys: keys }] });
      const values = new Map(described!.configs.map((c) => [c.name, c.value]));
      return Object.fromEntries(keys.map((k) => [k, values.get(k) ?? null]));
    };
    const alter = (cfgs: ({ name: string; configOperation: 0; value: string } | { name: string; configOperation: 1 })[]) =>
      admin.incrementalAlterConfigs({ resources: [{ resourceType: TOPIC, resourceName: a, configs: cfgs }] });
    const failure = (p: Promise<unknown>) => p.then(() => 'NONE', errorId);
    await admin.createTopics({ topics: [a], partitions: 3, replicas: 1, configs: [{ name: 'retention.ms', value: '3600000' }] });
    await admin.createTopics({ topics: [b], partitions: 1, replicas: 1, configs: [{ name: 'cleanup.policy', value: 'compact' }] });
    const report: Partial<AdminReport> = {
      topicsAfterCreate: await names(),
      duplicateCreate: await failure(admin.createTopics({ topics: [a], partitions: 1, replicas: 1 })),
    };
    const md = await admin.metadata({ topics: [a, b] });
    report.partitions = { [a]: md.topics.get(a)!.partitionsCount, [b]: md.topics.get(b)!.partitionsCount };
    report.configsA = await configs(TOPIC, a, ['retention.ms', 'cleanup.policy', 'max.message.bytes']);
    report.configsB = await configs(TOPIC, b, ['cleanup.policy']);
    await alter([
      { name: 'retention.ms', configOperation: SET, value: '7200000' },
      { name: 'max.message.bytes', configOperation: SET, value: '500000' },
    ]);
    report.configsAfterSet = await configs(TOPIC, a, ['retention.ms', 'max.message.bytes']);
    await alter([{ name: 'max.message.bytes', configOperation: DELETE }]);
    report.configsAfterReset = await configs(TOPIC, a, ['retention.ms', 'max.message.bytes']);
    report.invalidAlter = await failure(alter([{ name: 'retention.ms', configOperation: SET, value: 'not-a-number' }]));
    report.brokerConfigs = await configs(BROKER, '1', ['num.partitions']);
    report.clusterNodes = md.brokers.size;
    await admin.deleteTopics({ topics: [b] });
    report.topicsAfterDelete = await names();
    report.deleteUnknown = await failure(admin.deleteTopics({ topics: [`${prefix}-never`] }));
    return report as AdminReport;
  } finally {
    await admin.close();
  }
}

describe('@platformatic/kafka (Admin, Producer, Consumer.fetch without a group) against embedded Strom', () => {
  let strom: EmbeddedStrom;
  let consumer: Consumer;

  beforeAll(async () => {
    strom = await startEmbeddedStrom();
    // A Consumer needs a groupId option; fetch, listOffsets and metadata never join the group.
    consumer = new Consumer({
      clientId: 'compat-platformatic',
      bootstrapBrokers: [strom.bootstrap],
      groupId: 'never-joined',
      maxWaitTime: 200,
    });
  });
  afterAll(async () => {
    await consumer?.close(true);
    await strom?.stop();
  });

  it('admin: creates, lists, describes, alters (incrementally) and deletes topics with Kafka errors', async () => {
    expectAdminReport(await platformaticAdminScenario(strom.bootstrap, 'platformatic-admin'), 'platformatic-admin');
  });

  it('produces with every codec and acks level; reads exactly those records back from earliest', async () => {
    const topic = 'platformatic-matrix';
    await createTopics(strom.bootstrap, [{ topic, numPartitions: 3 }]);
    const batches = codecAcksMatrix('platformatic', CODECS, ACKS, { partitions: 3, perBatch: 10, idempotent: false });
    const acks = await platformaticProduce(strom.bootstrap, topic, batches);
    const withOffsets = acks.filter((a) => batches[a.batch]!.acks !== '0');
    expect(withOffsets.every((a) => a.offset >= 0)).toBe(true);
    const records = await platformaticRead(
      consumer,
      topic,
      await platformaticListOffsets(consumer, topic, EARLIEST),
      await platformaticListOffsets(consumer, topic, LATEST),
    );
    expectExactly(
      records,
      topic,
      batches.flatMap((b) => b.records),
      { acks: withOffsets },
    );
  });

  // @platformatic/kafka 1.35 sends InitProducerId v5 with producerId 0 and producerEpoch 0 (not
  // -1/-1) and no transactional id. Kafka ignores both then and allocates a new producer id.
  it('gives each idempotent producer its own producer id: five in a row, every record kept', async () => {
    const topic = 'platformatic-idempotent';
    await createTopics(strom.bootstrap, [{ topic, numPartitions: 3 }]);
    const batches = CODECS.map((compression) => ({
      compression,
      acks: 'all' as const,
      idempotent: true,
      records: makeRecords(`platformatic-${compression}-idempotent`, 9, 3),
    }));
    const acks = await platformaticProduce(strom.bootstrap, topic, batches);
    const records = await platformaticRead(
      consumer,
      topic,
      await platformaticListOffsets(consumer, topic, EARLIEST),
      await platformaticListOffsets(consumer, topic, LATEST),
    );
    expectExactly(
      records,
      topic,
      batches.flatMap((b) => b.records),
      { acks },
    );
  });

  it('reads from latest: only the records produced after the latest offsets were listed', async () => {
    const topic = 'platformatic-latest';
    await createTopics(strom.bootstrap, [{ topic, numPartitions: 2 }]);
    await platformaticProduce(strom.bootstrap, topic, [
      { compression: 'none', acks: 'all', idempotent: false, records: makeRecords('platformatic-before', 6, 2) },
    ]);
    const start = await platformaticListOffsets(consumer, topic, LATEST);
    const after = makeRecords('platformatic-after', 8, 2);
    await platformaticProduce(strom.bootstrap, topic, [{ compression: 'zstd', acks: '1', idempotent: false, records: after }]);
    const records = await platformaticRead(consumer, topic, start, await platformaticListOffsets(consumer, topic, LATEST));
    expectExactly(records, topic, after, { startOffsets: new Map([...start].map(([p, o]) => [p, Number(o)])) });
  });

  it('reads from a timestamp (ListOffsets by time): exactly the records at or after it', async () => {
    const topic = 'platformatic-time';
    await createTopics(strom.bootstrap, [{ topic, numPartitions: 2 }]);
    const base = Date.now() - 3_600_000;
    const records = makeRecords('platformatic-time', 20, 2, { timestamp: (i) => base + i * 1000 });
    await platformaticProduce(strom.bootstrap, topic, [{ compression: 'snappy', acks: 'all', idempotent: true, records }]);
    const start = await platformaticListOffsets(consumer, topic, BigInt(base + 10_500));
    expect([...start]).toEqual([
      [0, 6n],
      [1, 5n],
    ]);
    const read = await platformaticRead(consumer, topic, start, await platformaticListOffsets(consumer, topic, LATEST));
    expectExactly(
      read,
      topic,
      records.filter((_, i) => i >= 11),
      {
        startOffsets: new Map([
          [0, 6],
          [1, 5],
        ]),
        checkTimestamps: true,
      },
    );
  });
});
