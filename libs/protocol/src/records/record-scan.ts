/**
 * Walking the records of a v2 batch (implementation guide 5.3.2) for a scan that looks at most of
 * them and keeps few: where each record's key, value and headers lie in the buffer, without
 * decoding timestamps (bigint varlongs) or allocating per record. `decodeRecords` is ~350 ns a
 * record; this walk is a small fraction of that, which is what a server-side search over millions
 * of records runs on. Records worth keeping are then decoded with `decodeRecords`.
 *
 *   Record => length:varint attributes:int8 timestampDelta:varlong offsetDelta:varint
 *             keyLength:varint key valueLength:varint value headersCount:varint [Header]
 *   Header => headerKeyLength:varint headerKey headerValueLength:varint headerValue
 */
import { CorruptRecordError } from './record-batch.js';

/**
 * A cursor over the records section of a batch (uncompressed, or its decompressed copy): `next()`
 * moves it to the next record, whose parts are then given as positions in `buffer`; a null key or
 * value has length -1. Throws CorruptRecordError when a record does not fit its declared length
 * or the section does not hold `count` records exactly.
 */
export class RecordScanner {
  offsetDelta = 0;
  keyStart = 0;
  keyLength = -1;
  valueStart = 0;
  valueLength = -1;
  headerCount = 0;
  /** Where the first header starts; the headers end where the record ends. */
  headersStart = 0;
  recordEnd = 0;
  readonly buffer: Buffer;
  private pos: number;
  private readonly end: number;
  private readonly count: number;
  private seen = 0;

  // Fields assigned here rather than parameter properties: tests run this file under Node's type stripping.
  constructor(buffer: Buffer, start: number, end: number, count: number) {
    this.buffer = buffer;
    this.pos = start;
    this.end = end;
    this.count = count;
  }

  /** Moves to the next record: false after the last one. */
  next(): boolean {
    if (this.seen === this.count) {
      if (this.pos !== this.end) throw new CorruptRecordError(`${this.end - this.pos} bytes after the last record`, this.pos);
      return false;
    }
    this.seen++;
    const length = this.varint(this.end);
    const recordEnd = this.pos + length;
    if (length < 0 || recordEnd > this.end) throw new CorruptRecordError(`record length ${length} does not fit`, this.pos);
    this.pos++; // attributes
    this.skipVarlong(recordEnd);
    this.offsetDelta = this.varint(recordEnd);
    this.keyLength = this.varint(recordEnd);
    this.keyStart = this.pos;
    this.skipBytes(this.keyLength, recordEnd);
    this.valueLength = this.varint(recordEnd);
    this.valueStart = this.pos;
    this.skipBytes(this.valueLength, recordEnd);
    this.headerCount = this.varint(recordEnd);
    if (this.headerCount < 0) throw new CorruptRecordError(`invalid header count ${this.headerCount}`, this.pos);
    this.headersStart = this.pos;
    this.recordEnd = recordEnd;
    this.pos = recordEnd;
    return true;
  }

  /**
   * Calls `visit` with the positions of each header of the current record (key, then value; a
   * null value has length -1) until it returns true; says whether it did.
   */
  someHeader(visit: (keyStart: number, keyLength: number, valueStart: number, valueLength: number) => boolean): boolean {
    const saved = this.pos;
    this.pos = this.headersStart;
    try {
      for (let i = 0; i < this.headerCount; i++) {
        const keyLength = this.varint(this.recordEnd);
        if (keyLength < 0) throw new CorruptRecordError('null header key', this.pos);
        const keyStart = this.pos;
        this.skipBytes(keyLength, this.recordEnd);
        const valueLength = this.varint(this.recordEnd);
        const valueStart = this.pos;
        this.skipBytes(valueLength, this.recordEnd);
        if (visit(keyStart, keyLength, valueStart, valueLength)) return true;
      }
      if (this.pos !== this.recordEnd) throw new CorruptRecordError('record length does not match its headers', this.pos);
      return false;
    } finally {
      this.pos = saved;
    }
  }

  /** A zig-zag varint (int32) ending before `limit`. */
  private varint(limit: number): number {
    let value = 0;
    let multiplier = 1;
    for (let i = 0; i < 5; i++) {
      if (this.pos >= limit) throw new CorruptRecordError('truncated varint', this.pos);
      const b = this.buffer[this.pos++]!;
      value += (b & 0x7f) * multiplier;
      if ((b & 0x80) === 0) return (value >>> 1) ^ -(value & 1);
      multiplier *= 128;
    }
    throw new CorruptRecordError('varint overflows 32 bits', this.pos);
  }

  private skipVarlong(limit: number): void {
    for (let i = 0; i < 10; i++) {
      if (this.pos >= limit) throw new CorruptRecordError('truncated varlong', this.pos);
      if ((this.buffer[this.pos++]! & 0x80) === 0) return;
    }
    throw new CorruptRecordError('varlong overflows 64 bits', this.pos);
  }

  private skipBytes(length: number, limit: number): void {
    if (length < -1 || this.pos + Math.max(length, 0) > limit) throw new CorruptRecordError(`length ${length} does not fit`, this.pos);
    if (length > 0) this.pos += length;
  }
}
