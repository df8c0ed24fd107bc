import { ErrorCode } from '@strom/errors';
import { BatchAttribute, batches, BatchField, updateBatchCrc } from '@strom/protocol';
import {
  DiskLog,
  LogOfflineError,
  type AppendResult,
  type LogConfig,
  type PartitionLog,
  type ReadLease,
  type ReadResult,
} from '@strom/storage';
import type { PartitionInfo } from '@strom/contracts';
import {
  checkFetchPosition,
  followerHighWatermark,
  PartitionLeader,
  type AlterPartitionAnswer,
  type AlterPartitionProposal,
  type EpochEndOffset,
  type PartitionRegistration,
  type ReplicaEligibility,
} from '@strom/replication';
import { TopicTraffic } from '../metrics/topic-traffic.js';
import { DelayedProduces } from './delayed-produce.js';
import type { TopicPolicy } from './log-config.js';
import { validateProduce, type ProduceRejection, type RecordError } from './produce-validation.js';
import { RecentBatches } from './recent-batches.js';

export interface ProduceOutcome {
  errorCode: ErrorCode;
  errorMessage: string | null;
  baseOffset: bigint;
  logAppendTimeMs: bigint;
  logStartOffset: bigint;
  recordErrors: RecordError[];
}

/** A read the disk failed: the partition answers KAFKA_STORAGE_ERROR, the connection stays. */
export interface StorageFailure {
  error: 'KAFKA_STORAGE_ERROR';
  message: string;
}

/**
 * A long-polling fetch waiting for data in any of its partitions: it registers the same listener
 * with each of them (no promise or abort listener per partition), is woken once by the first,
 * and then takes its registrations back.
 */
export interface DataListener {
  wake(): void;
}

/** One registration of a {@link DataListener} with one replica: what it waits for. */
export interface DataWaiter {
  readonly offset: number;
  /** A follower's fetch waits for the log end; a consumer's for the high watermark. */
  readonly untilLogEnd: boolean;
  readonly listener: DataListener;
}

/** What a partition replica needs of the broker to replicate: who it is, and a way to the metadata service. */
export interface ReplicationContext {
  readonly brokerId: number;
  readonly eligibility: ReplicaEligibility;
  /** replica.lag.time.max.ms */
  readonly replicaLagTimeMaxMs: number;
  /** Sends an ISR change of this partition to the metadata service (AlterPartition); the answer comes back by `onAlterPartitionAnswer`. */
  proposeIsrChange(replica: PartitionReplica, proposal: AlterPartitionProposal): void;
}

/** A follower's fetch of this partition, as its leader sees it (Fetch with a replica id). */
export interface FollowerFetchRequest {
  brokerId: number;
  /** -1 before Fetch v15 (no replica state). */
  brokerEpoch: number;
  fetchOffset: number;
  logStartOffset: number;
  /** -1 before Fetch v12, or when the follower has no epoch yet. */
  lastFetchedEpoch: number;
}

/** Whether the leader reads for a follower's fetch, tells it where its log diverges, or refuses. */
export type FollowerFetchCheck =
  { kind: 'read' } | { kind: 'diverging'; divergingEpoch: EpochEndOffset } | { kind: 'error'; errorCode: ErrorCode };

