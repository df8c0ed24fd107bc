import { errorByCode, ErrorCode } from '@strom/errors';
import {
  createDeleteRecordsResponse,
  createDescribeClusterResponse,
  createDescribeProducersResponse,
  createOffsetForLeaderEpochResponse,
  type DeleteRecordsRequest,
  type DeleteRecordsResponse,
  type DescribeClusterRequest,
  type DescribeClusterResponse,
  type DescribeProducersRequest,
  type DescribeProducersResponse,
  type OffsetForLeaderEpochRequest,
  type OffsetForLeaderEpochResponse,
} from '@strom/protocol';
import type { ClusterView } from '../cluster/cluster-view.js';
import type { ClientContext } from '../network/request-handler.js';
import type { ReplicaManager } from '../replica/replica-manager.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { ALLOW_ALL, AUTHORIZED_OPERATIONS_OMITTED, type RequestAuthorizer } from '../security/request-authorizer.js';
import { leaderFor, storageFailure } from './leadership.js';

/** DeleteRecords: -1 means "up to the high watermark". */
const HIGH_WATERMARK = -1n;

/**
 * OffsetForLeaderEpoch: the end offset of the largest epoch ≤ the one asked for (KIP-101/279).
 * Kafka: CLUSTER_ACTION on the cluster (replicas), else DESCRIBE on each topic (consumers,
 * KIP-320); a denied topic's partitions get TOPIC_AUTHORIZATION_FAILED.
 */
export function handleOffsetForLeaderEpoch(
  view: ClusterView,
  replicas: ReplicaManager,
  brokerId: number,
  authorization: RequestAuthorizer = ALLOW_ALL,
) {
  return async (body: OffsetForLeaderEpochRequest, _apiVersion?: number, client?: ClientContext): Promise<OffsetForLeaderEpochResponse> => {
    const replica = client === undefined || authorization.allowedOnCluster(client, AclOperation.CLUSTER_ACTION);
    const denied = (topic: string) => !replica && !authorization.allowed(client!, AclOperation.DESCRIBE, ResourceType.TOPIC, topic);
    return createOffsetForLeaderEpochResponse({
      topics: await Promise.all(
        body.topics.map(async (topic) => ({
          topic: topic.topic,
          partitions: await Promise.all(
            topic.partitions.map(async (partition) => {
              if (denied(topic.topic))
                return { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, partition: partition.partition, leaderEpoch: -1, endOffset: -1n };
              const found = await leaderFor(view, replicas, brokerId, topic.topic, partition.partition, partition.currentLeaderEpoch);
              if (!found.replica) return { errorCode: found.errorCode, partition: partition.partition, leaderEpoch: -1, endOffset: -1n };
              const end = found.replica.storage.endOffsetForEpoch(partition.leaderEpoch);
              return {
                errorCode: ErrorCode.NONE,
                partition: partition.partition,
                leaderEpoch: end.leaderEpoch,
                endOffset: BigInt(end.endOffset),
              };
            }),
          ),
        })),
      ),
    });
  };
}

/**
 * DeleteRecords: advances each partition's log start offset, never past the high watermark.
 * Kafka: DELETE on the topic, else TOPIC_AUTHORIZATION_FAILED on each of its partitions.
 */
export function handleDeleteRecords(
  view: ClusterView,
  replicas: ReplicaManager,
  brokerId: number,
  authorization: RequestAuthorizer = ALLOW_ALL,
) {
  return async (body: DeleteRecordsRequest, _apiVersion?: number, client?: ClientContext): Promise<DeleteRecordsResponse> =>
    createDeleteRecordsResponse({
      topics: await Promise.all(
        body.topics.map(async (topic) => ({
          name: topic.name,
          partitions: await Promise.all(
            topic.partitions.map(async (partition) => {
              if (client && !authorization.allowed(client, AclOperation.DELETE, ResourceType.TOPIC, topic.name))
                return { partitionIndex: partition.partitionIndex, lowWatermark: -1n, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED };
              const found = await leaderFor(view, replicas, brokerId, topic.name, partition.partitionIndex);
              if (!found.replica) return { partitionIndex: partition.partitionIndex, lowWatermark: -1n, errorCode: found.errorCode };
              const replica = found.replica;
              const target = partition.offset === HIGH_WATERMARK ? replica.highWatermark : Number(partition.offset);
              if (target < 0 || target > replica.highWatermark)
                return { partitionIndex: partition.partitionIndex, lowWatermark: -1n, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE };
              const lowWatermark = await replica.exclusive((log) => log.deleteRecordsBefore(target)).catch(storageFailure);
              if (lowWatermark === undefined)
                return { partitionIndex: partition.partitionIndex, lowWatermark: -1n, errorCode: ErrorCode.KAFKA_STORAGE_ERROR };
              return { partitionIndex: partition.partitionIndex, lowWatermark: BigInt(lowWatermark), errorCode: ErrorCode.NONE };
            }),
          ),
        })),
      ),
    });
}

