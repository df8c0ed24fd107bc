import { describe, expect, it } from 'vitest';
import { clusterStatus } from '../src/index.js';

const partition = (replicas: number[], isr: number[], leaderId: number) => ({
  partitionIndex: 0,
  replicas,
  isr,
  leaderId,
  leaderEpoch: 0,
  partitionEpoch: 0,
  leaderRecoveryState: 'RECOVERED' as const,
});

describe('the cluster status the metadata service reports', () => {
  it('counts brokers, offline, under-replicated and not preferred-led partitions', () => {
    const status = clusterStatus(
      [{ fenced: false }, { fenced: false }, { fenced: true }],
      [
        { partitions: [partition([1, 2, 3], [1, 2, 3], 1), partition([2, 3, 1], [2, 1], 2), partition([3, 1, 2], [1, 2], 1)] },
        { partitions: [partition([3], [3], -1)] },
      ],
    );
    expect(status).toEqual({
      activeBrokers: 2,
      fencedBrokers: 1,
      topics: 2,
      partitions: 4,
      offlinePartitions: 1,
      underReplicatedPartitions: 2,
      preferredReplicaImbalance: 1,
    });
  });
});
