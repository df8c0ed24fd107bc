import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BatchHeader } from './batch.js';
import type { LogConfig } from './config.js';
import { invariant } from './errors.js';
import type { FileIo } from './file-io.js';
import type { FileHandlePool } from './file-pool.js';
import {
  CLEANED_SUFFIX,
  DELETED_SUFFIX,
  formatPartitionMetadata,
  INDEX_SUFFIX,
  LEADER_EPOCH_CHECKPOINT,
  LOG_SUFFIX,
  makeDirectoryDurable,
  offsetFileName,
  parseLeaderEpochCheckpoint,
  parseOffsetFileName,
  parsePartitionMetadata,
  PARTITION_METADATA,
  readFileIfExists,
  SNAPSHOT_SUFFIX,
  SWAP_SUFFIX,
  TIME_INDEX_SUFFIX,
  topicIdToKafkaString,
  unlinkIfExists,
  writeFileAtomic,
} from './files.js';
import type { LeaderEpochCache } from './leader-epoch-cache.js';
import type { ProducerStateTable } from './producer-state.js';
import { BatchCursor, Segment, segmentIndexFor } from './segment.js';
import { loadIndexFiles, rebuildSegment, writeIndexes, type SegmentIndexes } from './segment-indexes.js';

/**
 * Opening a partition directory (Kafka's LogLoader): the topic-id check, interrupted
 * compaction swaps finished, the segment list read, and either the clean-shutdown fast path or
 * recovery by scanning from the recovery point. What the log's offsets become is the log's.
 */

export interface RecoveryReport {
  /** Segments scanned and validated (0 after a clean shutdown). */
  segmentsScanned: number;
  bytesScanned: number;
  /** Bytes cut off the end: torn or corrupt batches and everything after them. */
  bytesTruncated: number;
}

export interface LoadOptions {
  recoveryPoint?: number | undefined;
  logStartOffset?: number | undefined;
  highWatermark?: number | undefined;
  cleanShutdown?: boolean | undefined;
  topicId?: string | undefined;
}

/** What loading needs of its log: the directory, its files, and the log's own file bookkeeping. */
export interface LogLoaderContext {
  readonly directory: string;
  readonly io: FileIo;
  readonly files: FileHandlePool;
  /** Filled from the leader-epoch-checkpoint, then with epochs recovery finds in the batches. */
  readonly epochs: LeaderEpochCache;
  config(): LogConfig;
  createSegmentFile(segment: Segment): Promise<void>;
  deleteSegmentFiles(segment: Segment): Promise<void>;
  syncDirectory(): Promise<void>;
}

export interface LoadedSegments {
  /** Never empty; the last one is the active segment. */
  segments: Segment[];
  logStartOffset: number;
  recoveryPoint: number;
  /** The checkpointed high watermark, unless the directory turned out to be another topic's. */
  highWatermark: number | undefined;
  recovery: RecoveryReport;
  /** Recovery found epochs the leader-epoch-checkpoint lacked: rewrite it once loading ends. */
  epochsLearned: boolean;
}

