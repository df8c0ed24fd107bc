import { ErrorCode } from '@strom/errors';
import { invariant } from './invariant.js';
import type { AlterPartitionProposal, BrokerState, PartitionRegistration } from './types.js';

/** What the leader knows of one follower, from its fetches (Kafka's `ReplicaState`). */
export interface FollowerState {
  readonly brokerId: number;
  /** -1 until the follower's first fetch since this broker became leader. */
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  /** The leader's log end offset when the previous fetch arrived: how lastCaughtUpTimeMs advances. */
  readonly lastFetchLeaderLogEndOffset: number;
  readonly lastFetchTimeMs: number;
  /** The latest time at which the follower had everything the leader had. */
  readonly lastCaughtUpTimeMs: number;
  /** The broker epoch of its fetches; undefined before the first one. */
  readonly brokerEpoch: number | undefined;
}

/** The ISR as the leader holds it: committed, or with a change sent to the metadata service. */
export type IsrState =
  | { readonly kind: 'committed'; readonly isr: ReadonlySet<number> }
  | {
      readonly kind: 'pending-expand';
      readonly isr: ReadonlySet<number>;
      readonly newReplica: number;
      readonly proposal: AlterPartitionProposal;
    }
  | {
      readonly kind: 'pending-shrink';
      readonly isr: ReadonlySet<number>;
      readonly outOfSync: ReadonlySet<number>;
      readonly proposal: AlterPartitionProposal;
    };

export interface LeaderConfig {
  /** replica.lag.time.max.ms */
  readonly replicaLagTimeMaxMs: number;
  /** min.insync.replicas of the topic. */
  readonly minInSyncReplicas: number;
}

/** Whether a follower may join the ISR: registered, not fenced, not shutting down, and with this broker epoch. */
export interface ReplicaEligibility {
  isIsrEligible(brokerId: number, fetchBrokerEpoch: number | undefined): boolean;
  /** The broker epoch the metadata service has for a live broker (a stale fetch carries an older one). */
  aliveBrokerEpoch(brokerId: number): number | undefined;
}

/** A follower's fetch, as the leader sees it (Kafka's `updateFollowerFetchState` arguments). */
export interface FollowerFetch {
  readonly brokerId: number;
  /** -1: the fetch skips the broker epoch check. */
  readonly brokerEpoch: number;
  readonly fetchOffset: number;
  readonly logStartOffset: number;
}

export interface FollowerFetchOutcome {
  readonly errorCode: ErrorCode;
  readonly highWatermarkChanged: boolean;
  /** An ISR expansion to send to the metadata service. */
  readonly proposal?: AlterPartitionProposal;
}

/** The metadata service's answer to an AlterPartition proposal. */
export type AlterPartitionAnswer = { readonly errorCode: ErrorCode } | { readonly registration: PartitionRegistration };

/**
 * The leader side of one partition, as Kafka's `Partition` keeps it: follower fetch state, the
 * ISR (committed or with one change in flight), the high watermark and the acks=all rules. Pure:
 * every time and log end offset comes in as an argument, every effect goes out as a value
 * (a proposal to send, whether the high watermark moved), so a partition actor and the
 * deterministic simulation drive the same code.
 */
export class PartitionLeader {
  private replicas: readonly number[];
  private isrState: IsrState;
  private leaderEpochValue: number;
  private partitionEpochValue: number;
  private recoveryState: 'RECOVERED' | 'RECOVERING';
  /** Where this leader's epoch starts in its log: a follower must pass it to join the ISR. */
  private leaderEpochStartOffset: number;
  private highWatermarkValue: number;
  private readonly followers = new Map<number, FollowerState>();

  constructor(
    readonly localBrokerId: number,
    registration: PartitionRegistration,
    leaderLogEndOffset: number,
    highWatermark: number,
    nowMs: number,
    private config: LeaderConfig,
    private readonly eligibility: ReplicaEligibility,
  ) {
    invariant(registration.leader === localBrokerId, () => `broker ${localBrokerId} is not the leader of ${JSON.stringify(registration)}`);
    invariant(highWatermark <= leaderLogEndOffset, () => `high watermark ${highWatermark} past the log end ${leaderLogEndOffset}`);
    this.replicas = registration.replicas;
    this.isrState = { kind: 'committed', isr: new Set(registration.isr) };
    this.leaderEpochValue = registration.leaderEpoch;
    this.partitionEpochValue = registration.partitionEpoch;
    // A leader elected uncleanly starts RECOVERING; taking over, it has recovered (Kafka's makeLeader).
    this.recoveryState = 'RECOVERED';
    this.leaderEpochStartOffset = leaderLogEndOffset;
    this.highWatermarkValue = highWatermark;
    for (const id of registration.replicas) {
      if (id === localBrokerId) continue;
      this.followers.set(id, resetFollower(id, nowMs, leaderLogEndOffset, undefined, registration.isr.includes(id)));
    }
  }

