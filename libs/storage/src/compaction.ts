import {
  BatchField,
  decodeRecords,
  isControlBatch,
  isLogAppendTime,
  ProtocolError,
  readBatchHeader as readRecordBatchHeader,
  type DecodedRecord,
} from '@strom/protocol';
import { encodeBatch, type BatchHeader } from './batch.js';
import { nodeFileIo, type FileIo } from './file-io.js';
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
  /** Control batches, and batches whose records do not decode, kept whole. */
  batchesKeptWhole: number;
  bytesBefore: number;
  bytesAfter: number;
}

/**
 * Kafka's log cleaner, one pass: (1) key → latest offset over [first segment, endOffset),
 * stopping early at a segment boundary if the map is full; (2) rewrite each segment into
 * `<base>.log.cleaned` keeping, per key, only the latest record, dropping records without a key
 * and tombstones older than delete.retention.ms. Kept records keep their offsets (batches are re-encoded with the
 * original base offset and span), so offsets only increase and consumers see the same
 * positions. Compressed batches are decompressed, filtered and re-encoded with the same codec
 * (as Kafka's cleaner does); records keep their headers and attributes. Runs on plain files:
 * the owner (DiskLog.compact) swaps the results in.
 */
export async function cleanSegments(input: CleanInput, io: FileIo = nodeFileIo): Promise<CleanOutput> {
  const latest = new Map<string, number>();
  const mapped: CleanInput['segments'] = [];
  /** The last offset the map holds (Kafka's OffsetMap.latestOffset); records past it are kept as they are. */
  let latestMappedOffset = -1;
  for (const segment of input.segments) {
    const before = new Map(latest);
    const latestBefore = latestMappedOffset;
    const full = await forEachBatch(io, segment.logPath, segment.sizeBytes, (header, bytes) => {
      if (header.baseOffset >= input.endOffset) return true;
      for (const record of recordsOf(bytes) ?? []) {
        const offset = Number(record.offset);
        if (record.key === null || offset >= input.endOffset) continue;
        latest.set(record.key.toString('latin1'), offset);
        latestMappedOffset = offset;
      }
      return latest.size <= input.maxOffsetMapEntries;
    });
    if (!full) {
      // Map overflowed inside this segment: clean only the segments before it.
      for (const key of [...latest.keys()]) if (!before.has(key)) latest.delete(key);
      for (const [key, offset] of before) latest.set(key, offset);
      latestMappedOffset = latestBefore;
      break;
    }
    mapped.push(segment);
  }

  const output: CleanOutput = { cleaned: [], recordsRead: 0, recordsKept: 0, batchesKeptWhole: 0, bytesBefore: 0, bytesAfter: 0 };
  const deleteHorizonMs = input.nowMs - input.deleteRetentionMs;
  for (const segment of mapped) {
    const kept: Buffer[] = [];
    await forEachBatch(io, segment.logPath, segment.sizeBytes, (header, bytes) => {
      output.bytesBefore += bytes.length;
      const records = recordsOf(bytes);
      if (!records) {
        kept.push(Buffer.from(bytes));
        output.batchesKeptWhole++;
        return true;
      }
      output.recordsRead += records.length;
      const attributes = bytes.readInt16BE(BatchField.Attributes);
      const logAppendTime = isLogAppendTime(attributes) ? header.maxTimestamp : null;
      const survivors = records.filter((record) => {
        if (Number(record.offset) > latestMappedOffset) return true;
        // Kafka's cleaner drops a record without a key (a compacted topic refuses them on produce; older ones go).
        if (record.key === null) return false;
        const latestOffset = latest.get(record.key.toString('latin1'));
        if (latestOffset !== undefined && latestOffset > Number(record.offset)) return false;
        return record.value !== null || (logAppendTime ?? Number(record.timestamp)) >= deleteHorizonMs;
      });
      output.recordsKept += survivors.length;
      if (survivors.length === records.length) kept.push(Buffer.from(bytes));
      else if (survivors.length > 0) kept.push(rebuild(bytes, survivors));
      return true;
    });
    const size = kept.reduce((sum, b) => sum + b.length, 0);
    output.bytesAfter += size;
    if (kept.length === 0) {
      output.cleaned.push({ baseOffset: segment.baseOffset, cleanedPath: null, sizeBytes: 0 });
      continue;
    }
    const cleanedPath = segment.logPath + CLEANED_SUFFIX;
    const file = await io.open(cleanedPath, 'w');
    try {
      for (let i = 0, at = 0; i < kept.length; i += 1024) {
        const chunk = Buffer.concat(kept.slice(i, i + 1024));
        await file.write(chunk, at);
        at += chunk.length;
      }
      await file.sync();
    } finally {
      await file.close();
    }
    output.cleaned.push({ baseOffset: segment.baseOffset, cleanedPath, sizeBytes: size });
  }
  return output;
}

/** The records compaction may filter, or null to keep the batch whole (control batches, records that do not decode). */
function recordsOf(bytes: Buffer): DecodedRecord[] | null {
  if (isControlBatch(bytes.readInt16BE(BatchField.Attributes))) return null;
  try {
    return decodeRecords(bytes);
  } catch (error) {
    if (error instanceof ProtocolError) return null;
    throw error;
  }
}

/**
 * The batch again with only `survivors`, same codec and attributes. Kafka keeps the batch's
 * base offset, span (lastOffsetDelta), producer fields and max timestamp (the time index
 * depends on it); records keep their offset and timestamp deltas.
 */
function rebuild(original: Buffer, survivors: readonly DecodedRecord[]): Buffer {
  const header = readRecordBatchHeader(original);
  return encodeBatch(
    {
      baseOffset: header.baseOffset,
      partitionLeaderEpoch: header.partitionLeaderEpoch,
      baseTimestamp: header.baseTimestamp,
      maxTimestamp: header.maxTimestamp,
      producerId: header.producerId,
      producerEpoch: header.producerEpoch,
      baseSequence: header.baseSequence,
      records: survivors.map((r) => ({
        attributes: r.attributes,
        timestampDelta: r.timestampDelta,
        offsetDelta: r.offsetDelta,
        key: r.key,
        value: r.value,
        headers: r.headers,
      })),
    },
    header.attributes,
    header.lastOffsetDelta,
  );
}

async function forEachBatch(
  io: FileIo,
  path: string,
  sizeBytes: number,
  visit: (header: BatchHeader, bytes: Buffer) => boolean,
): Promise<boolean> {
  const handle = await io.open(path, 'r');
  try {
    const cursor = new BatchCursor(handle, 0, sizeBytes, { withBodies: true, windowBytes: 1024 * 1024 });
    for (let batch = await cursor.next(); batch; batch = await cursor.next()) {
      if (!visit(batch.header, batch.bytes!)) return false;
    }
    return true;
  } finally {
    await handle.close();
  }
}
