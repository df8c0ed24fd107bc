import { topicNameProblem, type TopicInfo } from '@strom/contracts';
import { ErrorCode } from '@strom/errors';
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
import { OFFSETS_TOPIC, type OffsetsTopic } from '../cluster/offsets-topic.js';
import type { ClientContext } from '../network/request-handler.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { ALLOW_ALL, AUTHORIZED_OPERATIONS_OMITTED, type RequestAuthorizer } from '../security/request-authorizer.js';

export interface MetadataHandlerOptions {
  autoCreateTopicsEnable: boolean;
  /** Creates __consumer_offsets when a Metadata request names it (Kafka's AutoTopicCreationManager does). */
  offsetsTopic?: OffsetsTopic;
  /** Replicas of a partition whose log directory is offline (offline_replicas); none by default. */
  offlineReplicas?: (topic: string, partition: number) => number[];
}

/** Metadata v8 added the authorized-operations fields; from v11 the cluster's moved to DescribeCluster. */
const AUTHORIZED_OPERATIONS_MIN_VERSION = 8;
const CLUSTER_AUTHORIZED_OPERATIONS_MAX_VERSION = 10;

/**
 * Metadata: brokers, cluster id, controller, and the requested topics (all of them for a null
 * list, or an empty list at v0). Unknown topics are auto-created when the client allows it and
 * auto.create.topics.enable is on, and are then returned already (creation is synchronous here).
 */
export function handleMetadata(
  view: ClusterView,
  metadata: MetadataClient,
  options: MetadataHandlerOptions,
  authorization: RequestAuthorizer = ALLOW_ALL,
) {
  return async (body: MetadataRequest, apiVersion: number, client?: ClientContext): Promise<MetadataResponse> => {
    const allTopics = body.topics === null || (apiVersion === 0 && body.topics.length === 0);
    // Kafka: DESCRIBE on a topic to see it (left out of "all topics", TOPIC_AUTHORIZATION_FAILED when
    // named), and CREATE on the cluster or the topic to have it auto-created.
    const mayDescribe = (name: string) => !client || authorization.allowed(client, AclOperation.DESCRIBE, ResourceType.TOPIC, name);
    let topics: MetadataResponseTopic[];
    if (allTopics) {
      topics = view
        .topics()
        .filter((topic) => mayDescribe(topic.name))
        .map((topic) => describeTopic(topic, options));
    } else {
      const requested = body.topics ?? [];
      const denied = new Set(requested.map((entry) => entry.name).filter((name): name is string => name !== null && !mayDescribe(name)));
      let missing = requested
        .map((entry) => entry.name)
        .filter(
          (name): name is string =>
            name !== null && !denied.has(name) && topicNameProblem(name) === undefined && view.topicByName(name) === undefined,
        );
      const allowCreate = (apiVersion < 4 || body.allowAutoTopicCreation) && options.autoCreateTopicsEnable;
      if (missing.length > 0 && allowCreate && client) {
        for (const name of missing) if (!authorization.mayCreateTopic(client, name)) denied.add(name);
        missing = missing.filter((name) => !denied.has(name));
      }
      if (allowCreate && options.offsetsTopic && missing.includes(OFFSETS_TOPIC)) {
        missing = missing.filter((name) => name !== OFFSETS_TOPIC);
        await options.offsetsTopic.ensure();
      }
      if (missing.length > 0 && allowCreate) {
        await metadata.createTopics({
          topics: [...new Set(missing)].map((name) => ({ name, numPartitions: -1, replicationFactor: -1, assignments: [], configs: {} })),
          validateOnly: false,
        });
      }
      topics = requested.map((entry) => {
        if (entry.name !== null && denied.has(entry.name)) {
          return createMetadataResponseTopic({ errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, name: entry.name, topicId: ZERO_UUID });
        }
        const byId = entry.name === null && entry.topicId !== ZERO_UUID ? view.topicById(entry.topicId) : undefined;
        if (byId && !mayDescribe(byId.name)) {
          return createMetadataResponseTopic({ errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, name: null, topicId: entry.topicId });
        }
        return describeRequested(view, entry.name, entry.topicId, options);
      });
      // Kafka lists the ids it does not know first (KafkaApis: unknownTopicIds ++ the rest).
      topics = [
        ...topics.filter((topic) => topic.errorCode === ErrorCode.UNKNOWN_TOPIC_ID),
        ...topics.filter((topic) => topic.errorCode !== ErrorCode.UNKNOWN_TOPIC_ID),
      ];
    }
    if (apiVersion >= AUTHORIZED_OPERATIONS_MIN_VERSION && body.includeTopicAuthorizedOperations && client) {
      // Kafka fills it in for the topics it looked up, not for the entries it refused or could not resolve.
      for (const topic of topics) {
        if (
          topic.name === null ||
          topic.errorCode === ErrorCode.TOPIC_AUTHORIZATION_FAILED ||
          topic.errorCode === ErrorCode.UNKNOWN_TOPIC_ID
        )
          continue;
        topic.topicAuthorizedOperations = authorization.authorizedOperations(client, ResourceType.TOPIC, topic.name);
      }
    }
    const clusterOperationsAsked =
      apiVersion >= AUTHORIZED_OPERATIONS_MIN_VERSION &&
      apiVersion <= CLUSTER_AUTHORIZED_OPERATIONS_MAX_VERSION &&
      body.includeClusterAuthorizedOperations &&
      client !== undefined;
    return createMetadataResponse({
      brokers: view
        .liveBrokers()
        .map((broker) => createMetadataResponseBroker({ nodeId: broker.id, host: broker.host, port: broker.port, rack: broker.rack })),
      clusterId: view.clusterId,
      controllerId: view.controllerId,
      topics,
      clusterAuthorizedOperations: clusterOperationsAsked
        ? authorization.clusterAuthorizedOperations(client)
        : AUTHORIZED_OPERATIONS_OMITTED,
    });
  };
}

function describeRequested(
  view: ClusterView,
  name: string | null,
  topicId: string,
  options: MetadataHandlerOptions,
): MetadataResponseTopic {
  if (name === null) {
    const byId = topicId === ZERO_UUID ? undefined : view.topicById(topicId);
    return byId
      ? describeTopic(byId, options)
      : createMetadataResponseTopic({ errorCode: ErrorCode.UNKNOWN_TOPIC_ID, name: null, topicId });
  }
  if (topicNameProblem(name) !== undefined) return createMetadataResponseTopic({ errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, name });
  const topic = view.topicByName(name);
  return topic ? describeTopic(topic, options) : createMetadataResponseTopic({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name });
}

/**
 * A replica in an offline log directory is listed in offline_replicas, as Kafka lists it. The
 * partition error stays NONE while its leader serves reads: Kafka never sets KAFKA_STORAGE_ERROR
 * here, and kafkajs and @platformatic/kafka reject a whole Metadata response with any partition
 * error, which would make the records an offline log still serves unreadable to them.
 */
function describeTopic(topic: TopicInfo, options: MetadataHandlerOptions): MetadataResponseTopic {
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
        offlineReplicas: options.offlineReplicas?.(topic.name, partition.partitionIndex) ?? [],
      }),
    ),
  });
}
