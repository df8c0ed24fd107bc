import { pbkdf2Sync } from 'node:crypto';
import { ErrorCode } from '@strom/errors';
import { scramSaltedPassword } from '@strom/kafka-client';
import { describe, expect, it } from 'vitest';
import { kafkaRestError, type RestError } from '../src/rest/errors.js';
import { openApiDocument } from '../src/rest/openapi.js';
import { choosePartition, instantString, murmur2, serializeData } from '../src/rest/records.js';
import type { Route } from '../src/rest/route.js';
import { RouteTable } from '../src/rest/route-table.js';
import { kafkaScramSalt } from '../src/rest/scram-routes.js';

describe("Kafka errors as kafka-rest's KafkaExceptionMapper answers them", () => {
  it.each([
    [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 404, 40403],
    [ErrorCode.TOPIC_AUTHORIZATION_FAILED, 403, 40301],
    [ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 403, 40301],
    [ErrorCode.SASL_AUTHENTICATION_FAILED, 401, 40101],
    [ErrorCode.TOPIC_ALREADY_EXISTS, 400, 40002],
    [ErrorCode.INVALID_CONFIG, 400, 40002],
    [ErrorCode.INVALID_REPLICATION_FACTOR, 400, 40002],
    [ErrorCode.POLICY_VIOLATION, 400, 40002],
    [ErrorCode.SECURITY_DISABLED, 400, 40002],
    [ErrorCode.BROKER_NOT_AVAILABLE, 503, 50302],
    [ErrorCode.THROTTLING_QUOTA_EXCEEDED, 429, 42901],
    [ErrorCode.NOT_LEADER_OR_FOLLOWER, 500, 50003],
    [ErrorCode.REQUEST_TIMED_OUT, 500, 50003],
    [ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC, 500, 50002],
  ])('Kafka error %i is HTTP %i with error_code %i', (code, status, errorCode) => {
    const error = kafkaRestError(code, 'the broker said so');
    expect([error.status, error.errorCode, error.message]).toEqual([status, errorCode, 'the broker said so']);
  });

  it("says the proxy's words for an unknown topic the broker gave no message for", () => {
    expect(kafkaRestError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).body).toEqual({
      error_code: 40403,
      message: 'This server does not host this topic-partition.',
    });
  });
});

const handle = () => Promise.resolve({ status: 204 });
const routes: Route[] = [
  {
    method: 'get',
    path: '/clusters/{cluster_id}/topics/-/configs',
    operationId: 'all',
    summary: '',
    tag: 't',
    responses: { 200: 'TopicConfigDataList' },
    handle,
  },
  {
    method: 'get',
    path: '/clusters/{cluster_id}/topics/{topic_name}',
    operationId: 'get',
    summary: '',
    tag: 't',
    responses: { 200: 'TopicData' },
    handle,
  },
  {
    method: 'post',
    path: '/clusters/{cluster_id}/topics/{topic_name}/configs:alter',
    operationId: 'alter',
    summary: '',
    tag: 't',
    requestBody: 'AlterConfigBatchRequestData',
    responses: { 204: null },
    handle,
  },
  {
    method: 'get',
    path: '/clusters/{cluster_id}/topics/{topic_name}/partitions/{partition_id}',
    operationId: 'partition',
    summary: '',
    tag: 't',
    responses: { 200: 'PartitionData' },
    handle,
  },
];

describe('the route table', () => {
  const table = new RouteTable(routes);

  it('matches v3 paths, decoding parameters, with the first route winning (`-` before `{topic_name}`)', () => {
    expect(table.match('GET', '/v3/clusters/c1/topics/-/configs').route.operationId).toBe('all');
    expect(table.match('GET', '/v3/clusters/c1/topics/a%2Fb%20c')).toMatchObject({
      route: { operationId: 'get' },
      params: { cluster_id: 'c1', topic_name: 'a/b c' },
    });
    expect(table.match('POST', '/v3/clusters/c1/topics/t/configs:alter').route.operationId).toBe('alter');
    expect(table.match('GET', '/v3/clusters/c1/topics/t/partitions/3').params.partition_id).toBe('3');
  });

  it('answers 404 for an unknown path (a partition id that is not an integer included) and 405 for a known path with another method', () => {
    const failure = (method: string, path: string) => {
      try {
        table.match(method, path);
        return undefined;
      } catch (error) {
        return (error as RestError).body;
      }
    };
    expect(failure('GET', '/v3/clusters/c1/topics/t/partitions/x')).toEqual({ error_code: 404, message: 'HTTP 404 Not Found' });
    expect(failure('DELETE', '/v3/clusters/c1/topics/-/configs')).toEqual({ error_code: 405, message: 'HTTP 405 Method Not Allowed' });
  });

  it('validates bodies against the route schema and names the first problem', () => {
    const alter = table.match('POST', '/v3/clusters/c1/topics/t/configs:alter').route;
    expect(() => table.validate(alter, { data: [{ name: 'retention.ms', value: '1' }] })).not.toThrow();
    expect(() => table.validate(alter, undefined)).toThrow('Payload error. Request body is empty. Data is required.');
    expect(() => table.validate(alter, { data: [{ value: '1' }] })).toThrow("Payload error. /data/0 must have required property 'name'.");
  });

  it('documents every route with its path parameters, request body and responses', () => {
    const document = openApiDocument(routes) as {
      paths: Record<string, Record<string, Record<string, unknown>>>;
      components: { schemas: Record<string, unknown> };
    };
    const partition = document.paths['/v3/clusters/{cluster_id}/topics/{topic_name}/partitions/{partition_id}']!.get!;
    expect(partition.parameters).toEqual([
      { name: 'cluster_id', in: 'path', required: true, schema: { type: 'string' } },
      { name: 'topic_name', in: 'path', required: true, schema: { type: 'string' } },
      { name: 'partition_id', in: 'path', required: true, schema: { type: 'integer' } },
    ]);
    const alter = document.paths['/v3/clusters/{cluster_id}/topics/{topic_name}/configs:alter']!.post!;
    expect(alter.requestBody).toMatchObject({
      content: { 'application/json': { schema: { $ref: '#/components/schemas/AlterConfigBatchRequestData' } } },
    });
    expect(Object.keys(alter.responses as object)).toEqual(['204', '400', '404', '5XX']);
    expect(document.components.schemas.AlterConfigBatchRequestData).toBeDefined();
  });
});

