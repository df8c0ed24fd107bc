import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogConfig } from './config.js';
import { DiskLog } from './disk-log.js';
import { invariant, LogInvariantError, LogOfflineError } from './errors.js';
import { nodeFileIo, type FileIo } from './file-io.js';
import { DEFAULT_MAX_OPEN_FILES, FileHandlePool } from './file-pool.js';
import {
  CLEAN_SHUTDOWN_MARKER,
  formatOffsetCheckpoint,
  LOG_START_OFFSET_CHECKPOINT,
  makeDirectoryDurable,
  parseOffsetCheckpoint,
  parsePartitionDirName,
  partitionDirName,
  readFileIfExists,
  RECOVERY_POINT_CHECKPOINT,
  REPLICATION_OFFSET_CHECKPOINT,
  unlinkIfExists,
  writeFileAtomic,
  type PartitionOffset,
} from './files.js';

export interface LogDirectoryOptions {
  path: string;
  /** Segment files open at once across all logs of this directory. */
  maxOpenFiles?: number;
  /** Bound on partitions (logs) open in this directory. */
  maxLogs?: number;
  clock?: () => number;
  /** Every write, fsync, creation, rename and deletion under `path` (default: node:fs). */
  io?: FileIo;
  /** Called once, when a disk error takes the directory offline (Kafka's LogDirFailureChannel). */
  onOffline?: (error: LogOfflineError) => void;
}

export interface OpenLogOptions {
  config?: Partial<LogConfig>;
  topicId?: string;
}

const DEFAULT_MAX_LOGS = 100_000;
/** Logs closed at once at shutdown. */
const MAX_LOGS_CLOSING = 16;

/**
 * A data directory (Kafka's log.dirs entry): the partition logs under it, the per-directory
 * checkpoint files (recovery point, log start offset, high watermark) and the clean-shutdown
 * marker that lets the next start skip recovery.
 *
 * A disk error in any of its logs or files takes the whole directory offline, as Kafka's
 * LogDirFailureChannel does: every log refuses writes, no checkpoint is written, no log opens,
 * and the next start recovers (no clean-shutdown marker). Unlike Kafka, which closes the logs
 * (and stops a broker whose only directory failed), reads go on while the files can be read.
 */
export class LogDirectory {
  readonly path: string;
  /** The previous process shut down cleanly (the marker was there). */
  readonly cleanShutdown: boolean;
  readonly files: FileHandlePool;
  private readonly logs = new Map<string, DiskLog>();
  private readonly recoveryPoints: Map<string, number>;
  private readonly logStartOffsets: Map<string, number>;
  private readonly highWatermarks: Map<string, number>;
  private readonly maxLogs: number;
  private readonly clock: (() => number) | undefined;
  private readonly io: FileIo;
  /** Checkpoint writes, one at a time: each writes the maps as they are when it runs. */
  private checkpoints: Promise<void> = Promise.resolve();
  private readonly onOffline: ((error: LogOfflineError) => void) | undefined;
  private offlineError: LogOfflineError | null = null;

  private constructor(options: LogDirectoryOptions, cleanShutdown: boolean, checkpoints: Map<string, number>[]) {
    this.path = options.path;
    this.cleanShutdown = cleanShutdown;
    this.io = options.io ?? nodeFileIo;
    this.files = new FileHandlePool(options.maxOpenFiles ?? DEFAULT_MAX_OPEN_FILES, this.io);
    this.maxLogs = options.maxLogs ?? DEFAULT_MAX_LOGS;
    this.clock = options.clock;
    this.onOffline = options.onOffline;
    [this.recoveryPoints, this.logStartOffsets, this.highWatermarks] = checkpoints as [
      Map<string, number>,
      Map<string, number>,
      Map<string, number>,
    ];
  }

  static async open(options: LogDirectoryOptions): Promise<LogDirectory> {
    const io = options.io ?? nodeFileIo;
    await makeDirectoryDurable(io, options.path);
    const marker = join(options.path, CLEAN_SHUTDOWN_MARKER);
    const cleanShutdown = (await readFileIfExists(marker)) !== null;
    const checkpoints = await Promise.all(
      [RECOVERY_POINT_CHECKPOINT, LOG_START_OFFSET_CHECKPOINT, REPLICATION_OFFSET_CHECKPOINT].map(async (name) => {
        const text = await readFileIfExists(join(options.path, name));
        const entries = text ? parseOffsetCheckpoint(text.toString('utf8'), name) : [];
        return new Map(entries.map((e) => [partitionDirName(e.topic, e.partition), e.offset]));
      }),
    );
    // From now on a crash must be detected: the marker goes until the next clean close.
    await unlinkIfExists(io, marker);
    await io.syncDirectory(options.path);
    return new LogDirectory(options, cleanShutdown, checkpoints);
  }

  /** Partition directories present on disk. */
  async partitionsOnDisk(): Promise<{ topic: string; partition: number }[]> {
    const entries = await readdir(this.path, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).flatMap((e) => parsePartitionDirName(e.name) ?? []);
  }

  log(topic: string, partition: number): DiskLog | undefined {
    return this.logs.get(partitionDirName(topic, partition));
  }

  get openLogs(): number {
    return this.logs.size;
  }

  /** The disk error that took the directory offline, or null while it is online. */
  get offline(): LogOfflineError | null {
    return this.offlineError;
  }

