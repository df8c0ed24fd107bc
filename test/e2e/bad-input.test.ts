import { ErrorCode } from '@strom/errors';
import {
  ApiKey,
  createApiVersionsRequest,
  createCreateTopicsRequestCreatableTopic,
  createFetchRequest,
  createFetchRequestFetchPartition,
  createInitProducerIdRequest,
  createListOffsetsRequestListOffsetsPartition,
  decodeResponse,
  encodeRecordBatch,
  encodeRequestFrame,
  type ProduceResponse,
} from '@strom/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStrom, type EmbeddedStrom } from './embedded-harness.js';
import { frame, RawClient, rawRequest } from './raw-client.js';

/** An ApiVersions v3 request frame. */
function apiVersions(correlationId: number): Buffer {
  return encodeRequestFrame(
    { apiKey: ApiKey.ApiVersions, apiVersion: 3, correlationId, clientId: 'raw' },
    createApiVersionsRequest({ clientSoftwareName: 'raw-test', clientSoftwareVersion: '1.0' }),
  );
}

describe('bad input on the Kafka listener', () => {
  let strom: EmbeddedStrom;
  let bystander: RawClient;

  beforeAll(async () => {
    strom = await startEmbeddedStrom();
    bystander = await RawClient.connect(strom.port);
  });
  afterAll(async () => {
    bystander?.end();
    await strom?.stop();
  });

  /** After each bad client, an innocent connection opened before it still gets answers. */
  async function bystanderStillServed(correlationId: number): Promise<void> {
    bystander.send(apiVersions(correlationId));
    const response = decodeResponse(ApiKey.ApiVersions, 3, await bystander.nextFrame());
    expect(response.header.correlationId).toBe(correlationId);
    expect(response.body.errorCode).toBe(0);
  }

  it('answers ApiVersions of an unsupported version with a v0 response: UNSUPPORTED_VERSION and the ranges', async () => {
    const client = await RawClient.connect(strom.port);
    // A newer client's ApiVersions: header v2 (tagged fields after the client id), a body we cannot know.
    const header = rawRequest(ApiKey.ApiVersions, 127, 42).subarray(4);
    client.send(frame(Buffer.concat([header, Buffer.from([0x00]), Buffer.from('future body')])));
    const response = decodeResponse(ApiKey.ApiVersions, 0, await client.nextFrame());
    expect(response.header.correlationId).toBe(42);
    expect(response.body.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(response.body.apiKeys).toContainEqual(expect.objectContaining({ apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 5 }));
    client.send(apiVersions(43));
    expect(decodeResponse(ApiKey.ApiVersions, 3, await client.nextFrame()).header.correlationId).toBe(43);
    client.end();
    await bystanderStillServed(1);
  });

  it.each([
    ['an unknown API key', rawRequest(9999, 0, 1)],
    ['an unsupported version of Metadata', rawRequest(ApiKey.Metadata, 99, 1)],
    ['an API Kafka 4 removed (LeaderAndIsr, key 4)', rawRequest(4, 7, 1)],
    ["a version below Kafka 4's minimum (Produce v2, KIP-896)", rawRequest(ApiKey.Produce, 2, 1)],
    [
      'an unstable version Kafka does not enable (InitProducerId v6)',
      encodeRequestFrame(
        { apiKey: ApiKey.InitProducerId, apiVersion: 6, correlationId: 1, clientId: 'raw' },
        createInitProducerIdRequest(),
      ),
    ],
    ['garbage after a valid size', frame(Buffer.from('this is not a kafka request at all'))],
    ['a negative frame size', Buffer.from([0xff, 0xff, 0xff, 0xf0, 1, 2, 3])],
    ['a frame larger than socket.request.max.bytes (refused before buffering)', Buffer.from([0x7f, 0xff, 0xff, 0xff, 0, 0])],
    ['a Metadata request truncated inside its body', rawRequest(ApiKey.Metadata, 12, 1, Buffer.from([0x05]))],
  ])('closes the connection on %s, and keeps serving everyone else', async (_what, bytes) => {
    const client = await RawClient.connect(strom.port);
    client.send(bytes);
    expect(await client.closedWithin(5000)).toBe(true);
    await bystanderStillServed(2);
  });

  it('survives a client that disconnects in the middle of a request', async () => {
    const client = await RawClient.connect(strom.port);
    client.send(apiVersions(5).subarray(0, 9));
    client.end();
    await bystanderStillServed(3);
  });

  it('answers pipelined requests in order', async () => {
    const client = await RawClient.connect(strom.port);
    client.send(Buffer.concat(Array.from({ length: 20 }, (_, i) => apiVersions(100 + i))));
    for (let i = 0; i < 20; i++) expect(decodeResponse(ApiKey.ApiVersions, 3, await client.nextFrame()).header.correlationId).toBe(100 + i);
    client.end();
  });

  it('rejects ApiVersions v3 with an invalid client software name with INVALID_REQUEST', async () => {
    const client = await RawClient.connect(strom.port);
    client.send(
      encodeRequestFrame(
        { apiKey: ApiKey.ApiVersions, apiVersion: 3, correlationId: 9, clientId: 'raw' },
        createApiVersionsRequest({ clientSoftwareName: 'bad name', clientSoftwareVersion: '1' }),
      ),
    );
    expect(decodeResponse(ApiKey.ApiVersions, 3, await client.nextFrame()).body.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    client.end();
  });
  it('answers a corrupted batch CRC with CORRUPT_MESSAGE, and keeps what was written before', async () => {
    const client = await RawClient.connect(strom.port);
    let correlationId = 100;
    const request = async <K extends ApiKey>(apiKey: K, apiVersion: number, body: unknown) => {
      client.send(encodeRequestFrame({ apiKey, apiVersion, correlationId: ++correlationId, clientId: 'raw' }, body as never));
      return decodeResponse(apiKey, apiVersion, await client.nextFrame()).body;
    };
    const created = (await request(ApiKey.CreateTopics, 7, {
      topics: [createCreateTopicsRequestCreatableTopic({ name: 'crc', numPartitions: 1, replicationFactor: 1 })],
      timeoutMs: 5000,
      validateOnly: false,
    })) as { topics: { errorCode: number }[] };
    expect(created.topics[0]!.errorCode).toBe(0);
    const produce = async (records: Buffer) =>
      (
        (await request(ApiKey.Produce, 9, {
          transactionalId: null,
          acks: -1,
          timeoutMs: 5000,
          topicData: [{ name: 'crc', partitionData: [{ index: 0, records }] }],
        })) as ProduceResponse
      ).responses[0]!.partitionResponses[0]!;
    const good = encodeRecordBatch({ baseTimestamp: BigInt(Date.now()), records: [{ value: Buffer.from('kept') }] });
    expect((await produce(good)).errorCode).toBe(0);
    const corrupt = encodeRecordBatch({ baseTimestamp: BigInt(Date.now()), records: [{ value: Buffer.from('flipped') }] });
    corrupt[corrupt.length - 1]! ^= 0xff;
    expect((await produce(corrupt)).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    const tooMany = (await request(ApiKey.CreateTopics, 7, {
      topics: [createCreateTopicsRequestCreatableTopic({ name: 'huge', numPartitions: 1_000_000, replicationFactor: 1 })],
      timeoutMs: 5000,
      validateOnly: false,
    })) as { topics: { errorCode: number }[] };
    // Kafka refuses more than 10,000 partitions in one CreateTopics request as a whole.
    expect(tooMany.topics[0]!.errorCode).toBe(ErrorCode.POLICY_VIOLATION);
    const listed = (await request(ApiKey.ListOffsets, 7, {
      replicaId: -1,
      isolationLevel: 0,
      timeoutMs: 5000,
      topics: [{ name: 'crc', partitions: [createListOffsetsRequestListOffsetsPartition({ partitionIndex: 0, timestamp: -1n })] }],
    })) as { topics: { partitions: { offset: bigint }[] }[] };
    expect(listed.topics[0]!.partitions[0]!.offset).toBe(1n);
    const negative = (await request(ApiKey.Fetch, 12, {
      ...createFetchRequest({ maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, sessionEpoch: -1 }),
      topics: [
        {
          topic: 'crc',
          topicId: '00000000-0000-0000-0000-000000000000',
          partitions: [createFetchRequestFetchPartition({ partition: 0, fetchOffset: -5n, partitionMaxBytes: 1 << 20 })],
        },
      ],
    })) as { responses: { partitions: { errorCode: number }[] }[] };
    expect(negative.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    // A negative partition_max_bytes, as Kafka answers it: UNKNOWN_SERVER_ERROR for the partition
    // where there are records to read (LogSegment.read refuses a negative size), nothing at the end,
    // OFFSET_OUT_OF_RANGE out of range; the same for a negative request max_bytes; the connection stays.
    const negativeBytes = async (fetchOffset: bigint, partitionMaxBytes: number, maxBytes = 1 << 20) =>
      (
        (await request(ApiKey.Fetch, 12, {
          ...createFetchRequest({ maxWaitMs: 0, minBytes: 0, maxBytes, sessionEpoch: -1 }),
          topics: [
            {
              topic: 'crc',
              topicId: '00000000-0000-0000-0000-000000000000',
              partitions: [createFetchRequestFetchPartition({ partition: 0, fetchOffset, partitionMaxBytes })],
            },
          ],
        })) as { responses: { partitions: { errorCode: number; records: Buffer | null }[] }[] }
      ).responses[0]!.partitions[0]!;
    expect((await negativeBytes(0n, -1)).errorCode).toBe(ErrorCode.UNKNOWN_SERVER_ERROR);
    expect((await negativeBytes(0n, 1 << 20, -1)).errorCode).toBe(ErrorCode.UNKNOWN_SERVER_ERROR);
    const atEnd = await negativeBytes(1n, -1);
    expect([atEnd.errorCode, atEnd.records?.length ?? 0]).toEqual([ErrorCode.NONE, 0]);
    expect((await negativeBytes(7n, -1)).errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    expect((await negativeBytes(0n, 1 << 20)).records!.length).toBeGreaterThan(0);
    client.end();
    await bystanderStillServed(7);
  });
});
