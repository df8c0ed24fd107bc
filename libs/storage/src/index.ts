/**
 * @strom/storage: the partition log. Kafka's on-disk format (segments of record batches as
 * produced, sparse offset and time indexes, leader-epoch checkpoint, producer snapshots,
 * per-directory checkpoints), recovery by scanning from the recovery point, retention and
 * compaction mechanisms. `PartitionLog` is the contract; `DiskLog` and `MemoryLog` implement it.
 */
export type {
  AppendResult,
  LeaderAppendOptions,
  ListOffsetsSpec,
  OffsetAndTimestamp,
  PartitionLog,
  ReadOptions,
  ReadResult,
} from './partition-log.js';
export { DEFAULT_LOG_CONFIG, resolveLogConfig, type LogConfig } from './config.js';
export { LogInvariantError, LogOfflineError, type LogErrorName } from './errors.js';
export { DiskLog, type DiskLogOptions, type RecoveryReport, type SegmentInfo } from './disk-log.js';
export { nodeFileIo, type FileIo, type OpenFlags, type ReadableFile, type StorageFile } from './file-io.js';
export { MemoryLog, type MemoryLogOptions } from './memory-log.js';
export { LogDirectory, type LogDirectoryOptions, type OpenLogOptions } from './log-directory.js';
export { FileHandlePool, DEFAULT_MAX_OPEN_FILES } from './file-pool.js';
export { ReadBufferPool, ReadLease, type ReadBufferPoolOptions } from './read-buffers.js';
export { LeaderEpochCache, UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET, type EpochEndOffset, type EpochEntry } from './leader-epoch-cache.js';
export { PRODUCER_BATCHES_RETAINED, type ProducerBatch, type ProducerEntry } from './producer-state.js';
// The log's number-typed view of record batches; the format itself is @strom/protocol's.
export { buildBatch, readBatchHeader, readRecords, type BatchHeader, type BatchInput, type RecordInput, type RecordView } from './batch.js';
/** Re-exported from @strom/protocol (one CRC-32C in the codebase). Its second argument is the initial CRC, not a start index. */
export { crc32c } from '@strom/protocol';
