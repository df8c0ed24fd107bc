import { ProtocolError, UnsupportedVersionError } from '../errors.js';
import { MAX_STRING_BYTES } from './reader.js';
import type { TaggedField } from './tagged-field.js';
import { isUuid, writeUuidBytes } from './uuid.js';

/** Byte slices at least this long (records, zero-copy bytes) are referenced, not copied. */
const ZERO_COPY_MIN_BYTES = 4096;
const MAX_BLOCK_BYTES = 1 << 20;
const NO_TAGGED_FIELDS: readonly TaggedField[] = Object.freeze([]);

/**
 * An append-only encoder. Small values go into blocks it allocates; large byte slices
 * (record sets, zero-copy bytes) are kept as references, so a Fetch response carrying
 * megabytes of records is not copied while it is encoded. {@link toChunks} hands the pieces
 * to a vectored socket write as they are; {@link toBuffer} joins them (one copy, or none
 * when everything fits one block). Referenced slices must not be modified until the output
 * has been written.
 *
 * Every write validates its value (integer ranges, nulls, string lengths) and throws a
 * {@link ProtocolError} naming the field instead of a RangeError.
 */
export class Writer {
  /** What is being written, e.g. `ProduceRequest v9`; prefixes error messages. */
  context: string;
  private readonly chunks: Buffer[] = [];
  private flushed = 0;
  private buf: Buffer;
  private start = 0;
  private pos = 0;

  constructor(context: string, initialBytes = 1024) {
    this.context = context;
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.flushed + this.pos - this.start;
  }

  error(field: string | undefined, message: string): ProtocolError {
    return new ProtocolError(message, { context: this.context, field });
  }

  private flush(): void {
    if (this.pos > this.start) {
      this.chunks.push(this.buf.subarray(this.start, this.pos));
      this.flushed += this.pos - this.start;
      this.start = this.pos;
    }
  }

  private ensure(n: number): void {
    if (this.buf.length - this.pos >= n) return;
    this.flush();
    const size = Math.max(n, Math.min(this.buf.length * 2, MAX_BLOCK_BYTES));
    this.buf = Buffer.allocUnsafe(size);
    this.start = 0;
    this.pos = 0;
  }

  /** The output as a list of slices, in order, for a vectored write. */
  toChunks(): Buffer[] {
    this.flush();
    return this.chunks.slice();
  }

  /** The output preceded by its 4-byte size, as slices for a vectored write. */
  toFrameChunks(): Buffer[] {
    const prefix = Buffer.allocUnsafe(4);
    prefix.writeInt32BE(this.length, 0);
    return [prefix, ...this.toChunks()];
  }

  /** The output preceded by its 4-byte size, as one buffer. */
  toFrame(): Buffer {
    const chunks = this.toFrameChunks();
    return Buffer.concat(chunks, this.length + 4);
  }

  /** The output as one buffer. */
  toBuffer(): Buffer {
    this.flush();
    if (this.chunks.length === 1) return this.chunks[0]!;
    return Buffer.concat(this.chunks, this.flushed);
  }

