/**
 * The scenarios every process-driven client family runs (java, confluent-kafka-python,
 * kafka-python): admin, produce with each codec × acks level (+ idempotent), consume without
 * a group from earliest / latest / a timestamp, each checked record by record.
 */
import { expect, it } from 'vitest';
import { createTopics, endOffsets } from './drivers/kafkajs.js';
import type { ProcessDriver } from './drivers/line-protocol.js';
import { ACKS, codecAcksMatrix, expectAdminReport, expectExactly, makeRecords, type Codec } from './support/model.js';

export interface SuiteOptions {
  /** Short name used in topic names. */
  slug: string;
  driver: () => ProcessDriver;
  bootstrap: () => string;
  codecs: () => readonly Codec[];
}

export function processClientScenarios(o: SuiteOptions): void {
  it('admin: creates, lists, describes, alters (incrementally), and deletes topics with Kafka errors', async () => {
    expectAdminReport(await o.driver().admin(o.bootstrap(), `${o.slug}-admin`), `${o.slug}-admin`);
  });

  it('produces with every codec and acks level, and idempotently; reads exactly those records back from earliest', async () => {
    const topic = `${o.slug}-matrix`;
    await createTopics(o.bootstrap(), [{ topic, numPartitions: 3 }]);
    const batches = codecAcksMatrix(o.slug, o.codecs(), ACKS, { partitions: 3, perBatch: 10 });
    const produced = await o.driver().produce(o.bootstrap(), topic, batches);
    expect(produced.errors).toEqual([]);
    const expected = batches.flatMap((b) => b.records);
    expect(produced.acks.map((a) => a.index).sort((x, y) => x - y)).toEqual(expected.map((_, i) => i));
    // acks=1 and acks=all report the offset; acks=0 cannot (-1 in Java and kafka-python, -1001 in librdkafka).
    const withOffsets = produced.acks.filter((a) => batches[a.batch]!.acks !== '0');
    expect(withOffsets.every((a) => a.offset >= 0)).toBe(true);
    const consumed = await o.driver().consume(o.bootstrap(), topic, { start: 'earliest' });
    expectExactly(consumed.records, topic, expected, { acks: withOffsets });
  });

  it('consumes from latest: only the records produced after it positioned', async () => {
    const topic = `${o.slug}-latest`;
    await createTopics(o.bootstrap(), [{ topic, numPartitions: 2 }]);
    const before = makeRecords(`${o.slug}-before`, 6, 2);
    await o.driver().produce(o.bootstrap(), topic, [{ compression: 'none', acks: 'all', idempotent: false, records: before }]);
    const start = await endOffsets(o.bootstrap(), topic);
    const consumer = await o.driver().startConsumer(o.bootstrap(), topic, { start: 'latest', count: 8 });
    const after = makeRecords(`${o.slug}-after`, 8, 2);
    await o.driver().produce(o.bootstrap(), topic, [{ compression: 'gzip', acks: '1', idempotent: false, records: after }]);
    const consumed = await consumer.done;
    expectExactly(consumed.records, topic, after, { startOffsets: start });
  });

  it('consumes from a timestamp (offsetsForTimes + seek): exactly the records at or after it', async () => {
    const topic = `${o.slug}-time`;
    await createTopics(o.bootstrap(), [{ topic, numPartitions: 2 }]);
    const base = Date.now() - 3_600_000;
    const records = makeRecords(`${o.slug}-time`, 20, 2, { timestamp: (i) => base + i * 1000 });
    const produced = await o.driver().produce(o.bootstrap(), topic, [{ compression: 'gzip', acks: 'all', idempotent: false, records }]);
    expect(produced.errors).toEqual([]);
    // The first record at or after base + 10.5 s is record 11 (partition 1, its 6th), then 12 (partition 0, its 7th).
    const consumed = await o.driver().consume(o.bootstrap(), topic, { start: `ts:${base + 10_500}` });
    expect(Object.fromEntries(consumed.timestampOffsets)).toEqual({ [`${topic}/0`]: 6, [`${topic}/1`]: 5 });
    expectExactly(
      consumed.records,
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
}
