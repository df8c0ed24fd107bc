import { ProtocolError } from '../errors.js';
import { uuidFromBytes } from './uuid.js';
import type { TaggedField } from './tagged-field.js';

/** Kafka rejects strings whose UTF-8 form is longer than this, compact or not. */
export const MAX_STRING_BYTES = 0x7fff;

/**
 * A bounds-checked cursor over one message. Every read checks the bytes that remain before
 * touching the buffer, and every declared length (strings, bytes, arrays, tagged fields) is
 * checked against the bytes that remain before anything is allocated, so bad input ends in
 * a {@link ProtocolError} naming the field, never in a RangeError or a giant allocation.
 *
 * The `field` argument of each read only feeds error messages.
 */
export class Reader {
  readonly buf: Buffer;
  pos: number;
  end: number;
  /** What is being read, e.g. `ProduceRequest v9`; prefixes error messages. */
  context: string;

  constructor(buf: Buffer, context: string, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.context = context;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  error(field: string | undefined, message: string, offset: number = this.pos): ProtocolError {
    return new ProtocolError(message, { context: this.context, field, offset });
  }

  private need(n: number, field: string): void {
    if (this.end - this.pos < n) {
      throw this.error(field, `truncated: needs ${n} bytes, ${this.end - this.pos} remain`);
    }
  }

  /** Throws unless every byte has been consumed. */
  expectEnd(): void {
    if (this.pos !== this.end) throw this.error(undefined, `${this.end - this.pos} unexpected trailing bytes`);
  }

  bool(field: string): boolean {
    this.need(1, field);
    return this.buf[this.pos++] !== 0;
  }

  int8(field: string): number {
    this.need(1, field);
    const v = this.buf.readInt8(this.pos);
    this.pos += 1;
    return v;
  }

  int16(field: string): number {
    this.need(2, field);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  uint16(field: string): number {
    this.need(2, field);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  int32(field: string): number {
    this.need(4, field);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  uint32(field: string): number {
    this.need(4, field);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  int64(field: string): bigint {
    this.need(8, field);
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  float64(field: string): number {
    this.need(8, field);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  uuid(field: string): string {
    this.need(16, field);
    const v = uuidFromBytes(this.buf, this.pos);
    this.pos += 16;
    return v;
  }

  /** An unsigned varint of at most 32 bits (at most 5 bytes), as Kafka's ByteUtils reads it. */
  uvarint(field: string): number {
    let value = 0;
    let multiplier = 1;
    for (let i = 0; i < 5; i++) {
      if (this.pos >= this.end) throw this.error(field, 'truncated varint');
      const b = this.buf[this.pos++]!;
      if (i === 4 && b > 0x0f) throw this.error(field, 'varint overflows 32 bits', this.pos - 1);
      value += (b & 0x7f) * multiplier;
      if ((b & 0x80) === 0) return value;
      multiplier *= 128;
    }
    /* c8 ignore next */
    throw this.error(field, 'varint overflows 32 bits');
  }

  /** A zig-zag encoded signed varint (int32), as used in record batches. */
  varint(field: string): number {
    const u = this.uvarint(field);
    return (u >>> 1) ^ -(u & 1);
  }

  /** An unsigned varint of at most 64 bits (at most 10 bytes). */
  uvarlong(field: string): bigint {
    let lo = 0;
    let multiplier = 1;
    let i = 0;
    // The first four bytes (28 bits) accumulate in a plain number: the common case.
    for (; i < 4; i++) {
      if (this.pos >= this.end) throw this.error(field, 'truncated varlong');
      const b = this.buf[this.pos++]!;
      lo += (b & 0x7f) * multiplier;
      if ((b & 0x80) === 0) return BigInt(lo);
      multiplier *= 128;
    }
    let value = BigInt(lo);
    let shift = 28n;
    for (; i < 10; i++) {
      if (this.pos >= this.end) throw this.error(field, 'truncated varlong');
      const b = this.buf[this.pos++]!;
      if (i === 9 && b > 0x01) throw this.error(field, 'varlong overflows 64 bits', this.pos - 1);
      value |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return value;
      shift += 7n;
    }
    throw this.error(field, 'varlong overflows 64 bits');
  }

  /** A zig-zag encoded signed varlong (int64). */
  varlong(field: string): bigint {
    const u = this.uvarlong(field);
    return (u >> 1n) ^ -(u & 1n);
  }

  private stringBody(length: number, field: string): string {
    if (length > MAX_STRING_BYTES) throw this.error(field, `string length ${length} exceeds ${MAX_STRING_BYTES}`);
    this.need(length, field);
    const v = this.buf.toString('utf8', this.pos, this.pos + length);
    this.pos += length;
    return v;
  }

  /** STRING: int16 length, then UTF-8. */
  string(field: string): string {
    const length = this.int16(field);
    if (length < 0) throw this.error(field, `non-nullable string has length ${length}`, this.pos - 2);
    return this.stringBody(length, field);
  }

  /** NULLABLE_STRING: int16 length (-1 for null), then UTF-8. */
  nullableString(field: string): string | null {
    const length = this.int16(field);
    if (length === -1) return null;
    if (length < 0) throw this.error(field, `invalid string length ${length}`, this.pos - 2);
    return this.stringBody(length, field);
  }

  /** COMPACT_STRING: unsigned varint length + 1, then UTF-8. */
  compactString(field: string): string {
    const n = this.uvarint(field);
    if (n === 0) throw this.error(field, 'non-nullable string is null');
    return this.stringBody(n - 1, field);
  }

  /** COMPACT_NULLABLE_STRING: unsigned varint length + 1 (0 for null), then UTF-8. */
  compactNullableString(field: string): string | null {
    const n = this.uvarint(field);
    if (n === 0) return null;
    return this.stringBody(n - 1, field);
  }

  private bytesBody(length: number, field: string, view: boolean): Buffer {
    this.need(length, field);
    const start = this.pos;
    this.pos += length;
    const slice = this.buf.subarray(start, start + length);
    return view ? slice : Buffer.from(slice);
  }

  /**
   * BYTES / RECORDS: int32 length, then the bytes. With `view` the result is a slice of the
   * input (zero copy: it shares memory with the frame); otherwise a copy.
   */
  bytes(field: string, view: boolean): Buffer {
    const length = this.int32(field);
    if (length < 0) throw this.error(field, `non-nullable bytes have length ${length}`, this.pos - 4);
    return this.bytesBody(length, field, view);
  }

  nullableBytes(field: string, view: boolean): Buffer | null {
    const length = this.int32(field);
    if (length === -1) return null;
    if (length < 0) throw this.error(field, `invalid bytes length ${length}`, this.pos - 4);
    return this.bytesBody(length, field, view);
  }

  compactBytes(field: string, view: boolean): Buffer {
    const n = this.uvarint(field);
    if (n === 0) throw this.error(field, 'non-nullable bytes are null');
    return this.bytesBody(n - 1, field, view);
  }

  compactNullableBytes(field: string, view: boolean): Buffer | null {
    const n = this.uvarint(field);
    if (n === 0) return null;
    return this.bytesBody(n - 1, field, view);
  }

  /**
   * Kafka refuses an element count larger than the bytes that remain (every element of every
   * array in the protocol takes at least one byte, except structs with no fields in a
   * version, which Kafka bounds the same way). This keeps a lying count from driving a long
   * loop or a big allocation.
   */
  private count(n: number, field: string, offset: number): number {
    if (n > this.end - this.pos) {
      throw this.error(field, `array of ${n} elements cannot fit in ${this.end - this.pos} remaining bytes`, offset);
    }
    return n;
  }

  /** ARRAY: int32 count. */
  arrayLength(field: string): number {
    const n = this.int32(field);
    if (n < 0) throw this.error(field, `non-nullable array has length ${n}`, this.pos - 4);
    return this.count(n, field, this.pos - 4);
  }

  /** NULLABLE ARRAY: int32 count, -1 for null (returned as -1). */
  nullableArrayLength(field: string): number {
    const n = this.int32(field);
    if (n === -1) return -1;
    if (n < 0) throw this.error(field, `invalid array length ${n}`, this.pos - 4);
    return this.count(n, field, this.pos - 4);
  }

  /** COMPACT_ARRAY: unsigned varint count + 1. */
  compactArrayLength(field: string): number {
    const start = this.pos;
    const n = this.uvarint(field);
    if (n === 0) throw this.error(field, 'non-nullable array is null', start);
    return this.count(n - 1, field, start);
  }

  /** COMPACT_NULLABLE_ARRAY: unsigned varint count + 1, 0 for null (returned as -1). */
  compactNullableArrayLength(field: string): number {
    const start = this.pos;
    const n = this.uvarint(field);
    if (n === 0) return -1;
    return this.count(n - 1, field, start);
  }

  /** Starts reading the value of a tagged field of `size` bytes: reads past it are refused. */
  beginTagged(size: number, field: string): number {
    if (size > this.end - this.pos) {
      throw this.error(field, `tagged field of ${size} bytes cannot fit in ${this.end - this.pos} remaining bytes`);
    }
    const savedEnd = this.end;
    this.end = this.pos + size;
    return savedEnd;
  }

  /** Ends a tagged field: its value must have used exactly the declared size. */
  endTagged(savedEnd: number, field: string): void {
    if (this.pos !== this.end) {
      throw this.error(field, `tagged field has ${this.end - this.pos} bytes left over after its value`);
    }
    this.end = savedEnd;
  }

  /** A tagged field this version does not know: kept as raw bytes so it survives re-encoding. */
  unknownTaggedField(tag: number, field: string): TaggedField {
    const size = this.uvarint(field);
    return { tag, data: this.bytesBody(size, field, false) };
  }
}
