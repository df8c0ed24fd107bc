import { invariant } from './errors.js';

export interface EpochEntry {
  epoch: number;
  startOffset: number;
}

export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1;

export interface EpochEndOffset {
  /** The largest epoch ≤ the requested one that the log knows, or -1. */
  leaderEpoch: number;
  /** The start offset of the next epoch (or the log end offset for the latest), or -1. */
  endOffset: number;
}

/**
 * Leader epoch → start offset, as in Kafka's LeaderEpochFileCache; what followers ask with
 * OffsetsForLeaderEpoch to find where their log diverges from the leader's.
 */
export class LeaderEpochCache {
  private entries: EpochEntry[] = [];

  constructor(initial: readonly EpochEntry[] = []) {
    for (const entry of initial) this.assign(entry.epoch, entry.startOffset);
  }

  list(): EpochEntry[] {
    return this.entries.map((e) => ({ ...e }));
  }

  latest(): EpochEntry | undefined {
    return this.entries[this.entries.length - 1];
  }

  /** Returns true when the cache changed (the caller persists it). Epochs never go back. */
  assign(epoch: number, startOffset: number): boolean {
    if (epoch < 0) return false;
    const latest = this.latest();
    if (latest && latest.epoch === epoch) return false;
    invariant(!latest || epoch > latest.epoch, () => `leader epoch went back: ${epoch} after ${latest!.epoch}`);
    invariant(
      !latest || startOffset >= latest.startOffset,
      () => `epoch ${epoch} starts at ${startOffset} before epoch ${latest!.epoch} at ${latest!.startOffset}`,
    );
    this.entries.push({ epoch, startOffset });
    return true;
  }

  /** OffsetsForLeaderEpoch semantics (LeaderEpochFileCache.endOffsetFor). */
  endOffsetFor(requestedEpoch: number, logEndOffset: number): EpochEndOffset {
    const latest = this.latest();
    if (requestedEpoch === UNDEFINED_EPOCH || !latest) return { leaderEpoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    if (requestedEpoch === latest.epoch) return { leaderEpoch: latest.epoch, endOffset: logEndOffset };
    const higher = this.entries.find((e) => e.epoch > requestedEpoch);
    if (!higher) return { leaderEpoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    const floor = [...this.entries].reverse().find((e) => e.epoch <= requestedEpoch);
    return { leaderEpoch: floor ? floor.epoch : requestedEpoch, endOffset: higher.startOffset };
  }

  /** Drops epochs starting at or after `endOffset` (log truncated to it). */
  truncateFromEnd(endOffset: number): boolean {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => e.startOffset < endOffset);
    return this.entries.length !== before;
  }

  /** Log start moved to `startOffset`: earlier epochs go, the one spanning it starts there. */
  truncateFromStart(startOffset: number): boolean {
    let changed = false;
    while (this.entries.length > 1 && this.entries[1]!.startOffset <= startOffset) {
      this.entries.shift();
      changed = true;
    }
    const first = this.entries[0];
    if (first && first.startOffset < startOffset) {
      first.startOffset = startOffset;
      changed = true;
    }
    return changed;
  }

  clear(): void {
    this.entries = [];
  }
}
