import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogConfig } from './config.js';
import { invariant } from './errors.js';
import { nodeFileIo, type FileIo } from './file-io.js';
import type { FileHandlePool } from './file-pool.js';
import { CLEANED_SUFFIX, DELETED_SUFFIX, LOG_SUFFIX, offsetFileName, renameIfExists, SWAP_SUFFIX, unlinkIfExists } from './files.js';
import { Segment } from './segment.js';
import { rebuildSegment, writeIndexes, type SegmentIndexes } from './segment-indexes.js';
import { cleanSegments, DEFAULT_MAX_OFFSET_MAP_ENTRIES, type CleanInput, type CleanOutput } from './compaction.js';
import { cleanSegmentsInWorker } from './compaction-worker.js';

/**
 * A log's compaction passes: which segments are cleanable, the cleaner (compaction.ts) run on
 * them, and the swap of the cleaned files into the segment list (Kafka's LogCleaner's
 * `replaceSegments`).
 */

export interface CompactionStats {
  firstUncleanableOffset: number;
  cleanableBytes: number;
  dirtyBytes: number;
  dirtyRatio: number;
  segmentBases: number[];
  /**
   * How far past max.compaction.lag.ms the oldest dirty record is (0 when none is), by the first
   * batch's timestamp of each dirty closed segment (Kafka's LogCleanerManager.maxCompactionDelay).
   */
  compactionDelayMs: number;
}

export interface CompactOptions {
  nowMs?: number;
  /** Clean even when neither min.cleanable.dirty.ratio nor max.compaction.lag.ms asks for it. */
  force?: boolean;
  /** Default true: clean in a worker thread, off the event loop serving appends. */
  inWorker?: boolean;
  maxOffsetMapEntries?: number;
}

export interface CompactionResult {
  compacted: boolean;
  reason?: string;
  stats: CompactionStats;
  output?: CleanOutput;
}

/** What compaction needs of its log: the segment list (which the swap replaces), files, settings. */
export interface CompactionContext {
  readonly directory: string;
  readonly io: FileIo;
  readonly files: FileHandlePool;
  readonly indexes: SegmentIndexes;
  config(): LogConfig;
  /** Oldest first; the last one is the active segment. */
  segments(): readonly Segment[];
  setSegments(segments: Segment[]): void;
  lastStableOffset(): number;
  syncDirectory(): Promise<void>;
}

export class LogCompactor {
  /** Segments from here on have not been compacted since the log was opened. */
  private firstDirtyOffset = 0;

  private readonly log: CompactionContext;

  constructor(log: CompactionContext) {
    this.log = log;
  }

  /**
   * What a compaction would clean now: segments below the first uncleanable offset (the
   * active segment, the high watermark, and min.compaction.lag.ms bound it) and the share of
   * their bytes not cleaned since this log was opened.
   */
  async stats(nowMs: number): Promise<CompactionStats> {
    let firstUncleanableOffset = Math.min(this.active.baseOffset, this.log.lastStableOffset());
    const segments: Segment[] = [];
    for (const segment of this.log.segments().slice(0, -1)) {
      await this.log.indexes.of(segment);
      const next = this.log.segments()[this.log.segments().indexOf(segment) + 1]!;
      if (next.baseOffset > firstUncleanableOffset || nowMs - segment.maxTimestamp < this.log.config().minCompactionLagMs) {
        firstUncleanableOffset = Math.min(firstUncleanableOffset, segment.baseOffset);
        break;
      }
      segments.push(segment);
    }
    const cleanableBytes = segments.reduce((sum, s) => sum + s.sizeBytes, 0);
    const dirtyBytes = segments.filter((s) => s.baseOffset >= this.firstDirtyOffset).reduce((sum, s) => sum + s.sizeBytes, 0);
    return {
      firstUncleanableOffset,
      cleanableBytes,
      dirtyBytes,
      dirtyRatio: cleanableBytes === 0 ? 0 : dirtyBytes / cleanableBytes,
      segmentBases: segments.map((s) => s.baseOffset),
      compactionDelayMs: this.compactionDelayMs(nowMs),
    };
  }

  private compactionDelayMs(nowMs: number): number {
    const firstBatchTimestamps = this.log
      .segments()
      .slice(0, -1)
      .filter((s) => s.baseOffset >= this.firstDirtyOffset && s.rollingBasedTimestamp !== null && s.rollingBasedTimestamp > 0)
      .map((s) => s.rollingBasedTimestamp!);
    if (firstBatchTimestamps.length === 0) return 0;
    const cleanUntilMs = nowMs - Math.max(this.log.config().maxCompactionLagMs, 0);
    return Math.max(cleanUntilMs - Math.min(...firstBatchTimestamps), 0);
  }

