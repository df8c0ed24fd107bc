import { ErrorCode, errorName } from '@strom/errors';
import { ApiKey, ZERO_UUID, type FetchResponse, type FetchResponsePartitionData } from '@strom/protocol';
import { truncationPoint } from '@strom/replication';
import type { Logger } from '@strom/runtime';
import { KafkaConnection } from '@strom/kafka-client';
import type { ClientSecurity } from '@strom/kafka-client';
import { tracingEnabled } from '@strom/telemetry';
import { tracedReplicaAppend } from '../api/partition-tracing.js';
import type { PartitionReplica } from '../replica/partition-replica.js';
import { followerAction, followerFetchRequest, type FollowerFetchPosition, type FollowerFetchSettings } from './follower-fetch.js';

/** What a fetcher needs of the broker: its settings, where a leader listens, how long to back off. */
export interface FetcherContext {
  /** The fetch settings with this broker's current broker epoch; undefined until it is registered. */
  settings(): FollowerFetchSettings | undefined;
  /** The leader's endpoint on the inter-broker listener, from the cluster metadata. */
  address(brokerId: number): { host: string; port: number } | undefined;
  /** The inter-broker listener's protocol: TLS and SASL as configured for the client side. */
  security: ClientSecurity;
  /** replica.fetch.backoff.ms: after a failed fetch, and for a partition whose fetch failed. */
  backoffMs: number;
  /** replica.socket.timeout.ms: bound on connecting and on each fetch (above replica.fetch.wait.max.ms). */
  socketTimeoutMs: number;
  readonly logger: Logger;
}

interface FetchedPartition {
  readonly replica: PartitionReplica;
  /** The leader epoch the follower knows its leader by. */
  readonly leaderEpoch: number;
  /** Not fetched before this time (after a partition error). */
  delayedUntilMs: number;
}

/**
 * Fetches the partitions this broker follows from one leader broker (Kafka's
 * ReplicaFetcherThread): one connection, one Fetch in flight, each answer applied partition by
 * partition in order before the next Fetch. The fetch offset is always the follower's log end,
 * so truncation and appends need no extra bookkeeping. Connection failures back off
 * replica.fetch.backoff.ms; so does a partition whose fetch failed, until newer metadata moves it.
 */
export class ReplicaFetcher {
  private readonly partitions = new Map<PartitionReplica, FetchedPartition>();
  private connection: KafkaConnection | undefined;
  private connectedTo = '';
  private stopped = false;
  private wake: (() => void) | undefined;
  private healthy = true;
  private readonly running: Promise<void>;

  constructor(
    readonly sourceBrokerId: number,
    private readonly context: FetcherContext,
  ) {
    this.running = this.run();
  }

  get isEmpty(): boolean {
    return this.partitions.size === 0;
  }

  /** Starts (or, with a new leader epoch, restarts) fetching a partition. */
  follow(replica: PartitionReplica, leaderEpoch: number): void {
    const current = this.partitions.get(replica);
    if (current?.leaderEpoch === leaderEpoch) return;
    this.partitions.set(replica, { replica, leaderEpoch, delayedUntilMs: 0 });
    this.wake?.();
  }

