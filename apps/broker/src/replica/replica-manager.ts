import { join } from 'node:path';
import type { BrokerInfo, ClusterSnapshot, PartitionInfo, TopicInfo } from '@strom/contracts';
import type { Logger } from '@strom/runtime';
import { DiskLog, LogDirectory, LogOfflineError, type LogConfig } from '@strom/storage';
import type { AlterPartitionProposal, ReplicaEligibility } from '@strom/replication';
import type { ClusterView } from '../cluster/cluster-view.js';
import { BrokerTopicStats } from '../metrics/topic-traffic.js';
import { ReplicaFetcherManager } from '../replica-fetcher/replica-fetcher-manager.js';
import { clientSecurity } from '../security/client-security.js';
import { topicDefaults, topicSettings, type TopicPolicy } from './log-config.js';
import { segmentFileBudget } from './open-files.js';
import { PartitionReplica, type ReplicationContext } from './partition-replica.js';
import type { ReplicationOptions } from './replication-options.js';
import type { ReplicaCounts } from './replication-stats.js';

const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/** New partition logs opened at once when a snapshot brings many (a topic of a thousand partitions). */
const MAX_LOGS_OPENING = 16;

export interface ReplicaManagerOptions {
  brokerId: number;
  /** The log directory (Kafka's log.dirs entry). */
  logDir: string;
  /** Segment files kept open at once; default: half the process's open-file limit (see segmentFileBudget). */
  maxOpenFiles?: number;
  /**
   * server.properties: with the dynamic broker configs of the cluster view over it, it gives the
   * defaults of topic configs (log.retention.ms as retention.ms, ...).
   */
  staticConfig: Readonly<Record<string, string>>;
  replication: ReplicationOptions;
  /**
   * How often the high watermark, log start offset and recovery point checkpoints are written
   * (Kafka's replica.high.watermark.checkpoint.interval.ms; one timer serves all three).
   */
  checkpointIntervalMs: number;
}

/**
 * The partition replicas this broker hosts, kept in line with the cluster view: a replica is
 * opened when a partition assigned here appears, and closed (and its log deleted) when its
 * topic goes away. Changes are applied one at a time, in snapshot order (the logs one change
 * brings are opened side by side). Each replica leads or follows as the metadata says (Kafka's
 * becomeLeaderOrFollower): followers fetch from their leader through the fetcher of that broker;
 * leaders check their ISR every half replica.lag.time.max.ms (Kafka's isr-expiration task).
 *
 * A disk error takes the log directory offline (Kafka's handleLogDirFailure): its partitions
 * answer writes with KAFKA_STORAGE_ERROR until a restart, keep serving reads, and are listed as
 * offline replicas; partitions assigned here later cannot be opened and are offline too.
 */
export class ReplicaManager {
  private readonly replicas = new Map<string, PartitionReplica>();
  /** Bytes and messages in and out per topic (what `/metrics` exports as BrokerTopicMetrics). */
  readonly topicStats = new BrokerTopicStats();
  /** Assigned here but not openable: their log directory is offline (Kafka's HostedPartition.Offline). */
  private readonly offlinePartitions = new Set<string>();
  private directory?: LogDirectory;
  private applying: Promise<void> = Promise.resolve();
  /** stop() began: logs not opened yet stay unopened (the next start opens them from the metadata). */
  private stopping = false;
  private unsubscribe?: () => void;
  private readonly passesRunning = new Set<'retention' | 'cleaner'>();
  private checkpointTimer?: NodeJS.Timeout;
  private isrTimer?: NodeJS.Timeout;
  private readonly replication: ReplicationOptions;
  private readonly fetchers: ReplicaFetcherManager;
  private readonly context: ReplicationContext;

