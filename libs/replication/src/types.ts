/** No leader (Kafka's `LeaderConstants.NO_LEADER`). */
export const NO_LEADER = -1;

/** A broker id and the broker epoch it registered with (Kafka's `BrokerState` of AlterPartition v3). */
export interface BrokerState {
  readonly brokerId: number;
  /** -1: unknown (an ISR member the leader has not heard from since it became leader). */
  readonly brokerEpoch: number;
}

/**
 * A partition as the metadata service holds it (Kafka's `PartitionRegistration`). The leader
 * epoch changes with every leader election; the partition epoch with every change at all (ISR,
 * replicas, leader), which makes it the compare-and-set version of the record.
 */
export interface PartitionRegistration {
  /** Assigned replicas, preferred leader first. */
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  /** The leader, or {@link NO_LEADER}. */
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
  /**
   * RECOVERING after an unclean election, until the leader's ISR change says it recovered
   * (Kafka's `LeaderRecoveryState`); always RECOVERED after a clean one.
   */
  readonly leaderRecoveryState: 'RECOVERED' | 'RECOVERING';
}

/** What the metadata service knows of a broker (Kafka's `BrokerRegistration`, the parts replication needs). */
export interface BrokerRegistration {
  readonly brokerId: number;
  readonly brokerEpoch: number;
  /** Its lease expired (or it never unfenced): it may lead nothing and is in no ISR. */
  readonly fenced: boolean;
  /** It is moving its leaderships away before it stops (controlled shutdown). */
  readonly inControlledShutdown: boolean;
  readonly rack?: string | undefined;
}

/** An ISR change a leader asks for (Kafka's AlterPartition request, one partition). */
export interface AlterPartitionProposal {
  readonly leaderId: number;
  readonly leaderEpoch: number;
  /** The partition epoch the leader's state is based on: the compare-and-set version. */
  readonly partitionEpoch: number;
  readonly newIsr: readonly BrokerState[];
  readonly leaderRecoveryState: 'RECOVERED' | 'RECOVERING';
}

/** The last offset of an epoch as a leader answers OffsetsForLeaderEpoch (Kafka's `EpochEndOffset`). */
export interface EpochEndOffset {
  /** The largest epoch ≤ the requested one that the log knows, or -1. */
  readonly leaderEpoch: number;
  /** The start offset of the next epoch, or the log end offset for the latest; -1 when unknown. */
  readonly endOffset: number;
}

/** A log's leader epoch history (Kafka's `LeaderEpochFileCache.endOffsetFor`). */
export interface EpochHistory {
  endOffsetFor(requestedEpoch: number, logEndOffset: number): EpochEndOffset;
}

export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1;
