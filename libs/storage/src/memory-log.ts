import { offsetForTimestampInBatch, offsetOfMaxTimestampInBatch, type BatchHeader } from './batch.js';
import { assertMonotonic, checkFollowerBatches, planLeaderAppend, validateBatches } from './append-validation.js';
import { invariant } from './errors.js';
import { LeaderEpochCache, type EpochEndOffset, type EpochEntry } from './leader-epoch-cache.js';
import type {
  AppendResult,
  LeaderAppendOptions,
  ListOffsetsSpec,
  OffsetAndTimestamp,
  PartitionLog,
  ReadOptions,
  ReadResult,
} from './partition-log.js';
import { ProducerStateTable, type ProducerEntry } from './producer-state.js';

interface StoredBatch {
  header: BatchHeader;
  data: Buffer;
}

export interface MemoryLogOptions {
  topic: string;
  partition: number;
  /** Bound on the bytes held; appends beyond it fail as KAFKA_STORAGE_ERROR (a full disk). */
  maxBytes?: number;
  startOffset?: number;
}

const DEFAULT_MEMORY_LOG_MAX_BYTES = 256 * 1024 * 1024;

/** The PartitionLog in memory, for unit tests of the layers above: same semantics, no files. */
export class MemoryLog implements PartitionLog {
  readonly topic: string;
  readonly partition: number;
  private batches: StoredBatch[] = [];
  private bytes = 0;
  private readonly maxBytes: number;
  private startOffset: number;
  private endOffset: number;
  private hw: number;
  private lso: number | null = null;
  private readonly epochs = new LeaderEpochCache();
  private producers = new ProducerStateTable();
  private closed = false;

  constructor(options: MemoryLogOptions) {
    this.topic = options.topic;
    this.partition = options.partition;
    this.maxBytes = options.maxBytes ?? DEFAULT_MEMORY_LOG_MAX_BYTES;
    this.startOffset = options.startOffset ?? 0;
    this.endOffset = this.startOffset;
    this.hw = this.startOffset;
  }

  get logStartOffset(): number {
    return this.startOffset;
  }
  get sizeBytes(): number {
    return this.batches.reduce((sum, stored) => sum + stored.data.length, 0);
  }

  get logEndOffset(): number {
    return this.endOffset;
  }
  get highWatermark(): number {
    return this.hw;
  }
  get lastStableOffset(): number {
    return Math.min(this.lso ?? this.hw, this.hw);
  }

  async append(batches: readonly Buffer[], options: LeaderAppendOptions): Promise<AppendResult> {
    this.assertOpen();
    const headers = validateBatches(batches, this.maxBytes, true);
    if (!Array.isArray(headers)) return headers;
    const full = this.rejectIfFull(batches);
    if (full) return full;
    const plan = planLeaderAppend(batches, headers, this.producers, this.endOffset, options.leaderEpoch, this.startOffset);
    if (plan.kind !== 'write') return plan;
    this.store(batches, plan.headers);
    return { kind: 'appended', firstOffset: plan.firstOffset, lastOffset: plan.lastOffset, logStartOffset: this.startOffset };
  }

  async appendAsFollower(batches: readonly Buffer[]): Promise<AppendResult> {
    this.assertOpen();
    const headers = validateBatches(batches, this.maxBytes, true);
    if (!Array.isArray(headers)) return headers;
    const rejected = checkFollowerBatches(headers, this.endOffset) ?? this.rejectIfFull(batches);
    if (rejected) return rejected;
    for (const header of headers) this.producers.update(header);
    this.store(batches, headers);
    return {
      kind: 'appended',
      firstOffset: headers[0]!.baseOffset,
      lastOffset: headers[headers.length - 1]!.lastOffset,
      logStartOffset: this.startOffset,
    };
  }

  async read(offset: number, options: ReadOptions): Promise<ReadResult> {
    this.assertOpen();
    if (offset < this.startOffset || offset > this.endOffset)
      return { error: 'OFFSET_OUT_OF_RANGE', logStartOffset: this.startOffset, logEndOffset: this.endOffset };
    const maxOffset = options.maxOffset ?? Number.MAX_SAFE_INTEGER;
    const chosen: Buffer[] = [];
    let bytes = 0;
    for (let i = this.indexOfBatchAtOrAfter(offset); i < this.batches.length; i++) {
      const { header, data } = this.batches[i]!;
      if (header.lastOffset >= maxOffset) break;
      const first = chosen.length === 0;
      if (bytes + data.length > options.maxBytes && !(first && options.minOneBatch !== false)) break;
      chosen.push(data);
      bytes += data.length;
    }
    const last = chosen[chosen.length - 1];
    const nextOffset = last ? this.batches[this.indexOfBatchAtOrAfter(offset) + chosen.length - 1]!.header.lastOffset + 1 : offset;
    return {
      error: null,
      records: Buffer.concat(chosen),
      nextOffset,
      logStartOffset: this.startOffset,
      logEndOffset: this.endOffset,
      highWatermark: this.hw,
    };
  }