  private integer(v: number, min: number, max: number, type: string, field: string): void {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw this.error(field, `${String(v)} is not a valid ${type}`);
    }
  }

  bool(v: boolean, field: string): void {
    if (typeof v !== 'boolean') throw this.error(field, `${String(v)} is not a boolean`);
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
  }

  int8(v: number, field: string): void {
    this.integer(v, -0x80, 0x7f, 'int8', field);
    this.ensure(1);
    this.buf.writeInt8(v, this.pos);
    this.pos += 1;
  }

  int16(v: number, field: string): void {
    this.integer(v, -0x8000, 0x7fff, 'int16', field);
    this.ensure(2);
    this.buf.writeInt16BE(v, this.pos);
    this.pos += 2;
  }

  uint16(v: number, field: string): void {
    this.integer(v, 0, 0xffff, 'uint16', field);
    this.ensure(2);
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
  }

  int32(v: number, field: string): void {
    this.integer(v, -0x80000000, 0x7fffffff, 'int32', field);
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
  }

  uint32(v: number, field: string): void {
    this.integer(v, 0, 0xffffffff, 'uint32', field);
    this.ensure(4);
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
  }

  int64(v: bigint, field: string): void {
    if (typeof v !== 'bigint' || v < -0x8000000000000000n || v > 0x7fffffffffffffffn) {
      throw this.error(field, `${String(v)} is not a valid int64 (a bigint)`);
    }
    this.ensure(8);
    this.buf.writeBigInt64BE(v, this.pos);
    this.pos += 8;
  }

  float64(v: number, field: string): void {
    if (typeof v !== 'number') throw this.error(field, `${String(v)} is not a float64`);
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
  }

  uuid(v: string, field: string): void {
    if (typeof v !== 'string' || !isUuid(v)) throw this.error(field, `${JSON.stringify(v)} is not a UUID`);
    this.ensure(16);
    writeUuidBytes(v, this.buf, this.pos);
    this.pos += 16;
  }

  /** An unsigned varint of at most 32 bits. */
  uvarint(v: number, field = 'varint'): void {
    this.integer(v, 0, 0xffffffff, 'unsigned varint', field);
    this.ensure(5);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }

  /** A zig-zag encoded signed varint (int32). */
  varint(v: number, field: string): void {
    this.integer(v, -0x80000000, 0x7fffffff, 'varint', field);
    this.uvarint(((v << 1) ^ (v >> 31)) >>> 0, field);
  }

  /** A zig-zag encoded signed varlong (int64). */
  varlong(v: bigint, field: string): void {
    if (typeof v !== 'bigint' || v < -0x8000000000000000n || v > 0x7fffffffffffffffn) {
      throw this.error(field, `${String(v)} is not a valid varlong (a bigint)`);
    }
    let u = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
    if (u < 0x80000000n) {
      this.uvarint(Number(u), field);
      return;
    }
    this.ensure(10);
    while (u >= 0x80n) {
      this.buf[this.pos++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    this.buf[this.pos++] = Number(u);
  }

  /** Appends raw bytes: copied if small, referenced if large. */
  raw(b: Buffer): void {
    if (b.length >= ZERO_COPY_MIN_BYTES) {
      this.flush();
      this.chunks.push(b);
      this.flushed += b.length;
      return;
    }
    this.ensure(b.length);
    b.copy(this.buf, this.pos);
    this.pos += b.length;
  }

  /** Appends everything another writer has written. */
  append(other: Writer): void {
    for (const chunk of other.toChunks()) this.raw(chunk);
  }

  private utf8Length(v: string, field: string): number {
    if (typeof v !== 'string') throw this.error(field, `${String(v)} is not a string`);
    const n = Buffer.byteLength(v, 'utf8');
    if (n > MAX_STRING_BYTES) throw this.error(field, `string of ${n} UTF-8 bytes exceeds ${MAX_STRING_BYTES}`);
    return n;
  }

  private utf8(v: string, n: number): void {
    this.ensure(n);
    this.buf.write(v, this.pos, n, 'utf8');
    this.pos += n;
  }

  private nonNull<T>(v: T | null, what: string, field: string): T {
    if (v === null || v === undefined) throw this.error(field, `non-nullable ${what} is null`);
    return v;
  }

  string(v: string | null, field: string): void {
    const s = this.nonNull(v, 'string', field);
    const n = this.utf8Length(s, field);
    this.int16(n, field);
    this.utf8(s, n);
  }

  nullableString(v: string | null, field: string): void {
    if (v === null) {
      this.int16(-1, field);
      return;
    }
    this.string(v, field);
  }

  compactString(v: string | null, field: string): void {
    const s = this.nonNull(v, 'string', field);
    const n = this.utf8Length(s, field);
    this.uvarint(n + 1, field);
    this.utf8(s, n);
  }

  compactNullableString(v: string | null, field: string): void {
    if (v === null) {
      this.uvarint(0, field);
      return;
    }
    this.compactString(v, field);
  }

  private checkBytes(v: Buffer, field: string): Buffer {
    if (!Buffer.isBuffer(v)) throw this.error(field, 'is not a Buffer');
    return v;
  }

  bytes(v: Buffer | null, field: string): void {
    const b = this.checkBytes(this.nonNull(v, 'bytes', field), field);
    this.int32(b.length, field);
    this.raw(b);
  }

  nullableBytes(v: Buffer | null, field: string): void {
    if (v === null) {
      this.int32(-1, field);
      return;
    }
    this.bytes(v, field);
  }

  compactBytes(v: Buffer | null, field: string): void {
    const b = this.checkBytes(this.nonNull(v, 'bytes', field), field);
    this.uvarint(b.length + 1, field);
    this.raw(b);
  }

  compactNullableBytes(v: Buffer | null, field: string): void {
    if (v === null) {
      this.uvarint(0, field);
      return;
    }
    this.compactBytes(v, field);
  }

  /** ARRAY count of a non-null array; returns the array for the element loop. */
  arrayLength<T>(v: readonly T[] | null, field: string): readonly T[] {
    const a = this.nonNull(v, 'array', field);
    this.int32(a.length, field);
    return a;
  }

  nullableArrayLength<T>(v: readonly T[] | null, field: string): readonly T[] {
    if (v === null) {
      this.int32(-1, field);
      return [];
    }
    return this.arrayLength(v, field);
  }

  compactArrayLength<T>(v: readonly T[] | null, field: string): readonly T[] {
    const a = this.nonNull(v, 'array', field);
    this.uvarint(a.length + 1, field);
    return a;
  }

  compactNullableArrayLength<T>(v: readonly T[] | null, field: string): readonly T[] {
    if (v === null) {
      this.uvarint(0, field);
      return [];
    }
    return this.compactArrayLength(v, field);
  }

  /** Throws if a struct that needs a value (non-nullable in this version) has none. */
  struct<T>(v: T | null, field: string): T {
    return this.nonNull(v, 'struct', field);
  }

  /** A known tagged field: tag, size, then the value another writer holds. */
  taggedField(tag: number, value: Writer): void {
    this.uvarint(tag);
    this.uvarint(value.length);
    this.append(value);
  }

  /**
   * Validates the unknown tagged fields of a struct for writing: sorted by tag (the wire
   * order), no duplicates, no tag this version knows (it would be read back as that field).
   */
  unknownTags(fields: readonly TaggedField[] | undefined, knownTags: readonly number[], struct: string): readonly TaggedField[] {
    if (fields === undefined || fields.length === 0) return NO_TAGGED_FIELDS;
    let sorted = true;
    for (let i = 1; i < fields.length; i++) if (fields[i - 1]!.tag >= fields[i]!.tag) sorted = false;
    const out = sorted ? fields : [...fields].sort((a, b) => a.tag - b.tag);
    for (let i = 0; i < out.length; i++) {
      const f = out[i]!;
      this.integer(f.tag, 0, 0xffffffff, 'tag', `${struct}.unknownTaggedFields`);
      this.checkBytes(f.data, `${struct}.unknownTaggedFields`);
      if (i > 0 && out[i - 1]!.tag === f.tag) {
        throw this.error(`${struct}.unknownTaggedFields`, `tag ${f.tag} appears twice`);
      }
      if (knownTags.includes(f.tag)) {
        throw this.error(`${struct}.unknownTaggedFields`, `tag ${f.tag} is a known field of this version`);
      }
    }
    return out;
  }

  /** Writes the unknown tagged fields from index `from` whose tag is below `beforeTag`; returns the next index. */
  unknownTaggedFieldsBefore(fields: readonly TaggedField[], from: number, beforeTag: number): number {
    let i = from;
    for (; i < fields.length && fields[i]!.tag < beforeTag; i++) {
      const f = fields[i]!;
      this.uvarint(f.tag);
      this.uvarint(f.data.length);
      this.raw(f.data);
    }
    return i;
  }

  /** Refuses unknown tagged fields on a version that has no tagged-field section. */
  noTaggedFields(fields: readonly TaggedField[] | undefined, struct: string, version: number): void {
    if (fields !== undefined && fields.length > 0) {
      throw new UnsupportedVersionError(`unknown tagged fields cannot be written at non-flexible version ${version}`, {
        context: this.context,
        field: `${struct}.unknownTaggedFields`,
      });
    }
  }

  /** Refuses a non-default value in a field that this version lacks and that is not ignorable. */
  fieldNotInVersion(field: string, version: number): never {
    throw new UnsupportedVersionError(`a non-default value cannot be written at version ${version}, which lacks the field`, {
      context: this.context,
      field,
    });
  }
}
