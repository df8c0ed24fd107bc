import { InProcessBus, requestJson, subscribeJson, type Bus, type Subscription } from '@strom/bus';
import { ServerConfig } from '@strom/config';
import {
  MetadataSubjects,
  type AlterPartitionReply,
  type AlterPartitionRequest,
  type ClusterSnapshot,
  type ControlledShutdownReply,
  type CreateTopicsReply,
  type RegisterBrokerReply,
} from '@strom/contracts';
import { ErrorCode } from '@strom/errors';
import { openMetadataStore, type MetadataStore } from '@strom/metadata-store';
import { bootApp, compose, createLogger, MetricsRegistry, type RunningApp } from '@strom/runtime';
import { parseExposition } from '@strom/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { MetadataModule, metadataOptions, type MetadataOptions } from '../src/index.js';

const timeoutMs = 5000;
const LEASE_MS = 600;
const CHECK_MS = 100;

/** A broker as the metadata service sees one: it registers and heartbeats over the bus, nothing more. */
class BusBroker {
  epoch = '0';
  private timer?: NodeJS.Timeout;
  constructor(
    private readonly bus: Bus,
    readonly id: number,
  ) {}

  async register(): Promise<void> {
    const reply = await requestJson<RegisterBrokerReply>(
      this.bus,
      MetadataSubjects.registerBroker,
      {
        id: this.id,
        endpoints: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9000 + this.id, securityProtocol: 'PLAINTEXT' }],
        rack: null,
        leaseMs: LEASE_MS,
      },
      { timeoutMs },
    );
    this.epoch = reply.epoch;
    this.timer = setInterval(() => void this.heartbeat(), CHECK_MS);
  }

  async heartbeat(): Promise<void> {
    const { version } = await requestJson<{ version: string }>(this.bus, MetadataSubjects.version, {}, { timeoutMs });
    await requestJson(
      this.bus,
      MetadataSubjects.brokerHeartbeat,
      { id: this.id, epoch: this.epoch, leaseMs: LEASE_MS, appliedVersion: version },
      { timeoutMs },
    );
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

describe('the metadata service: AlterPartition, lease expiry, failover and controlled shutdown', () => {
  let bus: InProcessBus;
  let store: MetadataStore;
  let running: RunningApp | undefined;
  let metrics: MetricsRegistry;
  const brokers: BusBroker[] = [];
  const subscriptions: Subscription[] = [];

  async function boot(overrides: Partial<MetadataOptions> = {}): Promise<void> {
    bus = new InProcessBus();
    store = await openMetadataStore({ kind: 'journal', dataDir: 'memory' });
    const options = { ...metadataOptions(ServerConfig.resolve({})), leaseCheckIntervalMs: CHECK_MS, ...overrides };
    metrics = new MetricsRegistry();
    running = await bootApp({
      name: 'metadata-failover-test',
      module: compose({ bus, logger: createLogger('test', 'silent'), metadataStore: store, metrics }, [
        MetadataModule.forRoot(options),
      ]) as never,
      logger: createLogger('test', 'silent'),
      shutdownTimeoutMs: 10_000,
    });
  }

  async function startBrokers(...ids: number[]): Promise<void> {
    for (const id of ids) {
      const broker = new BusBroker(bus, id);
      await broker.register();
      brokers.push(broker);
    }
  }

  async function createTopic(name: string, assignments: number[][]): Promise<void> {
    const reply = await requestJson<CreateTopicsReply>(
      bus,
      MetadataSubjects.createTopics,
      {
        topics: [
          {
            name,
            numPartitions: -1,
            replicationFactor: -1,
            assignments: assignments.map((brokerIds, partitionIndex) => ({ partitionIndex, brokerIds })),
            configs: {},
          },
        ],
        validateOnly: false,
      },
      { timeoutMs },
    );
    expect(reply.results[0]!.errorCode).toBe(ErrorCode.NONE);
  }

  const snapshot = () => requestJson<ClusterSnapshot>(bus, MetadataSubjects.snapshot, {}, { timeoutMs });

  async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, waitMs = 10_000): Promise<T> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const value = await read();
      if (done(value) || Date.now() > deadline) return value;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  afterEach(async () => {
    for (const broker of brokers.splice(0)) broker.stop();
    for (const subscription of subscriptions.splice(0)) await subscription.unsubscribe();
    await running?.stop('test done');
    running = undefined;
    await store?.close();
    await bus?.close();
  });

  it('applies AlterPartition as a compare-and-set: of two proposals on one partition epoch, one wins and is announced', async () => {
    await boot();
    await startBrokers(1, 2, 3);
    await createTopic('isr', [[1, 2, 3]]);
    const announced: string[] = [];
    const changes = subscribeJson<{ version: string }>(bus, MetadataSubjects.changed, ({ version }) => void announced.push(version));
    subscriptions.push(changes);
    await changes.ready;
    const topic = (await snapshot()).topics.find((t) => t.name === 'isr')!;
    const partition = topic.partitions[0]!;
    expect(partition.leaderRecoveryState).toBe('RECOVERED');
    const epochOf = (id: number) => brokers.find((b) => b.id === id)!.epoch;
    const proposal = (isr: number[]): AlterPartitionRequest => ({
      brokerId: 1,
      brokerEpoch: epochOf(1),
      topicId: topic.id,
      partitionIndex: 0,
      leaderEpoch: partition.leaderEpoch,
      partitionEpoch: partition.partitionEpoch,
      newIsr: isr.map((id) => ({ brokerId: id, brokerEpoch: epochOf(id) })),
      leaderRecoveryState: 'RECOVERED',
    });
    const replies = await Promise.all(
      [proposal([1, 2]), proposal([1, 3])].map((request) =>
        requestJson<AlterPartitionReply>(bus, MetadataSubjects.alterPartition, request, { timeoutMs }),
      ),
    );
    expect(replies.map((reply) => reply.errorCode).sort()).toEqual([ErrorCode.NONE, ErrorCode.INVALID_UPDATE_VERSION].sort());
    const winner = replies.find((reply) => reply.errorCode === ErrorCode.NONE)!;
    expect(winner.partition).toMatchObject({ partitionEpoch: partition.partitionEpoch + 1, leaderId: 1 });
    expect(replies.find((reply) => reply.errorCode !== ErrorCode.NONE)!.partition).toBeNull();
    const after = (await snapshot()).topics.find((t) => t.name === 'isr')!.partitions[0]!;
    expect(after.isr).toEqual(winner.partition!.isr);
    await until(
      async () => announced,
      (versions) => versions.includes(winner.version),
    );
    expect(announced).toContain(winner.version);
  });

  it('fences a broker whose lease expired and moves its leaderships to the ISR, by itself without Temporal', async () => {
    await boot();
    await startBrokers(1, 2, 3);
    await createTopic('orders', [
      [1, 2, 3],
      [2, 3, 1],
      [3, 1, 2],
    ]);
    const dead = brokers[0]!;
    const stoppedAt = Date.now();
    dead.stop();
    const fenced = await until(snapshot, (s) => s.brokers.find((b) => b.id === 1)!.fenced);
    const elapsedMs = Date.now() - stoppedAt;
    expect(fenced.brokers.find((b) => b.id === 1)!.fenced).toBe(true);
    const partitions = fenced.topics.find((t) => t.name === 'orders')!.partitions;
    expect(partitions.map((p) => [p.leaderId, p.isr])).toEqual([
      [2, [2, 3]],
      [2, [2, 3]],
      [3, [3, 2]],
    ]);
    expect(partitions[0]!.leaderEpoch).toBe(1);
    // Lease, then at most one check interval (and the store's time) before the fence.
    expect(elapsedMs).toBeGreaterThanOrEqual(LEASE_MS - CHECK_MS);
    const record = await until(
      () => store.membership.failover(1, BigInt(dead.epoch)),
      (r) => r?.completedAt !== null && r !== undefined,
    );
    expect(record).toMatchObject({ reason: 'lease-expired', fencedBy: 'metadata-service', workflowId: null });
    expect(record!.completedAt).toBeInstanceOf(Date);
    // The fenced broker's heartbeat is refused: it must register again, with a new epoch.
    expect(
      await requestJson(bus, MetadataSubjects.brokerHeartbeat, { id: 1, epoch: dead.epoch, leaseMs: LEASE_MS }, { timeoutMs }),
    ).toMatchObject({ ok: false });
    await dead.register();
    expect(BigInt(dead.epoch)).toBe(BigInt(record!.brokerEpoch) + 1n);
  });

  it('fences by itself when Temporal is unreachable, and keeps the failover pending for a workflow to record', async () => {
    await boot({ temporal: { address: '127.0.0.1:1', namespace: 'default' } });
    await startBrokers(1, 2);
    await createTopic('pending', [[1, 2]]);
    const dead = brokers[0]!;
    dead.stop();
    const fenced = await until(snapshot, (s) => s.brokers.find((b) => b.id === 1)!.fenced);
    expect(fenced.topics.find((t) => t.name === 'pending')!.partitions[0]).toMatchObject({ leaderId: 2, isr: [2] });
    const record = await store.membership.failover(1, BigInt(dead.epoch));
    expect(record).toMatchObject({ fencedBy: 'metadata-service', completedAt: null });
    expect((await store.membership.pendingFailovers()).map((f) => f.brokerId)).toEqual([1]);
    const figures = parseExposition((await metrics.scrape()).toString('utf8'));
    expect(figures.value('strom_failover_workflow_start_failures_total')).toBeGreaterThanOrEqual(1);
    expect(figures.value('strom_failover_fenced_here_total')).toBe(1);
    expect(figures.value('strom_failover_workflows_started_total')).toBe(0);
  });

  it('moves leaderships away on controlled shutdown, and elects a returning broker for leaderless partitions', async () => {
    await boot();
    await startBrokers(1, 2);
    await createTopic('leaving', [[1, 2]]);
    await createTopic('alone', [[1]]);
    const leaving = brokers[0]!;
    leaving.stop();
    const reply = await requestJson<ControlledShutdownReply>(
      bus,
      MetadataSubjects.controlledShutdown,
      { brokerId: 1, brokerEpoch: leaving.epoch },
      { timeoutMs },
    );
    expect(reply).toMatchObject({ errorCode: ErrorCode.NONE, partitionsMoved: 2 });
    const during = await snapshot();
    expect(during.topics.find((t) => t.name === 'leaving')!.partitions[0]).toMatchObject({ leaderId: 2, isr: [2] });
    expect(during.topics.find((t) => t.name === 'alone')!.partitions[0]).toMatchObject({ leaderId: -1, isr: [1] });
    const stale = await requestJson<ControlledShutdownReply>(
      bus,
      MetadataSubjects.controlledShutdown,
      { brokerId: 1, brokerEpoch: String(BigInt(leaving.epoch) - 1n) },
      { timeoutMs },
    );
    expect(stale.errorCode).toBe(ErrorCode.STALE_BROKER_EPOCH);
    await leaving.register();
    expect(await store.membership.failover(1, BigInt(leaving.epoch) - 1n)).toBeUndefined();
    const back = await snapshot();
    expect(back.topics.find((t) => t.name === 'alone')!.partitions[0]).toMatchObject({ leaderId: 1, isr: [1], leaderEpoch: 2 });
    expect(back.topics.find((t) => t.name === 'leaving')!.partitions[0]).toMatchObject({ leaderId: 2, isr: [2] });
  });
});
