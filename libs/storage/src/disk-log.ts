/*
 * Over 600 lines, on purpose: what is left here is Kafka's UnifiedLog and LocalLog core, the
 * log's offsets (next, visible end, high watermark, log start, recovery point), the state that
 * moves with them (segment list, leader epochs, producer state, offline) and the operations that
 * move them together: the append queue and its single writer, roll, truncation, DeleteRecords,
 * close. Split further, those invariants would be spread over files sharing mutable state. The
 * rest works on a narrow view of the log: loading and recovery in log-loader.ts, writing the
 * active segment in segment-writes.ts, reads in segment-reads.ts, the inactive-index cache in
 * segment-indexes.ts, fsyncs and the recovery point's bookkeeping in log-flush.ts, retention and
 * segment deletion in log-retention.ts, compaction's planning and swap in log-compaction.ts.
 */
import { join } from 'node:path';
import { offsetOfMaxTimestampInBatch, type BatchHeader } from './batch.js';
import { checkFollowerBatches, planLeaderAppend, validateBatches } from './append-validation.js';
import { resolveLogConfig, type LogConfig } from './config.js';
import { invariant, LogInvariantError, LogOfflineError } from './errors.js';
import { nodeFileIo, type FileIo } from './file-io.js';
import { FileHandlePool } from './file-pool.js';
import {
  formatLeaderEpochCheckpoint,
  isNotFound,
  LEADER_EPOCH_CHECKPOINT,
  offsetFileName,
  SNAPSHOT_SUFFIX,
  writeFileAtomic,
} from './files.js';
import { LeaderEpochCache, type EpochEndOffset, type EpochEntry } from './leader-epoch-cache.js';
import {
  LogCompactor,
  type CompactionContext,
  type CompactionResult,
  type CompactionStats,
  type CompactOptions,
} from './log-compaction.js';
import { LogFlusher } from './log-flush.js';
import { LogRetention, type SegmentInfo } from './log-retention.js';
import { loadSegments, rebuildProducerState, type LogLoaderContext, type ProducerStateSource, type RecoveryReport } from './log-loader.js';
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
import { Segment, segmentIndexFor, ShortReadError } from './segment.js';
import { rebuildSegment, SegmentIndexes, writeIndexes } from './segment-indexes.js';
import { offsetForTimestamp, readSegments, segmentOfMaxTimestamp, truncationPoint, type SegmentReadSource } from './segment-reads.js';
import { appendToSegment, MAX_IOVECS, needsRoll } from './segment-writes.js';

export type { CompactionResult, CompactionStats, CompactOptions } from './log-compaction.js';
export type { SegmentInfo } from './log-retention.js';
export type { RecoveryReport } from './log-loader.js';

export interface DiskLogOptions {
  /** The partition directory, `<data dir>/<topic>-<partition>`. */
  directory: string;
  topic: string;
  partition: number;
  config?: Partial<LogConfig>;
  /** From recovery-point-offset-checkpoint: everything below is known durable and intact. */
  recoveryPoint?: number;
  /** From log-start-offset-checkpoint. */
  logStartOffset?: number;
  /** From replication-offset-checkpoint. */
  highWatermark?: number;
  /** The data dir had the clean-shutdown marker: trust the files, do not scan. */
  cleanShutdown?: boolean;
  /** Topic id (8-4-4-4-12 uuid) written to partition.metadata. */
  topicId?: string;
  /** Shared with other logs of the data directory; its `io` is the log's. */
  files?: FileHandlePool;
  /** Every write, fsync, creation, rename and deletion of the log's files (default: node:fs). */
  io?: FileIo;
  clock?: () => number;
  /**
   * Makes a new log start offset durable (log-start-offset-checkpoint). DeleteRecords awaits it
   * before it answers, so records it deleted never come back after a crash.
   */
  persistLogStartOffset?: (offset: number) => Promise<void>;
  /** Called once, when a disk error takes the log offline (Kafka's LogDirFailureChannel). */
  onOffline?: (error: LogOfflineError) => void;
}

