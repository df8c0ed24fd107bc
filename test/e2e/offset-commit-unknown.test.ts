import { ErrorCode } from '@strom/errors';
import {
  ApiKey,
  createFindCoordinatorRequest,
  createOffsetCommitRequest,
  createOffsetCommitRequestPartition,
  createOffsetDeleteRequest,
  createOffsetFetchRequest,
} from '@strom/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStrom, type EmbeddedStrom } from './embedded-harness.js';
import { RawKafka } from './sasl-support.js';

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/** librdkafka's 0030_offset_commit (do_nonexist_commit) and KafkaApis.handleOffsetCommitRequest. */
describe('OffsetCommit and OffsetDelete of partitions the cluster does not have', () => {
  let strom: EmbeddedStrom;
  let client: RawKafka;
  beforeAll(async () => {
    strom = await startEmbeddedStrom();
    client = await RawKafka.connect(strom.port);
    await client.createTopics({ real: 2 });
    await client.call(ApiKey.FindCoordinator, 4, createFindCoordinatorRequest({ keyType: 0, coordinatorKeys: ['g'] }));
  });
  afterAll(async () => {
    client?.raw.end();
    await strom?.stop();
  });

  it('answers UNKNOWN_TOPIC_OR_PARTITION per partition, commits the rest, and stores nothing for the unknown ones', async () => {
    const partition = (partitionIndex: number) => createOffsetCommitRequestPartition({ partitionIndex, committedOffset: 5n });
    const committed = await client.call(
      ApiKey.OffsetCommit,
      8,
      createOffsetCommitRequest({
        groupId: 'g',
        generationIdOrMemberEpoch: -1,
        memberId: '',
        topics: [
          { name: 'ghost', topicId: ZERO_UUID, partitions: [partition(0)] },
          { name: 'real', topicId: ZERO_UUID, partitions: [partition(0), partition(7)] },
        ],
      }),
    );
    const codes = committed.topics.flatMap((topic) => topic.partitions.map((p) => `${topic.name}-${p.partitionIndex}:${p.errorCode}`));
    expect(codes.sort()).toEqual(
      [
        `ghost-0:${ErrorCode.UNKNOWN_TOPIC_OR_PARTITION}`,
        `real-0:${ErrorCode.NONE}`,
        `real-7:${ErrorCode.UNKNOWN_TOPIC_OR_PARTITION}`,
      ].sort(),
    );
    const fetched = await client.call(ApiKey.OffsetFetch, 7, createOffsetFetchRequest({ groupId: 'g', topics: null }));
    expect(fetched.topics.map((topic) => [topic.name, topic.partitions.map((p) => [p.partitionIndex, p.committedOffset])])).toEqual([
      ['real', [[0, 5n]]],
    ]);

    const deleted = await client.call(
      ApiKey.OffsetDelete,
      0,
      createOffsetDeleteRequest({ groupId: 'g', topics: [{ name: 'ghost', partitions: [{ partitionIndex: 0 }] }] }),
    );
    expect(deleted.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });
});
