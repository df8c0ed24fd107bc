import { invariant } from './errors.js';

export const OFFSET_INDEX_ENTRY_BYTES = 8;
export const TIME_INDEX_ENTRY_BYTES = 12;
const INITIAL_CAPACITY = 16;

/**
 * Sparse offset index of one segment, Kafka's `.index`: entries (relative offset u32,
 * position u32), relative offset = the last offset of the indexed batch minus the segment's
 * base offset, position = where that batch starts. Kept in memory, growable up to
 * `maxEntries` (segment.index.bytes / 8), written as Kafka's file at roll/flush.
 */
export class OffsetIndex {
  private relOffsets: Uint32Array;
  private positions: Uint32Array;
  private count = 0;

  readonly baseOffset: number;
  readonly maxEntries: number;

  constructor(baseOffset: number, maxEntries: number) {
    this.baseOffset = baseOffset;
    this.maxEntries = maxEntries;
    const capacity = Math.min(INITIAL_CAPACITY, maxEntries);
    this.relOffsets = new Uint32Array(capacity);
    this.positions = new Uint32Array(capacity);
  }

  get entries(): number {
    return this.count;
  }
  get isFull(): boolean {
    return this.count >= this.maxEntries;
  }
  get memoryBytes(): number {
    return this.relOffsets.byteLength + this.positions.byteLength;
  }

  lastOffset(): number | undefined {
    return this.count === 0 ? undefined : this.baseOffset + this.relOffsets[this.count - 1]!;
  }
  lastPosition(): number {
    return this.count === 0 ? 0 : this.positions[this.count - 1]!;
  }

  append(offset: number, position: number): void {
    invariant(!this.isFull, 'offset index full');
    const rel = offset - this.baseOffset;
    invariant(rel >= 0 && rel <= 0xffffffff, () => `offset ${offset} not relative to ${this.baseOffset}`);
    if (this.count > 0) {
      invariant(
        rel > this.relOffsets[this.count - 1]! && position > this.positions[this.count - 1]!,
        () => `index entries must increase: ${offset}@${position}`,
      );
    }
    if (this.count === this.relOffsets.length) this.grow();
    this.relOffsets[this.count] = rel;
    this.positions[this.count] = position;
    this.count++;
  }

  /** Position of the batch holding the largest indexed offset ≤ `offset` (0 if none). */
  lookup(offset: number): { offset: number; position: number } {
    const rel = offset - this.baseOffset;
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.relOffsets[mid]! <= rel) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0
      ? { offset: this.baseOffset, position: 0 }
      : { offset: this.baseOffset + this.relOffsets[found]!, position: this.positions[found]! };
  }

  /**
   * The start of the last indexed batch at or before byte `position` (0 if none): a batch boundary
   * within index.interval.bytes (plus one batch) of `position`, found without reading the log.
   */
  floorPosition(position: number): number {
    let lo = 0;
    let hi = this.count - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.positions[mid]! <= position) {
        found = this.positions[mid]!;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** Drops entries for batches at or after `position` (the log was truncated there). */
  truncateToPosition(position: number): void {
    while (this.count > 0 && this.positions[this.count - 1]! >= position) this.count--;
  }

  toBuffer(): Buffer {
    const buf = Buffer.alloc(this.count * OFFSET_INDEX_ENTRY_BYTES);
    for (let i = 0; i < this.count; i++) {
      buf.writeUInt32BE(this.relOffsets[i]!, i * 8);
      buf.writeUInt32BE(this.positions[i]!, i * 8 + 4);
    }
    return buf;
  }

  /** Parses Kafka's file; returns null when it is not a well-formed index (rebuild it). */
  static fromBuffer(baseOffset: number, maxEntries: number, buf: Buffer): OffsetIndex | null {
    if (buf.length % OFFSET_INDEX_ENTRY_BYTES !== 0) return null;
    const index = new OffsetIndex(baseOffset, Math.max(maxEntries, buf.length / OFFSET_INDEX_ENTRY_BYTES));
    for (let at = 0; at < buf.length; at += OFFSET_INDEX_ENTRY_BYTES) {
      const rel = buf.readUInt32BE(at);
      const position = buf.readUInt32BE(at + 4);
      // Kafka preallocates index files with zeros; a zero entry after the first ends it.
      if (at > 0 && rel === 0 && position === 0) break;
      if (index.count > 0 && (rel <= index.relOffsets[index.count - 1]! || position <= index.positions[index.count - 1]!)) return null;
      index.append(baseOffset + rel, position);
    }
    return index;
  }

  private grow(): void {
    const capacity = Math.min(this.maxEntries, this.relOffsets.length * 2);
    const rel = new Uint32Array(capacity);
    const pos = new Uint32Array(capacity);
    rel.set(this.relOffsets);
    pos.set(this.positions);
    this.relOffsets = rel;
    this.positions = pos;
  }
}

