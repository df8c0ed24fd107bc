import { offsetForTimestampInBatch } from './batch.js';
import type { ReadableFile } from './file-io.js';
import type { FileHandlePool } from './file-pool.js';
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
  const minOneBatch = options.minOneBatch !== false;
  const lease = options.lease;
  const allocate = lease === undefined ? undefined : (bytes: number) => lease.acquire(bytes);
  const result = (records: Buffer, nextOffset: number): ReadResult => ({
    error: null,
    records,
    nextOffset,
    logStartOffset: source.logStartOffset(),
    logEndOffset: source.logEndOffset(),
    highWatermark: source.highWatermark(),
  });
  for (let i = segmentIndexFor(source.segments(), offset); i < source.segments().length; i++) {
    const segment = source.segments()[i]!;
    const endPosition = segment.sizeBytes;
    const startPosition =
      i === segmentIndexFor(source.segments(), offset) ? (await source.indexes.of(segment)).offsetIndex.lookup(offset).position : 0;
    const found = await source.files.with(segment.logPath, async (handle) => {
      const cursor = new BatchCursor(handle, startPosition, endPosition, {
        windowBytes: Math.min(options.maxBytes + 64 * 1024, 8 * 1024 * 1024),
        ...(allocate === undefined ? {} : { allocate }),
      });
      let first: number | null = null;
      let last = -1;
      let endAt = 0;
      for (let batch = await cursor.next(); batch; batch = await cursor.next()) {
        if (batch.header.lastOffset < offset) continue;
        if (batch.header.lastOffset >= maxOffset) break;
        const size = batch.position + batch.header.sizeBytes - (first ?? batch.position);
        if (first !== null && size > options.maxBytes) break;
        if (first === null && size > options.maxBytes && !minOneBatch)
          return { records: Buffer.alloc(0), nextOffset: offset, empty: false };
        first ??= batch.position;
        endAt = batch.position + batch.header.sizeBytes;
        last = batch.header.lastOffset;
      }
      if (first === null) return null;
      const records = cursor.slice(first, endAt) ?? (await readRange(handle, first, endAt, allocate));
      return { records, nextOffset: last + 1, empty: false };
    });
    if (found) return result(found.records, found.nextOffset);
    if (segment.nextOffset > offset && segment === source.segments()[source.segments().length - 1]) break;
  }
  return result(Buffer.alloc(0), offset);
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