export async function loadSegments(context: LogLoaderContext, options: LoadOptions): Promise<LoadedSegments> {
  const { directory, io } = context;
  // A partition directory whose own name is not durable takes every segment with it.
  await makeDirectoryDurable(io, directory);
  let checkpointed = {
    logStartOffset: options.logStartOffset,
    recoveryPoint: options.recoveryPoint,
    highWatermark: options.highWatermark,
  };
  if (options.topicId) {
    // The directory's checkpoints were the other topic's too.
    if (await discardIfOtherTopic(io, directory, topicIdToKafkaString(options.topicId)))
      checkpointed = { logStartOffset: undefined, recoveryPoint: undefined, highWatermark: undefined };
    await writeFileAtomic(io, join(directory, PARTITION_METADATA), formatPartitionMetadata(topicIdToKafkaString(options.topicId)));
  }
  const names = await readdir(directory);
  await completeInterruptedSwaps(context, names);
  const bases = (await readdir(directory))
    .map((name) => parseOffsetFileName(name))
    .filter((p): p is { offset: number; suffix: string } => p !== null && p.suffix === LOG_SUFFIX)
    .map((p) => p.offset)
    .sort((a, b) => a - b);
  const segments: Segment[] = [];
  for (const base of bases) {
    const segment = new Segment(directory, base, (await stat(join(directory, offsetFileName(base, LOG_SUFFIX)))).size);
    segments.push(segment);
  }
  segments.forEach((s, i) => (s.nextOffset = segments[i + 1]?.baseOffset ?? s.baseOffset));
  const logStartOffset = Math.max(checkpointed.logStartOffset ?? 0, segments[0]?.baseOffset ?? 0);
  if (segments.length === 0) {
    const segment = new Segment(directory, logStartOffset, 0);
    await context.createSegmentFile(segment);
    segments.push(segment);
  }
  const epochText = await readFileIfExists(join(directory, LEADER_EPOCH_CHECKPOINT));
  for (const entry of epochText ? parseLeaderEpochCheckpoint(epochText.toString('utf8')) : [])
    context.epochs.assign(entry.epoch, entry.startOffset);

  const loaded: LoadedSegments = {
    segments,
    logStartOffset,
    recoveryPoint: checkpointed.recoveryPoint ?? 0,
    highWatermark: checkpointed.highWatermark,
    recovery: { segmentsScanned: 0, bytesScanned: 0, bytesTruncated: 0 },
    epochsLearned: false,
  };
  if (options.cleanShutdown) await loadActiveClean(context, segments[segments.length - 1]!);
  else await recover(context, loaded);
  return loaded;
}

/** Clean shutdown: indexes on disk are complete; only the tail after the last index entry is read. */
async function loadActiveClean(context: LogLoaderContext, active: Segment): Promise<void> {
  const loaded = await loadIndexFiles(active, context.config());
  if (!loaded) {
    await rebuildSegment(context.files, context.config(), active);
    return;
  }
  active.offsetIndex = loaded.offsetIndex;
  active.timeIndex = loaded.timeIndex;
  const last = loaded.timeIndex.lastEntry();
  if (last) {
    active.maxTimestamp = last.timestamp;
    active.offsetOfMaxTimestamp = last.offset;
  }
  const tailFrom = loaded.offsetIndex.lastPosition();
  active.nextOffset = loaded.offsetIndex.lastOffset() !== undefined ? loaded.offsetIndex.lastOffset()! + 1 : active.baseOffset;
  await context.files.with(active.logPath, async (handle) => {
    const cursor = new BatchCursor(handle, tailFrom, active.sizeBytes);
    let bytesSinceIndex = 0;
    for (let batch = await cursor.next(); batch; batch = await cursor.next()) {
      const h = batch.header;
      if (active.rollingBasedTimestamp === null && batch.position === 0) active.rollingBasedTimestamp = h.maxTimestamp;
      if (h.maxTimestamp > active.maxTimestamp) {
        active.maxTimestamp = h.maxTimestamp;
        active.offsetOfMaxTimestamp = h.lastOffset;
      }
      active.nextOffset = h.lastOffset + 1;
      bytesSinceIndex += h.sizeBytes;
    }
    invariant(
      cursor.defect === null && cursor.position === active.sizeBytes,
      () => `${active.logPath} is damaged after a clean shutdown (${cursor.defect})`,
    );
    active.bytesSinceLastIndexEntry = bytesSinceIndex;
  });
  if (active.rollingBasedTimestamp === null && !active.isEmpty) active.rollingBasedTimestamp = active.maxTimestamp;
}

/**
 * After a crash: every segment from the one holding the recovery point on is scanned batch
 * by batch (length, magic, CRC32C); the first torn or corrupt batch and everything after it
 * is cut off; the indexes of scanned segments are rebuilt.
 */
