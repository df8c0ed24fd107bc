import {
  createCreatePartitionsResponse,
  createCreateTopicsResponse,
  createCreateTopicsResponseCreatableTopicResult,
  createDeleteTopicsResponse,
  createDeleteTopicsResponseDeletableTopicResult,
  ZERO_UUID,
  type CreatePartitionsRequest,
  type CreatePartitionsResponse,
  type CreateTopicsRequest,
  type CreateTopicsResponse,
  type DeleteTopicsRequest,
  type DeleteTopicsResponse,
} from '@strom/protocol';
import type { MetadataClient } from '../cluster/metadata-client.js';

/** Kafka's DescribeConfigs source code for a topic override (DYNAMIC_TOPIC_CONFIG). */
const CONFIG_SOURCE_DYNAMIC_TOPIC = 1;

/** CreateTopics: forwarded to the metadata service, which checks and creates (or validates only). */
export function handleCreateTopics(metadata: MetadataClient) {
  return async (body: CreateTopicsRequest, apiVersion: number): Promise<CreateTopicsResponse> => {
    const reply = await metadata.createTopics({
      validateOnly: body.validateOnly,
      topics: body.topics.map((topic) => ({
        name: topic.name,
        numPartitions: topic.numPartitions,
        replicationFactor: topic.replicationFactor,
        assignments: topic.assignments.map((assignment) => ({
          partitionIndex: assignment.partitionIndex,
          brokerIds: assignment.brokerIds,
        })),
        configs: Object.fromEntries(topic.configs.map((config) => [config.name, config.value])),
      })),
    });
    return createCreateTopicsResponse({
      topics: reply.results.map((result) =>
        createCreateTopicsResponseCreatableTopicResult({
          name: result.name,
          topicId: result.topicId ?? ZERO_UUID,
          errorCode: result.errorCode,
          errorMessage: apiVersion >= 1 ? result.errorMessage : null,
          numPartitions: result.numPartitions,
          replicationFactor: result.replicationFactor,
          configs:
            result.errorCode === 0
              ? Object.entries(result.configs).map(([name, value]) => ({
                  name,
                  value,
                  readOnly: false,
                  configSource: CONFIG_SOURCE_DYNAMIC_TOPIC,
                  isSensitive: false,
                }))
              : null,
        }),
      ),
    });
  };
}

/** DeleteTopics, by name (v0-5) or by name or id (v6+). */
export function handleDeleteTopics(metadata: MetadataClient) {
  return async (body: DeleteTopicsRequest, apiVersion: number): Promise<DeleteTopicsResponse> => {
    const entries =
      apiVersion >= 6
        ? body.topics.map((topic) => ({ name: topic.name, topicId: topic.topicId === ZERO_UUID ? null : topic.topicId }))
        : body.topicNames.map((name) => ({ name, topicId: null }));
    const reply = await metadata.deleteTopics({ topics: entries });
    return createDeleteTopicsResponse({
      responses: reply.results.map((result) =>
        createDeleteTopicsResponseDeletableTopicResult({
          name: result.name,
          topicId: result.topicId ?? ZERO_UUID,
          errorCode: result.errorCode,
          errorMessage: apiVersion >= 5 ? result.errorMessage : null,
        }),
      ),
    });
  };
}

/** CreatePartitions: forwarded to the metadata service (Kafka's checks there). */
export function handleCreatePartitions(metadata: MetadataClient) {
  return async (body: CreatePartitionsRequest): Promise<CreatePartitionsResponse> => {
    const reply = await metadata.createPartitions({
      validateOnly: body.validateOnly,
      topics: body.topics.map((topic) => ({
        name: topic.name,
        count: topic.count,
        assignments: topic.assignments?.map((assignment) => assignment.brokerIds) ?? null,
      })),
    });
    return createCreatePartitionsResponse({ results: reply.results.map((result) => ({ ...result })) });
  };
}