  get leaderEpoch(): number {
    return this.leaderEpochValue;
  }

  get partitionEpoch(): number {
    return this.partitionEpochValue;
  }

  get highWatermark(): number {
    return this.highWatermarkValue;
  }

  get epochStartOffset(): number {
    return this.leaderEpochStartOffset;
  }

  /** The committed ISR. */
  get isr(): ReadonlySet<number> {
    return this.isrState.isr;
  }

  /** The ISR plus a replica whose addition is in flight: what the high watermark and acks=all wait for (KIP-497). */
  get maximalIsr(): ReadonlySet<number> {
    const state = this.isrState;
    return state.kind === 'pending-expand' ? new Set([...state.isr, state.newReplica]) : state.isr;
  }

  get state(): IsrState {
    return this.isrState;
  }

  get assignedReplicas(): readonly number[] {
    return this.replicas;
  }

  follower(brokerId: number): FollowerState | undefined {
    return this.followers.get(brokerId);
  }

  /** min.insync.replicas, capped at the replication factor (Kafka's `effectiveMinIsr`). */
  get effectiveMinIsr(): number {
    return Math.min(this.config.minInSyncReplicas, this.replicas.length);
  }

  get isUnderMinIsr(): boolean {
    return this.isrState.isr.size < this.effectiveMinIsr;
  }

  get isUnderReplicated(): boolean {
    return this.replicas.length - this.isrState.isr.size > 0;
  }

  reconfigure(config: LeaderConfig): void {
    this.config = config;
  }

  /**
   * A newer registration while still leader (Kafka's `makeLeader` for a leader that stays):
   * a new leader epoch resets the followers and moves the epoch start; a new partition epoch
   * replaces the committed ISR.
   */
  update(registration: PartitionRegistration, leaderLogEndOffset: number, nowMs: number): { highWatermarkChanged: boolean } {
    invariant(registration.leader === this.localBrokerId, () => `update for a partition this broker no longer leads`);
    if (registration.partitionEpoch < this.partitionEpochValue) return { highWatermarkChanged: false };
    invariant(registration.leaderEpoch >= this.leaderEpochValue, () => `leader epoch went back to ${registration.leaderEpoch}`);
    const newLeaderEpoch = registration.leaderEpoch > this.leaderEpochValue;
    this.replicas = registration.replicas;
    this.isrState = { kind: 'committed', isr: new Set(registration.isr) };
    this.partitionEpochValue = registration.partitionEpoch;
    for (const id of [...this.followers.keys()]) if (!registration.replicas.includes(id)) this.followers.delete(id);
    for (const id of registration.replicas) {
      if (id === this.localBrokerId) continue;
      const current = this.followers.get(id);
      if (current === undefined || newLeaderEpoch) {
        this.followers.set(id, resetFollower(id, nowMs, leaderLogEndOffset, current, registration.isr.includes(id)));
      }
    }
    if (newLeaderEpoch) {
      this.leaderEpochValue = registration.leaderEpoch;
      this.leaderEpochStartOffset = leaderLogEndOffset;
    }
    return { highWatermarkChanged: this.maybeIncrementHighWatermark(leaderLogEndOffset, nowMs) };
  }

  /**
   * Whether a produce with `requiredAcks` may be appended now: acks=all needs an ISR of at
   * least min.insync.replicas (NOT_ENOUGH_REPLICAS otherwise, nothing appended).
   */
  checkAppend(requiredAcks: number): ErrorCode {
    if (requiredAcks === -1 && this.isUnderMinIsr) return ErrorCode.NOT_ENOUGH_REPLICAS;
    return ErrorCode.NONE;
  }

  /** The leader appended: with an ISR of one, the high watermark moves at once. */
  onLocalAppend(leaderLogEndOffset: number, nowMs: number): { highWatermarkChanged: boolean } {
    return { highWatermarkChanged: this.maybeIncrementHighWatermark(leaderLogEndOffset, nowMs) };
  }

  /**
   * Whether an acks=all produce whose last offset is `requiredOffset - 1` is done (Kafka's
   * `checkEnoughReplicasReachOffset`): once the high watermark passes it; with
   * NOT_ENOUGH_REPLICAS_AFTER_APPEND if the ISR shrank below min.insync.replicas meanwhile.
   */
  checkEnoughReplicasReachOffset(requiredOffset: number): { done: boolean; errorCode: ErrorCode } {
    if (this.highWatermarkValue < requiredOffset) return { done: false, errorCode: ErrorCode.NONE };
    return {
      done: true,
      errorCode: this.effectiveMinIsr <= this.maximalIsr.size ? ErrorCode.NONE : ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
    };
  }

