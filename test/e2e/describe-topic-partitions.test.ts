import { ApiKey, createDescribeTopicPartitionsRequest, ZERO_UUID, type DescribeTopicPartitionsResponse } from '@strom/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStrom, type EmbeddedStrom } from './embedded-harness.js';
import { RawKafka } from './sasl-support.js';

type Cursor = { topicName: string; partitionIndex: number } | null;

/**
 * DescribeTopicPartitions v0 (what kafka-topics.sh --describe and the Java Admin of Kafka 4 use)
 * on topics a (3 partitions) and b (1). Every expected answer is what a Kafka 4.4.0 broker gave to
 * the same request on the same topics, summed up as name:error:id:[partitions]:authorized operations.
 */
describe('DescribeTopicPartitions, answered as Kafka 4.4 answers it', () => {
  let strom: EmbeddedStrom;
  let client: RawKafka;
  beforeAll(async () => {
    strom = await startEmbeddedStrom();
    client = await RawKafka.connect(strom.port);
    await client.createTopics({ a: 3, b: 1 });
  });
  afterAll(async () => {
    client?.raw.end();
    await strom?.stop();
  });

  const summary = (response: DescribeTopicPartitionsResponse) => ({
    topics: response.topics.map(
      ({ name, ...topic }) =>
        `${name === null ? 'null' : name.length > 20 ? `${name.slice(0, 3)}…` : name}:${topic.errorCode}:${topic.topicId === ZERO_UUID ? 'ZERO' : 'ID'}:` +
        `[${topic.partitions.map((partition) => partition.partitionIndex).join(',')}]:${topic.topicAuthorizedOperations}`,
    ),
    nextCursor:
      response.nextCursor === null
        ? null
        : { topicName: response.nextCursor.topicName, partitionIndex: response.nextCursor.partitionIndex },
  });
  const ask = async (topics: string[], responsePartitionLimit: number, cursor: Cursor = null) =>
    summary(
      await client.call(
        ApiKey.DescribeTopicPartitions,
        0,
        createDescribeTopicPartitionsRequest({ topics: topics.map((name) => ({ name })), responsePartitionLimit, cursor }),
      ),
    );
  const ALL_OPERATIONS = 3576;
  const OMITTED = -2147483648;

  it('describes every partition with its replicas, an empty ELR and the authorized operations', async () => {
    const response = await client.call(ApiKey.DescribeTopicPartitions, 0, createDescribeTopicPartitionsRequest({ topics: [] }));
    expect(response.topics[0]!.partitions[1]).toMatchObject({
      errorCode: 0,
      partitionIndex: 1,
      leaderId: 1,
      leaderEpoch: 0,
      replicaNodes: [1],
      isrNodes: [1],
      eligibleLeaderReplicas: [],
      lastKnownElr: [],
      offlineReplicas: [],
    });
    expect(summary(response)).toEqual({ topics: [`a:0:ID:[0,1,2]:${ALL_OPERATIONS}`, `b:0:ID:[0]:${ALL_OPERATIONS}`], nextCursor: null });
  });

  it('pages by the partition limit with a cursor', async () => {
    expect(await ask([], 2)).toEqual({ topics: [`a:0:ID:[0,1]:${ALL_OPERATIONS}`], nextCursor: { topicName: 'a', partitionIndex: 2 } });
    expect(await ask([], 2, { topicName: 'a', partitionIndex: 2 })).toEqual({
      topics: [`a:0:ID:[2]:${ALL_OPERATIONS}`, `b:0:ID:[0]:${ALL_OPERATIONS}`],
      nextCursor: null,
    });
    expect(await ask([], 3)).toEqual({ topics: [`a:0:ID:[0,1,2]:${ALL_OPERATIONS}`], nextCursor: { topicName: 'b', partitionIndex: 0 } });
    expect(await ask(['a', 'b', 'c'], 3)).toEqual({
      topics: [`a:0:ID:[0,1,2]:${ALL_OPERATIONS}`],
      nextCursor: { topicName: 'b', partitionIndex: 0 },
    });
    // A limit of 0 is taken as 1.
    expect(await ask(['b', 'a'], 0)).toEqual({
      topics: [`a:0:ID:[0]:${ALL_OPERATIONS}`],
      nextCursor: { topicName: 'a', partitionIndex: 1 },
    });
    expect(await ask(['a'], 10, { topicName: 'a', partitionIndex: 7 })).toEqual({
      topics: [`a:0:ID:[]:${ALL_OPERATIONS}`],
      nextCursor: null,
    });
  });

  it('answers unknown, invalid and repeated names in name order', async () => {
    expect(await ask(['b', 'nope', 'a'], 2000)).toEqual({
      topics: [`a:0:ID:[0,1,2]:${ALL_OPERATIONS}`, `b:0:ID:[0]:${ALL_OPERATIONS}`, `nope:3:ZERO:[]:${ALL_OPERATIONS}`],
      nextCursor: null,
    });
    expect(await ask(['bad/name', 'a'], 2000)).toEqual({
      topics: [`a:0:ID:[0,1,2]:${ALL_OPERATIONS}`, `bad/name:17:ZERO:[]:${ALL_OPERATIONS}`],
      nextCursor: null,
    });
    expect((await ask(['x'.repeat(300)], 2000)).topics).toEqual([`xxx…:17:ZERO:[]:${ALL_OPERATIONS}`]);
    expect((await ask(['.'], 2000)).topics).toEqual([`.:17:ZERO:[]:${ALL_OPERATIONS}`]);
    expect((await ask(['a', 'a'], 2000)).topics).toEqual([`a:0:ID:[0,1,2]:${ALL_OPERATIONS}`]);
    expect((await ask(['zzz', 'a'], 10, { topicName: 'zzz', partitionIndex: 0 })).topics).toEqual([`zzz:3:ZERO:[]:${ALL_OPERATIONS}`]);
  });

  it('refuses a bad cursor with INVALID_REQUEST, and an empty name with an unknown error, on every topic named', async () => {
    expect(await ask(['a'], 10, { topicName: 'b', partitionIndex: 0 })).toEqual({ topics: [`a:42:ZERO:[]:${OMITTED}`], nextCursor: null });
    expect(await ask([], 10, { topicName: 'a', partitionIndex: -1 })).toEqual({ topics: [], nextCursor: null });
    expect(await ask(['', 'a'], 2000)).toEqual({ topics: [`:-1:ZERO:[]:${OMITTED}`, `a:-1:ZERO:[]:${OMITTED}`], nextCursor: null });
  });
});
