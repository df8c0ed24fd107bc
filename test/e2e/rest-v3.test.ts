import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStrom, type EmbeddedStrom } from './embedded-harness.js';
import { groupSuite } from './rest-v3-groups.js';
import { recordSuite } from './rest-v3-records.js';
import { ConfluentSchemas, items, RestV3Client, type RestV3Context } from './rest-v3-support.js';
import { topicSuite } from './rest-v3-topics.js';
import { aclSuite } from './rest-v3-acls.js';
import { writeServerProperties } from './sasl-support.js';

/**
 * The admin REST API (Confluent REST Proxy v3 paths and shapes) of ONE embedded Strom over a real
 * socket, suite after suite (topics, groups, records in their own files); every answer is checked
 * against Confluent's published schema (rest-v3-support.ts), and the last test checks that every
 * operation both documents was answered and checked.
 */
const schemas = new ConfluentSchemas();
const context = {} as RestV3Context;
let strom: EmbeddedStrom;

beforeAll(async () => {
  // An authorizer (so the ACL endpoints work) that lets the anonymous PLAINTEXT clients, the admin API among them, do anything.
  strom = await startEmbeddedStrom(
    [],
    undefined,
    writeServerProperties(['authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer', 'super.users=User:ANONYMOUS']),
  );
  const base = `http://127.0.0.1:${strom.running.httpPort}`;
  const rest = new RestV3Client(base, schemas);
  const cluster_id = String(items((await rest.call('get', '/clusters')).body)[0]!.cluster_id);
  const kafka = new Kafka({ clientId: 'rest-v3-e2e', brokers: [strom.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3 } });
  Object.assign(context, { strom, rest, kafka, base, cluster_id });
});
afterAll(async () => strom?.stop());

describe('REST v3: clusters, errors and the OpenAPI document', () => {
  let rest: RestV3Client;
  let clusterId: string;
  let base: string;

  beforeAll(() => {
    ({ rest, base, cluster_id: clusterId } = context);
  });

  it('lists the one cluster and gets it by id, with v3 links to its resources', async () => {
    const list = await rest.call('get', '/clusters');
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ kind: 'KafkaClusterList', metadata: { self: `${base}/v3/clusters`, next: null } });
    expect(clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const cluster = await rest.call('get', '/clusters/{cluster_id}', { cluster_id: clusterId });
    expect(cluster).toEqual({
      status: 200,
      body: {
        kind: 'KafkaCluster',
        metadata: { self: `${base}/v3/clusters/${clusterId}`, resource_name: `crn:///kafka=${clusterId}` },
        cluster_id: clusterId,
        controller: { related: `${base}/v3/clusters/${clusterId}/brokers/1` },
        acls: { related: `${base}/v3/clusters/${clusterId}/acls` },
        brokers: { related: `${base}/v3/clusters/${clusterId}/brokers` },
        broker_configs: { related: `${base}/v3/clusters/${clusterId}/broker-configs` },
        consumer_groups: { related: `${base}/v3/clusters/${clusterId}/consumer-groups` },
        topics: { related: `${base}/v3/clusters/${clusterId}/topics` },
        partition_reassignments: { related: `${base}/v3/clusters/${clusterId}/topics/-/partitions/-/reassignment` },
      },
    });
  });

  it("answers errors in v3's shape: an unknown cluster, path and method", async () => {
    expect(await rest.call('get', '/clusters/{cluster_id}', { cluster_id: 'no-such-cluster' })).toEqual({
      status: 404,
      body: { error_code: 404, message: 'Cluster no-such-cluster cannot be found.' },
    });
    const unknownPath = await fetch(`${base}/v3/clusters/${clusterId}/nothing-here`);
    expect([unknownPath.status, await unknownPath.json()]).toEqual([404, { error_code: 404, message: 'HTTP 404 Not Found' }]);
    const wrongMethod = await fetch(`${base}/v3/clusters`, { method: 'DELETE' });
    expect([wrongMethod.status, await wrongMethod.json()]).toEqual([405, { error_code: 405, message: 'HTTP 405 Method Not Allowed' }]);
  });

  it('lists brokers and gets one, with its host and port as Metadata gives them', async () => {
    const brokers = await rest.call('get', '/clusters/{cluster_id}/brokers', { cluster_id: clusterId });
    expect(brokers.status).toBe(200);
    expect(items(brokers.body)).toEqual([
      {
        kind: 'KafkaBroker',
        metadata: { self: `${base}/v3/clusters/${clusterId}/brokers/1`, resource_name: `crn:///kafka=${clusterId}/broker=1` },
        cluster_id: clusterId,
        broker_id: 1,
        host: '127.0.0.1',
        port: strom.port,
        rack: null,
        configs: { related: `${base}/v3/clusters/${clusterId}/brokers/1/configs` },
        partition_replicas: { related: `${base}/v3/clusters/${clusterId}/brokers/1/partition-replicas` },
      },
    ]);
    expect((await rest.call('get', '/clusters/{cluster_id}/brokers/{broker_id}', { cluster_id: clusterId, broker_id: 1 })).body).toEqual(
      items(brokers.body)[0],
    );
    expect(await rest.call('get', '/clusters/{cluster_id}/brokers/{broker_id}', { cluster_id: clusterId, broker_id: 7 })).toEqual({
      status: 404,
      body: { error_code: 404, message: 'Broker 7 cannot be found.' },
    });
  });

  it('serves its OpenAPI document, made from the route table, with every path it answers', async () => {
    const response = await fetch(`${base}/v3/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as { openapi: string; paths: Record<string, Record<string, { operationId: string }>> };
    expect(document.openapi).toBe('3.0.0');
    expect(document.paths['/v3/clusters/{cluster_id}/brokers/{broker_id}']!.get!.operationId).toBe('getKafkaBroker');
    // Every operation Strom documents that Confluent's document also names carries Confluent's operation id.
    for (const [path, operations] of v3Paths(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const theirs = (schemas.document.paths[path] as Record<string, { operationId?: string }> | undefined)?.[method];
        if (theirs?.operationId) expect(`${method} ${path} ${operation.operationId}`).toBe(`${method} ${path} ${theirs.operationId}`);
      }
    }
  });
});

topicSuite(context);
groupSuite(context);
recordSuite(context);
aclSuite(context);

describe("REST v3: Confluent's schema for every operation both serve", () => {
  it("answered and checked every operation of Strom's document that Confluent's document also has", async () => {
    const document = (await (await fetch(`${context.base}/v3/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const both = v3Paths(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations)
        .filter((method) => schemas.document.paths[path]?.[method] !== undefined)
        .map((method) => `${method} ${path}`),
    );
    expect(both.length).toBeGreaterThan(40);
    expect(both.filter((operation) => !context.rest.validated.has(operation))).toEqual([]);
  });
});

/** The document's `/v3` paths as Confluent's document spells them (under its `/v3` server). */
function v3Paths<T>(paths: Record<string, T>): [string, T][] {
  return Object.entries(paths)
    .filter(([path]) => path.startsWith('/v3/'))
    .map(([path, operations]) => [path.slice('/v3'.length), operations]);
}
