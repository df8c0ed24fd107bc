import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogConfig } from './config.js';
import { DiskLog } from './disk-log.js';
import { invariant } from './errors.js';
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
}

export interface OpenLogOptions {
  config?: Partial<LogConfig>;
  topicId?: string;
}

const DEFAULT_MAX_LOGS = 100_000;

/**
 * A data directory (Kafka's log.dirs entry): the partition logs under it, the per-directory
 * checkpoint files (recovery point, log start offset, high watermark) and the clean-shutdown
 * marker that lets the next start skip recovery.
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

  private constructor(options: LogDirectoryOptions, cleanShutdown: boolean, checkpoints: Map<string, number>[]) {
    this.path = options.path;
    this.cleanShutdown = cleanShutdown;
    this.io = options.io ?? nodeFileIo;
    this.files = new FileHandlePool(options.maxOpenFiles ?? DEFAULT_MAX_OPEN_FILES, this.io);
    this.maxLogs = options.maxLogs ?? DEFAULT_MAX_LOGS;
    this.clock = options.clock;
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

  /** Opens (recovering if the last shutdown was not clean) or creates a partition's log. */
  async openLog(topic: string, partition: number, options: OpenLogOptions = {}): Promise<DiskLog> {
    const name = partitionDirName(topic, partition);
    const existing = this.logs.get(name);
    if (existing) return existing;
    invariant(this.logs.size < this.maxLogs, () => `more than ${this.maxLogs} logs in ${this.path}`);
    const log = await DiskLog.open({
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
    });
    this.logs.set(name, log);
    return log;
  }

  /** Closes a log and removes its directory (partition deleted or moved away). */
  async deleteLog(topic: string, partition: number): Promise<void> {
    const name = partitionDirName(topic, partition);
    const log = this.logs.get(name);
    this.logs.delete(name);
    if (log) await log.close().catch(() => undefined);
    await this.io.removeTree(join(this.path, name));
    for (const map of [this.recoveryPoints, this.logStartOffsets, this.highWatermarks]) map.delete(name);
    await this.checkpoint();
  }

  /**
   * Writes the three per-directory checkpoint files from the open logs. Kafka does this on timers
   * (replica.high.watermark.checkpoint.interval.ms, log.flush.offset.checkpoint.interval.ms) and
   * at shutdown; the broker's replica manager calls it the same way.
   */
  checkpoint(): Promise<void> {
    return this.serialized(async () => {
      for (const [name, log] of this.logs) {
        if (log.isOffline) continue;
        this.recoveryPoints.set(name, log.recoveryPoint);
        this.logStartOffsets.set(name, log.logStartOffset);
        this.highWatermarks.set(name, log.highWatermark);
      }
      await this.writeCheckpoint(RECOVERY_POINT_CHECKPOINT, this.recoveryPoints);
      await this.writeCheckpoint(LOG_START_OFFSET_CHECKPOINT, this.logStartOffsets);
      await this.writeCheckpoint(REPLICATION_OFFSET_CHECKPOINT, this.highWatermarks);
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

  /** Closes every log; if all closed cleanly, checkpoints and leaves the clean-shutdown marker. */
  async close(): Promise<void> {
    let clean = true;
    for (const log of this.logs.values()) {
      if (log.isOffline) clean = false;
      await log.close().catch(() => (clean = false));
    }
    await this.checkpoint();
    this.logs.clear();
    await this.files.closeAll();
    if (clean) {
      await writeFileAtomic(this.io, join(this.path, CLEAN_SHUTDOWN_MARKER), '');
    }
  }
}
