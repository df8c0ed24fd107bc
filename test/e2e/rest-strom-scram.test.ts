import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStrom, type EmbeddedStrom } from './embedded-harness.js';
import { ConfluentSchemas, StromClient } from './rest-v3-support.js';
import { securedServerProperties } from './sasl-support.js';

const users = { admin: 'admin-secret', alice: 'alice-secret' } as const;
const USERS = '/strom/v1/clusters/{cluster_id}/scram-users';
const USER = `${USERS}/{user_name}`;
const CREDENTIAL = `${USER}/credentials/{mechanism}`;

/**
 * SCRAM users over Strom's own REST operations, on a broker whose only listener is SASL_PLAINTEXT
 * with an authorizer: the HTTP Basic user's SASL login carries each change, the broker checks ALTER
 * and DESCRIBE on the cluster, and a credential made over REST is one a real Kafka client logs in with.
 */
describe('/strom/v1 SCRAM users: made over REST, used by a Kafka client, under the broker’s ACLs', () => {
  let strom: EmbeddedStrom;
  let cluster_id: string;
  const schemas = new ConfluentSchemas();
  let admin: StromClient;
  let alice: StromClient;

  beforeAll(async () => {
    const props = securedServerProperties(users, ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']);
    strom = await startEmbeddedStrom([], undefined, props);
    const base = `http://127.0.0.1:${strom.running.httpPort}`;
    admin = new StromClient(base, schemas, `admin:${users.admin}`);
    alice = new StromClient(base, schemas, `alice:${users.alice}`);
    const clusters = await fetch(`${base}/v3/clusters`, {
      headers: { authorization: `Basic ${Buffer.from(`admin:${users.admin}`).toString('base64')}` },
    });
    cluster_id = ((await clusters.json()) as { data: { cluster_id: string }[] }).data[0]!.cluster_id;
  });
  afterAll(async () => strom?.stop());

  function kafka(sasl: SASLOptions): Kafka {
    return new Kafka({ clientId: 'rest-scram', brokers: [strom.bootstrap], sasl, logLevel: logLevel.NOTHING, retry: { retries: 0 } });
  }

  async function logsIn(sasl: SASLOptions): Promise<boolean> {
    const client = kafka(sasl).admin();
    try {
      await client.connect();
      await client.disconnect();
      return true;
    } catch {
      return false;
    }
  }

  it('creates a credential that kafkajs authenticates with, lists it, and after deleting it the login fails', async () => {
    const created = await admin.call(
      'put',
      CREDENTIAL,
      { cluster_id, user_name: 'carol', mechanism: 'SCRAM-SHA-512' },
      { password: 'carol-pw' },
    );
    expect(created).toEqual({
      status: 200,
      body: {
        kind: 'StromScramUser',
        metadata: { self: expect.stringMatching(new RegExp(`/strom/v1/clusters/${cluster_id}/scram-users/carol$`)) },
        cluster_id,
        user_name: 'carol',
        credentials: [{ mechanism: 'SCRAM-SHA-512', iterations: 4096 }],
      },
    });
    expect(await logsIn({ mechanism: 'scram-sha-512', username: 'carol', password: 'carol-pw' })).toBe(true);
    expect(await logsIn({ mechanism: 'scram-sha-512', username: 'carol', password: 'wrong' })).toBe(false);
    expect(await logsIn({ mechanism: 'scram-sha-256', username: 'carol', password: 'carol-pw' })).toBe(false);

    // An update replaces the password (new salt, given iterations); a second mechanism sits beside the first.
    await admin.call(
      'put',
      CREDENTIAL,
      { cluster_id, user_name: 'carol', mechanism: 'SCRAM-SHA-512' },
      { password: 'carol-new', iterations: 8192 },
    );
    await admin.call('put', CREDENTIAL, { cluster_id, user_name: 'carol', mechanism: 'SCRAM-SHA-256' }, { password: 'carol-256' });
    expect(await logsIn({ mechanism: 'scram-sha-512', username: 'carol', password: 'carol-pw' })).toBe(false);
    expect(await logsIn({ mechanism: 'scram-sha-512', username: 'carol', password: 'carol-new' })).toBe(true);
    expect(await logsIn({ mechanism: 'scram-sha-256', username: 'carol', password: 'carol-256' })).toBe(true);

    const listed = await admin.call('get', USERS, { cluster_id });
    expect(listed.status).toBe(200);
    const carol = (listed.body as unknown as { data: { user_name: string; credentials: unknown[] }[] }).data.find(
      (user) => user.user_name === 'carol',
    );
    expect(carol?.credentials).toEqual(
      expect.arrayContaining([
        { mechanism: 'SCRAM-SHA-512', iterations: 8192 },
        { mechanism: 'SCRAM-SHA-256', iterations: 4096 },
      ]),
    );
    expect(carol?.credentials).toHaveLength(2);

    expect(await admin.call('delete', CREDENTIAL, { cluster_id, user_name: 'carol', mechanism: 'SCRAM-SHA-512' })).toEqual({
      status: 204,
      body: undefined,
    });
    expect(await logsIn({ mechanism: 'scram-sha-512', username: 'carol', password: 'carol-new' })).toBe(false);
    expect(await logsIn({ mechanism: 'scram-sha-256', username: 'carol', password: 'carol-256' })).toBe(true);
    await admin.call('delete', CREDENTIAL, { cluster_id, user_name: 'carol', mechanism: 'SCRAM-SHA-256' });
    expect(await logsIn({ mechanism: 'scram-sha-256', username: 'carol', password: 'carol-256' })).toBe(false);
    expect(await admin.call('get', USER, { cluster_id, user_name: 'carol' })).toEqual({
      status: 404,
      body: { error_code: 404, message: 'Attempt to describe a user credential that does not exist: carol' },
    });
  });

  it("answers Kafka's refusals in v3's error shape: a missing credential, unacceptable iterations, an unknown mechanism", async () => {
    expect(await admin.call('delete', CREDENTIAL, { cluster_id, user_name: 'nobody', mechanism: 'SCRAM-SHA-256' })).toMatchObject({
      status: 404,
      body: { error_code: 404 },
    });
    for (const iterations of [4095, 16_385]) {
      expect(
        await admin.call('put', CREDENTIAL, { cluster_id, user_name: 'dave', mechanism: 'SCRAM-SHA-256' }, { password: 'x', iterations }),
      ).toMatchObject({
        status: 400,
        body: { error_code: 40002, message: iterations < 4096 ? 'Too few iterations' : 'Too many iterations' },
      });
    }
    expect(await admin.call('put', CREDENTIAL, { cluster_id, user_name: 'dave', mechanism: 'MD5' }, { password: 'x' })).toMatchObject({
      status: 404,
      body: { error_code: 404 },
    });
    expect(await admin.call('put', CREDENTIAL, { cluster_id, user_name: 'dave', mechanism: 'SCRAM-SHA-256' }, {})).toMatchObject({
      status: 400,
      body: { error_code: 400, message: expect.stringContaining('password') },
    });
  });

  it('lets the broker decide: ALTER and DESCRIBE on the cluster, for the HTTP user', async () => {
    expect(await alice.call('put', CREDENTIAL, { cluster_id, user_name: 'eve', mechanism: 'SCRAM-SHA-256' }, { password: 'x' })).toEqual({
      status: 403,
      body: { error_code: 40301, message: 'Cluster authorization failed.' },
    });
    expect(await alice.call('get', USERS, { cluster_id })).toEqual({
      status: 403,
      body: { error_code: 40301, message: 'Cluster authorization failed.' },
    });
    expect(await logsIn({ mechanism: 'scram-sha-256', username: 'eve', password: 'x' })).toBe(false);
  });
});
