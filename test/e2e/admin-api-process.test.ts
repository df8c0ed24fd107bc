import { freePort } from '@strom/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApp, type AppProcess } from './app-process.js';
import { startEmbeddedStrom, type EmbeddedStrom } from './embedded-harness.js';

/**
 * The admin API as its own process (distributed mode): it talks to the cluster over the Kafka
 * protocol at `strom.admin.bootstrap.servers`, so it answers REST v3 for any broker it is pointed
 * at, here an embedded Strom standing in for the cluster.
 */
describe('the admin-api process serves REST v3 from strom.admin.bootstrap.servers', () => {
  let cluster: EmbeddedStrom;
  let admin: AppProcess;
  let base: string;

  beforeAll(async () => {
    cluster = await startEmbeddedStrom();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    admin = await startApp('admin-api', {
      STROM_NATS_URL: inject('natsUrl'),
      STROM_ADMIN_PORT: String(port),
      STROM_ADMIN_BOOTSTRAP_SERVERS: cluster.bootstrap,
    });
  }, 60_000);
  afterAll(async () => {
    admin?.child.kill('SIGTERM');
    await admin?.exited;
    await cluster?.stop();
  });

  it("answers with the cluster's id and brokers, and creates a topic there", async () => {
    const clusters = (await (await fetch(`${base}/v3/clusters`)).json()) as { data: { cluster_id: string }[] };
    const clusterId = clusters.data[0]!.cluster_id;
    const embedded = (await (await fetch(`http://127.0.0.1:${cluster.running.httpPort}/v3/clusters`)).json()) as typeof clusters;
    expect(clusterId).toBe(embedded.data[0]!.cluster_id);
    const brokers = (await (await fetch(`${base}/v3/clusters/${clusterId}/brokers`)).json()) as {
      data: { broker_id: number; port: number }[];
    };
    expect(brokers.data.map((broker) => [broker.broker_id, broker.port])).toEqual([[1, cluster.port]]);
    const created = await fetch(`${base}/v3/clusters/${clusterId}/topics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ topic_name: 'via-process', partitions_count: 2 }),
    });
    expect(created.status).toBe(201);
    const seen = await fetch(`http://127.0.0.1:${cluster.running.httpPort}/v3/clusters/${clusterId}/topics/via-process`);
    expect([seen.status, ((await seen.json()) as { partitions_count: number }).partitions_count]).toEqual([200, 2]);
  });
});