  /** A follower fetched at `fetch.fetchOffset` (Kafka's `updateFollowerFetchState`, then `maybeExpandIsr`). */
  onFollowerFetch(fetch: FollowerFetch, leaderLogEndOffset: number, nowMs: number): FollowerFetchOutcome {
    const current = this.followers.get(fetch.brokerId);
    if (current === undefined) return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, highWatermarkChanged: false };
    const aliveEpoch = this.eligibility.aliveBrokerEpoch(fetch.brokerId);
    if (fetch.brokerEpoch !== -1 && aliveEpoch !== undefined && aliveEpoch > fetch.brokerEpoch) {
      return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, highWatermarkChanged: false };
    }
    let lastCaughtUpTimeMs = current.lastCaughtUpTimeMs;
    if (fetch.fetchOffset >= leaderLogEndOffset) lastCaughtUpTimeMs = Math.max(lastCaughtUpTimeMs, nowMs);
    else if (fetch.fetchOffset >= current.lastFetchLeaderLogEndOffset)
      lastCaughtUpTimeMs = Math.max(lastCaughtUpTimeMs, current.lastFetchTimeMs);
    const previousEndOffset = current.logEndOffset;
    const updated: FollowerState = {
      brokerId: fetch.brokerId,
      logStartOffset: fetch.logStartOffset,
      logEndOffset: fetch.fetchOffset,
      lastFetchLeaderLogEndOffset: Math.max(leaderLogEndOffset, current.lastFetchLeaderLogEndOffset),
      lastFetchTimeMs: nowMs,
      lastCaughtUpTimeMs,
      brokerEpoch: fetch.brokerEpoch,
    };
    this.followers.set(fetch.brokerId, updated);
    const proposal = this.maybeExpandIsr(updated);
    const highWatermarkChanged =
      previousEndOffset !== updated.logEndOffset ? this.maybeIncrementHighWatermark(leaderLogEndOffset, nowMs) : false;
    return { errorCode: ErrorCode.NONE, highWatermarkChanged, ...(proposal ? { proposal } : {}) };
  }

  /** Followers that fell out of sync (Kafka's `maybeShrinkIsr`): an ISR shrink to send, if any. */
  maybeShrinkIsr(leaderLogEndOffset: number, nowMs: number): AlterPartitionProposal | undefined {
    if (this.isrState.kind !== 'committed') return undefined;
    const outOfSync = this.outOfSyncReplicas(leaderLogEndOffset, nowMs);
    if (outOfSync.size === 0) return undefined;
    const newIsr = [...this.isrState.isr].filter((id) => !outOfSync.has(id));
    const proposal = this.proposal(newIsr);
    this.isrState = { kind: 'pending-shrink', isr: this.isrState.isr, outOfSync, proposal };
    return proposal;
  }

  /** ISR members that have not been caught up within replica.lag.time.max.ms. */
  outOfSyncReplicas(leaderLogEndOffset: number, nowMs: number): ReadonlySet<number> {
    const out = new Set<number>();
    if (this.isrState.kind !== 'committed') return out;
    for (const id of this.isrState.isr) {
      if (id === this.localBrokerId) continue;
      const follower = this.followers.get(id);
      if (!follower || !isCaughtUp(follower, leaderLogEndOffset, nowMs, this.config.replicaLagTimeMaxMs)) out.add(id);
    }
    return out;
  }

  /**
   * The metadata service answered `proposal` (Kafka's `handleAlterPartitionUpdate` and
   * `handleAlterPartitionError`). Returns whether to send it again.
   */
  onAlterPartitionAnswer(
    proposal: AlterPartitionProposal,
    answer: AlterPartitionAnswer,
    leaderLogEndOffset: number,
    nowMs: number,
  ): { retry: boolean; highWatermarkChanged: boolean } {
    const state = this.isrState;
    if (state.kind === 'committed' || state.proposal !== proposal) return { retry: false, highWatermarkChanged: false };
    if ('registration' in answer) {
      const registration = answer.registration;
      if (registration.leaderEpoch !== this.leaderEpochValue || registration.partitionEpoch < this.partitionEpochValue) {
        return { retry: false, highWatermarkChanged: false };
      }
      this.isrState = { kind: 'committed', isr: new Set(registration.isr) };
      this.partitionEpochValue = registration.partitionEpoch;
      this.recoveryState = registration.leaderRecoveryState;
      return { retry: false, highWatermarkChanged: this.maybeIncrementHighWatermark(leaderLogEndOffset, nowMs) };
    }
    switch (answer.errorCode) {
      case ErrorCode.OPERATION_NOT_ATTEMPTED:
      case ErrorCode.INELIGIBLE_REPLICA:
        // The metadata service says the partition epoch is current and nothing was applied.
        this.isrState = { kind: 'committed', isr: state.isr };
        return { retry: false, highWatermarkChanged: false };
      case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
      case ErrorCode.UNKNOWN_TOPIC_ID:
      case ErrorCode.FENCED_LEADER_EPOCH:
      case ErrorCode.INVALID_UPDATE_VERSION:
      case ErrorCode.INVALID_REQUEST:
      case ErrorCode.NEW_LEADER_ELECTED:
        // Stay pending until newer metadata arrives.
        return { retry: false, highWatermarkChanged: false };
      default:
        return { retry: true, highWatermarkChanged: false };
    }
  }

  private maybeExpandIsr(follower: FollowerState): AlterPartitionProposal | undefined {
    const state = this.isrState;
    if (state.kind !== 'committed' || state.isr.has(follower.brokerId)) return undefined;
    if (!this.eligibility.isIsrEligible(follower.brokerId, follower.brokerEpoch)) return undefined;
    // In sync: caught up to the high watermark, and to an offset of this leader's epoch (else it
    // could become leader without data committed between the high watermark and the log end).
    if (follower.logEndOffset < this.highWatermarkValue || follower.logEndOffset < this.leaderEpochStartOffset) return undefined;
    const proposal = this.proposal([...state.isr, follower.brokerId]);
    this.isrState = { kind: 'pending-expand', isr: state.isr, newReplica: follower.brokerId, proposal };
    return proposal;
  }

  private proposal(isr: readonly number[]): AlterPartitionProposal {
    const newIsr: BrokerState[] = isr.map((brokerId) => ({
      brokerId,
      brokerEpoch: brokerId === this.localBrokerId ? -1 : (this.followers.get(brokerId)?.brokerEpoch ?? -1),
    }));
    return {
      leaderId: this.localBrokerId,
      leaderEpoch: this.leaderEpochValue,
      partitionEpoch: this.partitionEpochValue,
      newIsr,
      leaderRecoveryState: this.recoveryState,
    };
  }

  /**
   * Kafka's `maybeIncrementLeaderHW`: the smallest log end offset over the maximal ISR and over
   * the followers caught up enough to be about to join it; never below where it is, and not at
   * all while the ISR is under min.insync.replicas.
   */
  private maybeIncrementHighWatermark(leaderLogEndOffset: number, nowMs: number): boolean {
    if (this.isUnderMinIsr) return false;
    const maximal = this.maximalIsr;
    let candidate = leaderLogEndOffset;
    for (const follower of this.followers.values()) {
      if (follower.logEndOffset >= candidate) continue;
      const waitFor =
        maximal.has(follower.brokerId) ||
        (isCaughtUp(follower, leaderLogEndOffset, nowMs, this.config.replicaLagTimeMaxMs) &&
          this.eligibility.isIsrEligible(follower.brokerId, follower.brokerEpoch));
      if (waitFor) candidate = follower.logEndOffset;
    }
    if (candidate <= this.highWatermarkValue) return false;
    invariant(candidate <= leaderLogEndOffset, () => `high watermark ${candidate} past the log end ${leaderLogEndOffset}`);
    this.highWatermarkValue = candidate;
    return true;
  }
}

