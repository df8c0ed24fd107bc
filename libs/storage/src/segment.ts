import { join } from 'node:path';
import { RECORD_BATCH_HEADER_BYTES } from '@strom/protocol';
import { batchSizeBytes, checkBatch, MAX_BATCH_BYTES, readBatchHeader, type BatchDefect, type BatchHeader } from './batch.js';
import type { ReadableFile } from './file-io.js';
import { INDEX_SUFFIX, LOG_SUFFIX, offsetFileName, TIME_INDEX_SUFFIX } from './files.js';
import { OFFSET_INDEX_ENTRY_BYTES, OffsetIndex, TIME_INDEX_ENTRY_BYTES, TimeIndex } from './indexes.js';

/** One `.log` file and its indexes. `sizeBytes` is the committed end: readers never pass it. */
export class Segment {
  readonly baseOffset: number;
  readonly logPath: string;
  readonly indexPath: string;
  readonly timeIndexPath: string;
  sizeBytes: number;
  /** Offset after the last batch (for an inactive segment loaded cleanly: the next segment's base). */
  nextOffset: number;
  /** null until loaded (inactive segments load them lazily and may drop them again). */
  offsetIndex: OffsetIndex | null = null;
  timeIndex: TimeIndex | null = null;
  /** -1 = none / not known yet. */
  maxTimestamp = -1;
  /** Last offset of the batch carrying maxTimestamp. */
  offsetOfMaxTimestamp = -1;
  /** Max timestamp of the first batch: segment.ms counts from it (Kafka's rollingBasedTimestamp). */
  rollingBasedTimestamp: number | null = null;
  bytesSinceLastIndexEntry = 0;
  /** In-memory indexes differ from the files. */
  indexesDirty = false;

  constructor(directory: string, baseOffset: number, sizeBytes: number) {
    this.baseOffset = baseOffset;
    this.logPath = join(directory, offsetFileName(baseOffset, LOG_SUFFIX));
    this.indexPath = join(directory, offsetFileName(baseOffset, INDEX_SUFFIX));
    this.timeIndexPath = join(directory, offsetFileName(baseOffset, TIME_INDEX_SUFFIX));
    this.sizeBytes = sizeBytes;
    this.nextOffset = baseOffset;
  }

  get isEmpty(): boolean {
    return this.sizeBytes === 0;
  }

  get indexMemoryBytes(): number {
    return (this.offsetIndex?.memoryBytes ?? 0) + (this.timeIndex?.memoryBytes ?? 0);
  }

  newIndexes(segmentIndexBytes: number): void {
    this.offsetIndex = new OffsetIndex(this.baseOffset, Math.floor(segmentIndexBytes / OFFSET_INDEX_ENTRY_BYTES));
    this.timeIndex = new TimeIndex(this.baseOffset, Math.floor(segmentIndexBytes / TIME_INDEX_ENTRY_BYTES));
    this.bytesSinceLastIndexEntry = 0;
    this.maxTimestamp = -1;
    this.offsetOfMaxTimestamp = -1;
    this.rollingBasedTimestamp = null;
  }

  /**
   * Accounts for a batch written at `position` (Kafka's LogSegment.append, per batch): an
   * index entry when more than `indexIntervalBytes` were appended since the last one.
   */
  onBatchAppended(header: BatchHeader, position: number, indexIntervalBytes: number): void {
    const offsetIndex = this.offsetIndex!;
    const timeIndex = this.timeIndex!;
    if (this.rollingBasedTimestamp === null) this.rollingBasedTimestamp = header.maxTimestamp;
    if (header.maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = header.maxTimestamp;
      this.offsetOfMaxTimestamp = header.lastOffset;
    }
    if (this.bytesSinceLastIndexEntry > indexIntervalBytes && !offsetIndex.isFull) {
      offsetIndex.append(header.lastOffset, position);
      timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += header.sizeBytes;
    this.sizeBytes = position + header.sizeBytes;
    this.nextOffset = header.lastOffset + 1;
    this.indexesDirty = true;
  }

  /** Kafka's onBecomeInactiveSegment: the time index ends with the segment's max timestamp. */
  seal(): void {
    if (this.maxTimestamp >= 0 && this.timeIndex?.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp)) this.indexesDirty = true;
  }

  needsIndexRoom(): boolean {
    return (this.offsetIndex?.isFull ?? false) || (this.timeIndex?.isFull ?? false);
  }
}

