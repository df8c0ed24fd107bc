import type { LogErrorName } from './errors.js';
import type { EpochEndOffset, EpochEntry } from './leader-epoch-cache.js';
import type { ProducerEntry } from './producer-state.js';
import type { ReadLease } from './read-buffers.js';

export type AppendResult =
  | {
      kind: 'appended';
      /** Offsets of the first record of the first batch and the last record of the last batch. */
      firstOffset: number;
      lastOffset: number;
      logStartOffset: number;
    }
  | {
      /** An idempotent producer's retry: nothing written, the original offsets returned. */
      kind: 'duplicate';
      firstOffset: number;
      lastOffset: number;
      logStartOffset: number;
    }
  | { kind: 'rejected'; error: LogErrorName; message: string };

export interface LeaderAppendOptions {
  /** The leader epoch stamped on each batch (partitionLeaderEpoch). */
  leaderEpoch: number;
}

export interface ReadOptions {
  /** Soft bound on returned bytes; see `minOneBatch`. */
  maxBytes: number;
  /** Exclusive: no batch whose last offset is ≥ this (high watermark / last stable offset). */
  maxOffset?: number;
  /** Return the first batch even if it exceeds `maxBytes` (Kafka's fetch rule). Default true. */
  minOneBatch?: boolean;
  /**
   * Where the buffers holding the returned records come from, when the caller gives them back
   * after use (see {@link ReadBufferPool}); fresh allocations otherwise.
   */
  lease?: ReadLease;
}

export type ReadResult =
  | {
      error: null;
      /** Whole record batches, bytes as stored; empty at the end of the log. */
      records: Buffer;
      /** Offset after the last returned batch (the next fetch position), or the requested offset. */
      nextOffset: number;
      logStartOffset: number;
      logEndOffset: number;
      highWatermark: number;
    }
  | { error: 'OFFSET_OUT_OF_RANGE'; logStartOffset: number; logEndOffset: number };

/** ListOffsets answer: the offset and the timestamp it was found for (-1 when not by time). */
export interface OffsetAndTimestamp {
  offset: number;
  timestamp: number;
}

export type ListOffsetsSpec = 'earliest' | 'latest' | 'max-timestamp' | { timestampMs: number };

/**
 * One partition replica's log. Single writer (the PartitionActor): append, truncate,
 * deleteRecords and the setters must not overlap; reads may run concurrently with
 * anything and only ever see whole, completely written batches.
 */
export interface PartitionLog {
  readonly topic: string;
  readonly partition: number;

  /** First offset still in the log. */
  readonly logStartOffset: number;
  /** Offset the next appended record gets (visible: everything below is readable). */
  readonly logEndOffset: number;
  readonly highWatermark: number;
  /** Bytes of record batches the log holds (DescribeLogDirs' partition size). */
  readonly sizeBytes: number;
  /** Set by the transaction logic above; defaults to (and never exceeds) the high watermark. */
  readonly lastStableOffset: number;

  /** Leader append: validates, checks producer state, assigns offsets, writes. */
  append(batches: readonly Buffer[], options: LeaderAppendOptions): Promise<AppendResult>;
  /** Follower append: batches keep their offsets and epochs; the first must start at the log end. */
  appendAsFollower(batches: readonly Buffer[]): Promise<AppendResult>;

  read(offset: number, options: ReadOptions): Promise<ReadResult>;
  /** Reads from the first offset whose timestamp is ≥ `timestampMs`. */
  readByTimestamp(timestampMs: number, options: ReadOptions): Promise<ReadResult>;
  /** ListOffsets: earliest, latest, max-timestamp, or the first offset with timestamp ≥ t (null: none). */
  listOffset(spec: ListOffsetsSpec): Promise<OffsetAndTimestamp | null>;

  setHighWatermark(offset: number): void;
  setLastStableOffset(offset: number): void;

  /**
   * Removes everything at and after `offset` (a follower after a leader change). At or past the
   * log end no record goes, but epochs starting at the log end do (Kafka's UnifiedLog.truncateTo).
   */
  truncateTo(offset: number): Promise<void>;
  /** Empties the log and restarts it at `offset` (follower out of range of the leader). */
  truncateFullyAndStartAt(offset: number): Promise<void>;
  /** DeleteRecords: advances the log start offset (≤ high watermark); returns the new one. */
  deleteRecordsBefore(offset: number): Promise<number>;

  /**
   * This replica became leader in `epoch` (newer than any it knows): the epoch starts at the log
   * end (Kafka's makeLeader). An older or known epoch changes nothing.
   */
  assignLeaderEpoch(epoch: number): void;
  latestEpoch(): number | undefined;
  epochEntries(): EpochEntry[];
  /** OffsetsForLeaderEpoch. */
  endOffsetForEpoch(epoch: number): EpochEndOffset;

  producerState(producerId: bigint): ProducerEntry | undefined;
  producerStates(): ProducerEntry[];

  /** Makes everything appended so far durable (fsync). */
  flush(): Promise<void>;
  /** Flushes, writes indexes and snapshots for a clean restart, releases files. */
  close(): Promise<void>;
}
