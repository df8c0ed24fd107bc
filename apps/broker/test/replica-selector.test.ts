import { describe, expect, it } from 'vitest';
import {
  findPreferredReadReplica,
  rackAwareReplicaSelector,
  replicaSelectorFor,
  type FollowerCandidate,
  type PreferredReadReplicaQuery,
  type ReplicaView,
} from '../src/replica/replica-selector.js';

const replica = (brokerId: number, rack: string | null, logEndOffset = 100, timeSinceLastCaughtUpMs = 0): ReplicaView => ({
  brokerId,
  rack,
  reachable: true,
  logEndOffset,
  timeSinceLastCaughtUpMs,
});

describe("Kafka's RackAwareReplicaSelector", () => {
  const leader = replica(1, 'a');

  it('picks the leader for a client without a rack, in no replica rack, or in the leader rack', () => {
    const replicas = [leader, replica(2, 'b'), replica(3, 'c')];
    expect(rackAwareReplicaSelector('', replicas, leader)).toBe(leader);
    expect(rackAwareReplicaSelector('z', replicas, leader)).toBe(leader);
    expect(rackAwareReplicaSelector('a', [...replicas, replica(4, 'a')], leader)).toBe(leader);
  });

  it('picks the replica in the client rack, the most caught up of several (log end, then time since caught up, then id)', () => {
    expect(rackAwareReplicaSelector('b', [leader, replica(2, 'b'), replica(3, 'c')], leader)?.brokerId).toBe(2);
    expect(rackAwareReplicaSelector('b', [leader, replica(2, 'b', 90), replica(3, 'b', 95)], leader)?.brokerId).toBe(3);
    expect(rackAwareReplicaSelector('b', [leader, replica(2, 'b', 95, 10), replica(3, 'b', 95, 400)], leader)?.brokerId).toBe(2);
    expect(rackAwareReplicaSelector('b', [leader, replica(3, 'b'), replica(2, 'b')], leader)?.brokerId).toBe(3);
  });

  it('is what replica.selector.class names; unset means no selector', () => {
    expect(replicaSelectorFor(null)).toBeUndefined();
    expect(replicaSelectorFor('org.apache.kafka.common.replica.RackAwareReplicaSelector')).toBe(rackAwareReplicaSelector);
    expect(() => replicaSelectorFor('com.example.Nearest')).toThrow('Class com.example.Nearest could not be found.');
  });
});

describe("the leader's preferred read replica (ReplicaManager.findPreferredReadReplica)", () => {
  const racks: Record<number, string> = { 1: 'a', 2: 'b', 3: 'c' };
  const follower = (brokerId: number, fields: Partial<FollowerCandidate> = {}): FollowerCandidate => ({
    brokerId,
    inSync: true,
    logStartOffset: 0,
    logEndOffset: 50,
    lastCaughtUpTimeMs: 1_000,
    ...fields,
  });
  const query = (fields: Partial<PreferredReadReplicaQuery>): PreferredReadReplicaQuery => ({
    clientRack: 'b',
    fetchOffset: 10,
    nowMs: 2_000,
    leaderId: 1,
    leaderLogEndOffset: 50,
    followers: [follower(2), follower(3)],
    node: (id) => ({ rack: racks[id] ?? null }),
    ...fields,
  });

  it('names the in-sync follower in the client rack', () => {
    expect(findPreferredReadReplica(rackAwareReplicaSelector, query({}))).toBe(2);
    expect(findPreferredReadReplica(rackAwareReplicaSelector, query({ clientRack: 'c' }))).toBe(3);
  });

  it('names none when the leader is the choice', () => {
    expect(findPreferredReadReplica(rackAwareReplicaSelector, query({ clientRack: 'a' }))).toBeUndefined();
    expect(findPreferredReadReplica(rackAwareReplicaSelector, query({ clientRack: '' }))).toBeUndefined();
  });

  it('leaves out followers outside the ISR, behind the fetch offset, or past it at their log start', () => {
    const only = (candidate: FollowerCandidate) => findPreferredReadReplica(rackAwareReplicaSelector, query({ followers: [candidate] }));
    expect(only(follower(2, { inSync: false }))).toBeUndefined();
    expect(only(follower(2, { logEndOffset: 9 }))).toBeUndefined();
    expect(only(follower(2, { logEndOffset: 10 }))).toBe(2);
    expect(only(follower(2, { logStartOffset: 11 }))).toBeUndefined();
  });

  it('names none that the client cannot reach (fenced, or no endpoint on its listener)', () => {
    expect(
      findPreferredReadReplica(rackAwareReplicaSelector, query({ node: (id) => (id === 2 ? undefined : { rack: racks[id]! }) })),
    ).toBeUndefined();
  });
});
