import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStrom, type EmbeddedStrom } from '../e2e/embedded-harness.js';
import { createTopics, endOffsets, kafkajsProduce } from './drivers/kafkajs.js';
import { kcatConsume, kcatConsumeArgs, kcatPath, kcatProduce, parseKcatJson } from './drivers/kcat.js';
import { runChild, startChild, tail } from './support/child-process.js';
import { ACKS, CODECS, codecAcksMatrix, expectExactly, makeRecords } from './support/model.js';

// kcat 1.7.1 (librdkafka 2.0.2): no admin API beyond the metadata listing; produces one
// partition, one header set and no explicit timestamp per invocation.
describe('kcat (librdkafka) against embedded Strom', () => {
  let strom: EmbeddedStrom;
  let kcat: string;

  beforeAll(async () => {
    kcat = kcatPath();
    strom = await startEmbeddedStrom();
  });
  afterAll(async () => strom?.stop());

  it('lists metadata (-L -J): the broker and each partition led by it', async () => {
    await createTopics(strom.bootstrap, [{ topic: 'kcat-listed', numPartitions: 4 }]);
    const { stdout } = await runChild(kcat, ['-L', '-J', '-b', strom.bootstrap, '-t', 'kcat-listed'], { timeoutMs: 30_000 });
    const md = JSON.parse(stdout) as {
      brokers: { id: number; name: string }[];
      topics: { topic: string; partitions: { partition: number; leader: number; replicas: { id: number }[]; isrs: { id: number }[] }[] }[];
    };
    expect(md.brokers).toEqual([{ id: 1, name: strom.bootstrap }]);
    expect(md.topics.map((t) => t.topic)).toEqual(['kcat-listed']);
    expect(md.topics[0]!.partitions.map((p) => [p.partition, p.leader, p.replicas, p.isrs])).toEqual(
      [0, 1, 2, 3].map((p) => [p, 1, [{ id: 1 }], [{ id: 1 }]]),
    );
  });

  it('produces with every codec and acks level, and idempotently; reads exactly those records back from the beginning', async () => {
    const topic = 'kcat-matrix';
    await createTopics(strom.bootstrap, [{ topic, numPartitions: 3 }]);
    const batches = codecAcksMatrix('kcat', CODECS, ACKS, { partitions: 3, perBatch: 9, sameHeaders: true, nullKeys: false });
    await kcatProduce(kcat, strom.bootstrap, topic, batches);
    expectExactly(
      await kcatConsume(kcat, strom.bootstrap, topic),
      topic,
      batches.flatMap((b) => b.records),
    );
  });

  it('consumes from the end (-o end): only the records produced after it reached the end of each partition', async () => {
    const topic = 'kcat-latest';
    await createTopics(strom.bootstrap, [{ topic, numPartitions: 2 }]);
    await kcatProduce(kcat, strom.bootstrap, topic, [
      {
        compression: 'none',
        acks: 'all',
        idempotent: false,
        records: makeRecords('kcat-before', 6, 2, { sameHeaders: true, nullKeys: false }),
      },
    ]);
    const start = await endOffsets(strom.bootstrap, topic);
    const consumer = startChild(kcat, kcatConsumeArgs(strom.bootstrap, topic, 'end', 8), { timeoutMs: 60_000 });
    await consumer.waitFor(/Reached end of topic kcat-latest \[0\]/, 30_000);
    await consumer.waitFor(/Reached end of topic kcat-latest \[1\]/, 30_000);
    const after = makeRecords('kcat-after', 8, 2, { sameHeaders: true, nullKeys: false });
    await kcatProduce(kcat, strom.bootstrap, topic, [{ compression: 'snappy', acks: '1', idempotent: false, records: after }]);
    const result = await consumer.exited;
    expect(result.code, tail(result.stderr)).toBe(0);
    expectExactly(parseKcatJson(result.stdout), topic, after, { startOffsets: start });
  });

  it('consumes from a timestamp (-o s@<ms>): exactly the records at or after it; none past the last', async () => {
    const topic = 'kcat-time';
    await createTopics(strom.bootstrap, [{ topic, numPartitions: 2 }]);
    const base = Date.now() - 3_600_000;
    const records = makeRecords('kcat-time', 20, 2, { timestamp: (i) => base + i * 1000 });
    // kcat cannot set CreateTime: kafkajs writes the records.
    await kafkajsProduce(strom.bootstrap, topic, [{ compression: 'gzip', acks: 'all', idempotent: false, records }]);
    expectExactly(
      await kcatConsume(kcat, strom.bootstrap, topic, `s@${base + 10_500}`),
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
    expect(await kcatConsume(kcat, strom.bootstrap, topic, `s@${base + 60_000}`)).toEqual([]);
  });
});
