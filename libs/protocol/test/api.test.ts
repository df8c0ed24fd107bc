import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  API_DEFINITIONS,
  apiDefinition,
  apiDefinitions,
  ApiKey,
  createApiVersionsRequest,
  createApiVersionsResponse,
  createMetadataResponse,
  createProduceRequest,
  createProduceRequestPartitionProduceData,
  createProduceRequestTopicProduceData,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeRequestFrame,
  encodeResponse,
  encodeResponseFrame,
  encodeResponseFrameChunks,
  isFlexibleVersion,
  ProtocolError,
  requestHeaderVersion,
  responseHeaderVersion,
  UnsupportedVersionError,
  UnknownApiKeyError,
  Writer,
  ZERO_UUID,
  type ProduceRequest,
} from '../src/index.js';
import { messageArb, specs } from './support/spec-arbitraries.js';

describe('API table', () => {
  it('has every API of the specs with names from the spec files', () => {
    expect(apiDefinitions()).toHaveLength(91);
    expect(ApiKey.Produce).toBe(0);
    expect(ApiKey.Fetch).toBe(1);
    expect(ApiKey.ApiVersions).toBe(18);
    expect(ApiKey.DescribeTopicPartitions).toBe(75);
    // Kafka 4's ranges: KIP-896 removed the oldest versions, 4.4 added Produce v13 and Fetch v18.
    expect(API_DEFINITIONS[ApiKey.Produce]).toMatchObject({ name: 'Produce', minVersion: 3, maxVersion: 13, firstFlexibleVersion: 9 });
    expect(apiDefinition(ApiKey.Fetch)).toMatchObject({ minVersion: 4, maxVersion: 18, firstFlexibleVersion: 12 });
    // The ZooKeeper-era inter-broker APIs are gone from Kafka 4 ("validVersions": "none").
    for (const removed of [4, 5, 6, 7]) expect(apiDefinition(removed)).toBeUndefined();
    expect(apiDefinition(12345)).toBeUndefined();
    expect(apiDefinition(ApiKey.InitProducerId)?.latestVersionUnstable).toBe(true);
    expect(apiDefinition(ApiKey.ShareFetch)?.latestVersionUnstable).toBe(false);
  });

  it('uses request header v2 / response header v1 exactly for flexible versions', () => {
    for (const def of apiDefinitions()) {
      for (let v = def.minVersion; v <= def.maxVersion; v++) {
        const flexible = def.firstFlexibleVersion !== undefined && v >= def.firstFlexibleVersion;
        expect(isFlexibleVersion(def.apiKey, v)).toBe(flexible);
        const expectedRequest = flexible ? 2 : 1;
        expect(requestHeaderVersion(def.apiKey, v)).toBe(expectedRequest);
        const expectedResponse = def.apiKey === ApiKey.ApiVersions ? 0 : flexible ? 1 : 0;
        expect(responseHeaderVersion(def.apiKey, v)).toBe(expectedResponse);
      }
    }
  });
});

