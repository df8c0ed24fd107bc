import { ErrorCode } from '@strom/errors';
import {
  ApiKey,
  createCreatePartitionsRequest,
  createCreateTopicsRequest,
  createCreateTopicsRequestCreatableTopic,
  createDeleteTopicsRequest,
  createDeleteTopicsRequestDeleteTopicState,
  type MetadataResponseTopic,
  ZERO_UUID,
} from '@strom/protocol';
import { clusterScope } from './cluster-routes.js';
import type { ClusterClient } from './cluster-client.js';
import { kafkaRestError, throwIfKafkaError } from './errors.js';
import type { Links } from './links.js';
import type { Route } from './route.js';

/** How long CreateTopics, DeleteTopics and CreatePartitions may take on the controller. */
const TOPIC_ADMIN_TIMEOUT_MS = 30_000;

interface CreateTopicBody {
  topic_name: string;
  partitions_count?: number;
  replication_factor?: number;
  replicas_assignments?: Record<string, number[]>;
  configs?: { name: string; value?: string | null }[];
  validate_only?: boolean;
}

export function topicData(links: Links, name: string, isInternal: boolean, partitionsCount: number, replicationFactor: number) {
  return {
    ...links.resource('KafkaTopic', ['topics', name], [['topic', name]]),
    cluster_id: links.clusterId,
    topic_name: name,
    is_internal: isInternal,
    replication_factor: replicationFactor,
    partitions_count: partitionsCount,
    partitions: links.related('topics', name, 'partitions'),
    configs: links.related('topics', name, 'configs'),
    partition_reassignments: links.related('topics', name, 'partitions', '-', 'reassignment'),
  };
}

function fromMetadata(links: Links, topic: MetadataResponseTopic) {
  return topicData(links, topic.name!, topic.isInternal, topic.partitions.length, topic.partitions[0]?.replicaNodes.length ?? 0);
}

/** The topic's metadata, or v3's 404 (40403) when there is no such topic. */
export async function describeTopic(client: ClusterClient, name: string): Promise<MetadataResponseTopic> {
  const topic = (await client.metadata([name])).topics[0];
  if (!topic) throw kafkaRestError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  throwIfKafkaError(topic.errorCode);
  return topic;
}

export const TOPIC_ROUTES: readonly Route[] = [
  {
    method: 'get',
    path: '/clusters/{cluster_id}/topics',
    operationId: 'listKafkaTopics',
    summary: 'List Topics',
    tag: 'Topic (v3)',
    responses: { 200: 'TopicDataList' },
    async handle(context) {
      const { links, client } = await clusterScope(context);
      const topics = [...(await client.metadata(null)).topics].sort((a, b) => a.name!.localeCompare(b.name!));
      return {
        status: 200,
        body: links.list(
          'KafkaTopicList',
          ['topics'],
          topics.map((topic) => fromMetadata(links, topic)),
        ),
      };
    },
  },
  {
    method: 'post',
    path: '/clusters/{cluster_id}/topics',
    operationId: 'createKafkaTopic',
    summary: 'Create Topic',
    tag: 'Topic (v3)',
    requestBody: 'CreateTopicRequestData',
    responses: { 200: 'TopicData', 201: 'TopicData' },
    async handle(context) {
      const { links, client } = await clusterScope(context);
      const body = context.body as CreateTopicBody;
      const assignments = Object.entries(body.replicas_assignments ?? {}).map(([partition, brokerIds]) => ({
        partitionIndex: Number(partition),
        brokerIds,
      }));
      const response = await client.request(
        ApiKey.CreateTopics,
        createCreateTopicsRequest({
          topics: [
            createCreateTopicsRequestCreatableTopic({
              name: body.topic_name,
              numPartitions: assignments.length > 0 ? -1 : (body.partitions_count ?? -1),
              replicationFactor: assignments.length > 0 ? -1 : (body.replication_factor ?? -1),
              assignments,
              configs: (body.configs ?? []).map((config) => ({ name: config.name, value: config.value ?? null })),
            }),
          ],
          timeoutMs: TOPIC_ADMIN_TIMEOUT_MS,
          validateOnly: body.validate_only ?? false,
        }),
      );
      const result = response.topics[0]!;
      throwIfKafkaError(result.errorCode, result.errorMessage);
      const partitions = result.numPartitions > 0 ? result.numPartitions : assignments.length || (body.partitions_count ?? 0);
      const replication =
        result.replicationFactor > 0 ? result.replicationFactor : (assignments[0]?.brokerIds.length ?? body.replication_factor ?? 0);
      return { status: body.validate_only ? 200 : 201, body: topicData(links, body.topic_name, false, partitions, replication) };
    },
  },
  {
    method: 'get',
    path: '/clusters/{cluster_id}/topics/{topic_name}',
    operationId: 'getKafkaTopic',
    summary: 'Get Topic',
    tag: 'Topic (v3)',
    responses: { 200: 'TopicData' },
    async handle(context) {
      const { links, client } = await clusterScope(context);
      return { status: 200, body: fromMetadata(links, await describeTopic(client, context.params.topic_name!)) };
    },
  },
  {
    method: 'patch',
    path: '/clusters/{cluster_id}/topics/{topic_name}',
    operationId: 'updatePartitionCountKafkaTopic',
    summary: 'Update Partition Count',
    tag: 'Topic (v3)',
    requestBody: 'UpdatePartitionCountRequestData',
    responses: { 200: 'TopicData' },
    async handle(context) {
      const { links, client } = await clusterScope(context);
      const name = context.params.topic_name!;
      const { partitions_count: count } = context.body as { partitions_count: number };
      const response = await client.request(
        ApiKey.CreatePartitions,
        createCreatePartitionsRequest({
          topics: [{ name, count, assignments: null }],
          timeoutMs: TOPIC_ADMIN_TIMEOUT_MS,
          validateOnly: false,
        }),
      );
      const result = response.results[0]!;
      throwIfKafkaError(result.errorCode, result.errorMessage);
      return { status: 200, body: fromMetadata(links, await describeTopic(client, name)) };
    },
  },
  {
    method: 'delete',
    path: '/clusters/{cluster_id}/topics/{topic_name}',
    operationId: 'deleteKafkaTopic',
    summary: 'Delete Topic',
    tag: 'Topic (v3)',
    responses: { 204: null },
    async handle(context) {
      const { client } = await clusterScope(context);
      const name = context.params.topic_name!;
      const response = await client.request(ApiKey.DeleteTopics, (apiVersion) =>
        createDeleteTopicsRequest({
          ...(apiVersion >= 6
            ? { topics: [createDeleteTopicsRequestDeleteTopicState({ name, topicId: ZERO_UUID })] }
            : { topicNames: [name] }),
          timeoutMs: TOPIC_ADMIN_TIMEOUT_MS,
        }),
      );
      const result = response.responses[0]!;
      throwIfKafkaError(result.errorCode, result.errorMessage);
      return { status: 204 };
    },
  },
];