  /** Takes the directory offline (idempotent): every log refuses writes from now on. */
  markOffline(error: unknown): LogOfflineError {
    if (error instanceof LogInvariantError) throw error;
    if (this.offlineError) return this.offlineError;
    const offline = error instanceof LogOfflineError ? error : new LogOfflineError(this.path, error);
    this.offlineError = offline;
    for (const log of this.logs.values()) log.markOffline(offline);
    this.onOffline?.(offline);
    return offline;
  }

  /**
   * Opens (recovering if the last shutdown was not clean) or creates a partition's log. Fails
   * with LogOfflineError while the directory is offline, or if the disk fails on the way.
   */
  async openLog(topic: string, partition: number, options: OpenLogOptions = {}): Promise<DiskLog> {
    const name = partitionDirName(topic, partition);
    const existing = this.logs.get(name);
    if (existing) return existing;
    if (this.offlineError) throw this.offlineError;
    invariant(this.logs.size < this.maxLogs, () => `more than ${this.maxLogs} logs in ${this.path}`);
    const log = await this.openDiskLog(name, topic, partition, options).catch((error: unknown) => {
      throw isIoError(error) ? this.markOffline(error) : error;
    });
    this.logs.set(name, log);
    if (this.offlineError) log.markOffline(this.offlineError);
    return log;
  }

  private openDiskLog(name: string, topic: string, partition: number, options: OpenLogOptions): Promise<DiskLog> {
    return DiskLog.open({
      directory: join(this.path, name),
      topic,
      partition,
      config: options.config,
      topicId: options.topicId,
      recoveryPoint: this.recoveryPoints.get(name),
      logStartOffset: this.logStartOffsets.get(name),
      highWatermark: this.highWatermarks.get(name),
      cleanShutdown: this.cleanShutdown,
      files: this.files,
      clock: this.clock,
      io: this.io,
      persistLogStartOffset: (offset) => {
        this.logStartOffsets.set(name, offset);
        return this.serialized(() => this.writeCheckpoint(LOG_START_OFFSET_CHECKPOINT, this.logStartOffsets));
      },
      onOffline: (error) => void this.markOffline(error),
    });
  }

  /** Closes a log and removes its directory (partition deleted or moved away). */
  async deleteLog(topic: string, partition: number): Promise<void> {
    const name = partitionDirName(topic, partition);
    const log = this.logs.get(name);
    this.logs.delete(name);
    if (log) await log.close().catch(() => undefined);
    await this.io.removeTree(join(this.path, name));
    for (const map of [this.recoveryPoints, this.logStartOffsets, this.highWatermarks]) map.delete(name);
    if (!this.offlineError) await this.checkpoint();
  }

  /**
   * Writes the three per-directory checkpoint files from the open logs. Kafka does this on timers
   * (replica.high.watermark.checkpoint.interval.ms, log.flush.offset.checkpoint.interval.ms) and
   * at shutdown; the broker's replica manager calls it the same way. Not while the directory is
   * offline (Kafka checkpoints live directories only); a failed write takes it offline.
   */
  checkpoint(): Promise<void> {
    return this.serialized(async () => {
      if (this.offlineError) return;
      for (const [name, log] of this.logs) {
        if (log.isOffline) continue;
        this.recoveryPoints.set(name, log.recoveryPoint);
        this.logStartOffsets.set(name, log.logStartOffset);
        this.highWatermarks.set(name, log.highWatermark);
      }
      try {
        await this.writeCheckpoint(RECOVERY_POINT_CHECKPOINT, this.recoveryPoints);
        await this.writeCheckpoint(LOG_START_OFFSET_CHECKPOINT, this.logStartOffsets);
        await this.writeCheckpoint(REPLICATION_OFFSET_CHECKPOINT, this.highWatermarks);
      } catch (error) {
        throw this.markOffline(error);
      }
    });
  }

  private serialized(write: () => Promise<void>): Promise<void> {
    const next = this.checkpoints.catch(() => undefined).then(write);
    this.checkpoints = next;
    return next;
  }

  private async writeCheckpoint(fileName: string, map: Map<string, number>): Promise<void> {
    const entries: PartitionOffset[] = [...map]
      .map(([name, offset]) => ({ ...parsePartitionDirName(name)!, offset }))
      .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    await writeFileAtomic(this.io, join(this.path, fileName), formatOffsetCheckpoint(entries));
  }

  /**
   * Closes every log; if all closed cleanly, checkpoints and leaves the clean-shutdown marker.
   * An offline directory gets neither: the next start recovers its logs from their files.
   */
  async close(): Promise<void> {
    let clean = this.offlineError === null;
    // Closing a log is a few fsyncs: thousands of partitions close side by side (as Kafka's
    // LogManager.shutdown closes each directory's logs on a thread pool), not one after another.
    const logs = [...this.logs.values()];
    const closeNext = async (): Promise<void> => {
      for (let log = logs.pop(); log !== undefined; log = logs.pop()) {
        if (log.isOffline) clean = false;
        await log.close().catch(() => (clean = false));
      }
    };
    await Promise.all(Array.from({ length: Math.min(MAX_LOGS_CLOSING, logs.length) }, closeNext));
    await this.checkpoint().catch(() => (clean = false));
    this.logs.clear();
    await this.files.closeAll();
    if (clean && this.offlineError === null) {
      await writeFileAtomic(this.io, join(this.path, CLEAN_SHUTDOWN_MARKER), '');
    }
  }
}

/** An error from the operating system (ENOSPC, EIO, EACCES, ...), as opposed to a bug or bad data. */
const isIoError = (error: unknown): boolean => typeof (error as NodeJS.ErrnoException | undefined)?.code === 'string';
