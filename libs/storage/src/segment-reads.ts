import { BatchField, RECORD_BATCH_HEADER_BYTES } from '@strom/protocol';
import { batchSizeBytes, MAX_BATCH_BYTES, offsetForTimestampInBatch } from './batch.js';
import type { ReadableFile } from './file-io.js';
import type { FileHandlePool } from './file-pool.js';
import type { OffsetIndex } from './indexes.js';
import type { OffsetAndTimestamp, ReadOptions, ReadResult } from './partition-log.js';
import { BatchCursor, segmentIndexFor, ShortReadError, type Segment } from './segment.js';
import type { SegmentIndexes } from './segment-indexes.js';

/**
 * Reading a log's segments (Kafka's LocalLog.read and fetchOffsetByTimestamp): the batches from
 * an offset, bounded by maxBytes, the first offset at or after a timestamp, and where to cut a
 * segment for a truncation. The log checks the offset's range and retries reads that raced with
 * a deletion.
 */

/** What reading needs of its log, read live: segments can be rolled or deleted between awaits. */
export interface SegmentReadSource {
  readonly files: FileHandlePool;
  readonly indexes: SegmentIndexes;
  /** Oldest first; the last one is the active segment. */
  segments(): readonly Segment[];
  logStartOffset(): number;
  logEndOffset(): number;
  highWatermark(): number;
}

export async function readSegments(source: SegmentReadSource, offset: number, options: ReadOptions): Promise<ReadResult> {
  const maxOffset = options.maxOffset ?? Number.MAX_SAFE_INTEGER;
  const lease = options.lease;
  const allocate = lease === undefined ? Buffer.allocUnsafe : (bytes: number) => lease.acquire(bytes);
  const result = (records: Buffer, nextOffset: number): ReadResult => ({
    error: null,
    records,
    nextOffset,
    logStartOffset: source.logStartOffset(),
    logEndOffset: source.logEndOffset(),
    highWatermark: source.highWatermark(),
  });
  // A consumer at the high watermark, a follower at the log end: nothing to read, no I/O.
  if (offset >= Math.min(maxOffset, source.logEndOffset())) return result(EMPTY, offset);
  for (let i = segmentIndexFor(source.segments(), offset); i < source.segments().length; i++) {
    const segment = source.segments()[i]!;
    if (segment.baseOffset >= maxOffset) break;
    const { offsetIndex } = await source.indexes.of(segment);
    const found = await source.files.with(segment.logPath, (handle) =>
      readFromSegment(new SegmentWindow(handle, allocate), segment, offsetIndex, offset, maxOffset, options),
    );
    if (found) return result(found.records, found.nextOffset);
    if (segment.nextOffset > offset && segment === source.segments()[source.segments().length - 1]) break;
  }
  return result(EMPTY, offset);
}

const EMPTY = Buffer.alloc(0);

/** Read past the fetch offset's index entry, so the batch holding the offset is in the same read. */
const SLACK_BYTES = 64 * 1024;
/** Enough of a batch's header for its base offset, size and last offset. */
const SCAN_HEADER_BYTES = BatchField.LastOffsetDelta + 4;

/**
 * One segment's part of a read, at the cost of the bytes (Kafka's LogSegment.read): the offset
 * index gives a position at most index.interval.bytes (plus one batch) before each boundary
 * needed, the fetch offset's batch, the bound `maxOffset` sets and the last whole batch within
 * `maxBytes`, and only those few headers are read. The batches in between are sent as they are,
 * never walked. Null when no batch of this segment reaches `offset`.
 */
