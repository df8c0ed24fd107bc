/**
 * Records inside a v2 batch (implementation guide 5.3.2), control records (5.3.1.1) and
 * building whole batches, compressed with any of Kafka's codecs or not.
 */
import { ErrorCode } from '@strom/errors';
import { Reader } from '../codec/reader.js';
import { Writer } from '../codec/writer.js';
import { ProtocolError } from '../errors.js';
import { compress, decompress } from './compression.js';
import {
  BatchAttribute,
  Compression,
  compressionOf,
  CorruptRecordError,
  CURRENT_MAGIC,
  LOG_OVERHEAD_BYTES,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  readBatchHeader,
  RECORD_BATCH_HEADER_BYTES,
  updateBatchCrc,
  writeBatchHeader,
  type RecordBatchHeader,
} from './record-batch.js';

export interface RecordHeader {
  readonly key: string;
  readonly value: Buffer | null;
}

export interface DecodedRecord {
  readonly attributes: number;
  readonly timestampDelta: bigint;
  readonly offsetDelta: number;
  /** baseOffset + offsetDelta. */
  readonly offset: bigint;
  /** baseTimestamp + timestampDelta (for LogAppendTime batches, use the batch's maxTimestamp). */
  readonly timestamp: bigint;
  /** A slice of the batch, or null. */
  readonly key: Buffer | null;
  /** A slice of the batch, or null (a tombstone). */
  readonly value: Buffer | null;
  readonly headers: readonly RecordHeader[];
}

/** A batch whose attributes name a codec Kafka does not have (5, 6, 7). Code UNSUPPORTED_COMPRESSION_TYPE. */
export class UnsupportedCompressionError extends ProtocolError {
  readonly compression: number;

  constructor(compression: number) {
    super(`unknown compression codec ${compression}`, {
      context: 'RecordBatch',
      code: ErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
    });
    this.compression = compression;
  }
}

function readNullableVarBytes(r: Reader, field: string): Buffer | null {
  const length = r.varint(field);
  if (length === -1) return null;
  if (length < -1) throw r.error(field, `invalid length ${length}`);
  if (length > r.remaining) throw r.error(field, `length ${length} exceeds the ${r.remaining} remaining bytes`);
  const out = r.buf.subarray(r.pos, r.pos + length);
  r.pos += length;
  return out;
}

function readRecord(r: Reader, header: RecordBatchHeader): DecodedRecord {
  const length = r.varint('Record.Length');
  if (length < 0 || length > r.remaining) {
    throw r.error('Record.Length', `record length ${length} does not fit in ${r.remaining} remaining bytes`);
  }
  const end = r.pos + length;
  const savedEnd = r.end;
  r.end = end;
  const attributes = r.int8('Record.Attributes');
  const timestampDelta = r.varlong('Record.TimestampDelta');
  const offsetDelta = r.varint('Record.OffsetDelta');
  const key = readNullableVarBytes(r, 'Record.Key');
  const value = readNullableVarBytes(r, 'Record.Value');
  const headerCount = r.varint('Record.HeadersCount');
  if (headerCount < 0 || headerCount > r.remaining) {
    throw r.error('Record.HeadersCount', `invalid header count ${headerCount}`);
  }
  const headers: RecordHeader[] = [];
  for (let i = 0; i < headerCount; i++) {
    const keyBytes = readNullableVarBytes(r, 'Header.Key');
    if (keyBytes === null) throw r.error('Header.Key', 'null header key');
    headers.push({ key: keyBytes.toString('utf8'), value: readNullableVarBytes(r, 'Header.Value') });
  }
  if (r.pos !== end) throw r.error('Record.Length', `record declares ${length} bytes but uses ${length - (end - r.pos)}`);
  r.end = savedEnd;
  return {
    attributes,
    timestampDelta,
    offsetDelta,
    offset: header.baseOffset + BigInt(offsetDelta),
    timestamp: header.baseTimestamp + timestampDelta,
    key,
    value,
    headers,
  };
}