async function recover(context: LogLoaderContext, loaded: LoadedSegments): Promise<void> {
  const { segments, recovery } = loaded;
  const first = Math.max(0, segmentIndexFor(segments, loaded.recoveryPoint));
  const dropped: Segment[] = [];
  for (let i = first; i < segments.length; i++) {
    const segment = segments[i]!;
    // The scan moves sizeBytes to the end of the last valid batch; the file keeps what lies past it.
    const fileBytes = segment.sizeBytes;
    const { validBytes } = await rebuildSegment(context.files, context.config(), segment, true, (header) => {
      if (learnEpoch(context.epochs, header)) loaded.epochsLearned = true;
    });
    recovery.segmentsScanned++;
    recovery.bytesScanned += validBytes;
    if (validBytes < fileBytes) {
      recovery.bytesTruncated += fileBytes - validBytes;
      await context.io.truncate(segment.logPath, validBytes);
      segment.sizeBytes = validBytes;
      dropped.push(...segments.splice(i + 1));
    }
    if (i < segments.length - 1) await writeIndexes(context.io, segment);
  }
  if (dropped.length === 0) return;
  for (const segment of dropped) {
    recovery.bytesTruncated += segment.sizeBytes;
    await context.deleteSegmentFiles(segment);
  }
  // Durably gone before anything is appended at their offsets: back after another crash, they
  // would hold offsets that the surviving segment holds too.
  await context.syncDirectory();
}

/**
 * Recovery's part in the leader epoch cache (Kafka's LogSegment.recover): the checkpoint is
 * written in the background after the first append of a new epoch, so a crash can lose it while
 * the batches stamped with that epoch survive. A newer epoch found in a scanned batch is added.
 * True if it was.
 */
function learnEpoch(epochs: LeaderEpochCache, header: BatchHeader): boolean {
  const latest = epochs.latest();
  if (header.partitionLeaderEpoch <= (latest?.epoch ?? -1) || header.baseOffset < (latest?.startOffset ?? 0)) return false;
  epochs.assign(header.partitionLeaderEpoch, header.baseOffset);
  return true;
}

async function completeInterruptedSwaps(context: LogLoaderContext, names: readonly string[]): Promise<void> {
  const { directory, io } = context;
  // Kafka's rules: .cleaned is an unfinished rewrite (drop it), .swap a finished one that
  // replaces every live segment it overlaps, .deleted is garbage.
  const swaps = names
    .map(parseOffsetFileName)
    .filter((p) => p && p.suffix === LOG_SUFFIX + SWAP_SUFFIX)
    .map((p) => p!.offset)
    .sort((a, b) => a - b);
  for (const name of names) {
    if (name.endsWith(CLEANED_SUFFIX) || name.endsWith(DELETED_SUFFIX) || name.endsWith('.tmp'))
      await unlinkIfExists(io, join(directory, name));
  }
  if (swaps.length === 0) return;
  const liveBases = names
    .map(parseOffsetFileName)
    .filter((p) => p && p.suffix === LOG_SUFFIX)
    .map((p) => p!.offset)
    .sort((a, b) => a - b);
  // The swapped segments cover [first swap base, the next live base after the last swap's data).
  const swapEnds = await Promise.all(
    swaps.map((base) => lastOffsetOfFile(io, join(directory, offsetFileName(base, LOG_SUFFIX + SWAP_SUFFIX)))),
  );
  const coverEnd = Math.max(...swapEnds.map((end, i) => Math.max(end, swaps[i]!)));
  for (const base of liveBases) {
    if (base >= swaps[0]! && base <= coverEnd && !swaps.includes(base)) {
      for (const suffix of [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX])
        await unlinkIfExists(io, join(directory, offsetFileName(base, suffix)));
    }
  }
  for (const base of swaps) {
    for (const suffix of [INDEX_SUFFIX, TIME_INDEX_SUFFIX]) await unlinkIfExists(io, join(directory, offsetFileName(base, suffix)));
    await io.rename(join(directory, offsetFileName(base, LOG_SUFFIX + SWAP_SUFFIX)), join(directory, offsetFileName(base, LOG_SUFFIX)));
  }
  await context.syncDirectory();
}