  /**
   * One compaction pass (cleanup.policy includes compact): cleans in a worker thread, then
   * swaps the cleaned segments in. As Kafka's cleaner picks a log: when its dirty ratio is above
   * min.cleanable.dirty.ratio, or a dirty record is older than max.compaction.lag.ms; else only
   * with `force`.
   */
  async compact(nowMs: number, options: CompactOptions): Promise<CompactionResult> {
    const stats = await this.stats(nowMs);
    const config = this.log.config();
    if (!config.cleanupPolicy.includes('compact')) return { compacted: false, reason: 'cleanup.policy has no compact', stats };
    if (stats.segmentBases.length === 0) return { compacted: false, reason: 'nothing cleanable', stats };
    const needCompactionNow = stats.compactionDelayMs > 0 && stats.cleanableBytes > 0;
    if (!options.force && !needCompactionNow && stats.dirtyRatio <= config.minCleanableDirtyRatio)
      return { compacted: false, reason: 'below min.cleanable.dirty.ratio', stats };
    const input: CleanInput = {
      segments: stats.segmentBases.map((base) => {
        const segment = this.log.segments().find((s) => s.baseOffset === base)!;
        return { baseOffset: base, logPath: segment.logPath, sizeBytes: segment.sizeBytes };
      }),
      endOffset: stats.firstUncleanableOffset,
      nowMs,
      deleteRetentionMs: config.deleteRetentionMs,
      maxOffsetMapEntries: options.maxOffsetMapEntries ?? DEFAULT_MAX_OFFSET_MAP_ENTRIES,
    };
    // Another FileIo than node:fs cannot follow the cleaner into a worker thread: clean here then.
    const inWorker = options.inWorker !== false && this.log.io === nodeFileIo;
    const output = inWorker ? await cleanSegmentsInWorker(input) : await cleanSegments(input, this.log.io);
    const cleanedBases = output.cleaned.map((c) => c.baseOffset);
    await this.replaceSegments(
      cleanedBases,
      output.cleaned.filter((c) => c.cleanedPath !== null).map((c) => c.baseOffset),
    );
    const lastCleaned = cleanedBases[cleanedBases.length - 1];
    const after = this.log.segments().find((s) => lastCleaned !== undefined && s.baseOffset > lastCleaned);
    this.firstDirtyOffset = Math.max(this.firstDirtyOffset, after?.baseOffset ?? 0);
    return { compacted: true, stats, output };
  }

  /**
   * Replaces live segments by the cleaner's `<base>.log.cleaned` files in Kafka's order:
   * `.cleaned` → `.swap` (the commit point), old segments → `.deleted`, `.swap` → live. A
   * crash before the commit point keeps the old segments; after it, opening the log finishes
   * the swap (log-loader's completeInterruptedSwaps). Either way no record is lost.
   */
  private async replaceSegments(oldBases: readonly number[], cleanedBases: readonly number[]): Promise<void> {
    const { directory, io, files, indexes } = this.log;
    const olds = oldBases.map((base) => {
      const segment = this.log.segments().find((s) => s.baseOffset === base);
      invariant(segment !== undefined && segment !== this.active, `segment ${base} is not a cleanable live segment`);
      return segment;
    });
    for (const base of cleanedBases) {
      const live = join(directory, offsetFileName(base, LOG_SUFFIX));
      await io.rename(live + CLEANED_SUFFIX, live + SWAP_SUFFIX);
    }
    await this.log.syncDirectory();
    this.log.setSegments(this.log.segments().filter((s) => !olds.includes(s)));
    for (const segment of olds) {
      await files.close(segment.logPath);
      for (const path of [segment.logPath, segment.indexPath, segment.timeIndexPath]) await renameIfExists(io, path, path + DELETED_SUFFIX);
    }
    await this.log.syncDirectory();
    const added: Segment[] = [];
    for (const base of cleanedBases) {
      const segment = new Segment(directory, base, 0);
      await io.rename(segment.logPath + SWAP_SUFFIX, segment.logPath);
      segment.sizeBytes = (await stat(segment.logPath)).size;
      await rebuildSegment(files, this.log.config(), segment);
      await writeIndexes(io, segment);
      added.push(segment);
    }
    await this.log.syncDirectory();
    for (const segment of olds) {
      for (const path of [segment.logPath, segment.indexPath, segment.timeIndexPath]) await unlinkIfExists(io, path + DELETED_SUFFIX);
    }
    indexes.retain((s) => !olds.includes(s));
    this.log.setSegments([...this.log.segments(), ...added].sort((a, b) => a.baseOffset - b.baseOffset));
    added.forEach((s) => indexes.track(s));
  }

  private get active(): Segment {
    const segments = this.log.segments();
    return segments[segments.length - 1]!;
  }
}