describe('requests and responses', () => {
  const byName = new Map(specs().map((s) => [s.name, s]));

  it('round-trip with their headers for every API and version', () => {
    for (const def of apiDefinitions()) {
      for (let v = def.minVersion; v <= def.maxVersion; v++) {
        const reqArb = messageArb(byName.get(def.request.name)!, v);
        const resArb = messageArb(byName.get(def.response.name)!, v);
        fc.assert(
          fc.property(
            reqArb,
            resArb,
            fc.integer(),
            fc.option(fc.string({ maxLength: 5 }), { nil: null }),
            (req, res, correlationId, clientId) => {
              const header = { apiKey: def.apiKey, apiVersion: v, correlationId, clientId };
              const frame = encodeRequest(header, req as never);
              const decoded = decodeRequest(frame);
              expect(decoded.apiKey).toBe(def.apiKey);
              expect(decoded.header).toEqual(header);
              expect(decoded.body).toEqual(req);
              const withPrefix = encodeRequestFrame(header, req as never);
              expect(withPrefix.readInt32BE(0)).toBe(frame.length);
              expect(withPrefix.subarray(4).equals(frame)).toBe(true);

              const resFrame = encodeResponse(def.apiKey, v, { correlationId }, res as never);
              const back = decodeResponse(def.apiKey, v, resFrame);
              expect(back.header).toEqual({ correlationId });
              expect(back.body).toEqual(res);
              const chunks = encodeResponseFrameChunks(def.apiKey, v, { correlationId }, res as never);
              expect(Buffer.concat(chunks).equals(encodeResponseFrame(def.apiKey, v, { correlationId }, res as never))).toBe(true);
            },
          ),
          { numRuns: 3, seed: def.apiKey * 100 + v },
        );
      }
    }
  });

  it('writes the ApiVersions response header without tagged fields even at flexible versions', () => {
    const body = createApiVersionsResponse({ apiKeys: [{ apiKey: 0, minVersion: 0, maxVersion: 11 }] });
    const bytes = encodeResponse(ApiKey.ApiVersions, 3, { correlationId: 5 }, body);
    // correlation id, then straight into the body: error_code, compact array of 1, entry + its tagged fields,
    // throttle_time_ms, body tagged fields.
    expect(bytes.toString('hex')).toBe('00000005' + '0000' + '02' + '0000' + '0000' + '000b' + '00' + '00000000' + '00');
    // Any other flexible response has the header's tagged-field byte.
    const meta = encodeResponse(ApiKey.Metadata, 9, { correlationId: 5 }, createMetadataResponse());
    expect(meta.toString('hex').slice(0, 10)).toBe('0000000500');
  });

  it('refuses ControlledShutdown v0, whose header had no client id, as an unknown API: Kafka 4 removed it', () => {
    const frame = Buffer.from('00070000' + '0000002a' + '00000003', 'hex');
    expect(() => decodeRequest(frame)).toThrow(UnknownApiKeyError);
  });

  it('encodes a flexible request header with the client id as a classic (non-compact) string', () => {
    const bytes = encodeRequest(
      { apiKey: ApiKey.ApiVersions, apiVersion: 3, correlationId: 1, clientId: 'test' },
      createApiVersionsRequest({ clientSoftwareName: 'x', clientSoftwareVersion: '1' }),
    );
    expect(bytes.toString('hex')).toBe('0012' + '0003' + '00000001' + '0004' + '74657374' + '00' + '0278' + '0231' + '00');
  });

  it('preserves unknown tagged fields of the request header', () => {
    const header = {
      apiKey: ApiKey.ApiVersions,
      apiVersion: 3,
      correlationId: 1,
      clientId: null,
      unknownTaggedFields: [{ tag: 7, data: Buffer.from([1, 2]) }],
    };
    const bytes = encodeRequest(header, createApiVersionsRequest({ clientSoftwareName: '', clientSoftwareVersion: '' }));
    expect(bytes.toString('hex')).toBe('0012000300000001' + 'ffff' + '01' + '07' + '02' + '0102' + '01' + '01' + '00');
    expect(decodeRequest(bytes).header).toEqual(header);
  });

  it('keeps records as a slice of the frame (zero copy)', () => {
    const records = Buffer.from('0102030405', 'hex');
    const body: ProduceRequest = createProduceRequest({
      acks: -1,
      timeoutMs: 1000,
      topicData: [
        createProduceRequestTopicProduceData({
          name: 't',
          partitionData: [createProduceRequestPartitionProduceData({ index: 0, records })],
        }),
      ],
    });
    const frame = encodeRequest({ apiKey: ApiKey.Produce, apiVersion: 9, correlationId: 1, clientId: 'c' }, body);
    const got = decodeRequest(frame);
    if (got.apiKey !== ApiKey.Produce) throw new Error('narrowing');
    const slice = got.body.topicData[0]!.partitionData[0]!.records!;
    expect(slice.equals(records)).toBe(true);
    expect(slice.buffer).toBe(frame.buffer);
  });

  it('references large record sets instead of copying them while encoding', () => {
    const records = Buffer.alloc(64 * 1024, 7);
    const body = createProduceRequest({
      topicData: [
        createProduceRequestTopicProduceData({ name: 't', partitionData: [createProduceRequestPartitionProduceData({ records })] }),
      ],
    });
    const w = new Writer('test');
    API_DEFINITIONS[ApiKey.Produce].request.encode(w, body, 11);
    expect(w.toChunks().some((c) => c === records)).toBe(true);
  });
});

