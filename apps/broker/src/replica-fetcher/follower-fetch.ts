import { ErrorCode } from '@strom/errors';
import {
  createFetchRequest,
  createFetchRequestFetchPartition,
  createFetchRequestFetchTopic,
  createFetchRequestReplicaState,
  type FetchRequest,
  type FetchResponsePartitionData,
} from '@strom/protocol';
import type { EpochEndOffset } from '@strom/replication';

/** Fetch v12 brings `last_fetched_epoch` and `diverging_epoch` (KIP-595): a follower needs them to truncate without OffsetsForLeaderEpoch. */
export const MIN_FOLLOWER_FETCH_VERSION = 12;
/** Fetch v15 carries the follower's id and broker epoch in `replica_state` (KIP-903) instead of `replica_id`. */
const REPLICA_STATE_MIN_VERSION = 15;
/** Fetch v13 names topics by id. */
const TOPIC_ID_MIN_VERSION = 13;
/** Kafka's FetchMetadata.LEGACY: no fetch session, every request names every partition. */
const SESSIONLESS = { sessionId: 0, sessionEpoch: -1 };

/** The replica.fetch.* settings and who is fetching (Kafka's ReplicaFetcherThread). */
export interface FollowerFetchSettings {
  /** This broker's id and the broker epoch it registered with. */
  brokerId: number;
  brokerEpoch: bigint;
  /** replica.fetch.wait.max.ms */
  maxWaitMs: number;
  /** replica.fetch.min.bytes */
  minBytes: number;
  /** replica.fetch.response.max.bytes */
  maxBytes: number;
  /** replica.fetch.max.bytes */
  partitionMaxBytes: number;
}

/** One partition a follower fetches, from its log's state. */
export interface FollowerFetchPosition {
  topic: string;
  topicId: string;
  partition: number;
  /** The follower's log end offset. */
  fetchOffset: number;
  logStartOffset: number;
  /** The leader epoch the follower knows the leader by (FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH otherwise). */
  currentLeaderEpoch: number;
  /** The epoch of the follower's last record, -1 if none. */
  lastFetchedEpoch: number;
}

/**
 * A follower's Fetch (Kafka's `ReplicaFetcherThread.buildFetch`, without an incremental session):
 * its id (and from v15 its broker epoch) mark it as a replica, so the leader reads up to its log
 * end and counts the fetch offset as the follower's position.
 */
export function followerFetchRequest(
  settings: FollowerFetchSettings,
  positions: readonly FollowerFetchPosition[],
  apiVersion: number,
): FetchRequest {
  if (apiVersion < MIN_FOLLOWER_FETCH_VERSION)
    throw new RangeError(`a follower needs Fetch v${MIN_FOLLOWER_FETCH_VERSION}+, not v${apiVersion}`);
  const byTopic = new Map<string, FollowerFetchPosition[]>();
  for (const position of positions) {
    const list = byTopic.get(position.topicId);
    if (list) list.push(position);
    else byTopic.set(position.topicId, [position]);
  }
  const usesTopicIds = apiVersion >= TOPIC_ID_MIN_VERSION;
  const replicaState = apiVersion >= REPLICA_STATE_MIN_VERSION;
  return createFetchRequest({
    replicaId: replicaState ? -1 : settings.brokerId,
    replicaState: createFetchRequestReplicaState(replicaState ? { replicaId: settings.brokerId, replicaEpoch: settings.brokerEpoch } : {}),
    maxWaitMs: settings.maxWaitMs,
    minBytes: settings.minBytes,
    maxBytes: settings.maxBytes,
    isolationLevel: 0,
    ...SESSIONLESS,
    topics: [...byTopic.values()].map((list) =>
      createFetchRequestFetchTopic({
        ...(usesTopicIds ? { topicId: list[0]!.topicId } : { topic: list[0]!.topic }),
        partitions: list.map((position) =>
          createFetchRequestFetchPartition({
            partition: position.partition,
            currentLeaderEpoch: position.currentLeaderEpoch,
            fetchOffset: BigInt(position.fetchOffset),
            lastFetchedEpoch: position.lastFetchedEpoch,
            logStartOffset: BigInt(position.logStartOffset),
            partitionMaxBytes: settings.partitionMaxBytes,
          }),
        ),
      }),
    ),
    forgottenTopicsData: [],
    rackId: '',
  });
}

/** What a follower does with its leader's answer for one partition (Kafka's `processFetchRequest`). */
export type FollowerAction =
  /** Append the records (possibly none) as they are; take the leader's high watermark. */
  | { kind: 'append'; records: Buffer; highWatermark: number }
  /** The follower's log diverged: truncate it (with `truncationPoint`) before fetching on. */
  | { kind: 'diverging'; leaderEndOffset: EpochEndOffset }
  /** The leader does not have the fetch offset (any more). */
  | { kind: 'out-of-range'; leaderLogStartOffset: number; leaderHighWatermark: number }
  /** Leadership moved, the topic went away, or the leader failed: back off until newer metadata or the backoff. */
  | { kind: 'back-off'; errorCode: ErrorCode };

export function followerAction(data: FetchResponsePartitionData): FollowerAction {
  switch (data.errorCode as ErrorCode) {
    case ErrorCode.NONE:
      if (data.divergingEpoch.epoch >= 0) {
        return {
          kind: 'diverging',
          leaderEndOffset: { leaderEpoch: data.divergingEpoch.epoch, endOffset: Number(data.divergingEpoch.endOffset) },
        };
      }
      return { kind: 'append', records: data.records ?? Buffer.alloc(0), highWatermark: Number(data.highWatermark) };
    case ErrorCode.OFFSET_OUT_OF_RANGE:
      return { kind: 'out-of-range', leaderLogStartOffset: Number(data.logStartOffset), leaderHighWatermark: Number(data.highWatermark) };
    default:
      return { kind: 'back-off', errorCode: data.errorCode as ErrorCode };
  }
}
