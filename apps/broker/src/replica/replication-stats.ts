import type { Logger } from '@strom/runtime';

/** What this broker's replicas look like now: Kafka's ReplicaManager and ReplicaFetcherManager metrics. */
export interface ReplicationStatus {
  /** Partitions hosted here (Kafka's PartitionCount). */
  partitions: number;
  /** Partitions led here (LeaderCount). */
  leaders: number;
  /** Led here with an ISR smaller than the replica set (UnderReplicatedPartitions). */
  underReplicatedPartitions: number;
  /** Led here with an ISR below min.insync.replicas: acks=all is refused (UnderMinIsrPartitionCount). */
  underMinIsrPartitions: number;
  /** Hosted here but in an offline log directory (OfflineReplicaCount). */
  offlineReplicas: number;
  /** ISR changes this broker made as leader, since it started (IsrShrinksPerSec, IsrExpandsPerSec as totals). */
  isrShrinks: number;
  isrExpands: number;
  /**
   * As a follower, the largest lag in records behind the leader's high watermark over the
   * partitions followed here, as of each one's last fetch (ReplicaFetcherManager MaxLag).
   */
  maxFollowerLag: number;
}

export type ReplicaCounts = Omit<ReplicationStatus, 'isrShrinks' | 'isrExpands'>;

/** How often the status is looked at, and how often it is logged again while something is wrong. */
const CHECK_INTERVAL_MS = 1_000;
const REMIND_INTERVAL_MS = 30_000;

/**
 * Counts what a cluster operator watches on each broker (under-replicated and offline
 * partitions, ISR shrinks and expands, follower lag) and logs a `replication status` line when
 * any of it changes, and every 30 s while a partition is under-replicated or a follower lags.
 * `status()` gives the same numbers to whatever exports metrics.
 */
export class ReplicationStats {
  private shrinks = 0;
  private expands = 0;
  private timer?: NodeJS.Timeout;
  private lastLogged?: ReplicationStatus;
  private lastLoggedAtMs = 0;

  constructor(
    private readonly counts: () => ReplicaCounts,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.check(), CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** A committed ISR change this broker proposed as leader. */
  recordIsrChange(before: number, after: number): void {
    if (after < before) this.shrinks++;
    else if (after > before) this.expands++;
  }

  status(): ReplicationStatus {
    return { ...this.counts(), isrShrinks: this.shrinks, isrExpands: this.expands };
  }

  /** Logs the status if it changed, or as a reminder while something is wrong. */
  check(nowMs = Date.now()): void {
    const status = this.status();
    const last = this.lastLogged;
    const troubled = status.underReplicatedPartitions > 0 || status.offlineReplicas > 0 || status.maxFollowerLag > 0;
    const changed =
      last === undefined
        ? troubled
        : status.underReplicatedPartitions !== last.underReplicatedPartitions ||
          status.underMinIsrPartitions !== last.underMinIsrPartitions ||
          status.offlineReplicas !== last.offlineReplicas ||
          status.isrShrinks !== last.isrShrinks ||
          status.isrExpands !== last.isrExpands ||
          (status.maxFollowerLag === 0) !== (last.maxFollowerLag === 0);
    if (!changed && !(troubled && nowMs - this.lastLoggedAtMs >= REMIND_INTERVAL_MS)) return;
    this.lastLogged = status;
    this.lastLoggedAtMs = nowMs;
    (troubled ? this.logger.warn : this.logger.info).call(this.logger, status, 'replication status');
  }
}