/**
 * Kafka's `.timeindex`: entries (timestamp i64, relative offset u32) where timestamp is the
 * largest batch max-timestamp so far in the segment and the offset is the last offset of the
 * batch carrying it; appended only when the timestamp grows.
 */
export class TimeIndex {
  private timestamps: Float64Array;
  private relOffsets: Uint32Array;
  private count = 0;

  readonly baseOffset: number;
  readonly maxEntries: number;

  constructor(baseOffset: number, maxEntries: number) {
    this.baseOffset = baseOffset;
    this.maxEntries = maxEntries;
    const capacity = Math.min(INITIAL_CAPACITY, maxEntries);
    this.timestamps = new Float64Array(capacity);
    this.relOffsets = new Uint32Array(capacity);
  }

  get entries(): number {
    return this.count;
  }
  get isFull(): boolean {
    return this.count >= this.maxEntries;
  }
  get memoryBytes(): number {
    return this.timestamps.byteLength + this.relOffsets.byteLength;
  }

  lastEntry(): { timestamp: number; offset: number } | undefined {
    return this.count === 0
      ? undefined
      : { timestamp: this.timestamps[this.count - 1]!, offset: this.baseOffset + this.relOffsets[this.count - 1]! };
  }

  /** Appends when `timestamp` is larger than the last entry's; returns whether it did. */
  maybeAppend(timestamp: number, offset: number): boolean {
    const last = this.lastEntry();
    if (last && timestamp <= last.timestamp) return false;
    if (this.isFull) return false;
    const rel = offset - this.baseOffset;
    invariant(rel >= 0 && rel <= 0xffffffff && (!last || offset >= last.offset), () => `time index offset ${offset} out of order`);
    if (this.count === this.timestamps.length) this.grow();
    this.timestamps[this.count] = timestamp;
    this.relOffsets[this.count] = rel;
    this.count++;
    return true;
  }

  /** The last entry whose timestamp is strictly below `timestamp`: every batch up to its offset is older. */
  lookupBefore(timestamp: number): { timestamp: number; offset: number } | undefined {
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.timestamps[mid]! < timestamp) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? undefined : { timestamp: this.timestamps[found]!, offset: this.baseOffset + this.relOffsets[found]! };
  }

  truncateToOffset(offset: number): void {
    while (this.count > 0 && this.baseOffset + this.relOffsets[this.count - 1]! >= offset) this.count--;
  }

  toBuffer(): Buffer {
    const buf = Buffer.alloc(this.count * TIME_INDEX_ENTRY_BYTES);
    for (let i = 0; i < this.count; i++) {
      buf.writeBigInt64BE(BigInt(this.timestamps[i]!), i * 12);
      buf.writeUInt32BE(this.relOffsets[i]!, i * 12 + 8);
    }
    return buf;
  }

  static fromBuffer(baseOffset: number, maxEntries: number, buf: Buffer): TimeIndex | null {
    if (buf.length % TIME_INDEX_ENTRY_BYTES !== 0) return null;
    const index = new TimeIndex(baseOffset, Math.max(maxEntries, buf.length / TIME_INDEX_ENTRY_BYTES));
    for (let at = 0; at < buf.length; at += TIME_INDEX_ENTRY_BYTES) {
      const timestamp = Number(buf.readBigInt64BE(at));
      const rel = buf.readUInt32BE(at + 8);
      if (at > 0 && timestamp === 0 && rel === 0) break;
      const last = index.lastEntry();
      if (last && (timestamp <= last.timestamp || baseOffset + rel < last.offset)) return null;
      index.maybeAppend(timestamp, baseOffset + rel);
    }
    return index;
  }

  private grow(): void {
    const capacity = Math.min(this.maxEntries, this.timestamps.length * 2);
    const ts = new Float64Array(capacity);
    const rel = new Uint32Array(capacity);
    ts.set(this.timestamps);
    rel.set(this.relOffsets);
    this.timestamps = ts;
    this.relOffsets = rel;
  }
}
