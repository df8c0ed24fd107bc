import { ErrorCode } from '@strom/errors';
import { invariant } from './invariant.js';
import { NO_LEADER, type AlterPartitionProposal, type BrokerRegistration, type PartitionRegistration } from './types.js';

/** The metadata service's view of the brokers, by id. */
export type BrokerLookup = (brokerId: number) => BrokerRegistration | undefined;

/** A broker that may lead: registered, unfenced, not shutting down (Kafka's `ClusterControlManager.isActive`). */
export function isActiveBroker(broker: BrokerRegistration | undefined): boolean {
  return broker !== undefined && !broker.fenced && !broker.inControlledShutdown;
}

export type AlterPartitionResult = { readonly errorCode: ErrorCode } | { readonly registration: PartitionRegistration };

/**
 * The metadata service's side of AlterPartition for one partition (Kafka's
 * `ReplicationControlManager.alterPartition` and `validateAlterPartitionData`): a compare-and-set
 * on the partition epoch. Applied, the ISR changes and the partition epoch goes up by one; a
 * proposal equal to the current state changes nothing and answers the current registration.
 */
export function alterPartition(
  current: PartitionRegistration | undefined,
  request: { readonly brokerId: number; readonly brokerEpoch: number },
  proposal: AlterPartitionProposal,
  brokers: BrokerLookup,
): AlterPartitionResult {
  const requester = brokers(request.brokerId);
  if (requester === undefined || requester.brokerEpoch !== request.brokerEpoch) return { errorCode: ErrorCode.STALE_BROKER_EPOCH };
  if (current === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
  if (proposal.leaderEpoch > current.leaderEpoch || proposal.partitionEpoch > current.partitionEpoch) {
    return { errorCode: ErrorCode.NOT_CONTROLLER };
  }
  if (proposal.leaderEpoch < current.leaderEpoch) return { errorCode: ErrorCode.FENCED_LEADER_EPOCH };
  if (request.brokerId !== current.leader) return { errorCode: ErrorCode.INVALID_REQUEST };
  if (proposal.partitionEpoch < current.partitionEpoch) return { errorCode: ErrorCode.INVALID_UPDATE_VERSION };
  const newIsr = proposal.newIsr.map((member) => member.brokerId);
  if (new Set(newIsr).size !== newIsr.length || newIsr.some((id) => !current.replicas.includes(id))) {
    return { errorCode: ErrorCode.INVALID_REQUEST };
  }
  if (!newIsr.includes(current.leader)) return { errorCode: ErrorCode.INVALID_REQUEST };
  if (proposal.leaderRecoveryState === 'RECOVERING' && newIsr.length > 1) return { errorCode: ErrorCode.INVALID_REQUEST };
  if (current.leaderRecoveryState === 'RECOVERED' && proposal.leaderRecoveryState === 'RECOVERING') {
    return { errorCode: ErrorCode.INVALID_REQUEST };
  }
  for (const member of proposal.newIsr) {
    const broker = brokers(member.brokerId);
    const stale = member.brokerEpoch !== -1 && broker !== undefined && broker.brokerEpoch !== member.brokerEpoch;
    if (!isActiveBroker(broker) || stale) return { errorCode: ErrorCode.INELIGIBLE_REPLICA };
  }
  const sameIsr = newIsr.length === current.isr.length && newIsr.every((id) => current.isr.includes(id));
  if (sameIsr && proposal.leaderRecoveryState === current.leaderRecoveryState) return { registration: current };
  return {
    registration: {
      ...current,
      isr: orderedLike(current.replicas, newIsr),
      leaderRecoveryState: proposal.leaderRecoveryState,
      partitionEpoch: current.partitionEpoch + 1,
    },
  };
}

export interface ElectionOptions {
  /** unclean.leader.election.enable of the topic. */
  readonly uncleanLeaderElection: boolean;
  /** A broker that must not lead and leaves the ISR (the one being fenced or shutting down). */
  readonly brokerToRemove?: number;
}

/**
 * Kafka's `PartitionChangeBuilder` without reassignment and ELR: the ISR without
 * `brokerToRemove` (but never empty: the last member stays, so a clean election can find it
 * when it returns), then an election if the leader may no longer lead: the current leader if it
 * still may, else the first assigned replica in the ISR that is active, else (unclean election
 * only) the first active assigned replica, with an ISR of itself and RECOVERING. A new leader
 * bumps the leader epoch; any change bumps the partition epoch. Returns the same object when
 * nothing changes.
 */
export function changePartition(current: PartitionRegistration, brokers: BrokerLookup, options: ElectionOptions): PartitionRegistration {
  const removed = options.brokerToRemove;
  const acceptable = (id: number): boolean => id !== removed && isActiveBroker(brokers(id));
  const withoutRemoved = current.isr.filter((id) => id !== removed);
  let isr = withoutRemoved.length > 0 ? withoutRemoved : current.isr;
  let leader = current.leader;
  let leaderRecoveryState = current.leaderRecoveryState;
  if (!(leader !== NO_LEADER && isr.includes(leader) && acceptable(leader))) {
    const clean = current.replicas.find((id) => isr.includes(id) && acceptable(id));
    if (clean !== undefined) leader = clean;
    else {
      const unclean = options.uncleanLeaderElection ? current.replicas.find(acceptable) : undefined;
      if (unclean !== undefined) {
        leader = unclean;
        isr = [unclean];
        leaderRecoveryState = 'RECOVERING';
      } else leader = NO_LEADER;
    }
  }
  const isrChanged = isr.length !== current.isr.length || isr.some((id, i) => id !== current.isr[i]);
  const leaderChanged = leader !== current.leader;
  if (!isrChanged && !leaderChanged && leaderRecoveryState === current.leaderRecoveryState) return current;
  const next: PartitionRegistration = {
    ...current,
    isr,
    leader,
    leaderRecoveryState,
    leaderEpoch: leaderChanged ? current.leaderEpoch + 1 : current.leaderEpoch,
    partitionEpoch: current.partitionEpoch + 1,
  };
  invariant(next.isr.length > 0, () => `an ISR may not be empty: ${JSON.stringify(next)}`);
  invariant(next.leader === NO_LEADER || next.isr.includes(next.leader), () => `the leader must be in the ISR: ${JSON.stringify(next)}`);
  return next;
}

/** The ISR listed in the assignment's order (stable, so equal ISRs compare equal). */
function orderedLike(replicas: readonly number[], isr: readonly number[]): number[] {
  return replicas.filter((id) => isr.includes(id));
}