/** Kafka's `ReplicaState.isCaughtUp`. */
export function isCaughtUp(follower: FollowerState, leaderLogEndOffset: number, nowMs: number, maxLagMs: number): boolean {
  return follower.logEndOffset === leaderLogEndOffset || nowMs - follower.lastCaughtUpTimeMs <= maxLagMs;
}

/**
 * Kafka's `resetReplicaState` on a leader change: an ISR member counts as caught up now, others
 * from time 0 (so they do not hold the high watermark back); a new leader knows no offsets yet.
 */
function resetFollower(
  brokerId: number,
  nowMs: number,
  leaderLogEndOffset: number,
  previous: FollowerState | undefined,
  inSync: boolean,
): FollowerState {
  const lastCaughtUpTimeMs = inSync ? nowMs : 0;
  if (previous === undefined) {
    return {
      brokerId,
      logStartOffset: -1,
      logEndOffset: -1,
      lastFetchLeaderLogEndOffset: -1,
      lastFetchTimeMs: 0,
      lastCaughtUpTimeMs,
      brokerEpoch: undefined,
    };
  }
  return {
    ...previous,
    lastFetchLeaderLogEndOffset: leaderLogEndOffset,
    lastFetchTimeMs: inSync ? nowMs : 0,
    lastCaughtUpTimeMs,
  };
}
