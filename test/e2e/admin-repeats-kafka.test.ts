import { ErrorCode } from '@strom/errors';
import {
  ApiKey,
  createAlterConfigsRequest,
  createDeleteTopicsRequest,
  createDescribeConfigsRequest,
  createIncrementalAlterConfigsRequest,
  createMetadataRequest,
} from '@strom/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStrom, type EmbeddedStrom } from './embedded-harness.js';
import { RawKafka } from './sasl-support.js';

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
const TOPIC = 2;
const SET = 0;

/**
 * Admin requests that name a topic or resource twice, or one that does not exist, answered as
 * Apache Kafka 4.4.0 answers them (each case first read off a real Kafka 4.4.0 broker given the
 * same request). Kafka answers in hash order where these tests sort.
 */
describe('DeleteTopics, AlterConfigs, IncrementalAlterConfigs and DescribeConfigs as Kafka answers repeats and unknown topics', () => {
  let strom: EmbeddedStrom;
  let client: RawKafka;
  beforeAll(async () => {
    strom = await startEmbeddedStrom();
    client = await RawKafka.connect(strom.port);
    await client.createTopics({ a: 1, b: 1, c: 1, d: 1, j: 1 });
  });
  afterAll(async () => {
    client?.raw.end();
    await strom?.stop();
  });

  const existing = async () => {
    const metadata = await client.call(ApiKey.Metadata, 12, createMetadataRequest({ topics: null }));
    return metadata.topics.map((topic) => topic.name).sort();
  };
  const lines = (entries: { name?: string | null; resourceName?: string; errorCode: number; errorMessage: string | null }[]) =>
    entries.map((entry) => `${entry.name ?? entry.resourceName ?? 'null'}:${entry.errorCode}:${entry.errorMessage}`).sort();

  it('IncrementalAlterConfigs and AlterConfigs: every entry of a resource named twice is INVALID_REQUEST, and none is applied', async () => {
    const incremental = await client.call(
      ApiKey.IncrementalAlterConfigs,
      1,
      createIncrementalAlterConfigsRequest({
        validateOnly: false,
        resources: [
          { resourceType: TOPIC, resourceName: 'j', configs: [{ name: 'retention.ms', configOperation: SET, value: '1000' }] },
          { resourceType: TOPIC, resourceName: 'nope', configs: [{ name: 'retention.ms', configOperation: SET, value: '5' }] },
          { resourceType: TOPIC, resourceName: 'j', configs: [{ name: 'foo.bar', configOperation: SET, value: '5' }] },
        ],
      }),
    );
    const once = 'Each resource must appear at most once.';
    expect(lines(incremental.responses)).toEqual(
      [
        `j:${ErrorCode.INVALID_REQUEST}:${once}`,
        `j:${ErrorCode.INVALID_REQUEST}:${once}`,
        `nope:${ErrorCode.UNKNOWN_TOPIC_OR_PARTITION}:The topic 'nope' does not exist.`,
      ].sort(),
    );
    const plain = await client.call(
      ApiKey.AlterConfigs,
      2,
      createAlterConfigsRequest({
        validateOnly: false,
        resources: [
          { resourceType: TOPIC, resourceName: 'j', configs: [{ name: 'retention.ms', value: '1000' }] },
          { resourceType: TOPIC, resourceName: 'j', configs: [{ name: 'retention.ms', value: '2000' }] },
          { resourceType: TOPIC, resourceName: 'nope', configs: [{ name: 'retention.ms', value: '5' }] },
        ],
      }),
    );
    expect(lines(plain.responses)).toEqual(
      [
        `j:${ErrorCode.INVALID_REQUEST}:${once}`,
        `j:${ErrorCode.INVALID_REQUEST}:${once}`,
        `nope:${ErrorCode.UNKNOWN_TOPIC_OR_PARTITION}:The topic 'nope' does not exist.`,
      ].sort(),
    );
    const described = await client.call(
      ApiKey.DescribeConfigs,
      4,
      createDescribeConfigsRequest({
        includeSynonyms: false,
        includeDocumentation: false,
        resources: [
          { resourceType: TOPIC, resourceName: 'j', configurationKeys: ['retention.ms'] },
          { resourceType: TOPIC, resourceName: 'nope', configurationKeys: null },
        ],
      }),
    );
    // Neither request changed retention.ms; Kafka 4.4 answers both resources with an empty message.
    expect(described.results.map((result) => [result.resourceName, result.errorCode, result.errorMessage])).toEqual([
      ['j', ErrorCode.NONE, ''],
      ['nope', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ''],
    ]);
    expect(described.results[0]!.configs.map((config) => [config.name, config.value, config.configSource])).toEqual([
      ['retention.ms', '604800000', 5],
    ]);
  });

  it('DeleteTopics v6: a name given twice is answered once with INVALID_REQUEST and not deleted', async () => {
    const reply = await client.call(
      ApiKey.DeleteTopics,
      6,
      createDeleteTopicsRequest({
        timeoutMs: 30_000,
        topics: [
          { name: 'a', topicId: ZERO_UUID },
          { name: 'nope', topicId: ZERO_UUID },
          { name: null, topicId: '11111111-1111-1111-1111-111111111111' },
          { name: 'b', topicId: ZERO_UUID },
          { name: 'b', topicId: ZERO_UUID },
        ],
      }),
    );
    expect(lines(reply.responses)).toEqual(
      [
        `a:${ErrorCode.NONE}:null`,
        `b:${ErrorCode.INVALID_REQUEST}:Duplicate topic name.`,
        `nope:${ErrorCode.UNKNOWN_TOPIC_OR_PARTITION}:This server does not host this topic-partition.`,
        `null:${ErrorCode.UNKNOWN_TOPIC_ID}:This server does not host this topic ID.`,
      ].sort(),
    );
    expect(await existing()).toEqual(['b', 'c', 'd', 'j']);
  });

  it('DeleteTopics v4: the same, with the code only', async () => {
    const reply = await client.call(
      ApiKey.DeleteTopics,
      4,
      createDeleteTopicsRequest({ timeoutMs: 30_000, topicNames: ['c', 'nope', 'd', 'd'] }),
    );
    expect(lines(reply.responses)).toEqual(
      [`c:${ErrorCode.NONE}:null`, `d:${ErrorCode.INVALID_REQUEST}:null`, `nope:${ErrorCode.UNKNOWN_TOPIC_OR_PARTITION}:null`].sort(),
    );
    expect(await existing()).toEqual(['b', 'd', 'j']);
  });
});
