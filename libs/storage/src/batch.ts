/**
 * Every access to record-batch bytes the storage layer makes, in one module, so it can be
 * swapped for @strom/protocol's records codec once that exists (it did not when this was
 * written). Kafka record batch v2 (magic 2), see implementation.html "Record Batch":
 *
 *   baseOffset: int64 @0            batchLength: int32 @8 (bytes after this field)
 *   partitionLeaderEpoch: int32 @12 magic: int8 @16          crc: uint32 @17 (CRC32C of 21..end)
 *   attributes: int16 @21           lastOffsetDelta: int32 @23
 *   baseTimestamp: int64 @27        maxTimestamp: int64 @35
 *   producerId: int64 @43           producerEpoch: int16 @51
 *   baseSequence: int32 @53         recordsCount: int32 @57    records @61
 *
 * baseOffset and partitionLeaderEpoch are not covered by the CRC, so the log stamps them in
 * place without touching the rest.
 */

export const BATCH_HEADER_BYTES = 61;
/** baseOffset + batchLength: the prefix that says how long a batch is. */
export const LOG_OVERHEAD_BYTES = 12;
export const CURRENT_MAGIC = 2;
export const NO_PRODUCER_ID = -1n;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;
/** Kafka's default `message.max.bytes` plus overhead; a bound for anything we read back. */
export const MAX_BATCH_BYTES = 64 * 1024 * 1024;

const COMPRESSION_MASK = 0x07;
const TRANSACTIONAL_FLAG = 0x10;
const CONTROL_FLAG = 0x20;

export const batchBaseOffset = (b: Buffer, at = 0): bigint => b.readBigInt64BE(at);
export const batchBaseOffsetNumber = (b: Buffer, at = 0): number => Number(b.readBigInt64BE(at));
/** Total bytes of the batch including the 12-byte offset+length prefix. */
export const batchSizeBytes = (b: Buffer, at = 0): number => b.readInt32BE(at + 8) + LOG_OVERHEAD_BYTES;
export const batchLength = (b: Buffer, at = 0): number => b.readInt32BE(at + 8);
export const batchPartitionLeaderEpoch = (b: Buffer, at = 0): number => b.readInt32BE(at + 12);
export const batchMagic = (b: Buffer, at = 0): number => b.readInt8(at + 16);
export const batchCrc = (b: Buffer, at = 0): number => b.readUInt32BE(at + 17);
export const batchAttributes = (b: Buffer, at = 0): number => b.readInt16BE(at + 21);
export const batchLastOffsetDelta = (b: Buffer, at = 0): number => b.readInt32BE(at + 23);
export const batchBaseTimestamp = (b: Buffer, at = 0): number => Number(b.readBigInt64BE(at + 27));
export const batchMaxTimestamp = (b: Buffer, at = 0): number => Number(b.readBigInt64BE(at + 35));
export const batchProducerId = (b: Buffer, at = 0): bigint => b.readBigInt64BE(at + 43);
export const batchProducerEpoch = (b: Buffer, at = 0): number => b.readInt16BE(at + 51);
export const batchBaseSequence = (b: Buffer, at = 0): number => b.readInt32BE(at + 53);
export const batchRecordsCount = (b: Buffer, at = 0): number => b.readInt32BE(at + 57);
export const batchCompression = (b: Buffer, at = 0): number => batchAttributes(b, at) & COMPRESSION_MASK;
export const batchIsTransactional = (b: Buffer, at = 0): boolean => (batchAttributes(b, at) & TRANSACTIONAL_FLAG) !== 0;
export const batchIsControl = (b: Buffer, at = 0): boolean => (batchAttributes(b, at) & CONTROL_FLAG) !== 0;

export function setBatchBaseOffset(b: Buffer, offset: number, at = 0): void {
  b.writeBigInt64BE(BigInt(offset), at);
}
export function setBatchPartitionLeaderEpoch(b: Buffer, epoch: number, at = 0): void {
  b.writeInt32BE(epoch, at + 12);
}

/** Header fields the log needs, read once per batch. Offsets are JS numbers (< 2^53). */
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

export function readBatchHeader(b: Buffer, at = 0): BatchHeader {
  const baseOffset = batchBaseOffsetNumber(b, at);
  const lastOffsetDelta = batchLastOffsetDelta(b, at);
  const baseSequence = batchBaseSequence(b, at);
  const attributes = batchAttributes(b, at);
  return {
    baseOffset,
    lastOffset: baseOffset + lastOffsetDelta,
    sizeBytes: batchSizeBytes(b, at),
    partitionLeaderEpoch: batchPartitionLeaderEpoch(b, at),
    magic: batchMagic(b, at),
    maxTimestamp: batchMaxTimestamp(b, at),
    producerId: batchProducerId(b, at),
    producerEpoch: batchProducerEpoch(b, at),
    baseSequence,
    lastSequence: baseSequence === NO_SEQUENCE ? NO_SEQUENCE : incrementSequence(baseSequence, lastOffsetDelta),
    recordsCount: batchRecordsCount(b, at),
    isTransactional: (attributes & TRANSACTIONAL_FLAG) !== 0,
    isControl: (attributes & CONTROL_FLAG) !== 0,
  };
}

