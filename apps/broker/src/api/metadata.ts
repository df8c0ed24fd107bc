import { ErrorCode } from '@strom/errors';
import type { TopicInfo } from '@strom/metadata';
import { topicNameProblem } from '@strom/metadata';
import {
  createMetadataResponse,
  createMetadataResponseBroker,
  createMetadataResponsePartition,
  createMetadataResponseTopic,
  ZERO_UUID,
  type MetadataRequest,
  type MetadataResponse,
  type MetadataResponseTopic,
} from '@strom/protocol';
import type { ClusterView } from '../cluster/cluster-view.js';
import type { MetadataClient } from '../cluster/metadata-client.js';

export interface MetadataHandlerOptions {
  autoCreateTopicsEnable: boolean;
}

/** Kafka's "not requested" value for authorized-operations fields. */
const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

/**
 * Metadata: brokers, cluster id, controller, and the requested topics (all of them for a null
 * list, or an empty list at v0). Unknown topics are auto-created when the client allows it and
 * auto.create.topics.enable is on, and are then returned already (creation is synchronous here).
 */
export function handleMetadata(view: ClusterView, metadata: MetadataClient, options: MetadataHandlerOptions) {
  return async (body: MetadataRequest, apiVersion: number): Promise<MetadataResponse> => {
    const allTopics = body.topics === null || (apiVersion === 0 && body.topics.length === 0);
    let topics: MetadataResponseTopic[];
    if (allTopics) {
      topics = view.topics().map((topic) => describeTopic(topic));
    } else {
      const requested = body.topics ?? [];
      const missing = requested
        .map((entry) => entry.name)
        .filter((name): name is string => name !== null && topicNameProblem(name) === undefined && view.topicByName(name) === undefined);
      const allowCreate = (apiVersion < 4 || body.allowAutoTopicCreation) && options.autoCreateTopicsEnable;
      if (missing.length > 0 && allowCreate) {
        await metadata.createTopics({
          topics: [...new Set(missing)].map((name) => ({ name, numPartitions: -1, replicationFactor: -1, assignments: [], configs: {} })),
          validateOnly: false,
        });
      }
      topics = requested.map((entry) => describeRequested(view, entry.name, entry.topicId));
    }
    return createMetadataResponse({
      brokers: view
        .liveBrokers()
        .map((broker) => createMetadataResponseBroker({ nodeId: broker.id, host: broker.host, port: broker.port, rack: broker.rack })),
      clusterId: view.clusterId,
      controllerId: view.controllerId,
      topics,
      clusterAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
    });
  };
}

function describeRequested(view: ClusterView, name: string | null, topicId: string): MetadataResponseTopic {
  if (name === null) {
    const byId = topicId === ZERO_UUID ? undefined : view.topicById(topicId);
    return byId ? describeTopic(byId) : createMetadataResponseTopic({ errorCode: ErrorCode.UNKNOWN_TOPIC_ID, name: null, topicId });
  }
  if (topicNameProblem(name) !== undefined) return createMetadataResponseTopic({ errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, name });
  const topic = view.topicByName(name);
  return topic ? describeTopic(topic) : createMetadataResponseTopic({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name });
}

function describeTopic(topic: TopicInfo): MetadataResponseTopic {
  return createMetadataResponseTopic({
    name: topic.name,
    topicId: topic.id,
    isInternal: topic.internal,
    topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
    partitions: topic.partitions.map((partition) =>
      createMetadataResponsePartition({
        errorCode: partition.leaderId === -1 ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.NONE,
        partitionIndex: partition.partitionIndex,
        leaderId: partition.leaderId,
        leaderEpoch: partition.leaderEpoch,
        replicaNodes: partition.replicas,
        isrNodes: partition.isr,
        offlineReplicas: [],
      }),
    ),
  });
}
