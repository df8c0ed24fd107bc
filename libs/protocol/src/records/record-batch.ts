/**
 * Record batches, magic v2 (Kafka implementation guide 5.3): the 61-byte header, CRC-32C
 * over attributes..end, in-place offset assignment, iteration over the batches of a record
 * set without copying. The broker's hot path stops here: records stay opaque bytes unless
 * {@link decodeRecords} is asked for.
 */
import { ErrorCode } from '@strom/errors';
import { ProtocolError } from '../errors.js';
import { crc32c } from './crc32c.js';

/** Byte offsets of the v2 batch header fields. */
export const BatchField = {
  BaseOffset: 0,
  BatchLength: 8,
  PartitionLeaderEpoch: 12,
  Magic: 16,
  Crc: 17,
  Attributes: 21,
  LastOffsetDelta: 23,
  BaseTimestamp: 27,
  MaxTimestamp: 35,
  ProducerId: 43,
  ProducerEpoch: 51,
  BaseSequence: 53,
  RecordCount: 57,
  Records: 61,
} as const;

export const RECORD_BATCH_HEADER_BYTES = 61;
/** baseOffset + batchLength: the bytes not counted by batchLength. */
export const LOG_OVERHEAD_BYTES = 12;
/** Where every message format keeps its magic byte (v0, v1 and v2 alike). */
export const MAGIC_OFFSET = 16;
export const CURRENT_MAGIC = 2;

export const Compression = { None: 0, Gzip: 1, Snappy: 2, Lz4: 3, Zstd: 4 } as const;
export type Compression = (typeof Compression)[keyof typeof Compression];

/** Attribute bits of a v2 batch. */
export const BatchAttribute = {
  CompressionMask: 0x07,
  TimestampTypeLogAppendTime: 0x08,
  Transactional: 0x10,
  Control: 0x20,
  DeleteHorizon: 0x40,
} as const;

export const NO_PRODUCER_ID = -1n;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;