/** Sequences wrap from Int32.MAX to 0 (Kafka DefaultRecordBatch.incrementSequence). */
export function incrementSequence(sequence: number, increment: number): number {
  const max = 0x7fffffff;
  return sequence > max - increment ? increment - (max - sequence) - 1 : sequence + increment;
}

// ---- CRC32C (Castagnoli), slicing-by-8 -------------------------------------------------

const CRC_TABLES = buildCrcTables();

function buildCrcTables(): Uint32Array[] {
  const tables: Uint32Array[] = [];
  const first = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    first[n] = c >>> 0;
  }
  tables.push(first);
  for (let t = 1; t < 8; t++) {
    const prev = tables[t - 1]!;
    const table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) table[n] = (first[prev[n]! & 0xff]! ^ (prev[n]! >>> 8)) >>> 0;
    tables.push(table);
  }
  return tables;
}

export function crc32c(data: Uint8Array, start = 0, end = data.length): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = CRC_TABLES as [
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
  ];
  let crc = 0xffffffff;
  let i = start;
  while (end - i >= 8) {
    const a = (crc ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))) >>> 0;
    crc =
      t7[a & 0xff]! ^
      t6[(a >>> 8) & 0xff]! ^
      t5[(a >>> 16) & 0xff]! ^
      t4[a >>> 24]! ^
      t3[data[i + 4]!]! ^
      t2[data[i + 5]!]! ^
      t1[data[i + 6]!]! ^
      t0[data[i + 7]!]!;
    i += 8;
  }
  while (i < end) crc = t0[(crc ^ data[i++]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export type BatchDefect = 'too-short' | 'bad-length' | 'bad-magic' | 'bad-crc';

/**
 * Checks that `b[at..]` starts with a complete, intact v2 batch: returns null when it does,
 * or what is wrong. `available` bounds how many bytes exist from `at`.
 */
export function checkBatch(b: Buffer, at = 0, available = b.length - at, verifyCrc = true): BatchDefect | null {
  if (available < BATCH_HEADER_BYTES) return 'too-short';
  const length = batchLength(b, at);
  if (length < BATCH_HEADER_BYTES - LOG_OVERHEAD_BYTES || length + LOG_OVERHEAD_BYTES > MAX_BATCH_BYTES) return 'bad-length';
  if (length + LOG_OVERHEAD_BYTES > available) return 'too-short';
  if (batchMagic(b, at) !== CURRENT_MAGIC) return 'bad-magic';
  if (batchLastOffsetDelta(b, at) < 0) return 'bad-length';
  if (verifyCrc && crc32c(b, at + 21, at + LOG_OVERHEAD_BYTES + length) !== batchCrc(b, at)) return 'bad-crc';
  return null;
}

// ---- Records (only what compaction and timestamp lookups need) --------------------------

/** One record's position and the fields compaction looks at; `key`/`value` are views. */
export interface RecordView {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  /** null for a tombstone. */
  value: Buffer | null;
  /** Byte range of the whole record (length varint included) inside the batch buffer. */
  start: number;
  end: number;
}

function readVarint(b: Buffer, pos: number): [value: number, next: number] {
  let result = 0;
  let shift = 0;
  for (let i = 0; i < 5; i++) {
    const byte = b[pos + i];
    if (byte === undefined) throw new RangeError('varint past end of batch');
    result |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [(result >>> 1) ^ -(result & 1), pos + i + 1];
    shift += 7;
  }
  throw new RangeError('varint longer than 5 bytes');
}

function readVarlong(b: Buffer, pos: number): [value: number, next: number] {
  let result = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    const byte = b[pos + i];
    if (byte === undefined) throw new RangeError('varlong past end of batch');
    result |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [Number((result >> 1n) ^ -(result & 1n)), pos + i + 1];
    shift += 7n;
  }
  throw new RangeError('varlong longer than 10 bytes');
}

/**
 * Records of an uncompressed batch (compressed ones: returns null, the caller keeps the
 * batch whole). Record: length varint, attributes i8, timestampDelta varlong, offsetDelta
 * varint, key (varint length, -1 = null), value (same), headers (varint count, each key+value).
 */
export function readRecords(batch: Buffer): RecordView[] | null {
  if (batchCompression(batch) !== 0) return null;
  const baseOffset = batchBaseOffsetNumber(batch);
  const baseTimestamp = batchBaseTimestamp(batch);
  const end = batchSizeBytes(batch);
  const count = batchRecordsCount(batch);
  const records: RecordView[] = [];
  let pos = BATCH_HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    const start = pos;
    const [length, bodyAt] = readVarint(batch, pos);
    const recordEnd = bodyAt + length;
    if (length < 0 || recordEnd > end) throw new RangeError('record past end of batch');
    let p = bodyAt + 1; // attributes
    const [timestampDelta, a] = readVarlong(batch, p);
    const [offsetDelta, c] = readVarint(batch, a);
    const [keyLength, d] = readVarint(batch, c);
    const key = keyLength < 0 ? null : batch.subarray(d, d + keyLength);
    p = keyLength < 0 ? d : d + keyLength;
    const [valueLength, e] = readVarint(batch, p);
    const value = valueLength < 0 ? null : batch.subarray(e, e + valueLength);
    records.push({ offset: baseOffset + offsetDelta, timestamp: baseTimestamp + timestampDelta, key, value, start, end: recordEnd });
    pos = recordEnd;
  }
  return records;
}

