import { ErrorCode } from '@strom/errors';
import { describe, expect, it } from 'vitest';
import { PartitionLeader, type ReplicaEligibility } from '../src/leader.js';
import type { PartitionRegistration } from '../src/types.js';

const registration = (overrides: Partial<PartitionRegistration> = {}): PartitionRegistration => ({
  replicas: [1, 2, 3],
  isr: [1, 2, 3],
  leader: 1,
  leaderEpoch: 5,
  partitionEpoch: 10,
  leaderRecoveryState: 'RECOVERED',
  ...overrides,
});

const allEligible: ReplicaEligibility = { isIsrEligible: () => true, aliveBrokerEpoch: () => 100 };
const config = { replicaLagTimeMaxMs: 30_000, minInSyncReplicas: 2 };
/** Wall-clock times, as the broker passes them: a follower reset to 0 is long out of date. */
const T0 = 1_700_000_000_000;

function leader(reg = registration(), leo = 10, hw = 10, eligibility = allEligible, nowMs = T0 + 1000): PartitionLeader {
  return new PartitionLeader(1, reg, leo, hw, nowMs, config, eligibility);
}

describe('PartitionLeader (Kafka Partition, leader side)', () => {
  it('advances the high watermark to the smallest log end offset over the ISR', () => {
    const p = leader();
    expect(p.onLocalAppend(20, T0 + 1000).highWatermarkChanged).toBe(false);
    p.onFollowerFetch({ brokerId: 2, brokerEpoch: 100, fetchOffset: 15, logStartOffset: 0 }, 20, T0 + 1001);
    expect(p.highWatermark).toBe(10);
    p.onFollowerFetch({ brokerId: 3, brokerEpoch: 100, fetchOffset: 18, logStartOffset: 0 }, 20, T0 + 1002);
    expect(p.highWatermark).toBe(15);
    expect(p.checkEnoughReplicasReachOffset(16)).toEqual({ done: false, errorCode: ErrorCode.NONE });
    p.onFollowerFetch({ brokerId: 2, brokerEpoch: 100, fetchOffset: 20, logStartOffset: 0 }, 20, T0 + 1003);
    expect(p.highWatermark).toBe(18);
    expect(p.checkEnoughReplicasReachOffset(16)).toEqual({ done: true, errorCode: ErrorCode.NONE });
  });

  it('shrinks the ISR of a follower not caught up within replica.lag.time.max.ms, and only while nothing is in flight', () => {
    const p = leader();
    p.onLocalAppend(20, T0 + 1000);
    p.onFollowerFetch({ brokerId: 2, brokerEpoch: 100, fetchOffset: 20, logStartOffset: 0 }, 20, T0 + 2000);
    expect(p.maybeShrinkIsr(20, T0 + 30_000)).toBeUndefined();
    const proposal = p.maybeShrinkIsr(20, T0 + 31_001);
    expect(proposal).toMatchObject({ leaderId: 1, leaderEpoch: 5, partitionEpoch: 10 });
    expect(proposal!.newIsr.map((m) => m.brokerId)).toEqual([1, 2]);
    expect(p.state.kind).toBe('pending-shrink');
    // Pending shrink: the maximal ISR is still the committed one, so the HW waits for broker 3.
    expect(p.highWatermark).toBe(10);
    expect(p.maybeShrinkIsr(20, T0 + 40_000)).toBeUndefined();
    const answer = p.onAlterPartitionAnswer(
      proposal!,
      { registration: registration({ isr: [1, 2], partitionEpoch: 11 }) },
      20,
      T0 + 40_000,
    );
    expect(answer).toEqual({ retry: false, highWatermarkChanged: true });
    expect([...p.isr]).toEqual([1, 2]);
    expect(p.partitionEpoch).toBe(11);
    expect(p.highWatermark).toBe(20);
  });

  it('expands the ISR once a follower reaches the high watermark and this epoch, counting it in the maximal ISR at once', () => {
    const p = leader(registration({ isr: [1, 2] }), 10, 10);
    p.onLocalAppend(30, T0 + 1000);
    p.onFollowerFetch({ brokerId: 2, brokerEpoch: 100, fetchOffset: 25, logStartOffset: 0 }, 30, T0 + 1000);
    expect(p.highWatermark).toBe(25);
    const outcome = p.onFollowerFetch({ brokerId: 3, brokerEpoch: 100, fetchOffset: 20, logStartOffset: 0 }, 30, T0 + 1001);
    // 20 < HW 25: not in sync yet, but caught up recently enough to hold the HW (it may join soon).
    expect(outcome.proposal).toBeUndefined();
    const joined = p.onFollowerFetch({ brokerId: 3, brokerEpoch: 100, fetchOffset: 26, logStartOffset: 0 }, 30, T0 + 1002);
    expect(joined.proposal!.newIsr).toEqual([
      { brokerId: 1, brokerEpoch: -1 },
      { brokerId: 2, brokerEpoch: 100 },
      { brokerId: 3, brokerEpoch: 100 },
    ]);
    expect([...p.maximalIsr].sort()).toEqual([1, 2, 3]);
    expect([...p.isr].sort()).toEqual([1, 2]);
  });

  it('does not let a follower behind this leader epoch start join the ISR', () => {
    const p = leader(registration({ isr: [1, 2] }), 50, 10);
    // HW 10, but the epoch started at 50: a follower at 40 holds none of this leader's records.
    expect(
      p.onFollowerFetch({ brokerId: 3, brokerEpoch: 100, fetchOffset: 40, logStartOffset: 0 }, 50, T0 + 1000).proposal,
    ).toBeUndefined();
    expect(p.onFollowerFetch({ brokerId: 3, brokerEpoch: 100, fetchOffset: 50, logStartOffset: 0 }, 50, T0 + 1001).proposal).toBeDefined();
  });

  it('refuses acks=all under min.insync.replicas before appending, and reports NOT_ENOUGH_REPLICAS_AFTER_APPEND', () => {
    const p = leader(registration({ isr: [1, 2] }));
    expect(p.checkAppend(-1)).toBe(ErrorCode.NONE);
    p.onLocalAppend(11, T0 + 1000);
    const proposal = p.maybeShrinkIsr(11, T0 + 100_000)!;
    p.onAlterPartitionAnswer(proposal, { registration: registration({ isr: [1], partitionEpoch: 11 }) }, 11, T0 + 100_000);
    expect(p.checkAppend(-1)).toBe(ErrorCode.NOT_ENOUGH_REPLICAS);
    expect(p.checkAppend(1)).toBe(ErrorCode.NONE);
    // Under min ISR the HW does not move; an acks=all produce waits, then times out in the broker.
    expect(p.highWatermark).toBe(10);
    expect(p.checkEnoughReplicasReachOffset(11).done).toBe(false);
    expect(p.checkEnoughReplicasReachOffset(10)).toEqual({ done: true, errorCode: ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND });
  });

  it('fences fetches with a stale broker epoch and ignores ineligible followers for the ISR', () => {
    const eligibility: ReplicaEligibility = { isIsrEligible: (id) => id !== 3, aliveBrokerEpoch: () => 100 };
    const p = leader(registration({ isr: [1, 2] }), 10, 10, eligibility);
    expect(p.onFollowerFetch({ brokerId: 2, brokerEpoch: 99, fetchOffset: 10, logStartOffset: 0 }, 10, T0 + 1000).errorCode).toBe(
      ErrorCode.NOT_LEADER_OR_FOLLOWER,
    );
    expect(
      p.onFollowerFetch({ brokerId: 3, brokerEpoch: 100, fetchOffset: 10, logStartOffset: 0 }, 10, T0 + 1000).proposal,
    ).toBeUndefined();
    expect(p.onFollowerFetch({ brokerId: 4, brokerEpoch: 100, fetchOffset: 10, logStartOffset: 0 }, 10, T0 + 1000).errorCode).toBe(
      ErrorCode.NOT_LEADER_OR_FOLLOWER,
    );
  });

  it('handles AlterPartition errors as Kafka: back to committed on INELIGIBLE_REPLICA, pending on fencing, retry otherwise', () => {
    const p = leader(registration({ isr: [1, 2] }));
    const proposal = p.onFollowerFetch({ brokerId: 3, brokerEpoch: 100, fetchOffset: 10, logStartOffset: 0 }, 10, T0 + 1000).proposal!;
    expect(p.onAlterPartitionAnswer(proposal, { errorCode: ErrorCode.REQUEST_TIMED_OUT }, 10, T0 + 1000).retry).toBe(true);
    expect(p.onAlterPartitionAnswer(proposal, { errorCode: ErrorCode.FENCED_LEADER_EPOCH }, 10, T0 + 1000).retry).toBe(false);
    expect(p.state.kind).toBe('pending-expand');
    expect(p.onAlterPartitionAnswer(proposal, { errorCode: ErrorCode.INELIGIBLE_REPLICA }, 10, T0 + 1000).retry).toBe(false);
    expect(p.state.kind).toBe('committed');
    // An answer to a proposal that is no longer the pending one is ignored.
    expect(
      p.onAlterPartitionAnswer(proposal, { registration: registration({ partitionEpoch: 11 }) }, 10, T0 + 1000).highWatermarkChanged,
    ).toBe(false);
    expect(p.partitionEpoch).toBe(10);
  });

  it('a new leader epoch resets the followers and never lowers the high watermark', () => {
    const p = leader();
    p.onLocalAppend(20, T0 + 1000);
    p.onFollowerFetch({ brokerId: 2, brokerEpoch: 100, fetchOffset: 20, logStartOffset: 0 }, 20, T0 + 1000);
    p.onFollowerFetch({ brokerId: 3, brokerEpoch: 100, fetchOffset: 20, logStartOffset: 0 }, 20, T0 + 1000);
    expect(p.highWatermark).toBe(20);
    p.update(registration({ leaderEpoch: 6, partitionEpoch: 12 }), 20, T0 + 2000);
    expect(p.leaderEpoch).toBe(6);
    expect(p.epochStartOffset).toBe(20);
    expect(p.highWatermark).toBe(20);
    expect(() => p.update(registration({ leaderEpoch: 4, partitionEpoch: 13 }), 20, T0 + 2000)).toThrow(/leader epoch went back/);
  });
});
