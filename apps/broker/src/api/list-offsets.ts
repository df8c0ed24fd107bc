import { ErrorCode } from '@strom/errors';
import {
  createListOffsetsResponse,
  createListOffsetsResponseListOffsetsPartitionResponse,
  createListOffsetsResponseListOffsetsTopicResponse,
  type ListOffsetsRequest,
  type ListOffsetsResponse,
} from '@strom/protocol';
import type { ListOffsetsSpec } from '@strom/storage';
import type { ClusterView } from '../cluster/cluster-view.js';
import type { ClientContext } from '../network/request-handler.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { ALLOW_ALL, type RequestAuthorizer } from '../security/request-authorizer.js';
import type { ReplicaManager } from '../replica/replica-manager.js';
import { leaderFor, storageFailure } from './leadership.js';

/** Kafka's special ListOffsets timestamps. */
const LATEST = -1n;
const EARLIEST = -2n;
const MAX_TIMESTAMP = -3n;
const EARLIEST_LOCAL = -4n;
const LATEST_TIERED = -5n;
/** KIP-1023, ListOffsets v11: the first offset not yet uploaded to tiered storage. */
const EARLIEST_PENDING_UPLOAD = -6n;
const EARLIEST_PENDING_UPLOAD_MIN_VERSION = 11;
const READ_COMMITTED = 1;

/** ListOffsets: earliest, latest (high watermark, or LSO under read_committed), max timestamp, by time. */
export function handleListOffsets(
  view: ClusterView,
  replicas: ReplicaManager,
  brokerId: number,
  authorization: RequestAuthorizer = ALLOW_ALL,
) {
  return async (body: ListOffsetsRequest, apiVersion: number, client?: ClientContext): Promise<ListOffsetsResponse> =>
    createListOffsetsResponse({
      topics: await Promise.all(
        body.topics.map(async (topic) => {
          // Kafka: DESCRIBE on the topic.
          const denied = client !== undefined && !authorization.allowed(client, AclOperation.DESCRIBE, ResourceType.TOPIC, topic.name);
          return createListOffsetsResponseListOffsetsTopicResponse({
            name: topic.name,
            partitions: await Promise.all(
              topic.partitions.map(async (partition) => {
                const answer = (errorCode: ErrorCode, offset = -1n, timestamp = -1n, leaderEpoch = -1) =>
                  createListOffsetsResponseListOffsetsPartitionResponse({
                    partitionIndex: partition.partitionIndex,
                    errorCode,
                    ...(apiVersion >= 1 ? { offset, timestamp } : {}),
                    ...(apiVersion >= 4 ? { leaderEpoch } : {}),
                  });
                if (denied) return answer(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
                const found = await leaderFor(view, replicas, brokerId, topic.name, partition.partitionIndex, partition.currentLeaderEpoch);
                if (!found.replica) return answer(found.errorCode);
                const replica = found.replica;
                const requested = partition.timestamp;
                if (requested === LATEST) {
                  const end = body.isolationLevel === READ_COMMITTED ? replica.lastStableOffset : replica.highWatermark;
                  return answer(ErrorCode.NONE, BigInt(end), -1n, replica.leaderEpoch);
                }
                // No tiered storage: nothing is tiered, nothing pends upload (Kafka's answer too).
                if (requested === LATEST_TIERED) return answer(ErrorCode.NONE, -1n, -1n, -1);
                if (requested === EARLIEST_PENDING_UPLOAD) {
                  return apiVersion >= EARLIEST_PENDING_UPLOAD_MIN_VERSION
                    ? answer(ErrorCode.NONE, -1n, -1n, -1)
                    : answer(ErrorCode.UNSUPPORTED_VERSION);
                }
                const spec: ListOffsetsSpec =
                  requested === EARLIEST || requested === EARLIEST_LOCAL
                    ? 'earliest'
                    : requested === MAX_TIMESTAMP
                      ? 'max-timestamp'
                      : { timestampMs: Number(requested) };
                if (typeof spec === 'object' && requested < 0n) return answer(ErrorCode.UNSUPPORTED_VERSION);
                const result = await replica.storage.listOffset(spec).catch(storageFailure);
                if (result === undefined) return answer(ErrorCode.KAFKA_STORAGE_ERROR);
                if (!result) return answer(ErrorCode.NONE, -1n, -1n, -1);
                const epoch =
                  replica.storage
                    .epochEntries()
                    .filter((entry) => entry.startOffset <= result.offset)
                    .at(-1)?.epoch ?? replica.leaderEpoch;
                return answer(ErrorCode.NONE, BigInt(result.offset), BigInt(result.timestamp), epoch);
              }),
            ),
          });
        }),
      ),
    });
}
