// Pieces of Kafka's partition elections that both stores share: how stored rows become
// @strom/replication's registrations, and which config layer decides unclean election.
import { alterPartition, type BrokerLookup, type BrokerRegistration, type PartitionRegistration } from '@strom/replication';
import { invariant } from './errors.js';
import type { AlterPartitionInput } from './model.js';

/** Kafka's topic config (and cluster-wide default) that allows an out-of-sync replica to lead. */
export const UNCLEAN_LEADER_ELECTION = 'unclean.leader.election.enable';

/** The stored fields of a partition that elections read. */
export interface StoredPartitionRegistration {
  replicas: number[];
  isr: number[];
  leaderId: number;
  leaderEpoch: number;
  partitionEpoch: number;
  leaderRecoveryState: string;
}

export function toRegistration(row: StoredPartitionRegistration): PartitionRegistration {
  return {
    replicas: row.replicas,
    isr: row.isr,
    leader: row.leaderId,
    leaderEpoch: row.leaderEpoch,
    partitionEpoch: row.partitionEpoch,
    leaderRecoveryState: toRecoveryState(row.leaderRecoveryState),
  };
}

export function toRecoveryState(value: string): 'RECOVERED' | 'RECOVERING' {
  invariant(value === 'RECOVERED' || value === 'RECOVERING', `leader recovery state is RECOVERED or RECOVERING, not ${value}`);
  return value;
}

/** A stored broker as @strom/replication looks it up. */
export function toBrokerRegistration(row: {
  id: number;
  epoch: bigint;
  fenced: boolean;
  inControlledShutdown: boolean;
  rack: string | null;
}): BrokerRegistration {
  return {
    brokerId: row.id,
    brokerEpoch: Number(row.epoch),
    fenced: row.fenced,
    inControlledShutdown: row.inControlledShutdown,
    rack: row.rack ?? undefined,
  };
}

/**
 * unclean.leader.election.enable of a topic: its override, else the dynamic cluster-wide default,
 * else the static one (Kafka's order of config layers).
 */
export function uncleanElectionEnabled(
  topicOverride: string | undefined,
  clusterDefault: string | undefined,
  staticDefault: boolean,
): boolean {
  const value = topicOverride ?? clusterDefault;
  return value === undefined ? staticDefault : value.toLowerCase() === 'true';
}

/** What every partition change keeps: the partition epoch grows by one, the leader epoch never goes back. */
export function assertPartitionChange(current: PartitionRegistration, next: PartitionRegistration): void {
  invariant(next.partitionEpoch === current.partitionEpoch + 1, 'the partition epoch grows by one per change');
  invariant(next.leaderEpoch >= current.leaderEpoch, 'the leader epoch never goes back');
}

/**
 * An AlterPartition request judged against the stored registration (`undefined`: no such
 * partition) by @strom/replication's `alterPartition`: the same step in both stores.
 */
export function judgeAlterPartition(
  current: PartitionRegistration | undefined,
  input: AlterPartitionInput,
  brokers: BrokerLookup,
): ReturnType<typeof alterPartition> {
  return alterPartition(
    current,
    { brokerId: input.brokerId, brokerEpoch: Number(input.brokerEpoch) },
    {
      leaderId: input.brokerId,
      leaderEpoch: input.leaderEpoch,
      partitionEpoch: input.partitionEpoch,
      newIsr: input.newIsr.map((member) => ({ brokerId: member.brokerId, brokerEpoch: Number(member.brokerEpoch) })),
      leaderRecoveryState: input.leaderRecoveryState,
    },
    brokers,
  );
}