async function lastOffsetOfFile(io: FileIo, path: string): Promise<number> {
  const handle = await io.open(path, 'r');
  try {
    const cursor = new BatchCursor(handle, 0, await handle.size());
    let last = -1;
    for (let batch = await cursor.next(); batch; batch = await cursor.next()) last = batch.header.lastOffset;
    return last;
  } finally {
    await handle.close();
  }
}

/**
 * A directory left by a deleted topic of the same name (the process died before removing it)
 * holds another topic's records: they must not show up in the new topic. Kafka tells the two
 * apart by partition.metadata's topic id the same way.
 */
async function discardIfOtherTopic(io: FileIo, directory: string, kafkaTopicId: string): Promise<boolean> {
  const text = await readFileIfExists(join(directory, PARTITION_METADATA));
  if (text === null) return false;
  let found: string | null;
  try {
    found = parsePartitionMetadata(text.toString('utf8'));
  } catch {
    found = null; // not a topic id we could have written: not this topic's
  }
  if (found === kafkaTopicId) return false;
  await io.removeTree(directory);
  await makeDirectoryDurable(io, directory);
  return true;
}

/** What rebuilding producer state reads: the live segment list and log start, read as it goes. */
export interface ProducerStateSource {
  readonly directory: string;
  readonly io: FileIo;
  readonly files: FileHandlePool;
  readonly indexes: SegmentIndexes;
  segments(): readonly Segment[];
  logStartOffset(): number;
}

/**
 * Fills `producers` (emptied first) with the state at `end`: the newest intact snapshot ≤ end,
 * then the batches after it (headers only). Snapshots above `end` are deleted. Returns the offset
 * of the snapshot it started from (null: none, the state was rebuilt from the log start).
 */
export async function rebuildProducerState(
  source: ProducerStateSource,
  producers: ProducerStateTable,
  end: number,
): Promise<number | null> {
  const { directory, io } = source;
  const snapshots = (await readdir(directory))
    .map(parseOffsetFileName)
    .filter((p): p is { offset: number; suffix: string } => p !== null && p.suffix === SNAPSHOT_SUFFIX)
    .map((p) => p.offset)
    .sort((a, b) => b - a);
  producers.clear();
  let from = source.logStartOffset();
  let snapshotOffset: number | null = null;
  for (const offset of snapshots) {
    const path = join(directory, offsetFileName(offset, SNAPSHOT_SUFFIX));
    if (offset > end || offset < source.logStartOffset()) {
      if (offset > end) await unlinkIfExists(io, path);
      continue;
    }
    try {
      producers.loadSnapshot((await readFileIfExists(path)) ?? Buffer.alloc(0));
      from = snapshotOffset = offset;
      break;
    } catch {
      await unlinkIfExists(io, path); // torn by a crash: fall back to an older one
      producers.clear();
    }
  }
  await forEachBatchHeader(source, from, end, (header) => producers.update(header));
  producers.removeBefore(source.logStartOffset());
  return snapshotOffset;
}

async function forEachBatchHeader(
  source: ProducerStateSource,
  from: number,
  to: number,
  visit: (header: BatchHeader) => void,
): Promise<void> {
  if (from >= to) return;
  for (let i = segmentIndexFor(source.segments(), from); i < source.segments().length; i++) {
    const segment = source.segments()[i]!;
    if (segment.baseOffset >= to) break;
    const position = (await source.indexes.of(segment)).offsetIndex.lookup(from).position;
    await source.files.with(segment.logPath, async (handle) => {
      const cursor = new BatchCursor(handle, position, segment.sizeBytes);
      for (let batch = await cursor.next(); batch; batch = await cursor.next()) {
        if (batch.header.lastOffset < from) continue;
        if (batch.header.baseOffset >= to) break;
        visit(batch.header);
      }
    });
  }
}