/** A record batch that fails validation: bad length, bad CRC, bad record framing. Code CORRUPT_MESSAGE. */
export class CorruptRecordError extends ProtocolError {
  constructor(message: string, offset?: number, options?: { cause?: unknown }) {
    super(message, { context: 'RecordBatch', offset, code: ErrorCode.CORRUPT_MESSAGE });
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/**
 * A batch in the pre-0.11 formats (magic 0 or 1), which Strom does not store. Code
 * INVALID_RECORD: Kafka's ProduceRequest.validateRecords answers INVALID_RECORD for a
 * produce v3+ partition whose records are not magic v2, and Kafka 4 removed produce v0-v2
 * (the only versions allowed to carry them), answering those with UNSUPPORTED_VERSION.
 */
export class UnsupportedRecordFormatError extends ProtocolError {
  readonly magic: number;

  constructor(magic: number, offset: number) {
    super(`record batch magic ${magic} is not supported (only magic ${CURRENT_MAGIC})`, {
      context: 'RecordBatch',
      offset,
      code: ErrorCode.INVALID_RECORD,
    });
    this.magic = magic;
  }
}

export interface RecordBatchHeader {
  baseOffset: bigint;
  /** Bytes after the batchLength field: the whole batch is batchLength + 12 bytes. */
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  /** CRC-32C of attributes..end, unsigned. */
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: bigint;
  maxTimestamp: bigint;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

export function compressionOf(attributes: number): number {
  return attributes & BatchAttribute.CompressionMask;
}

export function isTransactional(attributes: number): boolean {
  return (attributes & BatchAttribute.Transactional) !== 0;
}

export function isControlBatch(attributes: number): boolean {
  return (attributes & BatchAttribute.Control) !== 0;
}

export function isLogAppendTime(attributes: number): boolean {
  return (attributes & BatchAttribute.TimestampTypeLogAppendTime) !== 0;
}

/**
 * Reads the header of the batch at `offset`. Checks that the header fits, that the magic is
 * 2 (throws {@link UnsupportedRecordFormatError} for 0 and 1) and that batchLength covers
 * at least the header; does not check the CRC (see {@link verifyBatchCrc}).
 */
export function readBatchHeader(buf: Buffer, offset = 0): RecordBatchHeader {
  if (buf.length - offset < LOG_OVERHEAD_BYTES + 5) {
    throw new CorruptRecordError(`batch header truncated: ${buf.length - offset} bytes`, offset);
  }
  const magic = buf.readInt8(offset + MAGIC_OFFSET);
  if (magic !== CURRENT_MAGIC) {
    if (magic === 0 || magic === 1) throw new UnsupportedRecordFormatError(magic, offset);
    throw new CorruptRecordError(`unknown record batch magic ${magic}`, offset + MAGIC_OFFSET);
  }
  if (buf.length - offset < RECORD_BATCH_HEADER_BYTES) {
    throw new CorruptRecordError(`batch header truncated: ${buf.length - offset} of ${RECORD_BATCH_HEADER_BYTES} bytes`, offset);
  }
  const batchLength = buf.readInt32BE(offset + BatchField.BatchLength);
  if (batchLength < RECORD_BATCH_HEADER_BYTES - LOG_OVERHEAD_BYTES) {
    throw new CorruptRecordError(`batch length ${batchLength} is smaller than the batch header`, offset + BatchField.BatchLength);
  }
  return {
    baseOffset: buf.readBigInt64BE(offset + BatchField.BaseOffset),
    batchLength,
    partitionLeaderEpoch: buf.readInt32BE(offset + BatchField.PartitionLeaderEpoch),
    magic,
    crc: buf.readUInt32BE(offset + BatchField.Crc),
    attributes: buf.readInt16BE(offset + BatchField.Attributes),
    lastOffsetDelta: buf.readInt32BE(offset + BatchField.LastOffsetDelta),
    baseTimestamp: buf.readBigInt64BE(offset + BatchField.BaseTimestamp),
    maxTimestamp: buf.readBigInt64BE(offset + BatchField.MaxTimestamp),
    producerId: buf.readBigInt64BE(offset + BatchField.ProducerId),
    producerEpoch: buf.readInt16BE(offset + BatchField.ProducerEpoch),
    baseSequence: buf.readInt32BE(offset + BatchField.BaseSequence),
    recordCount: buf.readInt32BE(offset + BatchField.RecordCount),
  };
}

/** Writes all header fields (including `crc` as given) at `offset`; see {@link updateBatchCrc}. */
export function writeBatchHeader(buf: Buffer, header: RecordBatchHeader, offset = 0): void {
  buf.writeBigInt64BE(header.baseOffset, offset + BatchField.BaseOffset);
  buf.writeInt32BE(header.batchLength, offset + BatchField.BatchLength);
  buf.writeInt32BE(header.partitionLeaderEpoch, offset + BatchField.PartitionLeaderEpoch);
  buf.writeInt8(header.magic, offset + BatchField.Magic);
  buf.writeUInt32BE(header.crc, offset + BatchField.Crc);
  buf.writeInt16BE(header.attributes, offset + BatchField.Attributes);
  buf.writeInt32BE(header.lastOffsetDelta, offset + BatchField.LastOffsetDelta);
  buf.writeBigInt64BE(header.baseTimestamp, offset + BatchField.BaseTimestamp);
  buf.writeBigInt64BE(header.maxTimestamp, offset + BatchField.MaxTimestamp);
  buf.writeBigInt64BE(header.producerId, offset + BatchField.ProducerId);
  buf.writeInt16BE(header.producerEpoch, offset + BatchField.ProducerEpoch);
  buf.writeInt32BE(header.baseSequence, offset + BatchField.BaseSequence);
  buf.writeInt32BE(header.recordCount, offset + BatchField.RecordCount);
}

/** The CRC a batch should carry: CRC-32C of everything from attributes to the end. */
export function computeBatchCrc(batch: Buffer): number {
  return crc32c(batch.subarray(BatchField.Attributes));
}

export function verifyBatchCrc(batch: Buffer): boolean {
  return batch.readUInt32BE(BatchField.Crc) === computeBatchCrc(batch);
}

export function updateBatchCrc(batch: Buffer): void {
  batch.writeUInt32BE(computeBatchCrc(batch), BatchField.Crc);
}

/**
 * Assigns the batch's base offset in place. Not covered by the CRC, so the CRC stays valid:
 * this is how a leader assigns offsets to a produced batch without touching its records.
 */
export function setBaseOffset(batch: Buffer, baseOffset: bigint): void {
  batch.writeBigInt64BE(baseOffset, BatchField.BaseOffset);
}

/** Stamps the leader epoch in place; also outside the CRC. */
export function setPartitionLeaderEpoch(batch: Buffer, epoch: number): void {
  batch.writeInt32BE(epoch, BatchField.PartitionLeaderEpoch);
}

export interface BatchView {
  /** Position of the batch in the record set. */
  readonly position: number;
  readonly header: RecordBatchHeader;
  /** The whole batch: a slice of the record set (zero copy). */
  readonly bytes: Buffer;
}

export interface BatchIterationOptions {
  /**
   * Fetch responses may end with a partial batch (cut at the fetch size): with this option
   * an incomplete trailing batch ends the iteration instead of throwing. Produce input must
   * not use it.
   */
  readonly allowPartialTail?: boolean;
  /** Check every batch's CRC (throws CorruptRecordError on mismatch). */
  readonly verifyCrc?: boolean;
}

/**
 * The batches of a record set, in order, as slices of it. Lengths are validated against
 * the buffer; nothing is copied or decompressed.
 */
export function* batches(records: Buffer, options: BatchIterationOptions = {}): Generator<BatchView, void, undefined> {
  let pos = 0;
  while (pos < records.length) {
    const remaining = records.length - pos;
    if (remaining < LOG_OVERHEAD_BYTES) {
      if (options.allowPartialTail === true) return;
      throw new CorruptRecordError(`${remaining} trailing bytes are not a batch`, pos);
    }
    const size = records.readInt32BE(pos + BatchField.BatchLength) + LOG_OVERHEAD_BYTES;
    if (size > remaining && options.allowPartialTail === true && size >= RECORD_BATCH_HEADER_BYTES) return;
    const header = readBatchHeader(records, pos);
    const total = header.batchLength + LOG_OVERHEAD_BYTES;
    if (total > remaining) throw new CorruptRecordError(`batch of ${total} bytes but ${remaining} remain`, pos);
    const bytes = records.subarray(pos, pos + total);
    if (options.verifyCrc === true && !verifyBatchCrc(bytes)) {
      throw new CorruptRecordError(`CRC mismatch: stored ${header.crc >>> 0}, computed ${computeBatchCrc(bytes)}`, pos + BatchField.Crc);
    }
    yield { position: pos, header, bytes };
    pos += total;
  }
}
