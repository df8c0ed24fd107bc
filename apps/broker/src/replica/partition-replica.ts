import { ErrorCode } from '@strom/errors';
import {
  BatchAttribute,
  batches,
  BatchField,
  Compression,
  compressionOf,
  ProtocolError,
  readBatchHeader,
  UnsupportedRecordFormatError,
  updateBatchCrc,
  verifyBatchCrc,
} from '@strom/protocol';
import {
  DiskLog,
  LogOfflineError,
  type AppendResult,
  type LogConfig,
  type PartitionLog,
  type ReadLease,
  type ReadResult,
} from '@strom/storage';
import type { TopicPolicy } from './log-config.js';

export interface ProduceOutcome {
  errorCode: ErrorCode;
  errorMessage: string | null;
  baseOffset: bigint;
  logAppendTimeMs: bigint;
  logStartOffset: bigint;
  recordErrors: { batchIndex: number; batchIndexErrorMessage: string | null }[];
}

/** A read the disk failed: the partition answers KAFKA_STORAGE_ERROR, the connection stays. */
export interface StorageFailure {
  error: 'KAFKA_STORAGE_ERROR';
  message: string;
}

interface DataWaiter {
  offset: number;
  wake: () => void;
}

/** Storage error names as Kafka error codes. */
const logErrorCodes: Record<string, ErrorCode> = {
  KAFKA_STORAGE_ERROR: ErrorCode.KAFKA_STORAGE_ERROR,
  CORRUPT_MESSAGE: ErrorCode.CORRUPT_MESSAGE,
  INVALID_RECORD: ErrorCode.INVALID_RECORD,
  RECORD_LIST_TOO_LARGE: ErrorCode.RECORD_LIST_TOO_LARGE,
  OFFSET_OUT_OF_RANGE: ErrorCode.OFFSET_OUT_OF_RANGE,
  OUT_OF_ORDER_SEQUENCE_NUMBER: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
  INVALID_PRODUCER_EPOCH: ErrorCode.INVALID_PRODUCER_EPOCH,
  INVALID_TIMESTAMP: ErrorCode.INVALID_TIMESTAMP,
};

/**
 * One partition replica on this broker: the single writer of its log. Appends go to the log in
 * the order `produce` is called (the log queues them), so pipelined requests keep their order;
 * readers wait for data through notifications, not polling.
 */
export class PartitionReplica {
  private waiters = new Set<DataWaiter>();
  private readonly appendsInFlight = new Set<Promise<unknown>>();
  private exclusiveWork: Promise<void> | undefined;
  private closed = false;

  constructor(
    readonly topic: string,
    readonly topicId: string,
    readonly partition: number,
    private readonly log: PartitionLog,
    private leaderEpochValue: number,
    private policy: TopicPolicy,
    private readonly clock: () => number = Date.now,
  ) {}

  get leaderEpoch(): number {
    return this.leaderEpochValue;
  }

  get logStartOffset(): number {
    return this.log.logStartOffset;
  }

  get logEndOffset(): number {
    return this.log.logEndOffset;
  }

  get highWatermark(): number {
    return this.log.highWatermark;
  }

  get lastStableOffset(): number {
    return this.log.lastStableOffset;
  }

  /** True once the replica stopped serving (its topic was deleted, or the broker is stopping). */
  get isDetached(): boolean {
    return this.closed;
  }

  get storage(): PartitionLog {
    return this.log;
  }

  /** The topic's configs (or the broker's defaults under them) changed. */
  reconfigure(log: Partial<LogConfig>, policy: TopicPolicy): void {
    this.policy = policy;
    if (this.log instanceof DiskLog) this.log.reconfigure(log);
  }

  /** Leadership moved on (never back): later appends are stamped with the new epoch. */
  becomeLeader(leaderEpoch: number, policy: TopicPolicy): void {
    if (leaderEpoch < this.leaderEpochValue)
      throw new Error(`leader epoch of ${this.topic}-${this.partition} would go back from ${this.leaderEpochValue} to ${leaderEpoch}`);
    this.leaderEpochValue = leaderEpoch;
    this.policy = policy;
  }