/**
 * DescribeCluster: the registered brokers at their endpoints for the client's listener (a broker
 * without that listener is left out), the cluster id and the controller. Kafka's broker
 * answers it without an authorization check; the cluster's authorized operations, when asked
 * for, need DESCRIBE on the cluster (0 without).
 */
export function handleDescribeCluster(view: ClusterView, authorization: RequestAuthorizer = ALLOW_ALL) {
  return (body: DescribeClusterRequest, apiVersion: number, client: ClientContext): DescribeClusterResponse => {
    if (apiVersion >= 1 && body.endpointType !== 1) {
      return createDescribeClusterResponse({
        errorCode: ErrorCode.UNSUPPORTED_ENDPOINT_TYPE,
        errorMessage: `Unsupported endpoint type ${body.endpointType}`,
        endpointType: body.endpointType,
      });
    }
    return createDescribeClusterResponse({
      ...(apiVersion >= 1 ? { endpointType: 1 } : {}),
      clusterId: view.clusterId,
      controllerId: view.controllerId,
      // v2 (KIP-1073) may ask for the fenced brokers too, flagged as such.
      brokers: view.brokerNodes(client.listenerName, { includeFenced: apiVersion >= 2 && body.includeFencedBrokers }).map((node) => ({
        brokerId: node.id,
        host: node.host,
        port: node.port,
        rack: node.rack,
        isFenced: node.fenced,
      })),
      clusterAuthorizedOperations: body.includeClusterAuthorizedOperations
        ? authorization.clusterAuthorizedOperations(client)
        : AUTHORIZED_OPERATIONS_OMITTED,
    });
  };
}

/**
 * DescribeProducers: the idempotent/transactional producers each partition's log knows. Kafka:
 * READ on the topic, else TOPIC_AUTHORIZATION_FAILED (with its message) on each partition.
 */
export function handleDescribeProducers(
  view: ClusterView,
  replicas: ReplicaManager,
  brokerId: number,
  authorization: RequestAuthorizer = ALLOW_ALL,
) {
  return async (body: DescribeProducersRequest, _apiVersion?: number, client?: ClientContext): Promise<DescribeProducersResponse> =>
    createDescribeProducersResponse({
      topics: await Promise.all(
        body.topics.map(async (topic) => ({
          name: topic.name,
          partitions: await Promise.all(
            topic.partitionIndexes.map(async (partitionIndex) => {
              if (client && !authorization.allowed(client, AclOperation.READ, ResourceType.TOPIC, topic.name)) {
                return {
                  partitionIndex,
                  errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
                  errorMessage: errorByCode(ErrorCode.TOPIC_AUTHORIZATION_FAILED)!.message,
                  activeProducers: [],
                };
              }
              const found = await leaderFor(view, replicas, brokerId, topic.name, partitionIndex);
              if (!found.replica) return { partitionIndex, errorCode: found.errorCode, errorMessage: null, activeProducers: [] };
              return {
                partitionIndex,
                errorCode: ErrorCode.NONE,
                errorMessage: null,
                activeProducers: found.replica.storage.producerStates().map((entry) => {
                  const last = entry.batches.at(-1);
                  return {
                    producerId: entry.producerId,
                    producerEpoch: entry.epoch,
                    lastSequence: last?.lastSequence ?? -1,
                    lastTimestamp: BigInt(last?.maxTimestamp ?? -1),
                    coordinatorEpoch: entry.coordinatorEpoch,
                    currentTxnStartOffset: BigInt(entry.currentTxnFirstOffset),
                  };
                }),
              };
            }),
          ),
        })),
      ),
    });
}