  constructor(
    private readonly options: ReplicaManagerOptions,
    private readonly view: ClusterView,
    private readonly logger: Logger,
    proposeIsrChange: (replica: PartitionReplica, proposal: AlterPartitionProposal) => void,
  ) {
    const replication = options.replication;
    this.replication = replication;
    this.context = {
      brokerId: options.brokerId,
      eligibility: this.eligibility(),
      replicaLagTimeMaxMs: replication.replicaLagTimeMaxMs,
      proposeIsrChange,
    };
    this.fetchers = new ReplicaFetcherManager({
      settings: () => {
        const epoch = this.brokerEpoch();
        if (epoch === undefined) return undefined;
        return {
          brokerId: options.brokerId,
          brokerEpoch: BigInt(epoch),
          maxWaitMs: replication.fetchWaitMaxMs,
          minBytes: replication.fetchMinBytes,
          maxBytes: replication.fetchResponseMaxBytes,
          partitionMaxBytes: replication.fetchMaxBytes,
        };
      },
      address: (brokerId) => interBrokerEndpoint(this.view.broker(brokerId), replication.interBroker),
      security: clientSecurity(replication.interBroker),
      backoffMs: replication.fetchBackoffMs,
      socketTimeoutMs: Math.max(replication.socketTimeoutMs, replication.fetchWaitMaxMs + 1_000),
      logger: logger.child({ component: 'replica-fetcher' }),
    });
  }

  /** This broker's registered broker epoch, from the cluster metadata. */
  brokerEpoch(): string | undefined {
    return this.view.broker(this.options.brokerId)?.epoch;
  }