export interface ScannedBatch {
  header: BatchHeader;
  position: number;
  /** The whole batch when the cursor was asked for bodies. */
  bytes: Buffer | null;
}

export const DEFAULT_WINDOW_BYTES = 256 * 1024;

/**
 * Walks the batches of a segment file from `position` to `endPosition` through a read
 * window, reading each header (and the whole batch when `withBodies`). Stops at the end or
 * at the first batch that is torn or corrupt, reporting where and why.
 */
export class BatchCursor {
  private window: Buffer;
  private windowPosition = 0;
  private windowLength = 0;
  position: number;
  defect: BatchDefect | null = null;
  private readonly handle: ReadableFile;
  private readonly endPosition: number;
  private readonly withBodies: boolean;
  private readonly verifyCrc: boolean;
  private readonly allocate: (bytes: number) => Buffer;

  constructor(
    handle: ReadableFile,
    position: number,
    endPosition: number,
    options: { withBodies?: boolean; verifyCrc?: boolean; windowBytes?: number; allocate?: (bytes: number) => Buffer } = {},
  ) {
    this.handle = handle;
    this.position = position;
    this.endPosition = endPosition;
    this.withBodies = options.withBodies ?? false;
    this.verifyCrc = options.verifyCrc ?? false;
    this.allocate = options.allocate ?? Buffer.allocUnsafe;
    this.window = this.allocate(
      Math.max(
        RECORD_BATCH_HEADER_BYTES,
        Math.min(options.windowBytes ?? DEFAULT_WINDOW_BYTES, Math.max(endPosition - position, RECORD_BATCH_HEADER_BYTES)),
      ),
    );
  }

  /** The window holding [from, to) if it does: lets a reader slice instead of re-reading. */
  slice(from: number, to: number): Buffer | null {
    if (from < this.windowPosition || to > this.windowPosition + this.windowLength) return null;
    return this.window.subarray(from - this.windowPosition, to - this.windowPosition);
  }

  async next(): Promise<ScannedBatch | null> {
    const remaining = this.endPosition - this.position;
    if (remaining <= 0) return null;
    if (remaining < RECORD_BATCH_HEADER_BYTES) return this.stop('too-short');
    await this.ensure(this.position, RECORD_BATCH_HEADER_BYTES);
    const at = this.position - this.windowPosition;
    const size = batchSizeBytes(this.window, at);
    if (size < RECORD_BATCH_HEADER_BYTES || size > MAX_BATCH_BYTES) return this.stop('bad-length');
    if (size > remaining) return this.stop('too-short');
    const needBody = this.withBodies || this.verifyCrc;
    if (needBody) await this.ensure(this.position, size);
    const start = this.position - this.windowPosition;
    // Without the body in the window, `size` bytes are known to exist in the file (checked above).
    const defect = checkBatch(this.window, start, size, this.verifyCrc && needBody);
    if (defect && defect !== 'too-short') return this.stop(defect);
    const header = readBatchHeader(this.window, start);
    const scanned: ScannedBatch = {
      header,
      position: this.position,
      bytes: this.withBodies ? this.window.subarray(start, start + size) : null,
    };
    this.position += size;
    return scanned;
  }

  private stop(defect: BatchDefect): null {
    this.defect = defect;
    return null;
  }

  private async ensure(from: number, bytes: number): Promise<void> {
    if (from >= this.windowPosition && from + bytes <= this.windowPosition + this.windowLength) return;
    if (bytes > this.window.length) this.window = this.allocate(bytes);
    const want = Math.min(this.window.length, this.endPosition - from);
    let read = 0;
    while (read < want) {
      const { bytesRead } = await this.handle.read(this.window, read, want - read, from + read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    this.windowPosition = from;
    this.windowLength = read;
    if (read < bytes) throw new ShortReadError(from, bytes, read);
  }
}

/** The file ended before its committed size (truncated under a reader). */
export class ShortReadError extends Error {
  constructor(position: number, wanted: number, got: number) {
    super(`short read at ${position}: wanted ${wanted} bytes, got ${got}`);
    this.name = 'ShortReadError';
  }
}

/** Index of the last segment whose base offset is ≤ offset (0 if none). */
export function segmentIndexFor(segments: readonly Segment[], offset: number): number {
  let lo = 0;
  let hi = segments.length - 1;
  let found = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (segments[mid]!.baseOffset <= offset) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}