  async readByTimestamp(timestampMs: number, options: ReadOptions): Promise<ReadResult> {
    const found = await this.listOffset({ timestampMs });
    return this.read(found ? found.offset : this.endOffset, options);
  }

  async listOffset(spec: ListOffsetsSpec): Promise<OffsetAndTimestamp | null> {
    this.assertOpen();
    if (spec === 'earliest') return { offset: this.startOffset, timestamp: -1 };
    if (spec === 'latest') return { offset: this.endOffset, timestamp: -1 };
    const visible = this.batches.filter((b) => b.header.lastOffset >= this.startOffset);
    if (spec === 'max-timestamp') {
      let best: StoredBatch | undefined;
      for (const b of visible) if (!best || b.header.maxTimestamp > best.header.maxTimestamp) best = b;
      return best ? offsetOfMaxTimestampInBatch(best.data) : null;
    }
    const batch = visible.find((b) => b.header.maxTimestamp >= spec.timestampMs);
    if (!batch) return null;
    const found = offsetForTimestampInBatch(batch.data, spec.timestampMs);
    return { offset: Math.max(found.offset, this.startOffset), timestamp: found.timestamp };
  }

  setHighWatermark(offset: number): void {
    invariant(
      offset >= this.startOffset && offset <= this.endOffset,
      () => `high watermark ${offset} outside [${this.startOffset}, ${this.endOffset}]`,
    );
    this.hw = offset;
  }

  setLastStableOffset(offset: number): void {
    invariant(offset >= this.startOffset, `last stable offset ${offset} below log start`);
    this.lso = offset;
  }

  async truncateTo(offset: number): Promise<void> {
    this.assertOpen();
    if (offset >= this.endOffset) {
      this.epochs.truncateFromEnd(this.endOffset);
      return;
    }
    const keep = this.batches.filter((b) => b.header.lastOffset < offset);
    this.batches = keep;
    this.bytes = keep.reduce((sum, b) => sum + b.data.length, 0);
    this.endOffset = Math.max(this.startOffset, keep.length > 0 ? keep[keep.length - 1]!.header.lastOffset + 1 : this.startOffset);
    this.hw = Math.min(this.hw, this.endOffset);
    this.epochs.truncateFromEnd(this.endOffset);
    this.rebuildProducers();
  }

  async truncateFullyAndStartAt(offset: number): Promise<void> {
    this.assertOpen();
    this.batches = [];
    this.bytes = 0;
    this.startOffset = this.endOffset = this.hw = offset;
    this.epochs.clear();
    this.producers.clear();
  }

  async deleteRecordsBefore(offset: number): Promise<number> {
    this.assertOpen();
    invariant(offset <= this.hw, () => `cannot delete records beyond the high watermark ${this.hw}`);
    if (offset <= this.startOffset) return this.startOffset;
    this.startOffset = offset;
    this.batches = this.batches.filter((b) => b.header.lastOffset >= offset);
    this.bytes = this.batches.reduce((sum, b) => sum + b.data.length, 0);
    this.epochs.truncateFromStart(offset);
    this.producers.removeBefore(offset);
    return offset;
  }

  assignLeaderEpoch(epoch: number): void {
    this.assertOpen();
    const latest = this.epochs.latest();
    if (latest && epoch <= latest.epoch) return;
    this.epochs.assign(epoch, this.endOffset);
  }

  latestEpoch(): number | undefined {
    return this.epochs.latest()?.epoch;
  }
  epochEntries(): EpochEntry[] {
    return this.epochs.list();
  }
  endOffsetForEpoch(epoch: number): EpochEndOffset {
    return this.epochs.endOffsetFor(epoch, this.endOffset);
  }
  producerState(producerId: bigint): ProducerEntry | undefined {
    return this.producers.get(producerId);
  }
  producerStates(): ProducerEntry[] {
    return this.producers.entries();
  }

  async flush(): Promise<void> {
    this.assertOpen();
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private store(batches: readonly Buffer[], headers: readonly BatchHeader[]): void {
    headers.forEach((header, i) => {
      assertMonotonic(this.endOffset, header);
      this.epochs.assign(header.partitionLeaderEpoch, header.baseOffset);
      const data = Buffer.from(batches[i]!); // the caller's buffer is a slice of a request frame
      this.batches.push({ header: { ...header }, data });
      this.bytes += data.length;
      this.endOffset = header.lastOffset + 1;
    });
  }

  private rejectIfFull(batches: readonly Buffer[]): AppendResult | null {
    const incoming = batches.reduce((sum, b) => sum + b.length, 0);
    if (this.bytes + incoming <= this.maxBytes) return null;
    return { kind: 'rejected', error: 'KAFKA_STORAGE_ERROR', message: `memory log full (${this.maxBytes} bytes)` };
  }

  private indexOfBatchAtOrAfter(offset: number): number {
    let lo = 0;
    let hi = this.batches.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.batches[mid]!.header.lastOffset < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private rebuildProducers(): void {
    this.producers = new ProducerStateTable();
    for (const { header } of this.batches) this.producers.update(header);
  }

  private assertOpen(): void {
    invariant(!this.closed, `log ${this.topic}-${this.partition} is closed`);
  }
}
