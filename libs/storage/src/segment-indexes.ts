import type { BatchHeader } from './batch.js';
import type { LogConfig } from './config.js';
import type { FileIo } from './file-io.js';
import type { FileHandlePool } from './file-pool.js';
import { readFileIfExists, writeFileAtomic } from './files.js';
import { OffsetIndex, OFFSET_INDEX_ENTRY_BYTES, TIME_INDEX_ENTRY_BYTES, TimeIndex } from './indexes.js';
import { BatchCursor, type Segment } from './segment.js';

/** Inactive segments whose indexes may stay in memory at once, per log. */
export const MAX_LOADED_INACTIVE_INDEXES = 4;

export interface SegmentIndexPair {
  offsetIndex: OffsetIndex;
  timeIndex: TimeIndex;
}

/** What the index cache needs of its log: files, the current settings, which segment is active. */
export interface SegmentIndexesContext {
  readonly io: FileIo;
  readonly files: FileHandlePool;
  config(): LogConfig;
  isActive(segment: Segment): boolean;
}

/**
 * The indexes of a log's inactive segments, loaded (or rebuilt) on demand and evicted beyond
 * MAX_LOADED_INACTIVE_INDEXES so that a log of many segments holds a bounded amount of index
 * memory. The active segment's indexes are always in memory and not tracked here.
 */
export class SegmentIndexes {
  private loadedInactive: Segment[] = [];

  private readonly context: SegmentIndexesContext;

  constructor(context: SegmentIndexesContext) {
    this.context = context;
  }

  /** The segment's indexes, loading (or rebuilding) an inactive segment's on demand. */
  async of(segment: Segment): Promise<SegmentIndexPair> {
    if (!segment.offsetIndex || !segment.timeIndex) {
      const loaded = await loadIndexFiles(segment, this.context.config());
      if (loaded) {
        segment.offsetIndex = loaded.offsetIndex;
        segment.timeIndex = loaded.timeIndex;
        const last = loaded.timeIndex.lastEntry();
        segment.maxTimestamp = last?.timestamp ?? -1;
        segment.offsetOfMaxTimestamp = last?.offset ?? -1;
      } else {
        await rebuildSegment(this.context.files, this.context.config(), segment);
        await writeIndexes(this.context.io, segment).catch(() => undefined);
      }
      this.track(segment);
    }
    return { offsetIndex: segment.offsetIndex!, timeIndex: segment.timeIndex! };
  }

  /** Counts the segment's indexes as the most recently used; the least recently used beyond the limit are dropped. */
  track(segment: Segment): void {
    if (this.context.isActive(segment)) return;
    this.loadedInactive = this.loadedInactive.filter((s) => s !== segment);
    this.loadedInactive.push(segment);
    while (this.loadedInactive.length > MAX_LOADED_INACTIVE_INDEXES) {
      const evicted = this.loadedInactive.shift()!;
      if (evicted.indexesDirty) continue; // written at roll; dirty only if that failed
      evicted.offsetIndex = null;
      evicted.timeIndex = null;
    }
  }

  /** Stops tracking the segments `keep` rejects (deleted or replaced). */
  retain(keep: (segment: Segment) => boolean): void {
    this.loadedInactive = this.loadedInactive.filter(keep);
  }

  clear(): void {
    this.loadedInactive = [];
  }
}

/** The segment's index files, or null if missing, unreadable, or pointing past the segment's end. */
export async function loadIndexFiles(segment: Segment, config: LogConfig): Promise<SegmentIndexPair | null> {
  const [index, timeIndex] = await Promise.all([readFileIfExists(segment.indexPath), readFileIfExists(segment.timeIndexPath)]);
  if (!index || !timeIndex) return null;
  const offsetIndex = OffsetIndex.fromBuffer(segment.baseOffset, Math.floor(config.segmentIndexBytes / OFFSET_INDEX_ENTRY_BYTES), index);
  const time = TimeIndex.fromBuffer(segment.baseOffset, Math.floor(config.segmentIndexBytes / TIME_INDEX_ENTRY_BYTES), timeIndex);
  if (!offsetIndex || !time) return null;
  if (offsetIndex.lastPosition() >= Math.max(segment.sizeBytes, 1) && offsetIndex.entries > 0) return null;
  return { offsetIndex, timeIndex: time };
}

/** Writes a segment's two indexes, each atomically; `durable` fsyncs them (the caller fsyncs the directory). */
export async function writeIndexes(io: FileIo, segment: Segment, durable = false): Promise<void> {
  if (!segment.offsetIndex || !segment.timeIndex) return;
  await writeFileAtomic(io, segment.indexPath, segment.offsetIndex.toBuffer(), durable, false);
  await writeFileAtomic(io, segment.timeIndexPath, segment.timeIndex.toBuffer(), durable, false);
  segment.indexesDirty = false;
}

/** Rebuilds a segment's indexes and metadata from its batches; with `verify`, stops at the first bad one. */
export async function rebuildSegment(
  files: FileHandlePool,
  config: LogConfig,
  segment: Segment,
  verify = false,
  visit?: (header: BatchHeader) => void,
): Promise<{ validBytes: number }> {
  segment.newIndexes(config.segmentIndexBytes);
  segment.nextOffset = segment.baseOffset;
  let validBytes = 0;
  await files.with(segment.logPath, async (handle) => {
    const cursor = new BatchCursor(handle, 0, segment.sizeBytes, { verifyCrc: verify, withBodies: verify, windowBytes: 4 * 1024 * 1024 });
    let previousEnd = segment.baseOffset;
    for (let batch = await cursor.next(); batch; batch = await cursor.next()) {
      if (batch.header.baseOffset < previousEnd || segment.offsetIndex!.isFull) break; // not ours: stop like a torn tail
      segment.onBatchAppended(batch.header, batch.position, config.indexIntervalBytes);
      visit?.(batch.header);
      previousEnd = batch.header.lastOffset + 1;
      validBytes = batch.position + batch.header.sizeBytes;
    }
  });
  segment.sizeBytes = verify ? segment.sizeBytes : validBytes;
  return { validBytes };
}
