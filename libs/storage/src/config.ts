/**
 * Per-log configuration, named after Kafka's topic configs with the unit last, defaulting
 * to Kafka's defaults (server.properties / LogConfig).
 */
export interface LogConfig {
  /** segment.bytes */
  segmentBytes: number;
  /** segment.ms */
  segmentMs: number;
  /** segment.index.bytes: the max size of one .index file, and so of its in-memory copy. */
  segmentIndexBytes: number;
  /** index.interval.bytes */
  indexIntervalBytes: number;
  /** flush.messages: fsync after this many messages; MAX_SAFE_INTEGER = leave it to the OS. */
  flushMessages: number;
  /** flush.ms: fsync when the oldest unflushed append is this old. */
  flushMs: number;
  /**
   * Not a Kafka config: 'group' makes every append resolve only after an fsync that covers
   * it, appends arriving during an fsync share the next one (single-node power-loss safety).
   */
  fsyncMode: 'policy' | 'group';
  /** retention.ms; -1 = unlimited. */
  retentionMs: number;
  /** retention.bytes; -1 = unlimited. */
  retentionBytes: number;
  /** cleanup.policy */
  cleanupPolicy: readonly ('delete' | 'compact')[];
  /** delete.retention.ms: how long tombstones survive compaction. */
  deleteRetentionMs: number;
  /** min.cleanable.dirty.ratio */
  minCleanableDirtyRatio: number;
  /** min.compaction.lag.ms */
  minCompactionLagMs: number;
  /** max.compaction.lag.ms */
  maxCompactionLagMs: number;
  /** file.delete.delay.ms: a deleted segment's files linger as `.deleted` this long. */
  fileDeleteDelayMs: number;
  /** Check each appended batch's CRC32C (the PartitionActor normally did it already). */
  verifyCrcOnAppend: boolean;
}

export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = Object.freeze({
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * 24 * 60 * 60 * 1000,
  segmentIndexBytes: 10 * 1024 * 1024,
  indexIntervalBytes: 4096,
  flushMessages: Number.MAX_SAFE_INTEGER,
  flushMs: Number.MAX_SAFE_INTEGER,
  fsyncMode: 'policy',
  retentionMs: 7 * 24 * 60 * 60 * 1000,
  retentionBytes: -1,
  cleanupPolicy: Object.freeze(['delete'] as const),
  deleteRetentionMs: 24 * 60 * 60 * 1000,
  minCleanableDirtyRatio: 0.5,
  minCompactionLagMs: 0,
  maxCompactionLagMs: Number.MAX_SAFE_INTEGER,
  fileDeleteDelayMs: 60_000,
  verifyCrcOnAppend: false,
});

/**
 * How old a segment may get before an append rolls it (Kafka's LogConfig.maxSegmentMs): a
 * compacted log rolls by max.compaction.lag.ms too, so that its records become cleanable in time.
 */
export function maxSegmentMs(config: LogConfig): number {
  return config.cleanupPolicy.includes('compact') && config.maxCompactionLagMs > 0
    ? Math.min(config.maxCompactionLagMs, config.segmentMs)
    : config.segmentMs;
}

/** Smallest segment we accept: one max-size header plus room to make progress. */
const MIN_SEGMENT_BYTES = 14;

export function resolveLogConfig(overrides: Partial<LogConfig> = {}): LogConfig {
  const config: LogConfig = { ...DEFAULT_LOG_CONFIG, ...overrides };
  assertConfig(config.segmentBytes >= MIN_SEGMENT_BYTES && config.segmentBytes <= 0x7fffffff, 'segmentBytes', config.segmentBytes);
  assertConfig(config.segmentIndexBytes >= 8, 'segmentIndexBytes', config.segmentIndexBytes);
  assertConfig(config.indexIntervalBytes >= 0, 'indexIntervalBytes', config.indexIntervalBytes);
  assertConfig(config.segmentMs > 0, 'segmentMs', config.segmentMs);
  assertConfig(config.flushMessages > 0 && config.flushMs >= 0, 'flush', `${config.flushMessages}/${config.flushMs}`);
  assertConfig(
    config.minCleanableDirtyRatio >= 0 && config.minCleanableDirtyRatio <= 1,
    'minCleanableDirtyRatio',
    config.minCleanableDirtyRatio,
  );
  return config;
}

function assertConfig(ok: boolean, name: string, value: unknown): void {
  if (!ok) throw new RangeError(`invalid log config ${name}=${String(value)}`);
}