describe('records', () => {
  it("hashes keys as Kafka's Utils.murmur2 (UtilsTest.testMurmur2's vectors)", () => {
    const vectors: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [key, hash] of vectors) expect([key, murmur2(Buffer.from(key))]).toEqual([key, hash]);
    expect(choosePartition(Buffer.from('21'), 7, [])).toBe((-973932308 & 0x7fffffff) % 7);
    expect([1, 3]).toContain(choosePartition(null, 4, [1, 3]));
  });

  it('serializes BINARY, JSON and STRING data as kafka-rest does, null data as a null key or value', () => {
    expect(serializeData({ type: 'BINARY', data: 'Zm9vYmFy' })).toEqual({ bytes: Buffer.from('foobar'), type: 'BINARY' });
    expect(serializeData({ type: 'json', data: { a: [1, null] } })).toEqual({ bytes: Buffer.from('{"a":[1,null]}'), type: 'JSON' });
    expect(serializeData({ type: 'STRING', data: 'héllo' })).toEqual({ bytes: Buffer.from('héllo'), type: 'STRING' });
    expect(serializeData({ type: 'STRING', data: null })).toEqual({ bytes: null, type: 'STRING' });
    expect(serializeData(undefined)).toEqual({ bytes: null, type: undefined });
    expect(() => serializeData({ type: 'BINARY', data: 'not base64!' })).toThrow(
      'Bad Request: data="not base64!" is not a valid base64 string.',
    );
    expect(() => serializeData({ type: 'STRING', data: 1 })).toThrow('Bad Request: data=1 is not a string.');
    expect(() => serializeData({ type: 'PROTOBUF', data: 1 })).toThrow(expect.objectContaining({ status: 422, errorCode: 42207 }));
  });

  it("writes timestamps as Java's Instant.toString: no fraction on whole seconds", () => {
    expect(instantString(Date.parse('2021-02-05T19:14:42Z'))).toBe('2021-02-05T19:14:42Z');
    expect(instantString(Date.parse('2021-02-05T19:14:42.5Z'))).toBe('2021-02-05T19:14:42.500Z');
  });
});

describe('SCRAM credentials', () => {
  it("makes salts as Kafka's ScramFormatter.secureRandomBytes: a random 130-bit number in base 36, as UTF-8", () => {
    const salts = Array.from({ length: 200 }, () => kafkaScramSalt().toString('utf8'));
    for (const salt of salts) {
      expect(salt).toMatch(/^[0-9a-z]{1,26}$/);
      expect(parseBase36(salt) < 2n ** 130n).toBe(true);
    }
    expect(new Set(salts).size).toBe(salts.length);
    expect(salts.some((salt) => parseBase36(salt) >= 2n ** 129n)).toBe(true);
  });

  it('salts the password with PBKDF2 of the mechanism’s hash and digest size (RFC 5802 Hi)', async () => {
    const salt = Buffer.from('salt');
    expect((await scramSaltedPassword('SCRAM-SHA-256', 'pencil', salt, 4096)).toString('hex')).toBe(
      pbkdf2Sync('pencil', salt, 4096, 32, 'sha256').toString('hex'),
    );
    expect(await scramSaltedPassword('SCRAM-SHA-512', 'pencil', salt, 4096)).toHaveLength(64);
  });
});

function parseBase36(text: string): bigint {
  return [...text].reduce((value, digit) => value * 36n + BigInt(parseInt(digit, 36)), 0n);
}