/**
 * Decodes the records of one v2 batch (as returned by `batches()`); keys,
 * values and header values are slices of the batch. Throws CorruptRecordError when the
 * records do not match the batch's count and length exactly, CompressionError when a
 * compressed records section does not decompress, UnsupportedCompressionError for an unknown
 * codec. Records of a compressed batch are slices of its decompressed copy.
 */
export function decodeRecords(batch: Buffer, options: { maxDecompressedBytes?: number } = {}): DecodedRecord[] {
  const header = readBatchHeader(batch);
  const total = header.batchLength + LOG_OVERHEAD_BYTES;
  if (total > batch.length) throw new CorruptRecordError(`batch of ${total} bytes but ${batch.length} available`, 0);
  const compression = compressionOf(header.attributes);
  if (compression > Compression.Zstd) throw new UnsupportedCompressionError(compression);
  let r: Reader;
  if (compression === Compression.None) {
    r = new Reader(batch, 'RecordBatch', RECORD_BATCH_HEADER_BYTES, total);
  } else {
    const inflated = decompress(compression as Compression, batch.subarray(RECORD_BATCH_HEADER_BYTES, total), options.maxDecompressedBytes);
    r = new Reader(inflated, 'RecordBatch', 0, inflated.length);
  }
  if (header.recordCount < 0 || header.recordCount > r.remaining) {
    throw new CorruptRecordError(`invalid record count ${header.recordCount}`, 57);
  }
  const records: DecodedRecord[] = [];
  try {
    for (let i = 0; i < header.recordCount; i++) records.push(readRecord(r, header));
    r.expectEnd();
  } catch (e) {
    if (e instanceof ProtocolError && !(e instanceof CorruptRecordError)) {
      throw new CorruptRecordError(e.message, e.offset, { cause: e });
    }
    throw e;
  }
  return records;
}

export interface RecordInput {
  readonly key?: Buffer | null;
  readonly value?: Buffer | null;
  readonly headers?: readonly RecordHeader[];
  /** Default: the position in the batch. */
  readonly offsetDelta?: number;
  /** Default: 0 (the batch's base timestamp). */
  readonly timestampDelta?: bigint;
  readonly attributes?: number;
}

export interface RecordBatchInput {
  readonly baseOffset?: bigint;
  readonly partitionLeaderEpoch?: number;
  readonly baseTimestamp: bigint;
  /** Default: the largest record timestamp. */
  readonly maxTimestamp?: bigint;
  readonly logAppendTime?: boolean;
  /** The codec for the records section; default none. */
  readonly compression?: Compression;
  readonly transactional?: boolean;
  readonly control?: boolean;
  readonly producerId?: bigint;
  readonly producerEpoch?: number;
  readonly baseSequence?: number;
  readonly records: readonly RecordInput[];
}

function writeVarBytes(w: Writer, b: Buffer | null | undefined, field: string): void {
  if (b === null || b === undefined) {
    w.varint(-1, field);
    return;
  }
  w.varint(b.length, field);
  w.raw(b);
}