  unfollow(replica: PartitionReplica): void {
    this.partitions.delete(replica);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.connection?.close();
    this.wake?.();
    await this.running;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const now = Date.now();
      const ready = [...this.partitions.values()].filter((entry) => entry.delayedUntilMs <= now && !entry.replica.isDetached);
      if (ready.length === 0) {
        const next = Math.min(...[...this.partitions.values()].map((entry) => entry.delayedUntilMs));
        await this.idle(Number.isFinite(next) ? Math.max(next - now, 1) : this.context.backoffMs);
        continue;
      }
      try {
        await this.fetchOnce(await this.connect(), ready);
        this.healthy = true;
      } catch (error) {
        if (this.stopped) break;
        if (this.healthy) this.context.logger.warn({ err: error, leader: this.sourceBrokerId }, 'follower fetch failed: backing off');
        this.healthy = false;
        this.connection?.close();
        this.connection = undefined;
        await this.idle(this.context.backoffMs);
      }
    }
    this.connection?.close();
  }

  /** Waits `ms`, or less if a partition is added or the fetcher stops. */
  private idle(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      const wake = () => done();
      this.wake = wake;
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
    }).finally(() => (this.wake = undefined));
  }

  private async connect(): Promise<KafkaConnection> {
    const address = this.context.address(this.sourceBrokerId);
    if (!address) throw new Error(`broker ${this.sourceBrokerId} is not in the cluster metadata`);
    const target = `${address.host}:${address.port}`;
    if (this.connection && !this.connection.isClosed && this.connectedTo === target) {
      if (this.connection.reauthenticationDue) await this.connection.reauthenticate();
      return this.connection;
    }
    this.connection?.close();
    this.connection = await KafkaConnection.connect(address.host, address.port, {
      clientId: `broker-${this.context.settings()?.brokerId ?? -1}-fetcher-${this.sourceBrokerId}`,
      requestTimeoutMs: this.context.socketTimeoutMs,
      security: this.context.security,
    });
    this.connectedTo = target;
    return this.connection;
  }

  private async fetchOnce(connection: KafkaConnection, ready: FetchedPartition[]): Promise<void> {
    const settings = this.context.settings();
    if (!settings) throw new Error('this broker is not registered yet');
    const sent = new Map<string, { entry: FetchedPartition; position: FollowerFetchPosition }>();
    const positions = ready.map((entry) => {
      const replica = entry.replica;
      const position: FollowerFetchPosition = {
        topic: replica.topic,
        topicId: replica.topicId,
        partition: replica.partition,
        fetchOffset: replica.logEndOffset,
        logStartOffset: replica.logStartOffset,
        currentLeaderEpoch: entry.leaderEpoch,
        lastFetchedEpoch: replica.latestEpoch,
      };
      sent.set(`${replica.topicId}:${replica.partition}`, { entry, position });
      sent.set(`${replica.topic}\u0000${replica.partition}`, { entry, position });
      return position;
    });
    const { body } = await connection.requestVersioned(ApiKey.Fetch, (apiVersion) => followerFetchRequest(settings, positions, apiVersion));
    if (body.errorCode !== ErrorCode.NONE) throw new Error(`Fetch answered ${errorName(body.errorCode)}`);
    for (const { topic, topicId, partition, data } of partitionsOf(body)) {
      const found = sent.get(topicId !== ZERO_UUID ? `${topicId}:${partition}` : `${topic}\u0000${partition}`);
      if (!found) continue;
      const { entry, position } = found;
      // Kafka applies an answer only to the fetch state it was asked for: not after a leader change or a truncation.
      if (this.partitions.get(entry.replica) !== entry || entry.replica.logEndOffset !== position.fetchOffset) continue;
      await this.apply(entry, position, data).catch((error: unknown) => {
        this.context.logger.warn({ err: error, topic: position.topic, partition }, 'could not apply a follower fetch: backing off');
        entry.delayedUntilMs = Date.now() + this.context.backoffMs;
      });
    }
  }

  private async apply(entry: FetchedPartition, position: FollowerFetchPosition, data: FetchResponsePartitionData): Promise<void> {
    const replica = entry.replica;
    const action = followerAction(data);
    switch (action.kind) {
      case 'append': {
        const append = () => replica.appendAsFollower(action.records, action.highWatermark);
        const result = await (tracingEnabled() && action.records.length > 0
          ? tracedReplicaAppend(position.topic, position.partition, this.sourceBrokerId, position.fetchOffset, action.records, append)
          : append());
        if (result.kind === 'rejected') throw new Error(`the follower log refused the fetched batches: ${result.message}`);
        return;
      }
      case 'diverging': {
        const history = { endOffsetFor: (epoch: number) => replica.storage.endOffsetForEpoch(epoch) };
        const point = truncationPoint(history, replica.logEndOffset, replica.highWatermark, action.leaderEndOffset);
        this.context.logger.info(
          { topic: position.topic, partition: position.partition, logEndOffset: replica.logEndOffset, truncateTo: point.offset },
          'follower log diverged from the leader: truncating',
        );
        await replica.truncateTo(point.offset);
        return;
      }
      case 'out-of-range':
        if (position.fetchOffset < action.leaderLogStartOffset) {
          await replica.truncateFullyAndStartAt(action.leaderLogStartOffset);
        } else if (action.leaderHighWatermark >= 0 && action.leaderHighWatermark < position.fetchOffset) {
          await replica.truncateTo(action.leaderHighWatermark);
        } else entry.delayedUntilMs = Date.now() + this.context.backoffMs;
        return;
      case 'back-off':
        entry.delayedUntilMs = Date.now() + this.context.backoffMs;
        return;
    }
  }
}

function* partitionsOf(
  body: FetchResponse,
): Generator<{ topic: string; topicId: string; partition: number; data: FetchResponsePartitionData }> {
  for (const topic of body.responses) {
    for (const data of topic.partitions) yield { topic: topic.topic, topicId: topic.topicId, partition: data.partitionIndex, data };
  }
}