  /**
   * Validates a partition's record set as Kafka does for Produce v3+ (exactly one magic v2
   * batch, CRC, size, timestamps) and appends it. Synchronously hands the batch to the log
   * before the first await, so calls keep their order. A disk error (now or earlier, in this
   * log's directory) answers KAFKA_STORAGE_ERROR.
   */
  produce(records: Buffer | null, apiVersion: number): Promise<ProduceOutcome> {
    const invalid = this.validate(records, apiVersion);
    if (invalid) return Promise.resolve(invalid);
    const batch = records!;
    let logAppendTimeMs = -1n;
    if (this.policy.logAppendTime) {
      const now = BigInt(this.clock());
      logAppendTimeMs = now;
      batch.writeInt16BE(batch.readInt16BE(BatchField.Attributes) | BatchAttribute.TimestampTypeLogAppendTime, BatchField.Attributes);
      batch.writeBigInt64BE(now, BatchField.MaxTimestamp);
      updateBatchCrc(batch);
    }
    const append = () => this.log.append([batch], { leaderEpoch: this.leaderEpochValue });
    let appended: ReturnType<typeof append>;
    if (this.exclusiveWork) {
      // Behind retention/compaction/delete-records; chained in arrival order.
      appended = this.exclusiveWork.then(() => this.tracked(append()));
    } else appended = this.tracked(append());
    return appended.then(
      (result) => this.appendOutcome(result, logAppendTimeMs),
      (error: unknown) => {
        if (error instanceof LogOfflineError) return this.failure(ErrorCode.KAFKA_STORAGE_ERROR, error.message);
        throw error;
      },
    );
  }