// ---- Building batches (tests, benchmarks, compaction rewrite) ---------------------------

function varintBytes(value: number): number[] {
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}

function varlongBytes(value: number): number[] {
  const big = BigInt(value);
  let v = BigInt.asUintN(64, (big << 1n) ^ (big >> 63n));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

export interface RecordInput {
  key: Buffer | null;
  value: Buffer | null;
  timestamp?: number;
  /** Offset delta from the batch's base offset; defaults to the record's index. */
  offsetDelta?: number;
}

export interface BatchInput {
  records: RecordInput[];
  baseOffset?: number;
  baseTimestamp?: number;
  partitionLeaderEpoch?: number;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  attributes?: number;
  /** Overrides the last offset delta (compaction keeps the original span of a batch). */
  lastOffsetDelta?: number;
  /** Overrides the max timestamp (compaction keeps the original one). */
  maxTimestamp?: number;
}

/** Encodes an uncompressed v2 batch with a correct CRC. */
export function buildBatch(input: BatchInput): Buffer {
  const baseTimestamp = input.baseTimestamp ?? input.records[0]?.timestamp ?? 0;
  const encoded: Buffer[] = [];
  let maxTimestamp = -1;
  let lastOffsetDelta = 0;
  input.records.forEach((record, index) => {
    const timestamp = record.timestamp ?? baseTimestamp;
    const offsetDelta = record.offsetDelta ?? index;
    maxTimestamp = Math.max(maxTimestamp, timestamp);
    lastOffsetDelta = Math.max(lastOffsetDelta, offsetDelta);
    const head = [0, ...varlongBytes(timestamp - baseTimestamp), ...varintBytes(offsetDelta)];
    const key = record.key === null ? [varintBytes(-1)] : [varintBytes(record.key.length)];
    const value = record.value === null ? [varintBytes(-1)] : [varintBytes(record.value.length)];
    const body = Buffer.concat([
      Buffer.from(head),
      Buffer.from(key[0]!),
      record.key ?? Buffer.alloc(0),
      Buffer.from(value[0]!),
      record.value ?? Buffer.alloc(0),
      Buffer.from(varintBytes(0)),
    ]);
    encoded.push(Buffer.from(varintBytes(body.length)), body);
  });
  const records = Buffer.concat(encoded);
  const batch = Buffer.alloc(BATCH_HEADER_BYTES + records.length);
  batch.writeBigInt64BE(BigInt(input.baseOffset ?? 0), 0);
  batch.writeInt32BE(batch.length - LOG_OVERHEAD_BYTES, 8);
  batch.writeInt32BE(input.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH, 12);
  batch.writeInt8(CURRENT_MAGIC, 16);
  batch.writeInt16BE(input.attributes ?? 0, 21);
  batch.writeInt32BE(input.lastOffsetDelta ?? lastOffsetDelta, 23);
  batch.writeBigInt64BE(BigInt(baseTimestamp), 27);
  batch.writeBigInt64BE(BigInt(input.maxTimestamp ?? (input.records.length === 0 ? baseTimestamp : maxTimestamp)), 35);
  batch.writeBigInt64BE(input.producerId ?? NO_PRODUCER_ID, 43);
  batch.writeInt16BE(input.producerEpoch ?? -1, 51);
  batch.writeInt32BE(input.baseSequence ?? NO_SEQUENCE, 53);
  batch.writeInt32BE(input.records.length, 57);
  records.copy(batch, BATCH_HEADER_BYTES);
  batch.writeUInt32BE(crc32c(batch, 21), 17);
  return batch;
}

/**
 * The offset of the first record in `batch` with timestamp ≥ `timestampMs` (the batch's max
 * timestamp is ≥ it). Compressed batches are not decoded: their base offset is returned.
 */
export function offsetForTimestampInBatch(batch: Buffer, timestampMs: number): OffsetTimestamp {
  const records = readRecords(batch);
  const found = records?.find((record) => record.timestamp >= timestampMs);
  if (found) return { offset: found.offset, timestamp: found.timestamp };
  return { offset: batchBaseOffsetNumber(batch), timestamp: batchMaxTimestamp(batch) };
}

/** The offset of the record carrying the batch's max timestamp (last offset if compressed). */
export function offsetOfMaxTimestampInBatch(batch: Buffer): OffsetTimestamp {
  const maxTimestamp = batchMaxTimestamp(batch);
  const records = readRecords(batch);
  const found = records?.find((record) => record.timestamp === maxTimestamp);
  return { offset: found ? found.offset : batchBaseOffsetNumber(batch) + batchLastOffsetDelta(batch), timestamp: maxTimestamp };
}

export interface OffsetTimestamp {
  offset: number;
  timestamp: number;
}
