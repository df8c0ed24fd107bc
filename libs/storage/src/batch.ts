/**
 * The storage layer's view of record batches. The Kafka format itself (the v2 header layout,
 * CRC-32C, records, compression codecs, building batches) is `@strom/protocol`'s records
 * module; this file adds only what the log needs on top of it:
 *
 *  - {@link BatchHeader}: the header fields the log works with, offsets and timestamps as JS
 *    numbers (the log's offset domain, < 2^53), plus the derived last offset, size and last
 *    sequence;
 *  - {@link checkBatch}: the append/recovery check that classifies a torn or corrupt batch
 *    (recovery cuts the log there) instead of throwing;
 *  - producer sequence arithmetic, the ListOffsets lookups inside one batch, and
 *    {@link buildBatch}/{@link readRecords}, number-typed adapters over the protocol codec.
 */
import {
  BatchAttribute,
  BatchField,
  compressionOf,
  CURRENT_MAGIC,
  decodeRecords,
  encodeRecordBatch,
  isControlBatch,
  isLogAppendTime,
  isTransactional,
  LOG_OVERHEAD_BYTES,
  MAGIC_OFFSET,
  NO_SEQUENCE,
  readBatchHeader as readRecordBatchHeader,
  RECORD_BATCH_HEADER_BYTES,
  updateBatchCrc,
  verifyBatchCrc,
  type Compression,
  type RecordBatchInput,
  type RecordHeader,
} from '@strom/protocol';

/** Kafka's default `message.max.bytes` plus overhead; a bound for anything we read back. */
export const MAX_BATCH_BYTES = 64 * 1024 * 1024;

/** Total bytes of the batch at `at`, including the 12-byte offset+length prefix (header bytes only). */
export const batchSizeBytes = (b: Buffer, at = 0): number => b.readInt32BE(at + BatchField.BatchLength) + LOG_OVERHEAD_BYTES;

/** Header fields the log needs, read once per batch. Offsets and timestamps are JS numbers (< 2^53). */
export interface BatchHeader {
  baseOffset: number;
  lastOffset: number;
  sizeBytes: number;
  partitionLeaderEpoch: number;
  magic: number;
  maxTimestamp: number;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  lastSequence: number;
  recordsCount: number;
  isTransactional: boolean;
  isControl: boolean;
}

/**
 * The header of the v2 batch at `at`, through `@strom/protocol`'s readBatchHeader (which throws
 * for a truncated header or a magic other than 2: {@link checkBatch} first where that matters).
 */
export function readBatchHeader(b: Buffer, at = 0): BatchHeader {
  const h = readRecordBatchHeader(b, at);
  const baseOffset = Number(h.baseOffset);
  return {
    baseOffset,
    lastOffset: baseOffset + h.lastOffsetDelta,
    sizeBytes: h.batchLength + LOG_OVERHEAD_BYTES,
    partitionLeaderEpoch: h.partitionLeaderEpoch,
    magic: h.magic,
    maxTimestamp: Number(h.maxTimestamp),
    producerId: h.producerId,
    producerEpoch: h.producerEpoch,
    baseSequence: h.baseSequence,
    lastSequence: h.baseSequence === NO_SEQUENCE ? NO_SEQUENCE : incrementSequence(h.baseSequence, h.lastOffsetDelta),
    recordsCount: h.recordCount,
    isTransactional: isTransactional(h.attributes),
    isControl: isControlBatch(h.attributes),
  };
}

/** Sequences wrap from Int32.MAX to 0 (Kafka DefaultRecordBatch.incrementSequence). */
export function incrementSequence(sequence: number, increment: number): number {
  const max = 0x7fffffff;
  return sequence > max - increment ? increment - (max - sequence) - 1 : sequence + increment;
}

export type BatchDefect = 'too-short' | 'bad-length' | 'bad-magic' | 'bad-crc';

/**
 * Checks that `b[at..]` starts with a complete, intact v2 batch: returns null when it does,
 * or what is wrong (recovery truncates the log at the first defect). `available` bounds how
 * many bytes exist from `at`. The CRC is `@strom/protocol`'s (native CRC-32C).
 */
export function checkBatch(b: Buffer, at = 0, available = b.length - at, verifyCrc = true): BatchDefect | null {
  if (available < RECORD_BATCH_HEADER_BYTES) return 'too-short';
  const size = batchSizeBytes(b, at);
  if (size < RECORD_BATCH_HEADER_BYTES || size > MAX_BATCH_BYTES) return 'bad-length';
  if (size > available) return 'too-short';
  if (b.readInt8(at + MAGIC_OFFSET) !== CURRENT_MAGIC) return 'bad-magic';
  if (b.readInt32BE(at + BatchField.LastOffsetDelta) < 0) return 'bad-length';
  if (verifyCrc && !verifyBatchCrc(b.subarray(at, at + size))) return 'bad-crc';
  return null;
}

// ---- Records ------------------------------------------------------------------------------

/** One record, offsets and timestamps as numbers; `key`, `value` and header values are views. */
export interface RecordView {
  offset: number;
  /** The record's timestamp; for a LogAppendTime batch, the batch's max timestamp (as Kafka). */
  timestamp: number;
  key: Buffer | null;
  /** null for a tombstone. */
  value: Buffer | null;
  headers: readonly RecordHeader[];
}

