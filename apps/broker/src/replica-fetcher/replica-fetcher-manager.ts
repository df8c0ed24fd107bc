import type { PartitionReplica } from '../replica/partition-replica.js';
import { ReplicaFetcher, type FetcherContext } from './replica-fetcher.js';

/**
 * The fetchers of this broker, one per leader broker it follows partitions of (Kafka's
 * ReplicaFetcherManager with num.replica.fetchers=1): a partition moves to the fetcher of its
 * new leader on a leader change, and a fetcher with nothing left to fetch stops.
 */
export class ReplicaFetcherManager {
  private readonly fetchers = new Map<number, ReplicaFetcher>();
  private readonly sources = new Map<PartitionReplica, number>();

  constructor(private readonly context: FetcherContext) {}

  /** Follows `replica` from `leaderId` in `leaderEpoch`. */
  follow(replica: PartitionReplica, leaderId: number, leaderEpoch: number): void {
    const previous = this.sources.get(replica);
    if (previous !== undefined && previous !== leaderId) this.unfollow(replica);
    let fetcher = this.fetchers.get(leaderId);
    if (!fetcher) {
      fetcher = new ReplicaFetcher(leaderId, this.context);
      this.fetchers.set(leaderId, fetcher);
    }
    this.sources.set(replica, leaderId);
    fetcher.follow(replica, leaderEpoch);
  }

  /** Stops fetching `replica` (it leads now, has no leader, or went away). */
  unfollow(replica: PartitionReplica): void {
    const source = this.sources.get(replica);
    if (source === undefined) return;
    this.sources.delete(replica);
    const fetcher = this.fetchers.get(source);
    if (!fetcher) return;
    fetcher.unfollow(replica);
    if (fetcher.isEmpty) {
      this.fetchers.delete(source);
      void fetcher.stop();
    }
  }

  /** The broker each followed partition fetches from (for logs and tests). */
  sourceOf(replica: PartitionReplica): number | undefined {
    return this.sources.get(replica);
  }

  async stop(): Promise<void> {
    const fetchers = [...this.fetchers.values()];
    this.fetchers.clear();
    this.sources.clear();
    await Promise.all(fetchers.map((fetcher) => fetcher.stop()));
  }
}