/** A partition's registration in the metadata, as @strom/replication names it. */
export const registrationOf = (partition: PartitionInfo): PartitionRegistration => ({
  replicas: partition.replicas,
  isr: partition.isr,
  leader: partition.leaderId,
  leaderEpoch: partition.leaderEpoch,
  partitionEpoch: partition.partitionEpoch,
  leaderRecoveryState: partition.leaderRecoveryState,
});

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
 * One partition replica on this broker: the single writer of its log, and the partition's leader
 * or a follower of it as the metadata says (Kafka's `Partition`). Appends go to the log in the
 * order `produce` is called (the log queues them), so pipelined requests keep their order;
 * readers wait for data through notifications, not polling.
 *
 * As leader it holds the replication state (`PartitionLeader`: follower positions, ISR, high
 * watermark) and the acks=all produces waiting for the ISR; as follower it appends what its
 * fetcher brings, with the leader's offsets and epochs, and truncates where its log diverged.
 */
export class PartitionReplica {
  private readonly waiters = new Set<DataWaiter>();
  private readonly appendsInFlight = new Set<Promise<unknown>>();
  private exclusiveWork: Promise<void> | undefined;
  private closed = false;
  private leader: PartitionLeader | undefined;
  /** As a follower: the leader's high watermark in its last fetch answer (-1 before the first). */
  private lastLeaderHighWatermark = -1;
  private readonly delayedProduces = new DelayedProduces();
  /** The last batches appended as leader, for the consumer-lag metrics' time lags. */
  readonly recentBatches = new RecentBatches();
  /** The topic's traffic counters, shared by its replicas here (ReplicaManager links them). */
  traffic = new TopicTraffic();
  private readonly replicasReached = (requiredOffset: number) =>
    this.leader?.checkEnoughReplicasReachOffset(requiredOffset) ?? { done: true, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };

  constructor(
    readonly topic: string,
    readonly topicId: string,
    readonly partition: number,
    private readonly log: PartitionLog,
    private leaderEpochValue: number,
    private policy: TopicPolicy,
    private readonly replication: ReplicationContext,
    private readonly clock: () => number = Date.now,
  ) {}

  get leaderEpoch(): number {
    return this.leaderEpochValue;
  }

  /** Whether this replica leads its partition now. */
  get isLeader(): boolean {
    return this.leader !== undefined;
  }

  /** The leader's replication state (undefined on a follower). */
  get leaderState(): PartitionLeader | undefined {
    return this.leader;
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

  /** The epoch of the last record in the log (a follower's `last_fetched_epoch`), or -1. */
  get latestEpoch(): number {
    return this.log.latestEpoch() ?? -1;
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
    this.leader?.reconfigure(this.leaderConfig());
  }

  /**
   * The metadata names this broker leader (Kafka's `makeLeader`): a new leader epoch starts at
   * the log end, and the replication state starts over; the same epoch with a newer partition
   * epoch only takes the new ISR. Leadership moves on, never back.
   */
  makeLeader(partition: PartitionInfo, policy: TopicPolicy): void {
    if (partition.leaderEpoch < this.leaderEpochValue) return;
    this.policy = policy;
    const now = this.clock();
    const end = this.log.logEndOffset;
    const registration = registrationOf(partition);
    if (this.leader && partition.leaderEpoch === this.leader.leaderEpoch) {
      this.leader.reconfigure(this.leaderConfig());
      if (this.leader.update(registration, end, now).highWatermarkChanged) this.onHighWatermark();
      return;
    }
    this.leaderEpochValue = partition.leaderEpoch;
    try {
      this.log.assignLeaderEpoch(partition.leaderEpoch);
    } catch (error) {
      // An offline log leads on for reads (KAFKA_STORAGE_ERROR for writes); its epochs stay as they are.
      if (!(error instanceof LogOfflineError)) throw error;
    }
    this.leader = new PartitionLeader(
      this.replication.brokerId,
      registration,
      end,
      this.log.highWatermark,
      now,
      this.leaderConfig(),
      this.replication.eligibility,
    );
    // Alone in the ISR (RF 1), everything in the log is committed: after a restart this is what
    // makes the records recovered from disk visible (the checkpointed high watermark may be old).
    if (this.leader.onLocalAppend(end, now).highWatermarkChanged) this.onHighWatermark();
  }

  /** The metadata names another broker leader (Kafka's `makeFollower`): waiting acks=all produces end. */
  makeFollower(partition: PartitionInfo, policy: TopicPolicy): void {
    if (partition.leaderEpoch < this.leaderEpochValue) return;
    this.policy = policy;
    if (partition.leaderEpoch !== this.leaderEpochValue) this.lastLeaderHighWatermark = -1;
    this.leaderEpochValue = partition.leaderEpoch;
    this.recentBatches.clear();
    if (!this.leader) return;
    this.leader = undefined;
    this.delayedProduces.abort(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    // Consumers long-polling here learn at once that this broker no longer leads.
    this.wakeWaiters(() => true);
  }

  /**
   * Validates a partition's record set as Kafka does for Produce v3+ (exactly one magic v2
   * batch, CRC, size, timestamps) and appends it. Synchronously hands the batch to the log
   * before the first await, so calls keep their order. acks=all is refused with an ISR under
   * min.insync.replicas (NOT_ENOUGH_REPLICAS) and answered once the ISR has the batch, within
   * `timeoutMs`. A disk error (now or earlier, in this log's directory) answers KAFKA_STORAGE_ERROR.
   */
  produce(records: Buffer | null, apiVersion: number, requiredAcks = 1, timeoutMs = 0): Promise<ProduceOutcome> {
    this.traffic.produceRequests++;
    const leader = this.leader;
    if (!leader) return Promise.resolve(this.failure(ErrorCode.NOT_LEADER_OR_FOLLOWER, null));
    if (leader.checkAppend(requiredAcks) !== ErrorCode.NONE) {
      return Promise.resolve(
        this.failure(
          ErrorCode.NOT_ENOUGH_REPLICAS,
          `The size of the current ISR ${leader.isr.size} is insufficient to satisfy the min.isr requirement of ${leader.effectiveMinIsr}`,
        ),
      );
    }
    const topicPartition = `${this.topic}-${this.partition}`;
    const invalid = validateProduce(records, apiVersion, { policy: this.policy, nowMs: this.clock(), topicPartition });
    if (invalid) return Promise.resolve(this.rejected(invalid));
    const batch = records!;
    let logAppendTimeMs = -1n;
    if (this.policy.logAppendTime) {
      const now = BigInt(this.clock());
      logAppendTimeMs = now;
      batch.writeInt16BE(batch.readInt16BE(BatchField.Attributes) | BatchAttribute.TimestampTypeLogAppendTime, BatchField.Attributes);
      batch.writeBigInt64BE(now, BatchField.MaxTimestamp);
      updateBatchCrc(batch);
    }
    const leaderEpoch = this.leaderEpochValue;
    const append = () => this.log.append([batch], { leaderEpoch });
    const appended = this.exclusiveWork ? this.exclusiveWork.then(() => this.tracked(append())) : this.tracked(append());
    return appended.then(
      (result) => {
        if (result.kind === 'appended') {
          const firstTimestampMs = logAppendTimeMs >= 0n ? logAppendTimeMs : batch.readBigInt64BE(BatchField.BaseTimestamp);
          this.recentBatches.add(result.firstOffset, result.lastOffset, Number(firstTimestampMs));
        }
        return this.appendOutcome(result, batch.length, logAppendTimeMs, requiredAcks, timeoutMs);
      },
      (error: unknown) => {
        if (error instanceof LogOfflineError) return this.failure(ErrorCode.KAFKA_STORAGE_ERROR, error.message);
        throw error;
      },
    );
  }

  private appendOutcome(
    result: AppendResult,
    batchBytes: number,
    logAppendTimeMs: bigint,
    requiredAcks: number,
    timeoutMs: number,
  ): ProduceOutcome | Promise<ProduceOutcome> {
    if (result.kind === 'rejected') return this.failure(logErrorCodes[result.error] ?? ErrorCode.UNKNOWN_SERVER_ERROR, result.message);
    if (result.kind === 'appended') {
      this.traffic.bytesIn += batchBytes;
      this.traffic.messagesIn += result.lastOffset - result.firstOffset + 1;
      this.onLocalAppend();
    }
    const outcome: ProduceOutcome = {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      baseOffset: BigInt(result.firstOffset),
      logAppendTimeMs,
      logStartOffset: BigInt(result.logStartOffset),
      recordErrors: [],
    };
    if (requiredAcks !== -1) return outcome;
    const reached = this.replicasReached(result.lastOffset + 1);
    if (reached.done) return this.afterReplication(outcome, reached.errorCode);
    return this.delayedProduces
      .wait(result.lastOffset + 1, timeoutMs, this.replicasReached)
      .then((errorCode) => this.afterReplication(outcome, errorCode));
  }

  private afterReplication(outcome: ProduceOutcome, errorCode: ErrorCode): ProduceOutcome {
    if (errorCode === ErrorCode.NONE) return outcome;
    this.traffic.failedProduceRequests++;
    return { ...outcome, errorCode };
  }

  /**
   * The leader's side of a follower's fetch, before reading (Kafka's `Partition.fetchRecords`):
   * the fetch position is checked against this log's epochs (a diverging follower is told where
   * to truncate), then the follower's position updates the ISR and the high watermark.
   */
  followerFetch(fetch: FollowerFetchRequest): FollowerFetchCheck {
    const leader = this.leader;
    if (!leader) return { kind: 'error', errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
    const end = this.log.logEndOffset;
    const history = { endOffsetFor: (epoch: number) => this.log.endOffsetForEpoch(epoch) };
    const position = checkFetchPosition(history, this.log.logStartOffset, end, fetch.fetchOffset, fetch.lastFetchedEpoch);
    if (position.kind === 'offset-out-of-range') return { kind: 'error', errorCode: ErrorCode.OFFSET_OUT_OF_RANGE };
    if (position.kind === 'diverging') return position;
    const outcome = leader.onFollowerFetch(
      { brokerId: fetch.brokerId, brokerEpoch: fetch.brokerEpoch, fetchOffset: fetch.fetchOffset, logStartOffset: fetch.logStartOffset },
      end,
      this.clock(),
    );
    if (outcome.errorCode !== ErrorCode.NONE) return { kind: 'error', errorCode: outcome.errorCode };
    if (outcome.proposal) this.replication.proposeIsrChange(this, outcome.proposal);
    if (outcome.highWatermarkChanged) this.onHighWatermark();
    return { kind: 'read' };
  }

  /** Followers out of sync for replica.lag.time.max.ms leave the ISR (Kafka's `maybeShrinkIsr`). */
  maybeShrinkIsr(): void {
    const proposal = this.leader?.maybeShrinkIsr(this.log.logEndOffset, this.clock());
    if (proposal) this.replication.proposeIsrChange(this, proposal);
  }

  /** The metadata service answered an ISR change; returns whether to send it again. */
  onAlterPartitionAnswer(proposal: AlterPartitionProposal, answer: AlterPartitionAnswer): boolean {
    const leader = this.leader;
    if (!leader) return false;
    const { retry, highWatermarkChanged } = leader.onAlterPartitionAnswer(proposal, answer, this.log.logEndOffset, this.clock());
    if (highWatermarkChanged) this.onHighWatermark();
    return retry;
  }

  /**
   * A follower appends what it fetched from its leader: the batches keep the leader's offsets
   * and epochs; an incomplete trailing batch (cut at the fetch size) waits for the next fetch.
   * The high watermark follows the leader's, within what this log holds.
   */
  appendAsFollower(records: Buffer, leaderHighWatermark: number): Promise<AppendResult> {
    this.lastLeaderHighWatermark = leaderHighWatermark;
    const slices: Buffer[] = [];
    for (const view of batches(records, { allowPartialTail: true })) {
      slices.push(view.bytes);
      this.traffic.replicationBytesIn += view.bytes.length;
    }
    const apply = (result: AppendResult): AppendResult => {
      const highWatermark = followerHighWatermark(leaderHighWatermark, this.log.logEndOffset);
      if (highWatermark >= this.log.logStartOffset && highWatermark !== this.log.highWatermark) {
        this.log.setHighWatermark(highWatermark);
        this.log.setLastStableOffset(highWatermark);
        // Consumers reading from this follower (KIP-392) wait for its high watermark.
        this.wakeWaiters((waiter) => !waiter.untilLogEnd && highWatermark > waiter.offset);
      }
      return result;
    };
    if (slices.length === 0) return Promise.resolve(apply({ kind: 'appended', firstOffset: -1, lastOffset: -1, logStartOffset: -1 }));
    const append = () => this.log.appendAsFollower(slices);
    const appended = this.exclusiveWork ? this.exclusiveWork.then(() => this.tracked(append())) : this.tracked(append());
    return appended.then(apply);
  }

  /**
   * As a follower, how many records this log is behind the leader's high watermark as of the
   * last fetch (Kafka's FetcherLagMetrics lag); 0 as leader or before the first fetch.
   */
  get followerLag(): number {
    if (this.leader || this.lastLeaderHighWatermark < 0) return 0;
    return Math.max(0, this.lastLeaderHighWatermark - this.log.logEndOffset);
  }

  /** A follower cuts its log where it diverges from the leader's (epochs at the cut go too). */
  truncateTo(offset: number): Promise<void> {
    this.recentBatches.clear();
    return this.exclusive((log) => log.truncateTo(offset));
  }

  /** A follower behind the leader's log start starts over there. */
  truncateFullyAndStartAt(offset: number): Promise<void> {
    this.recentBatches.clear();
    return this.exclusive((log) => log.truncateFullyAndStartAt(offset));
  }

  /**
   * Reads whole batches from `offset`, up to the high watermark or (read_committed) the last
   * stable offset; for a follower, up to the log end. An offline log still serves what it can read.
   */
  read(
    offset: number,
    maxBytes: number,
    readCommitted: boolean,
    minOneBatch: boolean,
    lease?: ReadLease,
    forFollower = false,
  ): Promise<ReadResult | StorageFailure> {
    const maxOffset = forFollower ? undefined : readCommitted ? this.log.lastStableOffset : this.log.highWatermark;
    const options = {
      maxBytes,
      ...(maxOffset === undefined ? {} : { maxOffset }),
      minOneBatch,
      ...(lease === undefined ? {} : { lease }),
    };
    return this.log.read(offset, options).catch((error: unknown) => {
      if (error instanceof LogOfflineError) return { error: 'KAFKA_STORAGE_ERROR' as const, message: error.message };
      throw error;
    });
  }

  /**
   * Wakes `listener` (once; the registration then ends) when data past `offset` becomes readable
   * (for a follower's fetch: written), when this replica stops leading (unless `leaderOnly` is
   * false: a consumer reading from followers, KIP-392, waits for the high watermark wherever it
   * is), or when it stops serving. Returns undefined, registering nothing, when one of those holds
   * already; else the registration, for {@link stopWaiting}.
   */
  waitForData(offset: number, listener: DataListener, untilLogEnd = false, leaderOnly = true): DataWaiter | undefined {
    const readable = untilLogEnd ? this.log.logEndOffset : this.log.highWatermark;
    if (readable > offset || this.closed || (leaderOnly && !this.leader)) return undefined;
    const waiter: DataWaiter = { offset, untilLogEnd, listener };
    this.waiters.add(waiter);
    return waiter;
  }

  /** Ends a registration of {@link waitForData} that was not woken (the fetch was answered otherwise). */
  stopWaiting(waiter: DataWaiter): void {
    this.waiters.delete(waiter);
  }

  /** Registrations of long-polling fetches waiting here now. */
  get waitingFetches(): number {
    return this.waiters.size;
  }

  /**
   * Runs a log operation that must not overlap appends (retention, compaction, DeleteRecords,
   * a follower's truncation): it waits for appends in flight, and appends that arrive meanwhile
   * queue behind it in order.
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

  /** Stops serving: wakes every waiting fetch, ends waiting produces. The log itself belongs to the LogDirectory. */
  detach(): void {
    this.closed = true;
    this.leader = undefined;
    this.delayedProduces.abort(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    this.wakeWaiters(() => true);
  }

  /** The leader appended: followers' fetches wake, and with an ISR of one the high watermark moves. */
  private onLocalAppend(): void {
    const end = this.log.logEndOffset;
    if (this.leader?.onLocalAppend(end, this.clock()).highWatermarkChanged) this.onHighWatermark();
    else if (this.waiters.size > 0) this.wakeWaiters((waiter) => waiter.untilLogEnd && end > waiter.offset);
  }

  /** The leader's high watermark moved: the log takes it, consumers wake, acks=all produces complete. */
  private onHighWatermark(): void {
    const leader = this.leader;
    if (!leader) return;
    const highWatermark = leader.highWatermark;
    if (highWatermark > this.log.highWatermark) {
      this.log.setHighWatermark(highWatermark);
      this.log.setLastStableOffset(highWatermark);
    }
    const end = this.log.logEndOffset;
    if (this.waiters.size > 0) this.wakeWaiters((waiter) => (waiter.untilLogEnd ? end : highWatermark) > waiter.offset);
    if (this.delayedProduces.size > 0) this.delayedProduces.tryComplete(this.replicasReached);
  }

  /** Ends and wakes the registrations `due` picks. */
  private wakeWaiters(due: (waiter: DataWaiter) => boolean): void {
    for (const waiter of this.waiters) {
      if (!due(waiter)) continue;
      this.waiters.delete(waiter);
      waiter.listener.wake();
    }
  }

  private leaderConfig(): { replicaLagTimeMaxMs: number; minInSyncReplicas: number } {
    return { replicaLagTimeMaxMs: this.replication.replicaLagTimeMaxMs, minInSyncReplicas: this.policy.minInSyncReplicas };
  }

  /** Kafka answers a refused record (RecordValidationException) with the log start offset and the record errors. */
  private rejected({ errorCode, errorMessage, recordErrors }: ProduceRejection): ProduceOutcome {
    if (recordErrors.length === 0) return this.failure(errorCode, errorMessage);
    return { ...this.failure(errorCode, errorMessage), logStartOffset: BigInt(this.log.logStartOffset), recordErrors };
  }

  /** A produce answered with an error (the produce path's only way to make one). */
  private failure(errorCode: ErrorCode, errorMessage: string | null): ProduceOutcome {
    this.traffic.failedProduceRequests++;
    return { errorCode, errorMessage, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n, recordErrors: [] };
  }
}