/**
 * The records of one batch, compressed or not (`@strom/protocol`'s decodeRecords; records of a
 * compressed batch are views of its decompressed copy). Throws the protocol's
 * CorruptRecordError / CompressionError for records that do not decode.
 */
export function readRecords(batch: Buffer): RecordView[] {
  const header = readRecordBatchHeader(batch);
  const logAppendTime = isLogAppendTime(header.attributes) ? Number(header.maxTimestamp) : null;
  return decodeRecords(batch).map((record) => ({
    offset: Number(record.offset),
    timestamp: logAppendTime ?? Number(record.timestamp),
    key: record.key,
    value: record.value,
    headers: record.headers,
  }));
}

export interface OffsetTimestamp {
  offset: number;
  timestamp: number;
}

/**
 * The offset of the first record in `batch` with timestamp ≥ `timestampMs` (the batch's max
 * timestamp is ≥ it). Compressed batches are decompressed, as Kafka does for ListOffsets.
 */
export function offsetForTimestampInBatch(batch: Buffer, timestampMs: number): OffsetTimestamp {
  const found = readRecords(batch).find((record) => record.timestamp >= timestampMs);
  if (found) return { offset: found.offset, timestamp: found.timestamp };
  const header = readBatchHeader(batch);
  return { offset: header.baseOffset, timestamp: header.maxTimestamp };
}

/** The offset of the record carrying the batch's max timestamp (the last offset if none does). */
export function offsetOfMaxTimestampInBatch(batch: Buffer): OffsetTimestamp {
  const header = readBatchHeader(batch);
  const found = readRecords(batch).find((record) => record.timestamp === header.maxTimestamp);
  return { offset: found ? found.offset : header.lastOffset, timestamp: header.maxTimestamp };
}

// ---- Building batches (tests, benchmarks, compaction rewrite) ---------------------------

export interface RecordInput {
  key: Buffer | null;
  value: Buffer | null;
  timestamp?: number;
  /** Offset delta from the batch's base offset; defaults to the record's index. */
  offsetDelta?: number;
  headers?: readonly RecordHeader[];
}

export interface BatchInput {
  records: RecordInput[];
  baseOffset?: number;
  baseTimestamp?: number;
  partitionLeaderEpoch?: number;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  /** The batch's attributes as stored; the codec bits choose the compression. */
  attributes?: number;
  /** Overrides the last offset delta (compaction keeps the original span of a batch). */
  lastOffsetDelta?: number;
  /** Overrides the max timestamp (compaction keeps the original one). */
  maxTimestamp?: number;
}

/**
 * Encodes a v2 batch with a correct CRC through `@strom/protocol`'s encodeRecordBatch,
 * compressed with the codec named by `attributes` (default none).
 */
export function buildBatch(input: BatchInput): Buffer {
  const baseTimestamp = input.baseTimestamp ?? input.records[0]?.timestamp ?? 0;
  return encodeBatch(
    {
      baseOffset: BigInt(input.baseOffset ?? 0),
      partitionLeaderEpoch: input.partitionLeaderEpoch,
      baseTimestamp: BigInt(baseTimestamp),
      maxTimestamp: input.maxTimestamp === undefined ? undefined : BigInt(input.maxTimestamp),
      producerId: input.producerId,
      producerEpoch: input.producerEpoch,
      baseSequence: input.baseSequence,
      records: input.records.map((record, index) => ({
        key: record.key,
        value: record.value,
        headers: record.headers,
        offsetDelta: record.offsetDelta ?? index,
        timestampDelta: BigInt((record.timestamp ?? baseTimestamp) - baseTimestamp),
      })),
    },
    input.attributes ?? 0,
    input.lastOffsetDelta,
  );
}

/**
 * encodeRecordBatch with the batch's attributes as given (codec, timestamp type, transactional,
 * control, and bits the encoder has no option for, like the delete horizon) and, when given,
 * an explicit last offset delta: what compaction needs to rewrite a batch keeping its span.
 */
export function encodeBatch(input: Omit<RecordBatchInput, 'compression'>, attributes: number, lastOffsetDelta?: number): Buffer {
  const batch = encodeRecordBatch({
    ...input,
    compression: compressionOf(attributes) as Compression,
    logAppendTime: isLogAppendTime(attributes),
    transactional: isTransactional(attributes),
    control: isControlBatch(attributes),
  });
  const restamp =
    (attributes & ~KNOWN_ATTRIBUTES) !== 0 ||
    (lastOffsetDelta !== undefined && lastOffsetDelta !== batch.readInt32BE(BatchField.LastOffsetDelta));
  if (restamp) {
    batch.writeInt16BE(attributes, BatchField.Attributes);
    if (lastOffsetDelta !== undefined) batch.writeInt32BE(lastOffsetDelta, BatchField.LastOffsetDelta);
    updateBatchCrc(batch);
  }
  return batch;
}

/** Attribute bits encodeRecordBatch sets from its options. */
const KNOWN_ATTRIBUTES =
  BatchAttribute.CompressionMask | BatchAttribute.TimestampTypeLogAppendTime | BatchAttribute.Transactional | BatchAttribute.Control;