describe('encoding rules', () => {
  it('refuses a non-default value in a field the version lacks unless it is ignorable', () => {
    // ProduceRequest.TransactionalId is 3+ and not ignorable.
    const body = createProduceRequest({ transactionalId: 'tx' });
    expect(() => encodeRequest({ apiKey: ApiKey.Produce, apiVersion: 2, correlationId: 1, clientId: null }, body)).toThrow(
      UnsupportedVersionError,
    );
    // ApiVersionsResponse.ThrottleTimeMs is 1+ and ignorable: silently dropped at v0.
    const res = createApiVersionsResponse({ throttleTimeMs: 100 });
    expect(
      decodeResponse(ApiKey.ApiVersions, 0, encodeResponse(ApiKey.ApiVersions, 0, { correlationId: 1 }, res)).body.throttleTimeMs,
    ).toBe(0);
  });

  it('refuses unknown tagged fields at a non-flexible version', () => {
    const body = { ...createApiVersionsResponse(), unknownTaggedFields: [{ tag: 9, data: Buffer.alloc(1) }] };
    expect(() => encodeResponse(ApiKey.ApiVersions, 2, { correlationId: 1 }, body)).toThrow(/non-flexible version 2/);
  });

  it('writes unknown tagged fields in tag order among the known ones', () => {
    const body = {
      ...createApiVersionsResponse({ zkMigrationReady: true, finalizedFeaturesEpoch: 5n }),
      unknownTaggedFields: [
        { tag: 9, data: Buffer.from([9]) },
        { tag: 4, data: Buffer.from([4]) },
      ],
    };
    const bytes = encodeResponse(ApiKey.ApiVersions, 3, { correlationId: 1 }, body);
    const tail = bytes.subarray(4 + 2 + 1 + 4).toString('hex');
    // 4 tagged fields: tag 1 (int64 5), tag 3 (bool), then unknown 4 and 9.
    expect(tail).toBe('04' + '0108' + '0000000000000005' + '0301' + '01' + '040104' + '090109');
  });

  it('refuses an unknown tag that collides with a known tag of the version', () => {
    const body = { ...createApiVersionsResponse(), unknownTaggedFields: [{ tag: 3, data: Buffer.alloc(1) }] };
    expect(() => encodeResponse(ApiKey.ApiVersions, 3, { correlationId: 1 }, body)).toThrow(/tag 3 is a known field/);
  });

  it('refuses out-of-range values, nulls in non-nullable fields and over-long strings', () => {
    const h = { apiKey: ApiKey.ApiVersions, apiVersion: 3, correlationId: 1, clientId: null } as const;
    expect(() =>
      encodeRequest({ ...h, correlationId: 2 ** 31 }, createApiVersionsRequest({ clientSoftwareName: '', clientSoftwareVersion: '' })),
    ).toThrow(/RequestHeader.CorrelationId: 2147483648 is not a valid int32/);
    expect(() => encodeRequest(h, createApiVersionsRequest({ clientSoftwareName: null as never, clientSoftwareVersion: '' }))).toThrow(
      /non-nullable string is null/,
    );
    expect(() => encodeRequest(h, createApiVersionsRequest({ clientSoftwareName: 'x'.repeat(40000), clientSoftwareVersion: '' }))).toThrow(
      ProtocolError,
    );
    expect(() =>
      encodeResponse(
        ApiKey.Metadata,
        12,
        { correlationId: 1 },
        {
          throttleTimeMs: 0,
          brokers: [],
          clusterId: null,
          controllerId: 0,
          topics: [{ errorCode: 0, name: 't', topicId: 'nope', isInternal: false, partitions: [], topicAuthorizedOperations: 0 }],
          clusterAuthorizedOperations: 0,
          errorCode: 0,
        },
      ),
    ).toThrow(/is not a UUID/);
    expect(ZERO_UUID).toBe('00000000-0000-0000-0000-000000000000');
  });
});
