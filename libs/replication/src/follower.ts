import { UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET, type EpochEndOffset, type EpochHistory } from './types.js';

/** What a leader answers to a follower's fetch position before reading (Kafka's `Partition.fetchRecords` epoch check). */
export type FetchPositionCheck =
  | { readonly kind: 'read' }
  /** The follower's log diverged: it must truncate (Fetch v12+ `diverging_epoch`). */
  | { readonly kind: 'diverging'; readonly divergingEpoch: EpochEndOffset }
  | { readonly kind: 'offset-out-of-range' };

/**
 * The leader's check of a follower fetch that names its last fetched epoch (KIP-595's
 * `last_fetched_epoch`): the follower's log diverges if the leader's log does not have that
 * epoch up to the fetch offset.
 */
export function checkFetchPosition(
  leaderHistory: EpochHistory,
  leaderLogStartOffset: number,
  leaderLogEndOffset: number,
  fetchOffset: number,
  lastFetchedEpoch: number,
): FetchPositionCheck {
  if (lastFetchedEpoch < 0) {
    return fetchOffset < leaderLogStartOffset || fetchOffset > leaderLogEndOffset ? { kind: 'offset-out-of-range' } : { kind: 'read' };
  }
  const end = leaderHistory.endOffsetFor(lastFetchedEpoch, leaderLogEndOffset);
  if (end.endOffset === UNDEFINED_EPOCH_OFFSET || end.leaderEpoch === UNDEFINED_EPOCH) return { kind: 'offset-out-of-range' };
  if (fetchOffset < leaderLogStartOffset) return { kind: 'offset-out-of-range' };
  if (end.leaderEpoch < lastFetchedEpoch || end.endOffset < fetchOffset) return { kind: 'diverging', divergingEpoch: end };
  if (fetchOffset > leaderLogEndOffset) return { kind: 'offset-out-of-range' };
  return { kind: 'read' };
}

/** Where a follower truncates its log, and whether that settles it (else it asks again with an older epoch). */
export interface TruncationPoint {
  readonly offset: number;
  readonly complete: boolean;
}

/**
 * Kafka's `AbstractFetcherThread.getOffsetTruncationState`: from the leader's end offset for an
 * epoch (an OffsetsForLeaderEpoch answer or a fetch's diverging epoch), the offset the
 * follower's log must be truncated to so that it is a prefix of the leader's.
 */
export function truncationPoint(
  followerHistory: EpochHistory,
  followerLogEndOffset: number,
  followerHighWatermark: number,
  leaderAnswer: EpochEndOffset,
): TruncationPoint {
  if (leaderAnswer.endOffset === UNDEFINED_EPOCH_OFFSET) {
    // The leader knows nothing of the epoch: keep only what is known committed.
    return { offset: Math.min(followerHighWatermark, followerLogEndOffset), complete: true };
  }
  if (leaderAnswer.leaderEpoch === UNDEFINED_EPOCH) {
    return { offset: Math.min(leaderAnswer.endOffset, followerLogEndOffset), complete: true };
  }
  const local = followerHistory.endOffsetFor(leaderAnswer.leaderEpoch, followerLogEndOffset);
  if (local.leaderEpoch === UNDEFINED_EPOCH || local.endOffset === UNDEFINED_EPOCH_OFFSET) {
    return { offset: Math.min(leaderAnswer.endOffset, followerLogEndOffset), complete: true };
  }
  if (local.leaderEpoch !== leaderAnswer.leaderEpoch) {
    // The follower does not have the leader's epoch: cut to the end of its own older epoch, ask again.
    return { offset: Math.min(local.endOffset, followerLogEndOffset), complete: false };
  }
  return { offset: Math.min(local.endOffset, leaderAnswer.endOffset, followerLogEndOffset), complete: true };
}

/** A follower's high watermark after a fetch: the leader's, but never past what the follower holds. */
export function followerHighWatermark(leaderHighWatermark: number, followerLogEndOffset: number): number {
  return Math.min(leaderHighWatermark, followerLogEndOffset);
}
