import { ErrorCode } from '@strom/errors';
import { LeaderEpochCache } from '@strom/storage';
import { describe, expect, it } from 'vitest';
import { alterPartition, changePartition, type BrokerLookup } from '../src/controller.js';
import { checkFetchPosition, truncationPoint } from '../src/follower.js';
import { NO_LEADER, type BrokerRegistration, type PartitionRegistration } from '../src/types.js';

const partition = (overrides: Partial<PartitionRegistration> = {}): PartitionRegistration => ({
  replicas: [1, 2, 3],
  isr: [1, 2, 3],
  leader: 1,
  leaderEpoch: 5,
  partitionEpoch: 10,
  leaderRecoveryState: 'RECOVERED',
  ...overrides,
});

function brokers(overrides: Record<number, Partial<BrokerRegistration>> = {}): BrokerLookup {
  return (id) =>
    id >= 1 && id <= 4 ? { brokerId: id, brokerEpoch: 100 + id, fenced: false, inControlledShutdown: false, ...overrides[id] } : undefined;
}

const shrinkTo = (isr: number[], over: Partial<{ leaderEpoch: number; partitionEpoch: number }> = {}) => ({
  leaderId: 1,
  leaderEpoch: over.leaderEpoch ?? 5,
  partitionEpoch: over.partitionEpoch ?? 10,
  newIsr: isr.map((brokerId) => ({ brokerId, brokerEpoch: -1 })),
  leaderRecoveryState: 'RECOVERED' as const,
});