async function readFromSegment(
  window: SegmentWindow,
  segment: Segment,
  index: OffsetIndex,
  offset: number,
  maxOffset: number,
  options: ReadOptions,
): Promise<{ records: Buffer; nextOffset: number } | null> {
  // The committed end, taken together before any await: appends move both at once.
  const segmentEnd = segment.sizeBytes;
  const segmentNextOffset = segment.nextOffset;
  const from = index.lookup(offset).position;
  if (from >= segmentEnd) return null;
  await window.load(from, Math.min(segmentEnd, from + options.maxBytes + SLACK_BYTES));
  // The first batch whose last offset reaches `offset`.
  let start = from;
  let first: ScanHeader | null = null;
  while (start < segmentEnd) {
    first = await window.headerAt(start, segmentEnd);
    if (!first) return null;
    if (first.lastOffset >= offset) break;
    start += first.sizeBytes;
  }
  if (!first || start >= segmentEnd) return null;
  if (first.lastOffset >= maxOffset) return { records: EMPTY, nextOffset: offset };
  // Readable data ends before the first batch reaching maxOffset (the high watermark or the last
  // stable offset), or at the segment's end.
  let end = segmentEnd;
  let nextOffset = segmentNextOffset;
  if (maxOffset < segmentNextOffset) {
    const bound = await firstBatchReaching(window, index, maxOffset, start, segmentEnd);
    end = bound.position;
    nextOffset = bound.baseOffset;
  }
  const limit = start + options.maxBytes;
  if (end > limit) {
    // The last whole batch within maxBytes: walk from the index entry at or before the limit.
    let position = Math.max(start, index.floorPosition(limit));
    let header = await window.headerAt(position, segmentEnd);
    while (header && position + header.sizeBytes <= limit) {
      position += header.sizeBytes;
      header = position < end ? await window.headerAt(position, segmentEnd) : null;
    }
    if (position === start) {
      if (options.minOneBatch === false) return { records: EMPTY, nextOffset: offset };
      position = start + first.sizeBytes;
      header = position < end ? await window.headerAt(position, segmentEnd) : null;
    }
    end = position;
    nextOffset = header ? header.baseOffset : end === segmentEnd ? segmentNextOffset : nextOffset;
  }
  const records = window.slice(start, end) ?? (await window.readRange(start, end));
  return { records, nextOffset };
}

/** The first batch from `from` on whose last offset reaches `target` (the index narrows the walk). */
async function firstBatchReaching(
  window: SegmentWindow,
  index: OffsetIndex,
  target: number,
  from: number,
  segmentEnd: number,
): Promise<{ position: number; baseOffset: number }> {
  let position = Math.max(from, index.lookup(target).position);
  while (position < segmentEnd) {
    const header = await window.headerAt(position, segmentEnd);
    if (!header) break;
    if (header.lastOffset >= target) return { position, baseOffset: header.baseOffset };
    position += header.sizeBytes;
  }
  return { position, baseOffset: target };
}

interface ScanHeader {
  baseOffset: number;
  lastOffset: number;
  sizeBytes: number;
}

/**
 * The bytes of one read of a segment, with the few batch headers a read needs outside them read
 * on their own. Batches were validated when appended (and by recovery), so a header here is
 * only checked for a sane length: one that is not ends the readable data, as recovery would.
 */
class SegmentWindow {
  private buffer: Buffer = EMPTY;
  private from = 0;
  private readonly handle: ReadableFile;
  private readonly allocate: (bytes: number) => Buffer;

  constructor(handle: ReadableFile, allocate: (bytes: number) => Buffer) {
    this.handle = handle;
    this.allocate = allocate;
  }

  async load(from: number, to: number): Promise<void> {
    this.buffer = await readRange(this.handle, from, to, this.allocate);
    this.from = from;
  }

  /** [from, to) from this window, if it holds them. */
  slice(from: number, to: number): Buffer | null {
    if (from < this.from || to > this.from + this.buffer.length) return null;
    return this.buffer.subarray(from - this.from, to - this.from);
  }

  readRange(from: number, to: number): Promise<Buffer> {
    return readRange(this.handle, from, to, this.allocate);
  }

