import type { LogConfig } from './config.js';
import type { FileIo } from './file-io.js';
import type { FileHandlePool } from './file-pool.js';
import { createEmptyFile, isNotFound, syncFileIfExists } from './files.js';
import { segmentIndexFor, type Segment } from './segment.js';

/** flush.ms's default: never by time. */
const DEFAULT_NEVER_MS = Number.MAX_SAFE_INTEGER;

/** The view of the log that flushing gets. */
export interface FlushContext {
  readonly directory: string;
  readonly io: FileIo;
  readonly files: FileHandlePool;
  config(): LogConfig;
  /** Oldest first; the last one is the active segment. */
  segments(): readonly Segment[];
  logEndOffset(): number;
  recoveryPoint(): number;
  /** Everything below `offset` is durable now. */
  advanceRecoveryPoint(offset: number): void;
  /** The log is offline or closed: a background flush has nothing left to do. */
  stopped(): boolean;
  /** The log's flush(), for flush.ms. */
  flush(): Promise<void>;
}

/**
 * When the log's bytes become durable, and the bookkeeping that says how far they are (Kafka's
 * LocalLog.flush and the flush.messages / flush.ms policy): fsyncs of segments, of their indexes
 * and of the partition directory, and the recovery point they move. Segment files are created
 * here too, because whether a new segment's name is durable yet is part of that bookkeeping.
 */
export class LogFlusher {
  private unflushedMessages = 0;
  /** Segment files created, and how many of them were before the last directory fsync (named durably). */
  private segmentFilesCreated = 0;
  private segmentFilesNamed = 0;
  private timer: NodeJS.Timeout | null = null;

  private readonly log: FlushContext;

  constructor(log: FlushContext) {
    this.log = log;
  }

  /** Appends are acknowledged only once fsynced: group commit, or log.flush.interval.messages=1. */
  get durableAppends(): boolean {
    const config = this.log.config();
    return config.fsyncMode === 'group' || config.flushMessages <= 1;
  }

  /** A batch of `records` records reached the page cache. */
  countAppended(records: number): void {
    this.unflushedMessages += Math.max(1, records);
  }

  /**
   * After the writer wrote what it drained: group commit fsyncs now, else flush.messages may,
   * else flush.ms arms a timer.
   */
  async afterWrite(): Promise<void> {
    const config = this.log.config();
    if (config.fsyncMode === 'group' || this.unflushedMessages >= config.flushMessages) {
      await this.flushToEnd();
      return;
    }
    if (config.flushMs < DEFAULT_NEVER_MS && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.log.flush().catch(() => undefined);
      }, config.flushMs);
      this.timer.unref();
    }
  }

  cancelTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /**
   * Makes everything appended so far durable (Kafka's LocalLog.flush): an fsync of every segment
   * from the one holding the recovery point (a drained batch may span a roll, leaving records in
   * the segment before the active one), then of the directory if a segment file was created
   * since its last fsync (else the new segment's records, though fsynced, have no durable name).
   * Returns whether it fsynced the directory.
   */
  async flushToEnd(): Promise<boolean> {
    const end = this.log.logEndOffset();
    const segments = this.log.segments();
    for (const segment of segments.slice(segmentIndexFor(segments, this.log.recoveryPoint()))) await this.syncSegment(segment);
    const directorySynced = !this.allFilesNamed;
    if (directorySynced) await this.syncDirectory();
    this.unflushedMessages = 0;
    this.log.advanceRecoveryPoint(end);
    return directorySynced;
  }

  /** A rolled segment, flushed in the background as Kafka does: the recovery point moves past it. */
  async flushRolled(segment: Segment, upTo: number): Promise<void> {
    if (this.log.stopped() || !this.log.segments().includes(segment)) return;
    if (!(await this.syncSegment(segment))) return;
    for (const path of [segment.indexPath, segment.timeIndexPath]) await syncFileIfExists(this.log.io, path);
    await this.syncDirectory();
    this.log.advanceRecoveryPoint(upTo);
  }

  /** fsync of a segment's records; false if the segment was deleted meanwhile. */
  async syncSegment(segment: Segment): Promise<boolean> {
    try {
      await this.log.files.with(segment.logPath, (file) => file.sync());
      return true;
    } catch (error) {
      if (isNotFound(error) && !this.log.segments().includes(segment)) return false;
      throw error;
    }
  }

  /** Every segment file created has its name durable (the directory fsynced since). */
  get allFilesNamed(): boolean {
    return this.segmentFilesNamed >= this.segmentFilesCreated;
  }

  /** fsync of the partition directory: the names of the segment files created so far are durable. */
  async syncDirectory(): Promise<void> {
    const created = this.segmentFilesCreated;
    await this.log.io.syncDirectory(this.log.directory);
    this.segmentFilesNamed = Math.max(this.segmentFilesNamed, created);
  }

  /** Creates a segment's (empty) file; its name is durable from the next syncDirectory on. */
  async createSegmentFile(segment: Segment): Promise<void> {
    await createEmptyFile(this.log.io, segment.logPath);
    this.segmentFilesCreated++;
  }
}