  async start(): Promise<void> {
    this.directory = await LogDirectory.open({
      path: this.options.logDir,
      maxOpenFiles: this.options.maxOpenFiles ?? segmentFileBudget(),
      onOffline: (error) => this.onLogDirFailure(error),
    });
    if (!this.directory.cleanShutdown && (await this.directory.partitionsOnDisk()).length > 0) {
      this.logger.warn({ logDir: this.options.logDir }, 'no clean-shutdown marker: logs will be recovered');
    }
    this.unsubscribe = this.view.onChange((snapshot) => this.enqueue(snapshot));
    this.enqueue(undefined);
    await this.applying;
    const directory = this.directory;
    this.checkpointTimer = setInterval(() => {
      directory.checkpoint().catch((error: unknown) => this.logger.warn({ err: error }, 'could not write the offset checkpoints'));
    }, this.options.checkpointIntervalMs);
    this.checkpointTimer.unref();
    this.isrTimer = setInterval(() => {
      for (const replica of this.replicas.values()) replica.maybeShrinkIsr();
    }, this.replication.replicaLagTimeMaxMs / 2);
    this.isrTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.checkpointTimer);
    clearInterval(this.isrTimer);
    this.unsubscribe?.();
    await this.applying;
    await this.fetchers.stop();
    for (const replica of this.replicas.values()) replica.detach();
    this.replicas.clear();
    await this.directory?.close();
  }

  /** The replica if this broker hosts the partition, else undefined. */
  replica(topic: string, partition: number): PartitionReplica | undefined {
    return this.replicas.get(key(topic, partition));
  }

  /** Every replica hosted here, for the metrics of each partition. */
  hosted(): IterableIterator<PartitionReplica> {
    return this.replicas.values();
  }

  /** What ReplicationStats reports: the hosted replicas' roles and health, as of now. */
  replicaCounts(): ReplicaCounts & { maxFollowerLag: number } {
    const offline = this.logDirFailure !== undefined;
    const counts = {
      partitions: this.replicas.size + this.offlinePartitions.size,
      leaders: 0,
      underReplicatedPartitions: 0,
      underMinIsrPartitions: 0,
      offlineReplicas: offline ? this.replicas.size + this.offlinePartitions.size : this.offlinePartitions.size,
      maxFollowerLag: 0,
    };
    for (const replica of this.replicas.values()) {
      const leader = replica.leaderState;
      if (leader) {
        counts.leaders++;
        if (leader.isUnderReplicated) counts.underReplicatedPartitions++;
        if (leader.isUnderMinIsr) counts.underMinIsrPartitions++;
      } else counts.maxFollowerLag = Math.max(counts.maxFollowerLag, replica.followerLag);
    }
    return counts;
  }

  /** The disk error that took the log directory offline, or undefined while it is online. */
  get logDirFailure(): LogOfflineError | undefined {
    return this.directory?.offline ?? undefined;
  }

  /** Assigned to this broker with its log directory offline: writes answer KAFKA_STORAGE_ERROR. */
  isOffline(topic: string, partition: number): boolean {
    const id = key(topic, partition);
    return this.logDirFailure !== undefined && (this.replicas.has(id) || this.offlinePartitions.has(id));
  }

  /** Metadata's offline_replicas of a partition, as far as this broker knows: itself if offline here. */
  offlineReplicas(topic: string, partition: number): number[] {
    return this.isOffline(topic, partition) ? [this.options.brokerId] : [];
  }

  private onLogDirFailure(error: LogOfflineError): void {
    this.logger.error(
      { err: error, logDir: this.options.logDir, partitions: this.replicas.size },
      'log directory failed: its partitions answer writes with KAFKA_STORAGE_ERROR until the broker restarts; written records stay readable',
    );
  }

  /**
   * One retention pass over the hosted logs (apps/retention's tick, every
   * log.retention.check.interval.ms): segments past retention.ms / retention.bytes go.
   */
  async enforceRetention(nowMs: number = Date.now()): Promise<{ segmentsDeleted: number }> {
    let segmentsDeleted = 0;
    await this.eachLog('retention', async (log) => {
      segmentsDeleted += await log.enforceRetention(nowMs);
    });
    if (segmentsDeleted > 0) this.logger.info({ segmentsDeleted }, 'retention pass');
    return { segmentsDeleted };
  }

  /**
   * One log cleaner pass (the cleaner tick, every log.cleaner.backoff.ms, as Kafka's cleaner
   * thread wakes): compacted logs whose dirty ratio passed min.cleanable.dirty.ratio, or that hold
   * records older than max.compaction.lag.ms, are cleaned in a worker thread.
   */
  async clean(nowMs: number = Date.now()): Promise<{ logsCompacted: number }> {
    let logsCompacted = 0;
    await this.eachLog('cleaner', async (log) => {
      if ((await log.compact({ nowMs })).compacted) logsCompacted++;
    });
    if (logsCompacted > 0) this.logger.info({ logsCompacted }, 'log cleaner pass');
    return { logsCompacted };
  }

  /**
   * Runs `work` on each hosted disk log, exclusively of its appends. Passes of one kind never
   * overlap (a tick during a pass is skipped); Kafka neither cleans nor deletes in an offline log dir.
   */
  private async eachLog(kind: 'retention' | 'cleaner', work: (log: DiskLog) => Promise<void>): Promise<void> {
    if (this.passesRunning.has(kind) || this.logDirFailure) return;
    this.passesRunning.add(kind);
    try {
      for (const replica of [...this.replicas.values()]) {
        try {
          await replica.exclusive(async (log) => {
            if (log instanceof DiskLog) await work(log);
          });
        } catch (error) {
          this.logger.warn({ err: error, topic: replica.topic, partition: replica.partition }, `${kind} pass failed for a log`);
        }
      }
    } finally {
      this.passesRunning.delete(kind);
    }
  }

  /** Waits until snapshot changes received so far are applied (a created topic's logs open). */
  settled(): Promise<void> {
    return this.applying;
  }

  private enqueue(snapshot: ClusterSnapshot | undefined): void {
    this.applying = this.applying
      .then(() => this.apply(snapshot?.topics ?? this.view.topics()))
      .catch((error: unknown) => this.logger.error({ err: error }, 'could not apply cluster metadata to local replicas'));
  }

  private async apply(topics: TopicInfo[]): Promise<void> {
    const directory = this.directory;
    if (!directory) return;
    const wanted = new Set<string>();
    const defaults = this.topicDefaults();
    const toOpen: { id: string; topic: TopicInfo; partition: PartitionInfo; log: Partial<LogConfig>; policy: TopicPolicy }[] = [];
    for (const topic of topics) {
      const { log, policy } = topicSettings(topic.configs, defaults);
      for (const partition of topic.partitions) {
        if (!partition.replicas.includes(this.options.brokerId)) continue;
        const id = key(topic.name, partition.partitionIndex);
        wanted.add(id);
        const existing = this.replicas.get(id);
        if (existing && existing.topicId === topic.id) {
          existing.reconfigure(log, policy);
          this.applyRole(existing, partition, policy);
          continue;
        }
        if (existing) await this.drop(id, existing);
        toOpen.push({ id, topic, partition, log, policy });
      }
    }
    // A new log is a directory, files and fsyncs: a topic of a thousand partitions opens them
    // side by side, so that its file operations overlap instead of queueing one by one.
    await inParallel(toOpen, MAX_LOGS_OPENING, async ({ id, topic, partition, log, policy }) => {
      // A broker told to stop while a topic of thousands of partitions was being created would
      // otherwise create every remaining log first, and then close each.
      if (this.stopping) return;
      const partitionLog = await directory
        .openLog(topic.name, partition.partitionIndex, { config: log, topicId: topic.id })
        .catch((error: unknown) => {
          if (error instanceof LogOfflineError) return undefined;
          throw error;
        });
      if (!partitionLog) {
        this.offlinePartitions.add(id);
        return;
      }
      this.offlinePartitions.delete(id);
      const replica = new PartitionReplica(
        topic.name,
        topic.id,
        partition.partitionIndex,
        partitionLog,
        partition.leaderEpoch,
        policy,
        this.context,
      );
      replica.traffic = this.topicStats.attach(topic.name);
      this.replicas.set(id, replica);
      this.applyRole(replica, partition, policy);
    });
    for (const [id, replica] of this.replicas) if (!wanted.has(id)) await this.drop(id, replica);
    for (const id of this.offlinePartitions) if (!wanted.has(id)) this.offlinePartitions.delete(id);
  }

  /** Leads or follows as the metadata says; a partition without a leader is fetched by nobody. */
  private applyRole(replica: PartitionReplica, partition: PartitionInfo, policy: TopicPolicy): void {
    const self = this.options.brokerId;
    if (partition.leaderId === self) {
      this.fetchers.unfollow(replica);
      replica.makeLeader(partition, policy);
      return;
    }
    replica.makeFollower(partition, policy);
    if (partition.leaderId >= 0) this.fetchers.follow(replica, partition.leaderId, partition.leaderEpoch);
    else this.fetchers.unfollow(replica);
  }

  /** KIP-903: a follower joins an ISR only while registered, unfenced, and fetching with its current broker epoch. */
  private eligibility(): ReplicaEligibility {
    const live = (brokerId: number) => {
      const broker = this.view.broker(brokerId);
      return broker && !broker.fenced ? broker : undefined;
    };
    return {
      isIsrEligible: (brokerId, fetchBrokerEpoch) => {
        const broker = live(brokerId);
        return (
          broker !== undefined && (fetchBrokerEpoch === undefined || fetchBrokerEpoch === -1 || Number(broker.epoch) === fetchBrokerEpoch)
        );
      },
      aliveBrokerEpoch: (brokerId) => {
        const broker = live(brokerId);
        return broker === undefined ? undefined : Number(broker.epoch);
      },
    };
  }

  /** Topic config defaults from the broker's configs: server.properties under the dynamic ones. */
  private topicDefaults(): Record<string, string> {
    return topicDefaults({ static: this.options.staticConfig, ...this.view.dynamicBrokerConfigs(this.options.brokerId) });
  }

  private async drop(id: string, replica: PartitionReplica): Promise<void> {
    this.replicas.delete(id);
    this.topicStats.detach(replica.topic);
    this.fetchers.unfollow(replica);
    replica.detach();
    await this.directory?.deleteLog(replica.topic, replica.partition);
    this.logger.info({ topic: replica.topic, partition: replica.partition }, 'replica removed');
  }
}

/**
 * Runs `work` over `items` with at most `limit` in flight; rejects with the first failure, once
 * every started item has settled.
 */
async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]!);
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, lane));
  const failed = results.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
}

export const logDirUnder = (dataDir: string): string => join(dataDir, 'kafka-logs');

/**
 * Where a follower reaches a leader: its endpoint on the inter-broker listener (Kafka's
 * getAliveBrokerNode(id, interBrokerListenerName)). A leader without one is reached on its first
 * endpoint of the inter-broker security protocol, which covers the broker started without the
 * listener Kafka would require (ServerConfig warns about it).
 */
function interBrokerEndpoint(
  broker: BrokerInfo | undefined,
  interBroker: ReplicationOptions['interBroker'],
): { host: string; port: number } | undefined {
  if (!broker) return undefined;
  return (
    broker.endpoints.find((endpoint) => endpoint.name.toUpperCase() === interBroker.listenerName) ??
    broker.endpoints.find((endpoint) => endpoint.securityProtocol === interBroker.securityProtocol)
  );
}
