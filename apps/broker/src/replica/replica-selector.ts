import { RACK_AWARE_REPLICA_SELECTOR } from '@strom/config';

/**
 * KIP-392, fetch from followers: which replica a consumer should read a partition from. The
 * leader answers a consumer's Fetch (v11+, with `rack_id`) with `preferred_read_replica` when
 * `replica.selector.class` picks another replica; Kafka's clients then fetch from that one.
 * Pure: the leader's replication state and the brokers' racks come in as values.
 */

/** One replica as the selector sees it (Kafka's ReplicaView). */
export interface ReplicaView {
  brokerId: number;
  /** broker.rack of its broker; null without one, or when the client cannot reach it (Kafka's Node.noNode()). */
  rack: string | null;
  /** False when its broker is fenced or has no endpoint on the client's listener (Node.noNode()). */
  reachable: boolean;
  logEndOffset: number;
  timeSinceLastCaughtUpMs: number;
}

/** Kafka's ReplicaSelector: the replica to read from, given the client's rack, the candidates and the leader. */
export type ReplicaSelector = (clientRack: string, replicas: readonly ReplicaView[], leader: ReplicaView) => ReplicaView | undefined;

/**
 * Kafka's RackAwareReplicaSelector: the leader when the client has no rack, when no replica is in
 * its rack, or when the leader is; otherwise the most caught-up replica of the client's rack
 * (highest log end offset, then least time since caught up, then highest broker id: ReplicaView.comparator).
 */
export const rackAwareReplicaSelector: ReplicaSelector = (clientRack, replicas, leader) => {
  if (clientRack === '') return leader;
  const sameRack = replicas.filter((replica) => replica.rack === clientRack);
  if (sameRack.length === 0 || sameRack.includes(leader)) return leader;
  return sameRack.reduce((best, replica) => (compareReplicas(replica, best) > 0 ? replica : best));
};

function compareReplicas(a: ReplicaView, b: ReplicaView): number {
  if (a.logEndOffset !== b.logEndOffset) return a.logEndOffset - b.logEndOffset;
  if (a.timeSinceLastCaughtUpMs !== b.timeSinceLastCaughtUpMs) return b.timeSinceLastCaughtUpMs - a.timeSinceLastCaughtUpMs;
  return a.brokerId - b.brokerId;
}

/** The selector `replica.selector.class` names (the config refuses other names); undefined when unset. */
export function replicaSelectorFor(className: string | null): ReplicaSelector | undefined {
  if (className === null) return undefined;
  if (className !== RACK_AWARE_REPLICA_SELECTOR) throw new Error(`replica.selector.class: Class ${className} could not be found.`);
  return rackAwareReplicaSelector;
}

/** What the leader knows of a follower for the choice: its position from its fetches, and whether it is in the ISR. */
export interface FollowerCandidate {
  brokerId: number;
  inSync: boolean;
  logStartOffset: number;
  logEndOffset: number;
  lastCaughtUpTimeMs: number;
}

export interface PreferredReadReplicaQuery {
  clientRack: string;
  fetchOffset: number;
  nowMs: number;
  leaderId: number;
  leaderLogEndOffset: number;
  followers: readonly FollowerCandidate[];
  /** The rack of a broker as the client reaches it; undefined when the client cannot (fenced, or no endpoint on its listener). */
  node: (brokerId: number) => { rack: string | null } | undefined;
}

/**
 * Kafka's ReplicaManager.findPreferredReadReplica, on the leader for a consumer's fetch: the
 * candidates are the leader and the in-sync followers that hold `fetchOffset` (a lagging follower
 * could keep the consumer behind for good); the answer is the selected replica's broker, or
 * undefined when the selection is the leader or a replica the client cannot reach.
 */
export function findPreferredReadReplica(selector: ReplicaSelector, query: PreferredReadReplicaQuery): number | undefined {
  const view = (brokerId: number, logEndOffset: number, timeSinceLastCaughtUpMs: number): ReplicaView => {
    const node = query.node(brokerId);
    return { brokerId, rack: node?.rack ?? null, reachable: node !== undefined, logEndOffset, timeSinceLastCaughtUpMs };
  };
  const leader = view(query.leaderId, query.leaderLogEndOffset, 0);
  const candidates = query.followers
    .filter((follower) => follower.inSync && follower.logEndOffset >= query.fetchOffset && follower.logStartOffset <= query.fetchOffset)
    .map((follower) => view(follower.brokerId, follower.logEndOffset, query.nowMs - follower.lastCaughtUpTimeMs));
  const selected = selector(query.clientRack, [...candidates, leader], leader);
  return selected && selected !== leader && selected.reachable ? selected.brokerId : undefined;
}
