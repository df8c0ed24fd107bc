import { Consumer } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStrom, type EmbeddedStrom } from '../e2e/embedded-harness.js';
import { javaDriver } from './drivers/java.js';
import { createTopics, kafkajsProduce, registerKafkajsZstd } from './drivers/kafkajs.js';
import { kcatConsume, kcatPath, kcatProduce } from './drivers/kcat.js';
import type { ProcessDriver } from './drivers/line-protocol.js';
import { confluentDriver, kafkaPythonDriver } from './drivers/python.js';
import { expectExactly, makeRecords, type Ack, type Batch, type Codec, type Consumed, type Rec } from './support/model.js';
import { platformaticProduce, platformaticReadAll } from './drivers/platformatic.js';

/**
 * Every family produces into its own topic with its own codec; then every family that can
 * consume without a group reads all of the topics: each must see exactly what was produced.
 */
describe('cross-client: what one client family produces, every other one reads', () => {
  let strom: EmbeddedStrom;
  let java: ProcessDriver;
  let confluent: ProcessDriver;
  let kafkaPython: ProcessDriver;
  let kcat: string;
  let kafkaPythonCodec: Codec;
  const produced = new Map<string, { records: Rec[]; acks: Ack[] }>();

  beforeAll(async () => {
    java = await javaDriver();
    confluent = confluentDriver();
    const kp = kafkaPythonDriver();
    kafkaPython = kp;
    kafkaPythonCodec = (await kp.codecs()).includes('lz4') ? 'lz4' : 'gzip';
    kcat = kcatPath();
    registerKafkajsZstd();
    strom = await startEmbeddedStrom();
  });
  afterAll(async () => strom?.stop());

  const topics = ['x-java', 'x-confluent', 'x-kafka-python', 'x-kcat', 'x-kafkajs', 'x-platformatic'];
  const batch = (compression: Codec, records: Rec[], idempotent = false): Batch[] => [{ compression, acks: 'all', idempotent, records }];

  it('produces: Java lz4 (idempotent), confluent zstd (idempotent), kafka-python gzip/lz4, kcat snappy, kafkajs gzip, platformatic lz4', async () => {
    await createTopics(
      strom.bootstrap,
      topics.map((topic) => ({ topic, numPartitions: 2 })),
    );
    const javaRecords = makeRecords('from-java', 30, 2);
    const confluentRecords = makeRecords('from-confluent', 30, 2);
    const kpRecords = makeRecords('from-kafka-python', 30, 2);
    const kcatRecords = makeRecords('from-kcat', 30, 2, { sameHeaders: true, nullKeys: false });
    const kafkajsRecords = makeRecords('from-kafkajs', 30, 2);
    const [j, c, k] = await Promise.all([
      java.produce(strom.bootstrap, 'x-java', batch('lz4', javaRecords, true)),
      confluent.produce(strom.bootstrap, 'x-confluent', batch('zstd', confluentRecords, true)),
      kafkaPython.produce(strom.bootstrap, 'x-kafka-python', batch(kafkaPythonCodec, kpRecords)),
      kcatProduce(kcat, strom.bootstrap, 'x-kcat', batch('snappy', kcatRecords)),
    ]);
    const kafkajsAcks = await kafkajsProduce(strom.bootstrap, 'x-kafkajs', batch('gzip', kafkajsRecords));
    const platformaticRecords = makeRecords('from-platformatic', 30, 2);
    const platformaticAcks = await platformaticProduce(strom.bootstrap, 'x-platformatic', batch('lz4', platformaticRecords));
    for (const out of [j, c, k]) expect(out.errors).toEqual([]);
    produced.set('x-java', { records: javaRecords, acks: j.acks });
    produced.set('x-confluent', { records: confluentRecords, acks: c.acks });
    produced.set('x-kafka-python', { records: kpRecords, acks: k.acks });
    produced.set('x-kcat', { records: kcatRecords, acks: [] });
    produced.set('x-kafkajs', { records: kafkajsRecords, acks: kafkajsAcks });
    produced.set('x-platformatic', { records: platformaticRecords, acks: platformaticAcks });
  });

  const expectAll = (consumed: Consumed[]) => {
    expect(produced.size, 'the produce step ran').toBe(topics.length);
    for (const topic of topics) expectExactly(consumed, topic, produced.get(topic)!.records, { acks: produced.get(topic)!.acks });
  };

  it('Java consumer (assign + seekToBeginning) reads every family', async () => {
    expectAll((await java.consume(strom.bootstrap, topics, { start: 'earliest' })).records);
  });

  it('confluent-kafka-python consumer (assign OFFSET_BEGINNING) reads every family', async () => {
    expectAll((await confluent.consume(strom.bootstrap, topics, { start: 'earliest' })).records);
  });

  it('kafka-python consumer (assign + seek_to_beginning) reads every family', async () => {
    // kafka-python decompresses lz4/zstd/snappy only with optional packages: it reads what it can.
    const readable = topics.filter((t) => kafkaPythonCodec === 'lz4' || !['x-java', 'x-confluent', 'x-kcat', 'x-platformatic'].includes(t));
    const consumed = (await kafkaPython.consume(strom.bootstrap, readable, { start: 'earliest' })).records;
    for (const topic of readable) expectExactly(consumed, topic, produced.get(topic)!.records, { acks: produced.get(topic)!.acks });
  });

  it('kcat reads every family', async () => {
    const consumed: Consumed[] = [];
    for (const topic of topics) consumed.push(...(await kcatConsume(kcat, strom.bootstrap, topic)));
    expectAll(consumed);
  });

  it('@platformatic/kafka (Consumer.fetch, no group) reads every family', async () => {
    const consumer = new Consumer({
      clientId: 'compat-cross',
      bootstrapBrokers: [strom.bootstrap],
      groupId: 'never-joined',
      maxWaitTime: 200,
    });
    try {
      expectAll(await platformaticReadAll(consumer, topics));
    } finally {
      await consumer.close(true);
    }
  });
});
