import type { LogConfig } from './config.js';
import type { FileIo } from './file-io.js';
import type { FileHandlePool } from './file-pool.js';
import { DELETED_SUFFIX, isNotFound, unlinkIfExists } from './files.js';
import type { Segment } from './segment.js';
import type { SegmentIndexes } from './segment-indexes.js';

export interface SegmentInfo {
  baseOffset: number;
  nextOffset: number;
  sizeBytes: number;
  maxTimestamp: number;
  isActive: boolean;
}

/** The view of the log that retention gets. */
export interface RetentionContext {
  readonly io: FileIo;
  readonly files: FileHandlePool;
  readonly indexes: SegmentIndexes;
  config(): LogConfig;
  /** The log's own segment list, oldest first (the last one is active); retention takes from its front. */
  segments(): Segment[];
  logStartOffset(): number;
  highWatermark(): number;
  /** Moves the log start offset up to `offset` (never down). */
  raiseLogStartOffset(offset: number): void;
  /** Leader epochs and producer state forget what lies below the log start offset. */
  trimToLogStart(): Promise<void>;
  /** Waits for queued appends, then starts a new active segment at the log end. */
  rollActive(): Promise<void>;
}

/**
 * Which old segments go, and how segment files are deleted (Kafka's UnifiedLog.deleteOldSegments
 * and LocalLog.deleteSegmentFiles): retention.ms by a segment's max timestamp, retention.bytes,
 * and everything below the log start offset. Which logs and when is apps/retention's decision.
 */
export class LogRetention {
  private readonly log: RetentionContext;

  constructor(log: RetentionContext) {
    this.log = log;
  }

  /** One retention pass; the number of segments deleted. */
  async enforce(nowMs: number): Promise<number> {
    let deleted = await this.deleteBelowStart();
    const { retentionMs, retentionBytes, cleanupPolicy } = this.log.config();
    if (!cleanupPolicy.includes('delete')) return deleted;
    if (retentionMs >= 0) {
      // Kafka rolls an expired non-empty active segment so it can go too.
      const active = this.log.segments().at(-1)!;
      const expired = !active.isEmpty && active.maxTimestamp >= 0 && nowMs - active.maxTimestamp > retentionMs;
      if (expired && active.nextOffset <= this.log.highWatermark()) await this.log.rollActive();
      deleted += await this.deleteOldest((s) => s.maxTimestamp >= 0 && nowMs - s.maxTimestamp > retentionMs);
    }
    if (retentionBytes >= 0) deleted += await this.deleteOldest((s, remaining) => remaining - s.sizeBytes >= retentionBytes);
    return deleted;
  }

  /** Segments wholly below the log start offset (DeleteRecords moved it, or a checkpoint did). */
  deleteBelowStart(): Promise<number> {
    return this.deleteOldest((s) => s.nextOffset <= this.log.logStartOffset(), Number.MAX_SAFE_INTEGER);
  }

  /** Deletes the oldest segments while `shouldDelete` says so, never the active one nor one reaching past `upToOffset`. */
  async deleteOldest(
    shouldDelete: (segment: SegmentInfo, remainingBytes: number) => boolean,
    upToOffset = this.log.highWatermark(),
  ): Promise<number> {
    const segments = this.log.segments();
    let deleted = 0;
    let remaining = segments.reduce((sum, s) => sum + s.sizeBytes, 0);
    while (segments.length > 1) {
      const segment = segments[0]!;
      const next = segments[1]!;
      await this.log.indexes.of(segment);
      const info: SegmentInfo = {
        baseOffset: segment.baseOffset,
        nextOffset: next.baseOffset,
        sizeBytes: segment.sizeBytes,
        maxTimestamp: segment.maxTimestamp,
        isActive: false,
      };
      if (next.baseOffset > upToOffset || !shouldDelete(info, remaining)) break;
      segments.shift();
      remaining -= segment.sizeBytes;
      await this.deleteSegmentFiles(segment);
      deleted++;
      this.log.raiseLogStartOffset(next.baseOffset);
    }
    if (deleted > 0) await this.log.trimToLogStart();
    return deleted;
  }

  /**
   * The one way a segment's files go (retention, truncation, compaction, recovery): renamed to
   * .deleted first, as Kafka does, so a crash in between leaves no live half-deleted segment;
   * unlinked after file.delete.delay.ms.
   */
  async deleteSegmentFiles(segment: Segment): Promise<void> {
    const { io } = this.log;
    await this.log.files.close(segment.logPath);
    for (const path of [segment.logPath, segment.indexPath, segment.timeIndexPath]) {
      try {
        await io.rename(path, path + DELETED_SUFFIX);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
    const delayMs = this.log.config().fileDeleteDelayMs;
    const paths = [segment.logPath, segment.indexPath, segment.timeIndexPath].map((p) => p + DELETED_SUFFIX);
    const unlinkAll = (): Promise<void> => Promise.all(paths.map((p) => unlinkIfExists(io, p))).then(() => undefined);
    if (delayMs <= 0) await unlinkAll();
    else setTimeout(() => void unlinkAll().catch(() => undefined), delayMs).unref();
    this.log.indexes.retain((s) => s !== segment);
  }
}
