/**
 * The API versions Kafka 4.x added after 3.9, on the wire against embedded Strom, answered as a
 * real Apache Kafka 4.4.0 broker answers them. The expected values were read off such a broker
 * (a single KRaft node, the one `npm run bench -- compare` runs) with the same requests; its
 * ApiVersions list is committed in test/fixtures/kafka-4.4.0/api-versions.json (its
 * capture-api-versions.ts regenerates it from a real broker).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode } from '@strom/errors';
import {
  ApiKey,
  createApiVersionsRequest,
  createDeleteGroupsRequest,
  createDescribeClusterRequest,
  createDescribeGroupsRequest,
  createDescribeLogDirsRequest,
  createFetchRequest,
  createFetchRequestFetchPartition,
  createFetchRequestFetchTopic,
  createListOffsetsRequest,
  createListOffsetsRequestListOffsetsPartition,
  createListOffsetsRequestListOffsetsTopic,
  createMetadataRequest,
  createMetadataRequestTopic,
  createOffsetCommitRequest,
  createOffsetCommitRequestPartition,
  createOffsetCommitRequestTopic,
  createOffsetFetchRequest,
  createOffsetFetchRequestGroup,
  createOffsetFetchRequestTopics,
  createProduceRequest,
  createProduceRequestPartitionProduceData,
  createProduceRequestTopicProduceData,
  decodeResponse,
  encodeRecordBatch,
  encodeRequestFrame,
  type RequestBodies,
  type ResponseBodies,
} from '@strom/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStrom, type EmbeddedStrom } from './embedded-harness.js';
import { RawClient } from './raw-client.js';

const KAFKA_API_VERSIONS = JSON.parse(
  readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'kafka-4.4.0', 'api-versions.json'), 'utf8'),
) as { apiKey: number; name: string; minVersion: number; maxVersion: number }[];

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
const UNKNOWN_ID = '6b1f3c2a-9d4e-4f5a-8b7c-0d1e2f3a4b5c';
const TOPIC = 'v44';

describe('Kafka 4.4 API versions on embedded Strom', () => {
  let strom: EmbeddedStrom;
  let client: RawClient;
  let correlationId = 0;
  let topicId: string;
  let clusterId: string;

  const request = async <K extends ApiKey>(apiKey: K, apiVersion: number, body: RequestBodies[K]): Promise<ResponseBodies[K]> => {
    const id = ++correlationId;
    client.send(encodeRequestFrame({ apiKey, apiVersion, correlationId: id, clientId: 'v44' }, body));
    const frame = await client.nextFrame(10_000);
    const response = decodeResponse(apiKey, apiVersion, frame);
    expect(response.header.correlationId).toBe(id);
    return response.body;
  };

  beforeAll(async () => {
    strom = await startEmbeddedStrom();
    client = await RawClient.connect(strom.port);
    const created = await request(ApiKey.CreateTopics, 7, {
      topics: [{ name: TOPIC, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 10_000,
      validateOnly: false,
    });
    expect(created.topics[0]!.errorCode).toBe(0);
    topicId = created.topics[0]!.topicId;
    clusterId = (await request(ApiKey.Metadata, 13, createMetadataRequest({ topics: [] }))).clusterId!;
  });

  afterAll(async () => {
    client?.end();
    await strom?.stop();
  });

  it("announces Kafka 4.4.0's version range for every API it serves, and no API Kafka lacks", async () => {
    const announced = (
      await request(ApiKey.ApiVersions, 4, createApiVersionsRequest({ clientSoftwareName: 'v44', clientSoftwareVersion: '1' }))
    ).apiKeys;
    const kafka = new Map(KAFKA_API_VERSIONS.map((api) => [api.apiKey, api]));
    for (const api of announced) {
      const theirs = kafka.get(api.apiKey);
      expect(theirs, `API ${api.apiKey}`).toBeDefined();
      expect({ apiKey: api.apiKey, minVersion: api.minVersion, maxVersion: api.maxVersion }).toEqual({
        apiKey: theirs!.apiKey,
        minVersion: theirs!.minVersion,
        maxVersion: theirs!.maxVersion,
      });
    }
    // The ones this issue is about are all there.
    const names = new Set(announced.map((api) => kafka.get(api.apiKey)!.name));
    for (const name of ['Produce', 'Fetch', 'ListOffsets', 'Metadata', 'OffsetCommit', 'OffsetFetch', 'DescribeGroups', 'DeleteGroups']) {
      expect(names).toContain(name);
    }
  });

  describe('ApiVersions v5 (KIP-1242): the cluster and node the client means to reach', () => {
    const ask = (clusterIdAsked: string | null, nodeId: number) =>
      request(
        ApiKey.ApiVersions,
        5,
        createApiVersionsRequest({ clientSoftwareName: 'v44', clientSoftwareVersion: '1', clusterId: clusterIdAsked, nodeId }),
      );

    it('answers with the ranges when both are right or both are left out', async () => {
      expect((await ask(null, -1)).apiKeys.length).toBeGreaterThan(30);
      const right = await ask(clusterId, 1);
      expect(right.errorCode).toBe(0);
      expect(right.apiKeys.length).toBeGreaterThan(30);
    });

    it('says REBOOTSTRAP_REQUIRED, with nothing else, for another cluster or node; the connection stays open', async () => {
      for (const [asked, node] of [
        ['AAAAAAAAAAAAAAAAAAAAAA', 1],
        [clusterId, 42],
      ] as const) {
        const response = await ask(asked, node);
        expect(response.errorCode).toBe(ErrorCode.REBOOTSTRAP_REQUIRED);
        expect(response.apiKeys).toEqual([]);
      }
      // Kafka 4.4.0's exact bytes for this answer: correlation id, error 129, no keys, no throttle, no tags.
      const id = ++correlationId;
      client.send(
        encodeRequestFrame(
          { apiKey: ApiKey.ApiVersions, apiVersion: 5, correlationId: id, clientId: 'v44' },
          createApiVersionsRequest({ clientSoftwareName: 'v44', clientSoftwareVersion: '1', clusterId: 'other', nodeId: 1 }),
        ),
      );
      expect((await client.nextFrame()).toString('hex')).toBe(id.toString(16).padStart(8, '0') + '0081' + '01' + '00000000' + '00');
      expect((await ask(null, -1)).errorCode).toBe(0);
    });

    it('says INVALID_REQUEST when only one of them is given', async () => {
      for (const [asked, node] of [
        [clusterId, -1],
        [null, 1],
      ] as const) {
        const response = await ask(asked, node);
        expect(response.errorCode).toBe(ErrorCode.INVALID_REQUEST);
        expect(response.apiKeys).toEqual([]);
      }
    });
  });

  it('Metadata v13: a top-level error code of 0; unknown topic ids first, with UNKNOWN_TOPIC_ID', async () => {
    const response = await request(
      ApiKey.Metadata,
      13,
      createMetadataRequest({
        topics: [createMetadataRequestTopic({ name: null, topicId }), createMetadataRequestTopic({ name: null, topicId: UNKNOWN_ID })],
        allowAutoTopicCreation: false,
      }),
    );
    expect(response.errorCode).toBe(0);
    expect(response.topics.map((t) => [t.errorCode, t.name, t.topicId])).toEqual([
      [ErrorCode.UNKNOWN_TOPIC_ID, null, UNKNOWN_ID],
      [0, TOPIC, topicId],
    ]);
  });

  it('Produce v13 names topics by id; an unknown or zero id gets UNKNOWN_TOPIC_ID; Fetch v18 reads it back', async () => {
    const batch = (value: string) => encodeRecordBatch({ baseTimestamp: BigInt(Date.now()), records: [{ value: Buffer.from(value) }] });
    const response = await request(
      ApiKey.Produce,
      13,
      createProduceRequest({
        acks: -1,
        timeoutMs: 5000,
        topicData: [UNKNOWN_ID, topicId, ZERO_UUID].map((id) =>
          createProduceRequestTopicProduceData({
            topicId: id,
            partitionData: [createProduceRequestPartitionProduceData({ index: 0, records: batch(`to ${id}`) })],
          }),
        ),
      }),
    );
    expect(
      response.responses.map((topic) => [
        topic.name,
        topic.topicId,
        topic.partitionResponses[0]!.errorCode,
        topic.partitionResponses[0]!.baseOffset,
      ]),
    ).toEqual([
      ['', UNKNOWN_ID, ErrorCode.UNKNOWN_TOPIC_ID, -1n],
      ['', topicId, 0, 0n],
      ['', ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_ID, -1n],
    ]);
    const fetched = await request(
      ApiKey.Fetch,
      18,
      createFetchRequest({
        maxWaitMs: 0,
        minBytes: 1,
        maxBytes: 1 << 20,
        topics: [
          createFetchRequestFetchTopic({
            topicId,
            partitions: [createFetchRequestFetchPartition({ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 })],
          }),
        ],
      }),
    );
    const partition = fetched.responses[0]!.partitions[0]!;
    expect([fetched.responses[0]!.topicId, partition.errorCode, partition.highWatermark]).toEqual([topicId, 0, 1n]);
    expect(partition.records!.toString('latin1')).toContain(`to ${topicId}`);
  });

  it('OffsetCommit and OffsetFetch v10 name topics by id, and read back what v9 wrote by name', async () => {
    const group = 'v44-simple';
    const commit = await request(
      ApiKey.OffsetCommit,
      10,
      createOffsetCommitRequest({
        groupId: group,
        generationIdOrMemberEpoch: -1,
        topics: [topicId, UNKNOWN_ID].map((id) =>
          createOffsetCommitRequestTopic({
            topicId: id,
            partitions: [createOffsetCommitRequestPartition({ partitionIndex: 0, committedOffset: 1n, committedMetadata: 'm' })],
          }),
        ),
      }),
    );
    expect(commit.topics.map((t) => [t.name, t.topicId, t.partitions[0]!.errorCode])).toEqual([
      ['', topicId, 0],
      ['', UNKNOWN_ID, ErrorCode.UNKNOWN_TOPIC_ID],
    ]);
    // Asked in the other order, Kafka still lists the known topics first.
    const fetched = await request(
      ApiKey.OffsetFetch,
      10,
      createOffsetFetchRequest({
        groups: [
          createOffsetFetchRequestGroup({
            groupId: group,
            topics: [UNKNOWN_ID, topicId].map((id) => createOffsetFetchRequestTopics({ topicId: id, partitionIndexes: [0] })),
          }),
        ],
      }),
    );
    expect(fetched.groups[0]!.errorCode).toBe(0);
    expect(fetched.groups[0]!.topics.map((t) => [t.name, t.topicId, t.partitions[0]])).toEqual([
      ['', topicId, expect.objectContaining({ committedOffset: 1n, metadata: 'm', errorCode: 0 })],
      [
        '',
        UNKNOWN_ID,
        expect.objectContaining({ committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.UNKNOWN_TOPIC_ID }),
      ],
    ]);
    const all = await request(
      ApiKey.OffsetFetch,
      10,
      createOffsetFetchRequest({ groups: [createOffsetFetchRequestGroup({ groupId: group, topics: null })] }),
    );
    expect(all.groups[0]!.topics.map((t) => [t.name, t.topicId, t.partitions.map((p) => p.committedOffset)])).toEqual([
      ['', topicId, [1n]],
    ]);
    const byName = await request(
      ApiKey.OffsetFetch,
      9,
      createOffsetFetchRequest({ groups: [createOffsetFetchRequestGroup({ groupId: group, topics: null })] }),
    );
    expect(byName.groups[0]!.topics.map((t) => [t.name, t.topicId])).toEqual([[TOPIC, ZERO_UUID]]);
  });

  it('DescribeGroups v6 says GROUP_ID_NOT_FOUND where v5 describes a Dead group; DeleteGroups v3 has no message for it', async () => {
    const v6 = await request(ApiKey.DescribeGroups, 6, createDescribeGroupsRequest({ groups: ['no-such-group'] }));
    expect(v6.groups[0]).toMatchObject({
      groupId: 'no-such-group',
      errorCode: ErrorCode.GROUP_ID_NOT_FOUND,
      errorMessage: 'Group no-such-group not found.',
      groupState: 'Dead',
      protocolType: '',
      members: [],
    });
    const v5 = await request(ApiKey.DescribeGroups, 5, createDescribeGroupsRequest({ groups: ['no-such-group'] }));
    expect(v5.groups[0]).toMatchObject({ errorCode: 0, groupState: 'Dead' });
    const deleted = await request(ApiKey.DeleteGroups, 3, createDeleteGroupsRequest({ groupsNames: ['no-such-group'] }));
    expect(deleted.results).toEqual([
      expect.objectContaining({ groupId: 'no-such-group', errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: null }),
    ]);
  });

  it('DescribeCluster v2 flags brokers as fenced or not; DescribeLogDirs v5 says no log dir is cordoned', async () => {
    for (const includeFencedBrokers of [false, true]) {
      const cluster = await request(ApiKey.DescribeCluster, 2, createDescribeClusterRequest({ includeFencedBrokers }));
      expect(cluster.brokers.map((b) => [b.brokerId, b.isFenced])).toEqual([[1, false]]);
    }
    const dirs = await request(ApiKey.DescribeLogDirs, 5, createDescribeLogDirsRequest({ topics: null }));
    expect(dirs.errorCode).toBe(0);
    expect(dirs.results.map((r) => [r.errorCode, r.isCordoned])).toEqual([[0, false]]);
  });

  it('ListOffsets v11: earliest pending upload (-6) is -1 without tiered storage; before v11 it is UNSUPPORTED_VERSION', async () => {
    const list = async (apiVersion: number, timestamp: bigint) =>
      (
        await request(
          ApiKey.ListOffsets,
          apiVersion,
          createListOffsetsRequest({
            replicaId: -1,
            topics: [
              createListOffsetsRequestListOffsetsTopic({
                name: TOPIC,
                partitions: [createListOffsetsRequestListOffsetsPartition({ partitionIndex: 0, timestamp })],
              }),
            ],
          }),
        )
      ).topics[0]!.partitions[0]!;
    const pick = (p: Awaited<ReturnType<typeof list>>) => [p.errorCode, p.offset, p.timestamp, p.leaderEpoch];
    expect(pick(await list(11, -6n))).toEqual([0, -1n, -1n, -1]);
    expect((await list(10, -6n)).errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(pick(await list(11, -5n))).toEqual([0, -1n, -1n, -1]); // latest tiered
    expect(pick(await list(11, -4n))).toEqual([0, 0n, -1n, 0]); // earliest local
    expect((await list(11, -7n)).errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
  });
});
