import {
  ApiKey,
  createMetadataRequest,
  createProduceRequest,
  createProduceRequestTopicProduceData,
  decodeResponse,
  encodeRequestFrame,
  type RequestBodies,
  type ResponseBodies,
} from '@strom/protocol';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStrom, type EmbeddedStrom } from './embedded-harness.js';
import { RawClient } from './raw-client.js';

describe('__consumer_offsets: made on the first FindCoordinator, internal, not writable by clients', () => {
  let strom: EmbeddedStrom;
  let kafka: Kafka;
  let correlationId = 0;

  beforeAll(async () => {
    strom = await startEmbeddedStrom([]);
    kafka = new Kafka({ clientId: 'offsets-topic', brokers: [strom.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  });
  afterAll(async () => strom?.stop());

  const raw = async <K extends ApiKey>(apiKey: K, apiVersion: number, body: RequestBodies[K]): Promise<ResponseBodies[K]> => {
    const client = await RawClient.connect(strom.port);
    try {
      client.send(encodeRequestFrame({ apiKey, apiVersion, correlationId: ++correlationId, clientId: 'raw-offsets-topic' }, body));
      return decodeResponse(apiKey, apiVersion, await client.nextFrame()).body as ResponseBodies[K];
    } finally {
      client.end();
    }
  };
  const allTopics = async () => (await raw(ApiKey.Metadata, 12, createMetadataRequest({ topics: null }))).topics;

  it('is absent until a group needs a coordinator, then listed with is_internal and Kafka defaults', async () => {
    expect((await allTopics()).map((topic) => topic.name)).not.toContain('__consumer_offsets');
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.describeGroups(['offsets-topic-group']);
      const offsets = (await allTopics()).find((topic) => topic.name === '__consumer_offsets');
      expect(offsets).toMatchObject({ errorCode: 0, isInternal: true });
      expect(offsets!.partitions).toHaveLength(50);
      const configs = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: 2, name: '__consumer_offsets', configNames: ['cleanup.policy', 'segment.bytes'] }],
      });
      expect(Object.fromEntries(configs.resources[0]!.configEntries.map((entry) => [entry.configName, entry.configValue]))).toEqual({
        'cleanup.policy': 'compact',
        'segment.bytes': '104857600',
      });
    } finally {
      await admin.disconnect();
    }
  });

  it('refuses produce to an internal topic (INVALID_TOPIC_EXCEPTION) and creation of __cluster_metadata (INVALID_REQUEST)', async () => {
    const produced = await raw(
      ApiKey.Produce,
      9,
      createProduceRequest({
        acks: -1,
        timeoutMs: 5000,
        topicData: [createProduceRequestTopicProduceData({ name: '__consumer_offsets', partitionData: [{ index: 0, records: null }] })],
      }),
    );
    expect(produced.responses[0]!.partitionResponses[0]!.errorCode).toBe(17);
    const admin = kafka.admin();
    await admin.connect();
    try {
      await expect(admin.createTopics({ topics: [{ topic: '__cluster_metadata' }] })).rejects.toMatchObject({
        errors: [expect.objectContaining({ type: 'INVALID_REQUEST', topic: '__cluster_metadata' })],
      });
    } finally {
      await admin.disconnect();
    }
  });
});
