import { open, type FileHandle } from 'node:fs/promises';
import {
  batchAttributes,
  batchBaseTimestamp,
  batchCompression,
  batchIsControl,
  buildBatch,
  readBatchHeader,
  readRecords,
  type BatchHeader,
} from './batch.js';
import { CLEANED_SUFFIX } from './files.js';
import { BatchCursor } from './segment.js';

/** Kafka's dedupe buffer (128 MiB) holds ~5M entries; ours is a Map, bounded by entry count. */
export const DEFAULT_MAX_OFFSET_MAP_ENTRIES = 1_000_000;

export interface CleanInput {
  segments: { baseOffset: number; logPath: string; sizeBytes: number }[];
  /** Nothing at or after this offset is looked at (first uncleanable offset). */
  endOffset: number;
  nowMs: number;
  deleteRetentionMs: number;
  maxOffsetMapEntries: number;
}

export interface CleanOutput {
  /** One per input segment cleaned, in order; `cleanedPath` null when nothing survived. */
  cleaned: { baseOffset: number; cleanedPath: string | null; sizeBytes: number }[];
  recordsRead: number;
  recordsKept: number;
  /** Compressed (and control) batches kept whole without looking at their records. */
  batchesKeptWhole: number;
  bytesBefore: number;
  bytesAfter: number;
}

/**
 * Kafka's log cleaner, one pass: (1) key → latest offset over [first segment, endOffset),
 * stopping early at a segment boundary if the map is full; (2) rewrite each segment into
 * `<base>.log.cleaned` keeping, per key, only the latest record, dropping tombstones older than
 * delete.retention.ms. Kept records keep their offsets (batches are re-encoded with the
 * original base offset and span), so offsets only increase and consumers see the same
 * positions. Runs on plain files: the owner (DiskLog.compact) swaps the results in.
 */
export async function cleanSegments(input: CleanInput): Promise<CleanOutput> {
  const latest = new Map<string, number>();
  const mapped: CleanInput['segments'] = [];
  for (const segment of input.segments) {
    const before = new Map(latest);
    const full = await forEachBatch(segment.logPath, segment.sizeBytes, (header, bytes) => {
      if (header.baseOffset >= input.endOffset) return true;
      for (const record of recordsOf(bytes) ?? []) {
        if (record.key === null || record.offset >= input.endOffset) continue;
        latest.set(record.key.toString('latin1'), record.offset);
      }
      return latest.size <= input.maxOffsetMapEntries;
    });
    if (!full) {
      // Map overflowed inside this segment: clean only the segments before it.
      for (const key of [...latest.keys()]) if (!before.has(key)) latest.delete(key);
      for (const [key, offset] of before) latest.set(key, offset);
      break;
    }
    mapped.push(segment);
  }

  const output: CleanOutput = { cleaned: [], recordsRead: 0, recordsKept: 0, batchesKeptWhole: 0, bytesBefore: 0, bytesAfter: 0 };
  const deleteHorizonMs = input.nowMs - input.deleteRetentionMs;
  for (const segment of mapped) {
    const kept: Buffer[] = [];
    await forEachBatch(segment.logPath, segment.sizeBytes, (header, bytes) => {
      output.bytesBefore += bytes.length;
      const records = recordsOf(bytes);
      if (!records || batchIsControl(bytes)) {
        kept.push(Buffer.from(bytes));
        output.batchesKeptWhole++;
        return true;
      }
      output.recordsRead += records.length;
      const survivors = records.filter((record) => {
        if (record.key === null) return true;
        const latestOffset = latest.get(record.key.toString('latin1'));
        if (latestOffset !== undefined && latestOffset > record.offset) return false;
        return record.value !== null || record.timestamp >= deleteHorizonMs;
      });
      output.recordsKept += survivors.length;
      if (survivors.length === records.length) kept.push(Buffer.from(bytes));
      else if (survivors.length > 0) kept.push(rebuild(header, bytes, survivors));
      return true;
    });
    const size = kept.reduce((sum, b) => sum + b.length, 0);
    output.bytesAfter += size;
    if (kept.length === 0) {
      output.cleaned.push({ baseOffset: segment.baseOffset, cleanedPath: null, sizeBytes: 0 });
      continue;
    }
    const cleanedPath = segment.logPath + CLEANED_SUFFIX;
    const handle = await open(cleanedPath, 'w');
    try {
      for (let i = 0; i < kept.length; i += 1024) await handle.writev(kept.slice(i, i + 1024));
      await handle.sync();
    } finally {
      await handle.close();
    }
    output.cleaned.push({ baseOffset: segment.baseOffset, cleanedPath, sizeBytes: size });
  }
  return output;
}

function recordsOf(bytes: Buffer): ReturnType<typeof readRecords> {
  return batchCompression(bytes) === 0 ? readRecords(bytes) : null;
}

function rebuild(header: BatchHeader, original: Buffer, survivors: NonNullable<ReturnType<typeof readRecords>>): Buffer {
  const batch = buildBatch({
    baseOffset: header.baseOffset,
    baseTimestamp: batchBaseTimestamp(original),
    partitionLeaderEpoch: header.partitionLeaderEpoch,
    producerId: header.producerId,
    producerEpoch: header.producerEpoch,
    baseSequence: header.baseSequence,
    attributes: batchAttributes(original),
    lastOffsetDelta: header.lastOffset - header.baseOffset,
    // Kafka keeps the original max timestamp of a rebuilt batch (the time index depends on it).
    maxTimestamp: header.maxTimestamp,
    records: survivors.map((r) => ({ key: r.key, value: r.value, timestamp: r.timestamp, offsetDelta: r.offset - header.baseOffset })),
  });
  return batch;
}

async function forEachBatch(path: string, sizeBytes: number, visit: (header: BatchHeader, bytes: Buffer) => boolean): Promise<boolean> {
  const handle: FileHandle = await open(path, 'r');
  try {
    const cursor = new BatchCursor(handle, 0, sizeBytes, { withBodies: true, windowBytes: 1024 * 1024 });
    for (let batch = await cursor.next(); batch; batch = await cursor.next()) {
      if (!visit(readBatchHeader(batch.bytes!), batch.bytes!)) return false;
    }
    return true;
  } finally {
    await handle.close();
  }
}
