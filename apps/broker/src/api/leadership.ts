import { ErrorCode } from '@strom/errors';
import { LogOfflineError } from '@strom/storage';
import type { ClusterView } from '../cluster/cluster-view.js';
import type { PartitionReplica } from '../replica/partition-replica.js';
import type { ReplicaManager } from '../replica/replica-manager.js';

export type LeaderLookup = { replica: PartitionReplica; errorCode: 0 } | { replica: undefined; errorCode: ErrorCode };

/**
 * The local leader replica of a partition, or Kafka's error for why this broker cannot serve
 * it: unknown topic/partition, not the leader, a client leader epoch that is older
 * (FENCED_LEADER_EPOCH) or newer (UNKNOWN_LEADER_EPOCH) than ours (KIP-320; -1 skips the check),
 * or a log that could not be opened because its directory is offline (KAFKA_STORAGE_ERROR).
 */
export async function leaderFor(
  view: ClusterView,
  replicas: ReplicaManager,
  brokerId: number,
  topic: string,
  partition: number,
  currentLeaderEpoch = -1,
): Promise<LeaderLookup> {
  const local = replicas.replica(topic, partition);
  const found = local ? lookup(view, local, brokerId, topic, partition, currentLeaderEpoch) : undefined;
  if (found) return found;
  const info = view.partition(topic, partition);
  if (!info) return { replica: undefined, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
  if (info.leaderId !== brokerId) return { replica: undefined, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
  await replicas.settled();
  const opened = replicas.replica(topic, partition);
  if (!opened && replicas.isOffline(topic, partition)) return { replica: undefined, errorCode: ErrorCode.KAFKA_STORAGE_ERROR };
  return (
    (opened && lookup(view, opened, brokerId, topic, partition, currentLeaderEpoch)) ?? {
      replica: undefined,
      errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER,
    }
  );
}

/**
 * The local replica of a partition, leader or follower, for a consumer's fetch that may read from
 * followers (KIP-392; Kafka's Partition.localLogWithEpochOrThrow with requireLeader false): the
 * same errors as {@link leaderFor}, NOT_LEADER_OR_FOLLOWER when this broker holds no replica.
 */
export async function replicaFor(
  view: ClusterView,
  replicas: ReplicaManager,
  brokerId: number,
  topic: string,
  partition: number,
  currentLeaderEpoch = -1,
): Promise<LeaderLookup> {
  const info = view.partition(topic, partition);
  if (!info) return { replica: undefined, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
  if (!info.replicas.includes(brokerId)) return { replica: undefined, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
  let local = replicas.replica(topic, partition);
  if (!local) {
    await replicas.settled();
    local = replicas.replica(topic, partition);
    if (!local && replicas.isOffline(topic, partition)) return { replica: undefined, errorCode: ErrorCode.KAFKA_STORAGE_ERROR };
    if (!local) return { replica: undefined, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
  }
  return checkEpoch(local, currentLeaderEpoch) ?? { replica: local, errorCode: 0 };
}

/** The same, without waiting: for handlers that must enqueue work before their first await. */
export function leaderForNow(
  view: ClusterView,
  replicas: ReplicaManager,
  brokerId: number,
  topic: string,
  partition: number,
  currentLeaderEpoch = -1,
): LeaderLookup | undefined {
  const local = replicas.replica(topic, partition);
  return local ? lookup(view, local, brokerId, topic, partition, currentLeaderEpoch) : undefined;
}

function lookup(
  view: ClusterView,
  replica: PartitionReplica,
  brokerId: number,
  topic: string,
  partition: number,
  currentLeaderEpoch: number,
): LeaderLookup | undefined {
  const info = view.partition(topic, partition);
  if (!info || info.leaderId !== brokerId) return undefined;
  return checkEpoch(replica, currentLeaderEpoch) ?? { replica, errorCode: 0 };
}

/** KIP-320: a client's leader epoch older (FENCED_LEADER_EPOCH) or newer (UNKNOWN_LEADER_EPOCH) than the replica's; -1 skips the check. */
function checkEpoch(replica: PartitionReplica, currentLeaderEpoch: number): LeaderLookup | undefined {
  if (currentLeaderEpoch === -1) return undefined;
  if (currentLeaderEpoch < replica.leaderEpoch) return { replica: undefined, errorCode: ErrorCode.FENCED_LEADER_EPOCH };
  if (currentLeaderEpoch > replica.leaderEpoch) return { replica: undefined, errorCode: ErrorCode.UNKNOWN_LEADER_EPOCH };
  return undefined;
}

/** For `.catch`: a disk error becomes undefined (the handler answers KAFKA_STORAGE_ERROR); anything else is rethrown. */
export function storageFailure(error: unknown): undefined {
  if (error instanceof LogOfflineError) return undefined;
  throw error;
}