  async headerAt(position: number, segmentEnd: number): Promise<ScanHeader | null> {
    if (segmentEnd - position < RECORD_BATCH_HEADER_BYTES) return null;
    const inWindow = this.slice(position, position + SCAN_HEADER_BYTES);
    const bytes = inWindow ?? (await readRange(this.handle, position, position + SCAN_HEADER_BYTES));
    const sizeBytes = batchSizeBytes(bytes);
    if (sizeBytes < RECORD_BATCH_HEADER_BYTES || sizeBytes > MAX_BATCH_BYTES || position + sizeBytes > segmentEnd) return null;
    // Offsets stay below 2^53: the int64 as two halves, without a BigInt.
    const baseOffset = bytes.readUInt32BE(BatchField.BaseOffset) * 0x1_0000_0000 + bytes.readUInt32BE(BatchField.BaseOffset + 4);
    return { baseOffset, lastOffset: baseOffset + bytes.readInt32BE(BatchField.LastOffsetDelta), sizeBytes };
  }
}

export async function offsetForTimestamp(source: SegmentReadSource, timestampMs: number): Promise<OffsetAndTimestamp | null> {
  for (const segment of [...source.segments()]) {
    if (segment.nextOffset <= source.logStartOffset()) continue;
    const { offsetIndex, timeIndex } = await source.indexes.of(segment);
    if (segment.maxTimestamp < timestampMs) continue;
    const before = timeIndex.lookupBefore(timestampMs);
    const position = before ? offsetIndex.lookup(before.offset).position : 0;
    const found = await source.files.with(segment.logPath, async (handle) => {
      const cursor = new BatchCursor(handle, position, segment.sizeBytes, { withBodies: true });
      for (let batch = await cursor.next(); batch; batch = await cursor.next()) {
        if (batch.header.maxTimestamp >= timestampMs && batch.header.lastOffset >= source.logStartOffset())
          return offsetForTimestampInBatch(batch.bytes!, timestampMs);
      }
      return null;
    });
    if (found) return { offset: Math.max(found.offset, source.logStartOffset()), timestamp: found.timestamp };
  }
  return null;
}

/** The segment holding the largest timestamp (indexes loaded to learn it), or null if none has one. */
export async function segmentOfMaxTimestamp(source: SegmentReadSource): Promise<Segment | null> {
  let best: Segment | null = null;
  for (const segment of [...source.segments()]) {
    await source.indexes.of(segment);
    if (segment.maxTimestamp >= 0 && (!best || segment.maxTimestamp > best.maxTimestamp)) best = segment;
  }
  return best;
}

async function readRange(
  handle: ReadableFile,
  from: number,
  to: number,
  allocate: (bytes: number) => Buffer = Buffer.allocUnsafe,
): Promise<Buffer> {
  const buffer = allocate(to - from);
  let read = 0;
  while (read < buffer.length) {
    const { bytesRead } = await handle.read(buffer, read, buffer.length - read, from + read);
    if (bytesRead === 0) throw new ShortReadError(from, buffer.length, read);
    read += bytesRead;
  }
  return buffer;
}

/**
 * Where to cut `segment` so that `offset` and everything after it go: the position of the first
 * batch reaching `offset`, and the log end offset left behind (a batch is kept or cut whole).
 */
export async function truncationPoint(
  source: SegmentReadSource,
  segment: Segment,
  offset: number,
): Promise<{ cutAt: number; newEnd: number }> {
  const from = (await source.indexes.of(segment)).offsetIndex.lookup(offset).position;
  return source.files.with(segment.logPath, async (handle) => {
    const cursor = new BatchCursor(handle, from, segment.sizeBytes);
    let previousEnd = segment.baseOffset;
    for (let batch = await cursor.next(); batch; batch = await cursor.next()) {
      if (batch.header.lastOffset >= offset)
        return {
          cutAt: batch.position,
          newEnd: batch.header.baseOffset === offset ? offset : Math.max(previousEnd, batch.header.baseOffset),
        };
      previousEnd = batch.header.lastOffset + 1;
    }
    return { cutAt: segment.sizeBytes, newEnd: segment.nextOffset };
  });
}