interface PendingAppend {
  batches: readonly Buffer[];
  headers: readonly BatchHeader[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The partition log on disk, in Kafka's format (see the package README for the layout).
 * Appends go through a queue drained by one writer: offsets are assigned when append is
 * called, the bytes are written with writev, and a batch becomes visible to readers (and
 * part of logEndOffset) only once its write completed.
 */
export class DiskLog implements PartitionLog {
  readonly topic: string;
  readonly partition: number;
  readonly directory: string;
  private currentConfig: LogConfig;
  readonly files: FileHandlePool;
  private readonly clock: () => number;
  private readonly io: FileIo;
  private readonly persistLogStartOffset: ((offset: number) => Promise<void>) | undefined;
  private readonly onOffline: ((error: LogOfflineError) => void) | undefined;
  private readonly ownsFiles: boolean;

  private segments: Segment[] = [];
  private startOffset = 0;
  /** Offset the next leader append gets (≥ visibleEnd while writes are queued). */
  private nextOffset = 0;
  private visibleEnd = 0;
  private hw = 0;
  private lso: number | null = null;
  private recoveryPointOffset = 0;
  /** The log end a producer snapshot on disk was taken at (by close, or found by load); null: none. */
  private snapshotOnDiskAt: number | null = null;
  private readonly epochs = new LeaderEpochCache();
  private readonly producers = new ProducerStateTable();
  private readonly indexes: SegmentIndexes;
  private readonly context: LogLoaderContext & ProducerStateSource & CompactionContext & SegmentReadSource;
  private readonly compactor: LogCompactor;

  private queue: PendingAppend[] = [];
  private draining: Promise<void> | null = null;
  private background: Promise<void> = Promise.resolve();
  private epochWrites: Promise<void> = Promise.resolve();
  private readonly flusher: LogFlusher;
  private readonly retention: LogRetention;
  private offlineError: LogOfflineError | null = null;
  private closed = false;
  recovery: RecoveryReport = { segmentsScanned: 0, bytesScanned: 0, bytesTruncated: 0 };

  private constructor(options: DiskLogOptions) {
    this.topic = options.topic;
    this.partition = options.partition;
    this.directory = options.directory;
    this.currentConfig = resolveLogConfig(options.config);
    this.io = options.io ?? options.files?.io ?? nodeFileIo;
    this.ownsFiles = options.files === undefined;
    this.files = options.files ?? new FileHandlePool(undefined, this.io);
    invariant(this.files.io === this.io, "the file pool must use the log's FileIo");
    this.clock = options.clock ?? Date.now;
    this.persistLogStartOffset = options.persistLogStartOffset;
    this.onOffline = options.onOffline;
    this.indexes = new SegmentIndexes({
      io: this.io,
      files: this.files,
      config: () => this.config,
      isActive: (segment) => segment === this.active,
    });
    // The one view of this log that loading, reads and compaction get: no reaching into its fields.
    this.context = {
      directory: this.directory,
      io: this.io,
      files: this.files,
      epochs: this.epochs,
      indexes: this.indexes,
      config: () => this.config,
      segments: () => this.segments,
      setSegments: (segments) => {
        this.segments = segments;
      },
      logStartOffset: () => this.startOffset,
      logEndOffset: () => this.visibleEnd,
      highWatermark: () => this.hw,
      lastStableOffset: () => this.lastStableOffset,
      createSegmentFile: (segment) => this.flusher.createSegmentFile(segment),
      deleteSegmentFiles: (segment) => this.retention.deleteSegmentFiles(segment),
      syncDirectory: () => this.flusher.syncDirectory(),
    };
    this.compactor = new LogCompactor(this.context);
    this.flusher = new LogFlusher({
      directory: this.directory,
      io: this.io,
      files: this.files,
      config: () => this.config,
      segments: () => this.segments,
      logEndOffset: () => this.visibleEnd,
      recoveryPoint: () => this.recoveryPointOffset,
      advanceRecoveryPoint: (offset) => {
        this.recoveryPointOffset = Math.max(this.recoveryPointOffset, offset);
      },
      stopped: () => this.offlineError !== null || this.closed,
      flush: () => this.flush(),
    });
    this.retention = new LogRetention({
      io: this.io,
      files: this.files,
      indexes: this.indexes,
      config: () => this.config,
      segments: () => this.segments,
      logStartOffset: () => this.startOffset,
      highWatermark: () => this.hw,
      raiseLogStartOffset: (offset) => {
        this.startOffset = Math.max(this.startOffset, offset);
      },
      trimToLogStart: () => this.trimToLogStart(),
      rollActive: async () => {
        await this.idle();
        await this.roll(this.visibleEnd);
      },
    });
  }

  static async open(options: DiskLogOptions): Promise<DiskLog> {
    const log = new DiskLog(options);
    await log.load(options);
    return log;
  }

  // ---- offsets ---------------------------------------------------------------------------

  get config(): LogConfig {
    return this.currentConfig;
  }

  /**
   * New settings (a topic's configs changed): every later append, roll, flush and retention pass
   * uses them. Settings left out return to their defaults, as a removed topic override does.
   */
  reconfigure(config: Partial<LogConfig>): void {
    this.currentConfig = resolveLogConfig(config);
  }

  get logStartOffset(): number {
    return this.startOffset;
  }
  get logEndOffset(): number {
    return this.visibleEnd;
  }
  get highWatermark(): number {
    return this.hw;
  }
  get lastStableOffset(): number {
    return Math.min(this.lso ?? this.hw, this.hw);
  }
  get recoveryPoint(): number {
    return this.recoveryPointOffset;
  }
  get isOffline(): boolean {
    return this.offlineError !== null;
  }
  get sizeBytes(): number {
    return this.segments.reduce((sum, s) => sum + s.sizeBytes, 0);
  }
  /** Segments the log is made of (Kafka's NumLogSegments). */
  get segmentCount(): number {
    return this.segments.length;
  }
  /** Bytes of index held in memory by this log. */
  get indexMemoryBytes(): number {
    return this.segments.reduce((sum, s) => sum + s.indexMemoryBytes, 0);
  }

  segmentInfos(): SegmentInfo[] {
    const active = this.active;
    return this.segments.map((s) => ({
      baseOffset: s.baseOffset,
      nextOffset: s.nextOffset,
      sizeBytes: s.sizeBytes,
      maxTimestamp: s.maxTimestamp,
      isActive: s === active,
    }));
  }

  setHighWatermark(offset: number): void {
    invariant(
      offset >= this.startOffset && offset <= this.visibleEnd,
      () => `high watermark ${offset} outside [${this.startOffset}, ${this.visibleEnd}]`,
    );
    this.hw = offset;
  }

  setLastStableOffset(offset: number): void {
    invariant(offset >= this.startOffset, `last stable offset ${offset} below log start`);
    this.lso = offset;
  }

  latestEpoch(): number | undefined {
    return this.epochs.latest()?.epoch;
  }
  epochEntries(): EpochEntry[] {
    return this.epochs.list();
  }
  endOffsetForEpoch(epoch: number): EpochEndOffset {
    return this.epochs.endOffsetFor(epoch, this.visibleEnd);
  }
  producerState(producerId: bigint): ProducerEntry | undefined {
    return this.producers.get(producerId);
  }
  producerStates(): ProducerEntry[] {
    return this.producers.entries();
  }

  /**
   * A new leader epoch starts at the log end: this replica became its leader (Kafka's makeLeader,
   * `assignEpochStartOffset`), so followers asking for the previous epoch learn where it ended
   * even before the first append of the new one.
   */
  assignLeaderEpoch(epoch: number): void {
    const latest = this.epochs.latest();
    if (latest && epoch <= latest.epoch) return;
    this.assertUsable();
    if (this.epochs.assign(epoch, this.nextOffset)) {
      this.background = this.background.then(() => this.writeEpochCheckpoint()).catch((error: unknown) => void this.goOffline(error));
    }
  }

  // ---- append ----------------------------------------------------------------------------

  async append(batches: readonly Buffer[], options: LeaderAppendOptions): Promise<AppendResult> {
    this.assertUsable();
    const headers = validateBatches(batches, this.config.segmentBytes, this.config.verifyCrcOnAppend);
    if (!Array.isArray(headers)) return headers;
    const latest = this.epochs.latest();
    invariant(!latest || options.leaderEpoch >= latest.epoch, () => `leader epoch ${options.leaderEpoch} older than ${latest!.epoch}`);
    const plan = planLeaderAppend(batches, headers, this.producers, this.nextOffset, options.leaderEpoch, this.startOffset);
    if (plan.kind !== 'write') return plan;
    await this.enqueue(batches, plan.headers);
    return { kind: 'appended', firstOffset: plan.firstOffset, lastOffset: plan.lastOffset, logStartOffset: this.startOffset };
  }

  async appendAsFollower(batches: readonly Buffer[]): Promise<AppendResult> {
    this.assertUsable();
    const headers = validateBatches(batches, this.config.segmentBytes, true);
    if (!Array.isArray(headers)) return headers;
    const rejected = checkFollowerBatches(headers, this.nextOffset);
    if (rejected) return rejected;
    for (const header of headers) this.producers.update(header);
    this.nextOffset = headers[headers.length - 1]!.lastOffset + 1;
    await this.enqueue(batches, headers);
    return { kind: 'appended', firstOffset: headers[0]!.baseOffset, lastOffset: this.nextOffset - 1, logStartOffset: this.startOffset };
  }

  private enqueue(batches: readonly Buffer[], headers: readonly BatchHeader[]): Promise<void> {
    const last = headers[headers.length - 1]!;
    this.nextOffset = Math.max(this.nextOffset, last.lastOffset + 1);
    for (const header of headers) {
      // Epoch starts are recorded at assignment time so pipelined appends see them in order.
      if (this.epochs.assign(header.partitionLeaderEpoch, header.baseOffset)) {
        this.background = this.background.then(() => this.writeEpochCheckpoint()).catch((error: unknown) => void this.goOffline(error));
      }
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ batches, headers, resolve, reject });
      this.draining ??= this.drain();
    });
  }

  /** The single writer: takes everything queued, writes it with as few writev calls as possible. */
  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const items = this.queue;
        this.queue = [];
        try {
          await this.writeAppends(items);
          await this.flusher.afterWrite();
          for (const item of items) item.resolve();
        } catch (error) {
          const offline = this.goOffline(error);
          for (const item of [...items, ...this.queue]) item.reject(offline);
          this.queue = [];
        }
      }
    } finally {
      this.draining = null;
    }
  }

  private async writeAppends(items: readonly PendingAppend[]): Promise<void> {
    let buffers: Buffer[] = [];
    let headers: BatchHeader[] = [];
    let bytes = 0;
    const writeCollected = async (): Promise<void> => {
      if (buffers.length === 0) return;
      await this.writeToActive(buffers, headers, bytes);
      buffers = [];
      headers = [];
      bytes = 0;
    };
    for (const item of items) {
      for (const [i, header] of item.headers.entries()) {
        if (needsRoll(this.active, header, bytes, this.config)) {
          await writeCollected();
          await this.roll(header.baseOffset);
        }
        buffers.push(item.batches[i]!);
        headers.push(header);
        bytes += header.sizeBytes;
        if (buffers.length === MAX_IOVECS) await writeCollected();
      }
    }
    await writeCollected();
  }

  private async writeToActive(buffers: Buffer[], headers: BatchHeader[], bytes: number): Promise<void> {
    const segment = this.active;
    await appendToSegment(this.files, this.io, segment, { buffers, headers, bytes }, this.config.indexIntervalBytes);
    for (const header of headers) this.flusher.countAppended(header.recordsCount);
    this.visibleEnd = segment.nextOffset;
  }

  /** Starts a new active segment at `baseOffset`; the old one is flushed in the background. */
  private async roll(baseOffset: number): Promise<void> {
    const old = this.active;
    invariant(baseOffset >= old.nextOffset, () => `roll to ${baseOffset} below log end ${old.nextOffset}`);
    old.seal();
    await writeIndexes(this.io, old);
    // Where acknowledgements wait for fsync, the old segment's records are durable before the new
    // segment's name can be: else a power loss could keep the new (empty) segment and lose the
    // old one's tail, leaving offsets that hold nothing below the log end.
    if (this.flusher.durableAppends) await this.flusher.syncSegment(old);
    const segment = new Segment(this.directory, baseOffset, 0);
    segment.newIndexes(this.config.segmentIndexBytes);
    await this.flusher.createSegmentFile(segment);
    this.segments.push(segment);
    this.indexes.track(old);
    await writeFileAtomic(
      this.io,
      join(this.directory, offsetFileName(baseOffset, SNAPSHOT_SUFFIX)),
      this.producers.encodeSnapshot(),
      false,
    );
    // Kafka flushes the finished segment asynchronously; the recovery point moves past it.
    this.background = this.background
      .then(() => this.flusher.flushRolled(old, baseOffset))
      .catch((error: unknown) => void this.goOffline(error));
  }

  async flush(): Promise<void> {
    this.assertUsable();
    await this.idle();
    await this.background;
    try {
      await this.flusher.flushToEnd();
    } catch (error) {
      throw this.goOffline(error);
    }
  }

  /** Waits for queued appends to be written. */
  private async idle(): Promise<void> {
    while (this.draining) await this.draining;
    if (this.offlineError) throw this.offlineError;
  }

  // ---- read ------------------------------------------------------------------------------

  /** Served while the log is offline too, as long as its files can be read. */
  async read(offset: number, options: ReadOptions): Promise<ReadResult> {
    this.assertOpen();
    invariant(options.maxBytes >= 0, 'maxBytes must not be negative');
    for (let attempt = 0; ; attempt++) {
      const startOffset = this.startOffset;
      const end = this.visibleEnd;
      if (offset < startOffset || offset > end) return { error: 'OFFSET_OUT_OF_RANGE', logStartOffset: startOffset, logEndOffset: end };
      // Kafka's LocalLog.read: nothing is readable at or past maxOffset, and nothing fits in no
      // bytes without minOneBatch. Answered without touching a file: a fetch of many partitions
      // asks for most of them after its byte budget is spent, or at their high watermark.
      if (offset >= (options.maxOffset ?? Number.MAX_SAFE_INTEGER) || (options.maxBytes === 0 && options.minOneBatch === false))
        return {
          error: null,
          records: EMPTY_RECORDS,
          nextOffset: offset,
          logStartOffset: startOffset,
          logEndOffset: end,
          highWatermark: this.hw,
        };
      try {
        return await readSegments(this.context, offset, options);
      } catch (error) {
        // A segment deleted or truncated under us (retention, truncation): look again.
        if (attempt < 3 && (isNotFound(error) || error instanceof ShortReadError || isBadFd(error))) continue;
        throw error instanceof LogInvariantError ? error : this.goOffline(error);
      }
    }
  }

  async readByTimestamp(timestampMs: number, options: ReadOptions): Promise<ReadResult> {
    const found = await this.listOffset({ timestampMs });
    return this.read(found ? found.offset : this.visibleEnd, options);
  }

  async listOffset(spec: ListOffsetsSpec): Promise<OffsetAndTimestamp | null> {
    this.assertOpen();
    if (spec === 'earliest') return { offset: this.startOffset, timestamp: -1 };
    if (spec === 'latest') return { offset: this.visibleEnd, timestamp: -1 };
    if (spec === 'max-timestamp') return this.offsetOfMaxTimestamp();
    return offsetForTimestamp(this.context, spec.timestampMs);
  }

  private async offsetOfMaxTimestamp(): Promise<OffsetAndTimestamp | null> {
    const target = await segmentOfMaxTimestamp(this.context);
    if (!target) return null;
    const read = await this.read(Math.max(target.offsetOfMaxTimestamp, this.startOffset), { maxBytes: 1, minOneBatch: true });
    if (read.error || read.records.length === 0) return null;
    return offsetOfMaxTimestampInBatch(read.records);
  }

  // ---- truncation and deletion -----------------------------------------------------------

  async truncateTo(offset: number): Promise<void> {
    this.assertUsable();
    await this.idle();
    if (offset >= this.visibleEnd) {
      // Kafka's UnifiedLog.truncateTo: a broker that became leader and appended nothing has an
      // epoch entry at its log end; it goes even though no record is cut.
      if (!this.epochs.truncateFromEnd(this.visibleEnd)) return;
      try {
        await this.writeEpochCheckpoint();
      } catch (error) {
        throw this.goOffline(error);
      }
      return;
    }
    if (offset <= this.startOffset) return this.truncateFullyAndStartAt(offset);
    try {
      const index = this.segmentIndexFor(offset);
      for (const segment of this.segments.splice(index + 1)) await this.retention.deleteSegmentFiles(segment);
      const segment = this.active;
      const { cutAt, newEnd } = await truncationPoint(this.context, segment, offset);
      await this.files.with(segment.logPath, (handle) => handle.truncate(cutAt));
      segment.sizeBytes = cutAt;
      await rebuildSegment(this.files, this.config, segment);
      segment.nextOffset = Math.max(segment.nextOffset, Math.min(newEnd, offset));
      this.indexes.retain((s) => this.segments.includes(s));
      await this.afterTruncation(segment.nextOffset);
    } catch (error) {
      throw this.goOffline(error);
    }
  }

  async truncateFullyAndStartAt(offset: number): Promise<void> {
    this.assertUsable();
    await this.idle();
    try {
      for (const segment of this.segments.splice(0)) await this.retention.deleteSegmentFiles(segment);
      this.indexes.clear();
      const segment = new Segment(this.directory, offset, 0);
      segment.newIndexes(this.config.segmentIndexBytes);
      await this.flusher.createSegmentFile(segment);
      this.segments.push(segment);
      this.startOffset = offset;
      this.epochs.clear();
      this.hw = this.recoveryPointOffset = offset;
      await this.afterTruncation(offset);
    } catch (error) {
      throw this.goOffline(error);
    }
  }

  private async afterTruncation(end: number): Promise<void> {
    this.visibleEnd = this.nextOffset = end;
    this.hw = Math.min(this.hw, end);
    this.recoveryPointOffset = Math.min(this.recoveryPointOffset, end);
    this.epochs.truncateFromEnd(end);
    await this.writeEpochCheckpoint();
    await this.rebuildProducerState(end);
    await this.flusher.syncDirectory();
  }

  async deleteRecordsBefore(offset: number): Promise<number> {
    this.assertUsable();
    invariant(offset <= this.hw, () => `cannot delete records beyond the high watermark ${this.hw}`);
    if (offset <= this.startOffset) return this.startOffset;
    this.startOffset = offset;
    try {
      // Durable before any segment goes: a crash in between must not bring deleted records back.
      await this.persistLogStartOffset?.(offset);
      await this.retention.deleteBelowStart();
      await this.trimToLogStart();
    } catch (error) {
      throw this.goOffline(error);
    }
    return offset;
  }

  private async trimToLogStart(): Promise<void> {
    if (this.epochs.truncateFromStart(this.startOffset)) await this.writeEpochCheckpoint();
    this.producers.removeBefore(this.startOffset);
  }

  /**
   * Applies retention.ms, retention.bytes and the log start offset (see LogRetention); the
   * number of segments deleted.
   */
  async enforceRetention(nowMs = this.clock()): Promise<number> {
    this.assertUsable();
    try {
      return await this.retention.enforce(nowMs);
    } catch (error) {
      throw this.goOffline(error);
    }
  }

  // ---- compaction ------------------------------------------------------------------------

  /**
   * What a compaction would clean now: segments below the first uncleanable offset (the
   * active segment, the high watermark, and min.compaction.lag.ms bound it) and the share of
   * their bytes not cleaned since this log was opened.
   */
  async compactionStats(nowMs = this.clock()): Promise<CompactionStats> {
    return this.compactor.stats(nowMs);
  }

  /**
   * One compaction pass (cleanup.policy includes compact): cleans in a worker thread, then
   * swaps the cleaned segments in. Skipped below min.cleanable.dirty.ratio unless `force`.
   */
  async compact(options: CompactOptions = {}): Promise<CompactionResult> {
    this.assertUsable();
    return this.compactor.compact(options.nowMs ?? this.clock(), options);
  }

  // ---- close -----------------------------------------------------------------------------

  /**
   * Flushes, writes the active segment's indexes and a producer snapshot at the log end, each
   * fsynced, then fsyncs the directory once. A log with nothing new since it was opened or last
   * closed (its snapshot at the log end on disk, flushed to its end, indexes unchanged) writes
   * nothing but a directory fsync: Kafka's ProducerStateManager.takeSnapshot likewise skips an
   * offset it has a snapshot of. Nor does an empty log. That is what makes a broker with
   * thousands of idle or empty partitions stop in seconds.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.flusher.cancelTimer();
    try {
      // Offline or not, no write of this log may still be running once its files are closed.
      while (this.draining) await this.draining;
      await this.background;
      await this.epochWrites.catch(() => undefined);
      if (!this.offlineError) {
        const active = this.active;
        const snapshotOnDisk = this.snapshotOnDiskAt === this.visibleEnd;
        // No record, no producer: the next load finds nothing to index or replay (a missing index
        // is rebuilt from the empty segment), so only the segment file's name must be durable.
        const empty = this.segments.length === 1 && active.sizeBytes === 0 && active.baseOffset === this.visibleEnd;
        const unchanged =
          empty || (snapshotOnDisk && this.recoveryPointOffset >= this.visibleEnd && !active.indexesDirty && this.flusher.allFilesNamed);
        let directorySynced = false;
        if (!unchanged) {
          await writeIndexes(this.io, active, true);
          if (!snapshotOnDisk) {
            const snapshot = join(this.directory, offsetFileName(this.visibleEnd, SNAPSHOT_SUFFIX));
            await writeFileAtomic(this.io, snapshot, this.producers.encodeSnapshot(), true, false);
          }
          directorySynced = await this.flusher.flushToEnd();
          this.snapshotOnDiskAt = this.visibleEnd;
        }
        // The renames above, and segments retention deleted since: their names go for good.
        if (!directorySynced) await this.flusher.syncDirectory();
      }
    } finally {
      this.closed = true;
      for (const segment of this.segments) await this.files.close(segment.logPath);
      if (this.ownsFiles) await this.files.closeAll();
    }
  }

  // ---- loading and recovery --------------------------------------------------------------

  private async load(options: DiskLogOptions): Promise<void> {
    const loaded = await loadSegments(this.context, options);
    this.segments = loaded.segments;
    this.startOffset = loaded.logStartOffset;
    this.recoveryPointOffset = loaded.recoveryPoint;
    this.recovery = loaded.recovery;
    const end = this.active.nextOffset;
    if (end < this.startOffset) {
      // Everything the log had is below the checkpointed start: begin empty there.
      await this.truncateFullyAndStartAt(this.startOffset);
    }
    this.visibleEnd = this.nextOffset = this.active.nextOffset;
    this.recoveryPointOffset = Math.min(Math.max(this.recoveryPointOffset, 0), this.visibleEnd);
    this.hw = Math.min(Math.max(loaded.highWatermark ?? 0, this.startOffset), this.visibleEnd);
    let epochsChanged = this.epochs.truncateFromEnd(this.visibleEnd) || loaded.epochsLearned;
    epochsChanged = this.epochs.truncateFromStart(this.startOffset) || epochsChanged;
    if (epochsChanged) await this.writeEpochCheckpoint();
    await this.rebuildProducerState(this.visibleEnd);
  }

  private async rebuildProducerState(end: number): Promise<void> {
    const snapshotOffset = await rebuildProducerState(this.context, this.producers, end);
    this.snapshotOnDiskAt = snapshotOffset === end ? end : null;
  }

  /** Serialized: each write persists the cache as it is when the write runs. */
  private writeEpochCheckpoint(): Promise<void> {
    this.epochWrites = this.epochWrites
      .catch(() => undefined)
      .then(() => writeFileAtomic(this.io, join(this.directory, LEADER_EPOCH_CHECKPOINT), formatLeaderEpochCheckpoint(this.epochs.list())));
    return this.epochWrites;
  }

  // ---- helpers ---------------------------------------------------------------------------

  private get active(): Segment {
    return this.segments[this.segments.length - 1]!;
  }

  /** Index of the last segment whose base offset is ≤ offset (0 if none). */
  private segmentIndexFor(offset: number): number {
    return segmentIndexFor(this.segments, offset);
  }

  /**
   * Another log of the same directory failed (Kafka takes the whole log dir offline): this one
   * refuses writes from now on as well, and keeps serving reads.
   */
  markOffline(cause: LogOfflineError): void {
    this.goOffline(cause);
  }

  /**
   * A disk error (ENOSPC, EIO, ...): the log refuses every write from now on, since its files may
   * not match its state any more; reads go on while the files can be read. Only a restart, whose
   * recovery cuts any torn tail, brings it back.
   */
  private goOffline(error: unknown): LogOfflineError {
    if (error instanceof LogInvariantError) throw error;
    if (this.offlineError) return this.offlineError;
    this.offlineError = error instanceof LogOfflineError ? error : new LogOfflineError(this.directory, error);
    this.flusher.cancelTimer();
    this.onOffline?.(this.offlineError);
    return this.offlineError;
  }

  /** For writes: fails once the log is offline. */
  private assertUsable(): void {
    if (this.offlineError) throw this.offlineError;
    this.assertOpen();
  }

  private assertOpen(): void {
    invariant(!this.closed, () => `log ${this.directory} is closed`);
  }
}

/** Shared by every empty read: a zero-length buffer holds nothing to overwrite. */
const EMPTY_RECORDS = Buffer.alloc(0);

const isBadFd = (error: unknown): boolean => (error as NodeJS.ErrnoException | undefined)?.code === 'EBADF';