describe('alterPartition (the metadata side of AlterPartition: compare-and-set on the partition epoch)', () => {
  const leader = { brokerId: 1, brokerEpoch: 101 };

  it('applies a change based on the current partition epoch and bumps it; equal state changes nothing', () => {
    const result = alterPartition(partition(), leader, shrinkTo([1, 3]), brokers());
    expect(result).toEqual({ registration: partition({ isr: [1, 3], partitionEpoch: 11 }) });
    expect(alterPartition(partition(), leader, shrinkTo([3, 2, 1]), brokers())).toEqual({ registration: partition() });
  });

  it("refuses what Kafka's controller refuses, with its error codes", () => {
    const cases: [string, ReturnType<typeof alterPartition>][] = [
      ['stale requester epoch', alterPartition(partition(), { brokerId: 1, brokerEpoch: 99 }, shrinkTo([1]), brokers())],
      ['old leader epoch', alterPartition(partition({ leaderEpoch: 6, partitionEpoch: 11 }), leader, shrinkTo([1]), brokers())],
      ['old partition epoch', alterPartition(partition({ partitionEpoch: 11 }), leader, shrinkTo([1]), brokers())],
      ['newer epochs than known', alterPartition(partition(), leader, shrinkTo([1], { partitionEpoch: 11 }), brokers())],
      ['not the leader', alterPartition(partition({ leader: 2 }), leader, shrinkTo([1, 2]), brokers())],
      ['ISR without the leader', alterPartition(partition(), leader, shrinkTo([2, 3]), brokers())],
      ['ISR outside the replicas', alterPartition(partition(), leader, shrinkTo([1, 4]), brokers())],
      ['fenced member', alterPartition(partition(), leader, shrinkTo([1, 2]), brokers({ 2: { fenced: true } }))],
      ['shutting-down member', alterPartition(partition(), leader, shrinkTo([1, 2]), brokers({ 2: { inControlledShutdown: true } }))],
      ['unknown topic', alterPartition(undefined, leader, shrinkTo([1]), brokers())],
    ];
    expect(cases.map(([name, result]) => [name, 'errorCode' in result ? result.errorCode : 'applied'])).toEqual([
      ['stale requester epoch', ErrorCode.STALE_BROKER_EPOCH],
      ['old leader epoch', ErrorCode.FENCED_LEADER_EPOCH],
      ['old partition epoch', ErrorCode.INVALID_UPDATE_VERSION],
      ['newer epochs than known', ErrorCode.NOT_CONTROLLER],
      ['not the leader', ErrorCode.INVALID_REQUEST],
      ['ISR without the leader', ErrorCode.INVALID_REQUEST],
      ['ISR outside the replicas', ErrorCode.INVALID_REQUEST],
      ['fenced member', ErrorCode.INELIGIBLE_REPLICA],
      ['shutting-down member', ErrorCode.INELIGIBLE_REPLICA],
      ['unknown topic', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
  });

  it('refuses a member whose broker epoch is not the registered one (a restarted broker cannot rejoin on a stale fetch, KIP-903)', () => {
    const proposal = {
      ...shrinkTo([1, 2]),
      newIsr: [
        { brokerId: 1, brokerEpoch: -1 },
        { brokerId: 2, brokerEpoch: 50 },
      ],
    };
    expect(alterPartition(partition({ isr: [1] }), leader, proposal, brokers())).toEqual({ errorCode: ErrorCode.INELIGIBLE_REPLICA });
  });
});

describe('changePartition (fencing and leader election)', () => {
  it('fencing the leader elects the first active ISR member in assignment order and bumps both epochs', () => {
    const next = changePartition(partition(), brokers({ 1: { fenced: true } }), { uncleanLeaderElection: false, brokerToRemove: 1 });
    expect(next).toEqual(partition({ isr: [2, 3], leader: 2, leaderEpoch: 6, partitionEpoch: 11 }));
  });

  it('fencing a follower shrinks the ISR without a new leader epoch', () => {
    expect(changePartition(partition(), brokers({ 3: { fenced: true } }), { uncleanLeaderElection: false, brokerToRemove: 3 })).toEqual(
      partition({ isr: [1, 2], partitionEpoch: 11 }),
    );
  });

  it('the last ISR member stays in the ISR with no leader; clean election waits for it, unclean takes another replica', () => {
    const lone = partition({ isr: [1] });
    const down = brokers({ 1: { fenced: true } });
    const leaderless = changePartition(lone, down, { uncleanLeaderElection: false, brokerToRemove: 1 });
    expect(leaderless).toEqual(partition({ isr: [1], leader: NO_LEADER, leaderEpoch: 6, partitionEpoch: 11 }));
    expect(changePartition(leaderless, down, { uncleanLeaderElection: false })).toBe(leaderless);
    expect(changePartition(leaderless, brokers(), { uncleanLeaderElection: false })).toEqual(
      partition({ isr: [1], leader: 1, leaderEpoch: 7, partitionEpoch: 12 }),
    );
    expect(changePartition(leaderless, down, { uncleanLeaderElection: true })).toEqual(
      partition({ isr: [2], leader: 2, leaderEpoch: 7, partitionEpoch: 12, leaderRecoveryState: 'RECOVERING' }),
    );
  });

  it('returns the same registration when nothing changes', () => {
    const current = partition();
    expect(changePartition(current, brokers(), { uncleanLeaderElection: false })).toBe(current);
  });
});

describe('follower truncation by leader epoch (Kafka AbstractFetcherThread)', () => {
  // Leader: epoch 1 from 0, epoch 3 from 50, end 80. Follower: epoch 1 from 0, epoch 2 from 40 (a leader that lost), end 60.
  const leaderHistory = new LeaderEpochCache([
    { epoch: 1, startOffset: 0 },
    { epoch: 3, startOffset: 50 },
  ]);
  const followerHistory = new LeaderEpochCache([
    { epoch: 1, startOffset: 0 },
    { epoch: 2, startOffset: 40 },
  ]);

  it('the leader reports a diverging epoch for a fetch from a log that went its own way', () => {
    expect(checkFetchPosition(leaderHistory, 0, 80, 60, 2)).toEqual({
      kind: 'diverging',
      divergingEpoch: { leaderEpoch: 1, endOffset: 50 },
    });
    expect(checkFetchPosition(leaderHistory, 0, 80, 50, 1)).toEqual({ kind: 'read' });
    expect(checkFetchPosition(leaderHistory, 0, 80, 51, 1)).toMatchObject({ kind: 'diverging' });
    expect(checkFetchPosition(leaderHistory, 10, 80, 5, 1)).toEqual({ kind: 'offset-out-of-range' });
  });

  it('truncates to the end of the common epoch: epoch 1 ends at 40 on the follower, before the leader’s 50', () => {
    expect(truncationPoint(followerHistory, 60, 30, { leaderEpoch: 1, endOffset: 50 })).toEqual({ offset: 40, complete: true });
  });

  it('with an epoch the follower does not have, it cuts back to its own older epoch and asks again', () => {
    const follower = new LeaderEpochCache([
      { epoch: 1, startOffset: 0 },
      { epoch: 4, startOffset: 70 },
    ]);
    expect(truncationPoint(follower, 90, 30, { leaderEpoch: 3, endOffset: 85 })).toEqual({ offset: 70, complete: false });
    expect(truncationPoint(follower, 90, 30, { leaderEpoch: -1, endOffset: -1 })).toEqual({ offset: 30, complete: true });
  });
});
