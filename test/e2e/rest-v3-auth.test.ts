import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStrom, type EmbeddedStrom } from './embedded-harness.js';
import { ConfluentSchemas, items, RestV3Client, StromClient } from './rest-v3-support.js';
import { securedServerProperties } from './sasl-support.js';

const users = { admin: 'admin-secret', alice: 'alice-secret' } as const;

/**
 * REST v3 on a broker whose only listener is SASL_PLAINTEXT with an authorizer: each request
 * authenticates with HTTP Basic, the admin API authenticates to the broker with SASL as that user,
 * and the broker's ACLs decide, as they would for the user's own Kafka client.
 */
describe('REST v3 with SASL: HTTP Basic users are the broker’s SASL users, under its ACLs', () => {
  let strom: EmbeddedStrom;
  let base: string;
  let cluster_id: string;
  const schemas = new ConfluentSchemas();
  const as = (user: keyof typeof users, password: string = users[user]) => new RestV3Client(base, schemas, `${user}:${password}`);

  beforeAll(async () => {
    const props = securedServerProperties(users);
    strom = await startEmbeddedStrom([], undefined, props);
    base = `http://127.0.0.1:${strom.running.httpPort}`;
    cluster_id = String(items((await as('admin').call('get', '/clusters')).body)[0]!.cluster_id);
  });
  afterAll(async () => strom?.stop());

  it('asks for credentials, and refuses wrong ones as kafka-rest refuses a failed SASL login', async () => {
    const anonymous = await fetch(`${base}/v3/clusters`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Basic realm="Strom"');
    expect(await anonymous.json()).toEqual({ error_code: 401, message: 'Unauthorized' });
    expect(await as('alice', 'wrong').call('get', '/clusters')).toMatchObject({
      status: 401,
      body: { error_code: 40101, message: expect.stringContaining('SASL authentication failed') },
    });
  });

  it("applies the broker's ACLs to each user", async () => {
    const admin = as('admin');
    const alice = as('alice');
    expect(
      (await admin.call('post', '/clusters/{cluster_id}/topics', { cluster_id }, { topic_name: 'orders', partitions_count: 1 })).status,
    ).toBe(201);
    expect(items((await admin.call('get', '/clusters/{cluster_id}/topics', { cluster_id })).body).map((topic) => topic.topic_name)).toEqual(
      ['orders'],
    );
    expect(items((await alice.call('get', '/clusters/{cluster_id}/topics', { cluster_id })).body)).toEqual([]);
    expect(await alice.call('get', '/clusters/{cluster_id}/topics/{topic_name}', { cluster_id, topic_name: 'orders' })).toMatchObject({
      status: 403,
      body: { error_code: 40301 },
    });
    expect(
      await alice.call('post', '/clusters/{cluster_id}/topics', { cluster_id }, { topic_name: 'mine', partitions_count: 1 }),
    ).toMatchObject({
      status: 403,
      body: { error_code: 40301 },
    });
    const grant = {
      resource_type: 'TOPIC',
      resource_name: 'orders',
      pattern_type: 'LITERAL',
      principal: 'User:alice',
      host: '*',
      operation: 'DESCRIBE',
      permission: 'ALLOW',
    };
    expect(await alice.call('post', '/clusters/{cluster_id}/acls', { cluster_id }, grant)).toMatchObject({
      status: 403,
      body: { error_code: 40301 },
    });
    expect((await admin.call('post', '/clusters/{cluster_id}/acls', { cluster_id }, grant)).status).toBe(201);
    expect(await alice.call('get', '/clusters/{cluster_id}/topics/{topic_name}', { cluster_id, topic_name: 'orders' })).toMatchObject({
      status: 200,
      body: { topic_name: 'orders' },
    });
    const write = { value: { type: 'STRING', data: 'x' } };
    expect(
      await alice.call('post', '/clusters/{cluster_id}/topics/{topic_name}/records', { cluster_id, topic_name: 'orders' }, write),
    ).toMatchObject({
      status: 403,
      body: { error_code: 40301 },
    });
    expect(
      await admin.call('post', '/clusters/{cluster_id}/topics/{topic_name}/records', { cluster_id, topic_name: 'orders' }, write),
    ).toMatchObject({
      status: 200,
      body: { offset: 0 },
    });
  });

  it('takes bodies only as JSON: a form another site could post with the browser-held credentials is refused', async () => {
    const form = new URLSearchParams({
      resource_type: 'CLUSTER',
      resource_name: 'kafka-cluster',
      pattern_type: 'LITERAL',
      principal: 'User:mallory',
      host: '*',
      operation: 'ALL',
      permission: 'ALLOW',
    });
    const basic = `Basic ${Buffer.from(`admin:${users.admin}`).toString('base64')}`;
    for (const [contentType, body] of [
      ['application/x-www-form-urlencoded', form.toString()],
      ['text/plain', JSON.stringify(Object.fromEntries(form))],
    ] as const) {
      const response = await fetch(`${base}/v3/clusters/${cluster_id}/acls`, {
        method: 'POST',
        headers: { authorization: basic, 'content-type': contentType },
        body,
      });
      expect({ status: response.status, body: await response.json() }, contentType).toEqual({
        status: 415,
        body: { error_code: 415, message: 'HTTP 415 Unsupported Media Type' },
      });
    }
    const acls = await as('admin').call('get', '/clusters/{cluster_id}/acls', { cluster_id });
    expect(items(acls.body).filter((acl) => String(acl.principal) === 'User:mallory')).toEqual([]);
  });

  it("searches records and answers the console's overview as the HTTP user, under the broker's ACLs", async () => {
    const search = (user?: keyof typeof users) =>
      fetch(`${base}/strom/v1/topics/orders/records?from=earliest`, {
        headers: user ? { authorization: `Basic ${Buffer.from(`${user}:${users[user]}`).toString('base64')}` } : {},
      });
    const anonymous = await search();
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Basic realm="Strom"');
    expect((await fetch(`${base}/strom/v1/overview`)).status).toBe(401);
    // alice may describe and write orders (the test above), not read it.
    const denied = await search('alice');
    expect({ status: denied.status, body: await denied.json() }).toMatchObject({ status: 403, body: { error_code: 40301 } });
    const allowed = await search('admin');
    expect(allowed.status).toBe(200);
    expect(((await allowed.json()) as { records: unknown[] }).records.length).toBeGreaterThan(0);
  });

  it("shows Strom's cluster operations only to a user with DESCRIBE on the cluster", async () => {
    const path = '/strom/v1/clusters/{cluster_id}/operations';
    const strom = (user: keyof typeof users) => new StromClient(base, schemas, `${user}:${users[user]}`);
    expect(await strom('alice').call('get', path, { cluster_id })).toEqual({
      status: 403,
      body: { error_code: 40301, message: 'Cluster authorization failed.' },
    });
    expect(await strom('admin').call('get', path, { cluster_id })).toMatchObject({ status: 200, body: { data: [] } });
  });
});
