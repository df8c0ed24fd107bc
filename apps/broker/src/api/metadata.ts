import { topicNameProblem, type PartitionInfo, type TopicInfo } from '@strom/contracts';
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
  return async (body: MetadataRequest, apiVersion: number, client: ClientContext): Promise<MetadataResponse> => {
    const allTopics = body.topics === null || (apiVersion === 0 && body.topics.length === 0);
    const describe: Describe = { view, listenerName: client.listenerName, apiVersion, options };
    // Kafka: DESCRIBE on a topic to see it (left out of "all topics", TOPIC_AUTHORIZATION_FAILED when
    // named), and CREATE on the cluster or the topic to have it auto-created.
    const mayDescribe = (name: string) => authorization.allowed(client, AclOperation.DESCRIBE, ResourceType.TOPIC, name);
    let topics: MetadataResponseTopic[];
    if (allTopics) {
      topics = view
        .topics()
        .filter((topic) => mayDescribe(topic.name))
        .map((topic) => describeTopic(topic, describe));
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
      if (missing.length > 0 && allowCreate) {
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
        return describeRequested(describe, entry.name, entry.topicId);
      });
      // Kafka lists the ids it does not know first (KafkaApis: unknownTopicIds ++ the rest).
      topics = [
        ...topics.filter((topic) => topic.errorCode === ErrorCode.UNKNOWN_TOPIC_ID),
        ...topics.filter((topic) => topic.errorCode !== ErrorCode.UNKNOWN_TOPIC_ID),
      ];
    }
    if (apiVersion >= AUTHORIZED_OPERATIONS_MIN_VERSION && body.includeTopicAuthorizedOperations) {
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
      body.includeClusterAuthorizedOperations;
    return createMetadataResponse({
      // Kafka's getAliveBrokerNodes(listenerName): each broker at its endpoint for the client's listener.
      brokers: view
        .brokerNodes(client.listenerName)
        .map((node) => createMetadataResponseBroker({ nodeId: node.id, host: node.host, port: node.port, rack: node.rack })),
      clusterId: view.clusterId,
      controllerId: view.controllerId,
      topics,
      clusterAuthorizedOperations: clusterOperationsAsked
        ? authorization.clusterAuthorizedOperations(client)
        : AUTHORIZED_OPERATIONS_OMITTED,
    });
  };
}

/** What describing a topic needs: the view, and the listener and version of the request. */
export interface Describe {
  readonly view: ClusterView;
  readonly listenerName: string;
  readonly apiVersion: number;
  readonly options: MetadataHandlerOptions;
}

function describeRequested(describe: Describe, name: string | null, topicId: string): MetadataResponseTopic {
  const view = describe.view;
  if (name === null) {
    const byId = topicId === ZERO_UUID ? undefined : view.topicById(topicId);
    return byId
      ? describeTopic(byId, describe)
      : createMetadataResponseTopic({ errorCode: ErrorCode.UNKNOWN_TOPIC_ID, name: null, topicId });
  }
  if (topicNameProblem(name) !== undefined) return createMetadataResponseTopic({ errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, name });
  const topic = view.topicByName(name);
  return topic ? describeTopic(topic, describe) : createMetadataResponseTopic({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name });
}

/**
 * A replica in an offline log directory is listed in offline_replicas, as Kafka lists it. The
 * partition error stays NONE while its leader serves reads: Kafka never sets KAFKA_STORAGE_ERROR
 * here, and kafkajs and @platformatic/kafka reject a whole Metadata response with any partition
 * error, which would make the records an offline log still serves unreadable to them.
 */
function describeTopic(topic: TopicInfo, describe: Describe): MetadataResponseTopic {
  return createMetadataResponseTopic({
    name: topic.name,
    topicId: topic.id,
    isInternal: topic.internal,
    topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
    partitions: topic.partitions.map((partition) => describePartition(topic.name, partition, describe)),
  });
}

/**
 * Kafka's KRaftMetadataCache.getPartitionMetadata for the client's listener: a leader that is not
 * registered is LEADER_NOT_AVAILABLE; one registered without the listener is LISTENER_NOT_FOUND
 * from v6 (LEADER_NOT_AVAILABLE before), both with leader -1. A replica is offline when its broker
 * is missing, fenced or lacks the listener, or its log directory is offline. Only v0 leaves the
 * replicas that are not reachable on the listener out of the lists, with REPLICA_NOT_AVAILABLE.
 */
export function describePartition(topicName: string, partition: PartitionInfo, describe: Describe) {
  const { view, listenerName, apiVersion, options } = describe;
  const reachable = (id: number) => {
    const broker = view.broker(id);
    return broker !== undefined && !broker.fenced && view.brokerNode(id, listenerName) !== undefined;
  };
  const localOffline = options.offlineReplicas?.(topicName, partition.partitionIndex) ?? [];
  const offlineReplicas = partition.replicas.filter((id) => !reachable(id) || localOffline.includes(id));
  const filterUnreachable = apiVersion === 0;
  const replicaNodes = filterUnreachable ? partition.replicas.filter(reachable) : partition.replicas;
  const isrNodes = filterUnreachable ? partition.isr.filter(reachable) : partition.isr;
  const common = { partitionIndex: partition.partitionIndex, leaderEpoch: partition.leaderEpoch, replicaNodes, isrNodes, offlineReplicas };
  if (partition.leaderId === -1 || view.brokerNode(partition.leaderId, listenerName) === undefined) {
    const listenerMissing = partition.leaderId !== -1 && view.broker(partition.leaderId) !== undefined;
    const errorCode = listenerMissing && apiVersion >= 6 ? ErrorCode.LISTENER_NOT_FOUND : ErrorCode.LEADER_NOT_AVAILABLE;
    return createMetadataResponsePartition({ ...common, errorCode, leaderId: -1 });
  }
  const missing = replicaNodes.length < partition.replicas.length || isrNodes.length < partition.isr.length;
  return createMetadataResponsePartition({
    ...common,
    errorCode: missing ? ErrorCode.REPLICA_NOT_AVAILABLE : ErrorCode.NONE,
    leaderId: partition.leaderId,
  });
}