/** Builds an uncompressed magic v2 batch with a correct CRC. */
export function encodeRecordBatch(input: RecordBatchInput): Buffer {
  const w = new Writer('RecordBatch');
  let lastOffsetDelta = -1;
  let maxTimestamp = -1n;
  input.records.forEach((record, index) => {
    const offsetDelta = record.offsetDelta ?? index;
    const timestampDelta = record.timestampDelta ?? 0n;
    const body = new Writer('Record', 64);
    body.int8(record.attributes ?? 0, 'Record.Attributes');
    body.varlong(timestampDelta, 'Record.TimestampDelta');
    body.varint(offsetDelta, 'Record.OffsetDelta');
    writeVarBytes(body, record.key, 'Record.Key');
    writeVarBytes(body, record.value, 'Record.Value');
    const headers = record.headers ?? [];
    body.varint(headers.length, 'Record.HeadersCount');
    for (const h of headers) {
      writeVarBytes(body, Buffer.from(h.key, 'utf8'), 'Header.Key');
      writeVarBytes(body, h.value, 'Header.Value');
    }
    w.varint(body.length, 'Record.Length');
    w.append(body);
    if (offsetDelta > lastOffsetDelta) lastOffsetDelta = offsetDelta;
    const ts = input.baseTimestamp + timestampDelta;
    if (ts > maxTimestamp) maxTimestamp = ts;
  });
  const codec = input.compression ?? Compression.None;
  const records = compress(codec, w.toBuffer());
  const batch = Buffer.allocUnsafe(RECORD_BATCH_HEADER_BYTES + records.length);
  let attributes: number = codec;
  if (input.logAppendTime === true) attributes |= BatchAttribute.TimestampTypeLogAppendTime;
  if (input.transactional === true) attributes |= BatchAttribute.Transactional;
  if (input.control === true) attributes |= BatchAttribute.Control;
  writeBatchHeader(batch, {
    baseOffset: input.baseOffset ?? 0n,
    batchLength: batch.length - LOG_OVERHEAD_BYTES,
    partitionLeaderEpoch: input.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH,
    magic: CURRENT_MAGIC,
    crc: 0,
    attributes,
    lastOffsetDelta: input.records.length === 0 ? 0 : lastOffsetDelta,
    baseTimestamp: input.baseTimestamp,
    maxTimestamp: input.maxTimestamp ?? (input.records.length === 0 ? input.baseTimestamp : maxTimestamp),
    producerId: input.producerId ?? NO_PRODUCER_ID,
    producerEpoch: input.producerEpoch ?? NO_PRODUCER_EPOCH,
    baseSequence: input.baseSequence ?? NO_SEQUENCE,
    recordCount: input.records.length,
  });
  records.copy(batch, RECORD_BATCH_HEADER_BYTES);
  updateBatchCrc(batch);
  return batch;
}

/** The type of a control record, from its key (implementation guide 5.3.1.1). */
export const ControlRecordType = { Abort: 0, Commit: 1 } as const;
export type ControlRecordType = (typeof ControlRecordType)[keyof typeof ControlRecordType];

/** Control record key: version int16 (0), type int16. */
export function encodeControlRecordKey(type: number, version = 0): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt16BE(version, 0);
  b.writeInt16BE(type, 2);
  return b;
}

export function decodeControlRecordKey(key: Buffer): { version: number; type: number } {
  if (key.length < 4) throw new CorruptRecordError(`control record key of ${key.length} bytes`);
  return { version: key.readInt16BE(0), type: key.readInt16BE(2) };
}

/** End-transaction marker value: version int16 (0), coordinatorEpoch int32 (Kafka's EndTransactionMarker). */
export function encodeEndTxnMarkerValue(coordinatorEpoch: number, version = 0): Buffer {
  const b = Buffer.alloc(6);
  b.writeInt16BE(version, 0);
  b.writeInt32BE(coordinatorEpoch, 2);
  return b;
}

export function decodeEndTxnMarkerValue(value: Buffer): { version: number; coordinatorEpoch: number } {
  if (value.length < 6) throw new CorruptRecordError(`end transaction marker value of ${value.length} bytes`);
  return { version: value.readInt16BE(0), coordinatorEpoch: value.readInt32BE(2) };
}

export interface EndTxnMarkerInput {
  readonly commit: boolean;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly coordinatorEpoch: number;
  readonly timestamp: bigint;
  readonly baseOffset?: bigint;
  readonly partitionLeaderEpoch?: number;
}

/** A transactional control batch with one COMMIT or ABORT marker, as Kafka writes them. */
export function encodeEndTxnMarkerBatch(input: EndTxnMarkerInput): Buffer {
  return encodeRecordBatch({
    baseOffset: input.baseOffset ?? 0n,
    partitionLeaderEpoch: input.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH,
    baseTimestamp: input.timestamp,
    transactional: true,
    control: true,
    producerId: input.producerId,
    producerEpoch: input.producerEpoch,
    baseSequence: NO_SEQUENCE,
    records: [
      {
        key: encodeControlRecordKey(input.commit ? ControlRecordType.Commit : ControlRecordType.Abort),
        value: encodeEndTxnMarkerValue(input.coordinatorEpoch),
      },
    ],
  });
}
