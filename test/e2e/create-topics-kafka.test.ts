import { ErrorCode } from '@strom/errors';
import {
  ApiKey,
  createCreatePartitionsRequest,
  createCreateTopicsRequest,
  createCreateTopicsRequestCreatableTopic,
  createMetadataRequest,
} from '@strom/protocol';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStrom, type EmbeddedStrom } from './embedded-harness.js';
import { RawKafka } from './sasl-support.js';

/** The configs Kafka 4.4.0 lists for a topic it has just created (CreateTopics v7), in its order. */
const KAFKA_4_4_TOPIC_CONFIGS: string[] = JSON.parse(
  readFileSync(new URL('../fixtures/kafka-4.4.0/topic-configs.json', import.meta.url), 'utf8'),
) as string[];

/**
 * CreateTopics and CreatePartitions answered as Apache Kafka 4.4.0 answers them. Every expectation here was first read off
 * a real Kafka 4.4.0 broker (one KRaft node, started as `npm run bench -- compare` starts it) given
 * the same requests.
 */
describe('CreateTopics and CreatePartitions as Kafka answers them: request limits, duplicates, messages, configs', () => {
  let strom: EmbeddedStrom;
  let client: RawKafka;
  beforeAll(async () => {
    strom = await startEmbeddedStrom();
    client = await RawKafka.connect(strom.port);
  });
  afterAll(async () => {
    client?.raw.end();
    await strom?.stop();
  });

  const create = (version: number, topics: [name: string, numPartitions: number][], validateOnly = false) =>
    client.call(
      ApiKey.CreateTopics,
      version,
      createCreateTopicsRequest({
        timeoutMs: 30_000,
        validateOnly,
        topics: topics.map(([name, numPartitions]) =>
          createCreateTopicsRequestCreatableTopic({ name, numPartitions, replicationFactor: -1 }),
        ),
      }),
    );
  const existing = async (names: string[]) => {
    const metadata = await client.call(ApiKey.Metadata, 12, createMetadataRequest({ topics: null }));
    return metadata.topics.filter((topic) => names.includes(topic.name ?? '')).map((topic) => topic.name);
  };
  const outcome = (topics: { name: string; errorCode: number; errorMessage: string | null }[]) =>
    topics.map((topic) => `${topic.name}:${topic.errorCode}:${topic.errorMessage}`);

  it('refuses a request for more than 10,000 partitions in all, every entry of it, and creates nothing', async () => {
    const reply = await create(7, [
      ['x', 6000],
      ['y', 4001],
      ['z', 1],
      ['z', 1],
    ]);
    const message = 'Excessively large number of partitions per request.';
    expect(outcome(reply.topics)).toEqual(['x', 'y', 'z', 'z'].map((name) => `${name}:${ErrorCode.POLICY_VIOLATION}:${message}`));
    for (const topic of reply.topics) {
      expect(topic.configs).toEqual([]);
      expect([topic.numPartitions, topic.replicationFactor]).toEqual([-1, -1]);
    }
    expect(await existing(['x', 'y', 'z'])).toEqual([]);
  });

  it('refuses a request that would write more than 10,000 metadata records (a topic, its partitions, its configs)', async () => {
    const batch = 'Unable to perform excessively large batch operation.';
    // 10,000 partitions pass the partition count, but with their 3 topics they are 10,003 records.
    const reply = await create(7, [
      ['p', 6000],
      ['q', 4000],
      ['r', 0],
    ]);
    expect(outcome(reply.topics)).toEqual(['p', 'q', 'r'].map((name) => `${name}:${ErrorCode.POLICY_VIOLATION}:${batch}`));
    expect(await existing(['p', 'q', 'r'])).toEqual([]);
    // validate_only builds the same records: 9,999 partitions and the topic are 10,000 of them.
    expect(outcome((await create(7, [['v', 9999]], true)).topics)).toEqual([`v:${ErrorCode.NONE}:null`]);
    expect(outcome((await create(7, [['v', 10_000]], true)).topics)).toEqual([`v:${ErrorCode.POLICY_VIOLATION}:${batch}`]);
  });

  it('answers a name given twice once, after the others, and lists every config of a created topic', async () => {
    const reply = await create(7, [
      ['d', 2],
      ['e', 1],
      ['d', 1],
      ['f', 0],
      ['g', 3],
    ]);
    expect(outcome(reply.topics)).toEqual([
      `e:${ErrorCode.NONE}:null`,
      `f:${ErrorCode.INVALID_PARTITIONS}:Number of partitions was set to an invalid non-positive value.`,
      `g:${ErrorCode.NONE}:null`,
      `d:${ErrorCode.INVALID_REQUEST}:Duplicate topic name.`,
    ]);
    expect(await existing(['d', 'e', 'f', 'g'])).toEqual(expect.arrayContaining(['e', 'g']));
    expect(await existing(['d', 'f'])).toEqual([]);
    const [e, f, g, d] = reply.topics;
    // An error entry has an empty config list (Kafka's default), not a null one.
    expect([f!.configs, d!.configs]).toEqual([[], []]);
    expect([g!.numPartitions, g!.replicationFactor]).toEqual([3, 1]);
    expect(e!.configs?.map((config) => config.name)).toEqual(KAFKA_4_4_TOPIC_CONFIGS);
    const byName = new Map(e!.configs!.map((config) => [config.name, config]));
    expect(byName.get('cleanup.policy')).toMatchObject({ value: 'delete', readOnly: false, configSource: 5, isSensitive: false });
    expect(byName.get('max.decompressed.message.bytes')).toMatchObject({ value: '2147483639', configSource: 5 });
    expect(byName.get('segment.bytes')).toMatchObject({ value: '1073741824', configSource: 5 });
  });

  it('answers v2 the same way, without the configs', async () => {
    const reply = await create(2, [
      ['d2', 2],
      ['e2', 1],
      ['d2', 1],
      ['f2', 0],
    ]);
    expect(outcome(reply.topics)).toEqual([
      `e2:${ErrorCode.NONE}:null`,
      `f2:${ErrorCode.INVALID_PARTITIONS}:Number of partitions was set to an invalid non-positive value.`,
      `d2:${ErrorCode.INVALID_REQUEST}:Duplicate topic name.`,
    ]);
  });

  const grow = (topics: [name: string, count: number][], validateOnly: boolean) =>
    client.call(
      ApiKey.CreatePartitions,
      3,
      createCreatePartitionsRequest({
        timeoutMs: 30_000,
        validateOnly,
        topics: topics.map(([name, count]) => ({ name, count, assignments: null })),
      }),
    );
  const partitionCount = async (name: string) => {
    const metadata = await client.call(
      ApiKey.Metadata,
      12,
      createMetadataRequest({ topics: [{ name, topicId: '00000000-0000-0000-0000-000000000000' }] }),
    );
    return metadata.topics[0]!.partitions.length;
  };

  it('CreatePartitions: refuses a request adding more than 10,000 partitions in all, counting only the topics that grow', async () => {
    expect(
      outcome(
        (
          await create(7, [
            ['cp', 1],
            ['cq', 1],
            ['cr', 3],
          ])
        ).topics,
      ).every((line) => line.endsWith(':0:null')),
    ).toBe(true);
    const added = 'Excessively large number of additional partitions per request.';
    // 6,000 + 4,001 new partitions; an unknown topic is answered with the rest.
    const over = await grow(
      [
        ['cp', 6001],
        ['cq', 4002],
        ['nope', 3],
      ],
      false,
    );
    expect(outcome(over.results)).toEqual(['cp', 'cq', 'nope'].map((name) => `${name}:${ErrorCode.POLICY_VIOLATION}:${added}`));
    // A count below the current one does not take from the total.
    const shrinking = await grow(
      [
        ['cp', 6001],
        ['cr', 1],
        ['cq', 4002],
      ],
      true,
    );
    expect(outcome(shrinking.results)).toEqual(['cp', 'cr', 'cq'].map((name) => `${name}:${ErrorCode.POLICY_VIOLATION}:${added}`));
    expect([await partitionCount('cp'), await partitionCount('cq')]).toEqual([1, 1]);
    // 10,000 new partitions are allowed (validate only), as are topics that do not exist or are given twice.
    expect(
      outcome(
        (
          await grow(
            [
              ['cp', 6001],
              ['cq', 4001],
            ],
            true,
          )
        ).results,
      ),
    ).toEqual(['cp:0:null', 'cq:0:null']);
    expect(
      outcome(
        (
          await grow(
            [
              ['cp', 9001],
              ['nope', 5000],
            ],
            true,
          )
        ).results,
      ),
    ).toEqual([`nope:${ErrorCode.UNKNOWN_TOPIC_OR_PARTITION}:null`, 'cp:0:null']);
  });

  it('CreatePartitions: a duplicated name first, then unknown topics, then the rest with Kafka 4.4 messages', async () => {
    const reply = await grow(
      [
        ['cq', 3],
        ['cp', 2],
        ['nope', 2],
        ['cp', 3],
        ['cr', 2],
        ['cq', 1],
      ],
      true,
    );
    expect(outcome(reply.results)).toEqual([
      `cq:${ErrorCode.INVALID_REQUEST}:Duplicate topic name.`,
      `cp:${ErrorCode.INVALID_REQUEST}:Duplicate topic name.`,
      `nope:${ErrorCode.UNKNOWN_TOPIC_OR_PARTITION}:null`,
      `cr:${ErrorCode.INVALID_PARTITIONS}:The topic cr currently has 3 partition(s); 2 would not be an increase.`,
    ]);
    expect(outcome((await grow([['cp', 1]], false)).results)).toEqual([
      `cp:${ErrorCode.INVALID_PARTITIONS}:Topic already has 1 partition(s).`,
    ]);
    expect(outcome((await grow([['cp', 3]], false)).results)).toEqual(['cp:0:null']);
    expect(await partitionCount('cp')).toBe(3);
  });
});
