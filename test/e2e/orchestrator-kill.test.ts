import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NatsBus, requestJson } from '@strom/bus';
import { brokerFailoverWorkflowId, MetadataSubjects, type ClusterSnapshot, type CreateTopicsReply } from '@strom/contracts';
import { ensureTemporalCli, startNatsServer, type NatsServerHandle } from '@strom/testing';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freshDatabase, startApp, type AppProcess } from './app-process.js';
import { BusBroker } from './bus-broker.js';

const timeoutMs = 10_000;
const HEARTBEAT_MS = 500;
const DYING_LEASE_MS = 3000;
const SURVIVOR_LEASE_MS = 60_000;

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, waitMs = 60_000): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined && done(value)) return value;
    if (Date.now() > deadline) throw new Error(`gave up after ${waitMs} ms waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The activity of a running workflow that a worker has started and not finished. */
async function startedActivity(handle: WorkflowHandle): Promise<{ name: string; attempt: number } | null> {
  const { raw } = await handle.describe();
  const pending = (raw.pendingActivities ?? []).find(
    (activity) => String(activity.state) === 'PENDING_ACTIVITY_STATE_STARTED' || activity.state === 2,
  );
  return pending ? { name: pending.activityType?.name ?? '', attempt: pending.attempt ?? 0 } : null;
}

/**
 * The orchestrator (the Temporal worker) dies by SIGKILL in the middle of a broker failover:
 * while `broker-failover-<id>-<epoch>` waits, bounded, for the new leaders to apply the failover's
 * metadata version. Temporal holds the workflow's state; the restarted orchestrator picks the
 * wait up again and the workflow completes and records the failover.
 */
describe('SIGKILL of the orchestrator during a broker failover', () => {
  let nats: NatsServerHandle;
  let bus: NatsBus;
  let temporal: Connection;
  let configDir = '';
  let namespace = '';
  const running: AppProcess[] = [];
  const brokers: BusBroker[] = [];

  beforeAll(async () => {
    nats = await startNatsServer({ jetStream: false });
    bus = await NatsBus.connect({ servers: nats.url, name: 'orchestrator-kill-test' });
    temporal = await Connection.connect({ address: inject('temporalAddress') });
    // Its own namespace: other test files' orchestrators poll the same task queue on this server.
    namespace = `strom-orchestrator-kill-${process.pid}`;
    execFileSync(ensureTemporalCli(), [
      'operator',
      'namespace',
      'create',
      '--namespace',
      namespace,
      '--address',
      inject('temporalAddress'),
    ]);
    await until(
      () => temporal.workflowService.describeNamespace({ namespace }),
      () => true,
      'the namespace to exist',
    );
    configDir = mkdtempSync(join(tmpdir(), 'strom-orchestrator-kill-'));
    writeFileSync(join(configDir, 'server.properties'), `broker.heartbeat.interval.ms=${HEARTBEAT_MS}\n`);
  });

  afterAll(async () => {
    for (const broker of brokers) broker.die();
    for (const app of running) app.child.kill('SIGKILL');
    await bus?.close();
    await temporal?.close();
    await nats?.stop();
    if (configDir) rmSync(configDir, { recursive: true, force: true });
  });

  async function start(app: 'metadata' | 'orchestrator', env: Record<string, string> = {}): Promise<AppProcess> {
    const process = await startApp(app, {
      STROM_NATS_URL: nats.url,
      STROM_CONFIG: join(configDir, 'server.properties'),
      STROM_TEMPORAL_ADDRESS: inject('temporalAddress'),
      STROM_TEMPORAL_NAMESPACE: namespace,
      ...env,
    });
    running.push(process);
    return process;
  }

  it('the restarted orchestrator finishes the workflow: new leaders confirmed, the failover recorded', async () => {
    const metadata = await start('metadata', { DATABASE_URL: await freshDatabase(`strom_orchestrator_kill_${process.pid}`) });
    const orchestrator = await start('orchestrator');
    const [dying, b, c] = [
      new BusBroker(bus, 1, DYING_LEASE_MS, HEARTBEAT_MS),
      new BusBroker(bus, 2, SURVIVOR_LEASE_MS, HEARTBEAT_MS),
      new BusBroker(bus, 3, SURVIVOR_LEASE_MS, HEARTBEAT_MS),
    ];
    for (const broker of [dying!, b!, c!]) await broker.register();
    brokers.push(dying!, b!, c!);
    const created = await requestJson<CreateTopicsReply>(
      bus,
      MetadataSubjects.createTopics,
      {
        topics: [
          {
            name: 'led-by-the-dying',
            numPartitions: -1,
            replicationFactor: -1,
            assignments: [
              [1, 2, 3],
              [1, 3, 2],
            ].map((brokerIds, partitionIndex) => ({ partitionIndex, brokerIds })),
            configs: {},
          },
        ],
        validateOnly: false,
      },
      { timeoutMs },
    );
    expect(created.results[0]!.errorCode).toBe(0);
    // Let the survivors heartbeat the topic's version, then hold it: they will not confirm the
    // failover's version, so the workflow stays in its wait for the new leaders.
    await new Promise((resolve) => setTimeout(resolve, 2 * HEARTBEAT_MS));
    b!.holdVersion();
    c!.holdVersion();
    dying!.die();

    const client = new Client({ connection: temporal, namespace });
    const handle = client.workflow.getHandle(brokerFailoverWorkflowId(1, dying!.epoch));
    const waiting = await until(
      () => startedActivity(handle),
      (activity) => activity?.name === 'awaitLeaders',
      'the workflow to wait for the new leaders',
    );
    expect(waiting).toEqual({ name: 'awaitLeaders', attempt: 1 });
    orchestrator.child.kill('SIGKILL');
    await orchestrator.exited;
    running.splice(running.indexOf(orchestrator), 1);
    // The fence and the election were done before the kill: the new leaders are in the snapshot.
    const fenced = await requestJson<ClusterSnapshot>(bus, MetadataSubjects.snapshot, {}, { timeoutMs });
    expect(fenced.brokers.find((broker) => broker.id === 1)!.fenced).toBe(true);
    expect(fenced.topics.find((topic) => topic.name === 'led-by-the-dying')!.partitions.map((p) => p.leaderId)).toEqual([2, 3]);
    expect((await handle.describe()).status.name).toBe('RUNNING');

    b!.releaseVersion();
    c!.releaseVersion();
    const restarted = await start('orchestrator');
    const restartedAtMs = Date.now();
    const result = (await until(
      () => handle.result(),
      () => true,
      'the workflow to finish',
      90_000,
    )) as { status: string; failover: { completedAtMs: number | null; confirmedLeaders: number[] }; confirmation: unknown };
    const { status, closeTime } = await handle.describe();
    expect(status.name).toBe('COMPLETED');
    // The wait heartbeats: its retry does not sit out the 20 s start-to-close timeout (the
    // restart itself, bundling the workflow code, takes several seconds on a busy machine).
    expect(closeTime!.getTime() - restartedAtMs).toBeLessThan(5_000);
    expect(result.status).toBe('fenced');
    expect(result.confirmation).toEqual({ confirmed: [2, 3], unconfirmed: [] });
    expect(result.failover.confirmedLeaders).toEqual([2, 3]);
    expect(result.failover.completedAtMs).not.toBeNull();

    // The history: each step once, the wait retried on the restarted worker (its second attempt).
    const events = (await handle.fetchHistory()).events ?? [];
    const scheduled = events.flatMap((event) => event.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
    expect(scheduled).toEqual(['fenceBroker', 'publishMetadataVersion', 'awaitLeaders', 'completeFailover']);
    const awaitStarted =
      events[events.findIndex((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'awaitLeaders') + 1];
    expect(awaitStarted?.activityTaskStartedEventAttributes?.attempt).toBe(2);
    expect(metadata.lines.some((line) => line.msg === 'broker failover completed')).toBe(true);
    expect(restarted.lines.some((line) => line.msg === 'Temporal worker running')).toBe(true);
  }, 180_000);
});
