import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NatsBus, requestJson } from '@strom/bus';
import { brokerFailoverWorkflowId, MetadataSubjects, type ClusterSnapshot, type CreateTopicsReply } from '@strom/contracts';
import { openMetadataStore } from '@strom/metadata-store';
import { startNatsServer, type NatsServerHandle } from '@strom/testing';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freshDatabase, startApp, type AppProcess } from './app-process.js';
import { BusBroker } from './bus-broker.js';

const timeoutMs = 10_000;
const HEARTBEAT_MS = 500;
/** The broker that dies: a short lease, so the test is quick. */
const DYING_LEASE_MS = 3000;
/** The survivors: a lease that outlives a metadata service restart. */
const SURVIVOR_LEASE_MS = 20_000;

let databases = 0;
const nextDatabase = (): Promise<string> => freshDatabase(`strom_failover_${process.pid}_${databases++}`);

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, waitMs = 60_000): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined && done(value)) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting after ${waitMs} ms; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('broker failover in distributed mode: metadata and orchestrator processes, NATS, Postgres, Temporal', () => {
  let nats: NatsServerHandle;
  let bus: NatsBus;
  let temporal: Connection;
  let configDir: string;
  const running: AppProcess[] = [];
  const brokers: BusBroker[] = [];

  beforeAll(async () => {
    // Its own NATS: metadata processes of other test files must not answer this test's requests.
    nats = await startNatsServer();
    bus = await NatsBus.connect({ servers: nats.url, name: 'broker-failover-test' });
    temporal = await Connection.connect({ address: inject('temporalAddress') });
    configDir = mkdtempSync(join(tmpdir(), 'strom-failover-'));
    writeFileSync(join(configDir, 'server.properties'), `broker.heartbeat.interval.ms=${HEARTBEAT_MS}\n`);
  });

  afterAll(async () => {
    for (const broker of brokers) broker.die();
    for (const app of running) app.child.kill('SIGKILL');
    await bus?.close();
    await temporal?.close();
    await nats?.stop();
    rmSync(configDir, { recursive: true, force: true });
  });

  async function start(app: 'metadata' | 'orchestrator', env: Record<string, string>): Promise<AppProcess> {
    const process = await startApp(app, {
      STROM_NATS_URL: nats.url,
      STROM_CONFIG: join(configDir, 'server.properties'),
      STROM_TEMPORAL_NAMESPACE: inject('temporalNamespace'),
      ...env,
    });
    running.push(process);
    return process;
  }

  async function stop(app: AppProcess): Promise<void> {
    app.child.kill('SIGTERM');
    expect(await app.exited).toBe(0);
    running.splice(running.indexOf(app), 1);
  }

  /**
   * Three brokers (the first, `a`, dies later), and an RF=3 topic whose partitions `a` leads,
   * follows, and follows. Each test has its own broker ids: workflow ids are per broker epoch,
   * and every test's database starts epochs at 1.
   */
  async function cluster(topic: string, [a, b, c]: [number, number, number]): Promise<BusBroker[]> {
    const three = [
      new BusBroker(bus, a, DYING_LEASE_MS, HEARTBEAT_MS),
      new BusBroker(bus, b, SURVIVOR_LEASE_MS, HEARTBEAT_MS),
      new BusBroker(bus, c, SURVIVOR_LEASE_MS, HEARTBEAT_MS),
    ];
    for (const broker of three) await broker.register();
    brokers.push(...three);
    const reply = await requestJson<CreateTopicsReply>(
      bus,
      MetadataSubjects.createTopics,
      {
        topics: [
          {
            name: topic,
            numPartitions: -1,
            replicationFactor: -1,
            assignments: [
              [a, b, c],
              [b, a, c],
              [c, b, a],
            ].map((brokerIds, partitionIndex) => ({ partitionIndex, brokerIds })),
            configs: {},
          },
        ],
        validateOnly: false,
      },
      { timeoutMs },
    );
    expect(reply.results[0]!.errorCode).toBe(0);
    return three;
  }

  const snapshot = () => requestJson<ClusterSnapshot>(bus, MetadataSubjects.snapshot, {}, { timeoutMs });

  /** No partition led by the dead broker `a`, and `a` in no ISR. */
  function expectFailedOver(state: ClusterSnapshot, topic: string, [a, b, c]: [number, number, number]): void {
    expect(state.brokers.find((broker) => broker.id === a)!.fenced).toBe(true);
    const partitions = state.topics.find((t) => t.name === topic)!.partitions;
    expect(partitions.map((p) => [p.partitionIndex, p.leaderId, p.isr])).toEqual([
      [0, b, [b, c]],
      [1, b, [b, c]],
      [2, c, [c, b]],
    ]);
  }

  function failoverLog(app: AppProcess): { fencedBy: string; failoverMs: number } | undefined {
    return app.lines.find((line) => line.msg === 'broker fenced: lease expired, new leaders published') as
      { fencedBy: string; failoverMs: number } | undefined;
  }

  it('runs broker-failover-<id>-<epoch> on Temporal when a lease expires: fence and election, publish, confirmation, record', async () => {
    const databaseUrl = await nextDatabase();
    const metadata = await start('metadata', { DATABASE_URL: databaseUrl, STROM_TEMPORAL_ADDRESS: inject('temporalAddress') });
    const orchestrator = await start('orchestrator', { STROM_TEMPORAL_ADDRESS: inject('temporalAddress') });
    const ids: [number, number, number] = [1, 2, 3];
    const [dying] = await cluster('replicated', ids);
    dying!.die();

    const client = new Client({ connection: temporal, namespace: inject('temporalNamespace') });
    const handle = client.workflow.getHandle(brokerFailoverWorkflowId(1, dying!.epoch));
    await until(
      () => handle.describe(),
      (description) => description.status.name === 'COMPLETED',
    );
    const result = (await handle.result()) as {
      status: string;
      failover: { fencedBy: string; completedAtMs: number | null; partitions: unknown[]; confirmedLeaders: number[] };
      confirmation: { confirmed: number[]; unconfirmed: number[] };
    };
    expect(result.status).toBe('fenced');
    expect(result.failover).toMatchObject({ fencedBy: 'workflow', confirmedLeaders: [2, 3] });
    expect(result.failover.partitions).toHaveLength(3);
    expect(result.failover.completedAtMs).not.toBeNull();
    expect(result.confirmation).toEqual({ confirmed: [2, 3], unconfirmed: [] });

    const history = await handle.fetchHistory();
    const activities = (history.events ?? []).flatMap((event) => {
      const name = event.activityTaskScheduledEventAttributes?.activityType?.name;
      return name ? [name] : [];
    });
    expect(activities).toEqual(['fenceBroker', 'publishMetadataVersion', 'awaitLeaders', 'completeFailover']);
    expectFailedOver(await snapshot(), 'replicated', ids);

    // Lease expiry to new leaders published, as the metadata service measured it.
    const logged = await until(
      async () => failoverLog(metadata),
      (line) => line !== undefined,
      5000,
    );
    expect(logged!.fencedBy).toBe('workflow');
    expect(logged!.failoverMs).toBeLessThan(5000);
    expect(metadata.lines.some((line) => line.msg === 'broker failover completed')).toBe(true);

    // A second start of the same broker epoch is a no-op: the one workflow stays the only one.
    await expect(
      client.workflow.start('brokerFailoverWorkflow', {
        workflowId: handle.workflowId,
        taskQueue: 'strom-orchestrator',
        args: [{ brokerId: 1, brokerEpoch: dying!.epoch }],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      }),
    ).rejects.toThrow(/already started/i);
    for (const broker of brokers.splice(0)) broker.die();
    await stop(orchestrator);
    await stop(metadata);
  }, 120_000);

  it('fails over without Temporal (an unreachable address), and a workflow records it once Temporal is back', async () => {
    const databaseUrl = await nextDatabase();
    const metadata = await start('metadata', { DATABASE_URL: databaseUrl, STROM_TEMPORAL_ADDRESS: '127.0.0.1:1' });
    const ids: [number, number, number] = [4, 5, 6];
    const [dying] = await cluster('without-temporal', ids);
    dying!.die();

    const fenced = await until(snapshot, (state) => state.brokers.find((broker) => broker.id === 4)!.fenced);
    expectFailedOver(fenced, 'without-temporal', ids);
    const logged = await until(
      async () => failoverLog(metadata),
      (line) => line !== undefined,
      5000,
    );
    expect(logged!.fencedBy).toBe('metadata-service');
    expect(logged!.failoverMs).toBeLessThan(5000);
    const store = await openMetadataStore({ kind: 'postgres', url: databaseUrl });
    try {
      expect(await store.membership.failover(4, BigInt(dying!.epoch))).toMatchObject({ fencedBy: 'metadata-service', completedAt: null });

      // Temporal is reachable again (the metadata service restarts with its address): the
      // reconciler starts the workflow, whose first step finds the fence done.
      await stop(metadata);
      const restarted = await start('metadata', { DATABASE_URL: databaseUrl, STROM_TEMPORAL_ADDRESS: inject('temporalAddress') });
      const orchestrator = await start('orchestrator', { STROM_TEMPORAL_ADDRESS: inject('temporalAddress') });
      const client = new Client({ connection: temporal, namespace: inject('temporalNamespace') });
      const handle = client.workflow.getHandle(brokerFailoverWorkflowId(4, dying!.epoch));
      const result = (await until(
        () => handle.result(),
        () => true,
      )) as { status: string; failover: { fencedBy: string; workflowId: string } };
      expect(result.status).toBe('already-fenced');
      expect(result.failover).toMatchObject({ fencedBy: 'metadata-service', workflowId: handle.workflowId });
      const recorded = await store.membership.failover(4, BigInt(dying!.epoch));
      expect(recorded?.completedAt).toBeInstanceOf(Date);
      expectFailedOver(await snapshot(), 'without-temporal', ids);
      for (const broker of brokers.splice(0)) broker.die();
      await stop(orchestrator);
      await stop(restarted);
    } finally {
      await store.close();
    }
  }, 120_000);
});