  private appendOutcome(result: AppendResult, logAppendTimeMs: bigint): ProduceOutcome {
    if (result.kind === 'rejected') return this.failure(logErrorCodes[result.error] ?? ErrorCode.UNKNOWN_SERVER_ERROR, result.message);
    if (result.kind === 'appended') this.maybeIncrementHighWatermark();
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      baseOffset: BigInt(result.firstOffset),
      logAppendTimeMs,
      logStartOffset: BigInt(result.logStartOffset),
      recordErrors: [],
    };
  }

  /**
   * Reads whole batches from `offset`, up to the high watermark or (read_committed) the last
   * stable offset. An offline log still serves what it can read.
   */
  read(
    offset: number,
    maxBytes: number,
    readCommitted: boolean,
    minOneBatch: boolean,
    lease?: ReadLease,
  ): Promise<ReadResult | StorageFailure> {
    const options = {
      maxBytes,
      maxOffset: readCommitted ? this.log.lastStableOffset : this.log.highWatermark,
      minOneBatch,
      ...(lease === undefined ? {} : { lease }),
    };
    return this.log.read(offset, options).catch((error: unknown) => {
      if (error instanceof LogOfflineError) return { error: 'KAFKA_STORAGE_ERROR' as const, message: error.message };
      throw error;
    });
  }

  /** Resolves when data at or past `offset` becomes readable, or `signal` aborts. */
  waitForData(offset: number, signal: AbortSignal): Promise<void> {
    if (this.log.highWatermark > offset || this.closed || signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const waiter: DataWaiter = {
        offset,
        wake: () => {
          this.waiters.delete(waiter);
          signal.removeEventListener('abort', waiter.wake);
          resolve();
        },
      };
      this.waiters.add(waiter);
      signal.addEventListener('abort', waiter.wake, { once: true });
    });
  }

  /**
   * Runs a log operation that must not overlap appends (retention, compaction, DeleteRecords):
   * it waits for appends in flight, and appends that arrive meanwhile queue behind it in order.
   */
  exclusive<T>(operation: (log: PartitionLog) => Promise<T>): Promise<T> {
    const previous = this.exclusiveWork ?? Promise.resolve();
    const run = previous.then(async () => {
      while (this.appendsInFlight.size > 0) await Promise.allSettled([...this.appendsInFlight]);
      return operation(this.log);
    });
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.exclusiveWork = settled;
    void settled.then(() => {
      if (this.exclusiveWork === settled) this.exclusiveWork = undefined;
    });
    return run;
  }

  private tracked<T>(promise: Promise<T>): Promise<T> {
    this.appendsInFlight.add(promise);
    void promise.finally(() => this.appendsInFlight.delete(promise)).catch(() => undefined);
    return promise;
  }

  /** Stops serving: wakes every waiting fetch. The log itself belongs to the LogDirectory. */
  detach(): void {
    this.closed = true;
    for (const waiter of [...this.waiters]) waiter.wake();
  }

  /**
   * Kafka's maybeIncrementLeaderHW for a leader whose ISR is itself alone (RF 1, the only one in
   * sync): everything in its log is committed. Called after each append and when the replica
   * becomes leader, which after a restart is what makes the records recovered from disk visible:
   * the checkpointed high watermark may be seconds old, or (after kill -9) never written.
   */
  maybeIncrementHighWatermark(): void {
    const end = this.log.logEndOffset;
    if (end > this.log.highWatermark) {
      this.log.setHighWatermark(end);
      this.log.setLastStableOffset(end);
    }
    for (const waiter of [...this.waiters]) if (end > waiter.offset) waiter.wake();
  }

  private validate(records: Buffer | null, apiVersion: number): ProduceOutcome | undefined {
    if (records === null || records.length === 0) {
      return this.failure(
        ErrorCode.INVALID_RECORD,
        `Produce requests with version ${apiVersion} must have at least one record batch per partition`,
      );
    }
    try {
      const found = [...batches(records)];
      if (found.length !== 1) {
        return this.failure(
          ErrorCode.INVALID_RECORD,
          `Produce requests with version ${apiVersion} are only allowed to contain exactly one record batch per partition`,
        );
      }
      const header = readBatchHeader(records);
      if (records.length > this.policy.maxMessageBytes) {
        return this.failure(
          ErrorCode.MESSAGE_TOO_LARGE,
          `The batch size ${records.length} is larger than the maximum allowed ${this.policy.maxMessageBytes}`,
        );
      }
      if (!verifyBatchCrc(records)) return this.failure(ErrorCode.CORRUPT_MESSAGE, 'Record batch CRC does not match its contents');
      const compression = compressionOf(header.attributes);
      if (compression === Compression.Zstd && apiVersion < 7) {
        return this.failure(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, 'Produce requests with version < 7 may not use zstd compression');
      }
      if (compression > Compression.Zstd) return this.failure(ErrorCode.CORRUPT_MESSAGE, `Unknown compression type id ${compression}`);
      const now = this.clock();
      if (!this.policy.logAppendTime && header.recordCount > 0) {
        const max = Number(header.maxTimestamp);
        if (max - now > this.policy.timestampAfterMaxMs || now - Number(header.baseTimestamp) > this.policy.timestampBeforeMaxMs) {
          return {
            ...this.failure(ErrorCode.INVALID_TIMESTAMP, 'One or more records have been rejected due to invalid timestamp'),
            recordErrors: [{ batchIndex: 0, batchIndexErrorMessage: `Timestamp ${max} of message is out of range` }],
          };
        }
      }
    } catch (error) {
      if (error instanceof UnsupportedRecordFormatError) {
        return this.failure(
          ErrorCode.INVALID_RECORD,
          `Produce requests with version ${apiVersion} are only allowed to contain record batches with magic version 2`,
        );
      }
      if (error instanceof ProtocolError) return this.failure(ErrorCode.CORRUPT_MESSAGE, error.message);
      throw error;
    }
    return undefined;
  }

  private failure(errorCode: ErrorCode, errorMessage: string): ProduceOutcome {
    return { errorCode, errorMessage, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n, recordErrors: [] };
  }
}
