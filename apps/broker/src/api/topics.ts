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
import { ErrorCode } from '@strom/errors';
import type { MetadataClient } from '../cluster/metadata-client.js';
import type { ClientContext } from '../network/request-handler.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { ALLOW_ALL, type RequestAuthorizer } from '../security/request-authorizer.js';

/** Kafka's message for a topic the principal may not create, delete or alter. */
const AUTHORIZATION_FAILED = 'Authorization failed.';

/** Kafka's DescribeConfigs source code for a topic override (DYNAMIC_TOPIC_CONFIG). */
const CONFIG_SOURCE_DYNAMIC_TOPIC = 1;

/** CreateTopics: forwarded to the metadata service, which checks and creates (or validates only). */
export function handleCreateTopics(metadata: MetadataClient, authorization: RequestAuthorizer = ALLOW_ALL) {
  return async (body: CreateTopicsRequest, apiVersion: number, client?: ClientContext): Promise<CreateTopicsResponse> => {
    // Kafka: CREATE on the cluster or on the topic, else TOPIC_AUTHORIZATION_FAILED.
    const denied = body.topics.filter((topic) => client !== undefined && !authorization.mayCreateTopic(client, topic.name));
    const allowed = body.topics.filter((topic) => !denied.includes(topic));
    const reply =
      allowed.length === 0 && denied.length > 0
        ? { results: [] }
        : await metadata.createTopics({
            validateOnly: body.validateOnly,
            topics: allowed.map((topic) => ({
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
      topics: reply.results
        .map((result) =>
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
        )
        .concat(
          denied.map((topic) =>
            createCreateTopicsResponseCreatableTopicResult({
              name: topic.name,
              errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
              errorMessage: apiVersion >= 1 ? AUTHORIZATION_FAILED : null,
              configs: null,
            }),
          ),
        ),
    });
  };
}

/** DeleteTopics, by name (v0-5) or by name or id (v6+). */
export function handleDeleteTopics(
  metadata: MetadataClient,
  authorization: RequestAuthorizer = ALLOW_ALL,
  topicNameById: (topicId: string) => string | undefined = () => undefined,
) {
  return async (body: DeleteTopicsRequest, apiVersion: number, client?: ClientContext): Promise<DeleteTopicsResponse> => {
    const requested =
      apiVersion >= 6
        ? body.topics.map((topic) => ({ name: topic.name, topicId: topic.topicId === ZERO_UUID ? null : topic.topicId }))
        : body.topicNames.map((name) => ({ name, topicId: null }));
    // Kafka: DELETE on the topic, else TOPIC_AUTHORIZATION_FAILED.
    const deniedEntry = (entry: { name: string | null; topicId: string | null }) => {
      const name = entry.name ?? (entry.topicId === null ? undefined : topicNameById(entry.topicId));
      return client !== undefined && name !== undefined && !authorization.allowed(client, AclOperation.DELETE, ResourceType.TOPIC, name);
    };
    const denied = requested.filter(deniedEntry);
    const entries = requested.filter((entry) => !denied.includes(entry));
    const reply = entries.length === 0 && denied.length > 0 ? { results: [] } : await metadata.deleteTopics({ topics: entries });
    const results = [
      ...reply.results,
      ...denied.map((entry) => ({
        name: entry.name,
        topicId: entry.topicId,
        errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
        errorMessage: AUTHORIZATION_FAILED,
      })),
    ];
    return createDeleteTopicsResponse({
      responses: results.map((result) =>
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
export function handleCreatePartitions(metadata: MetadataClient, authorization: RequestAuthorizer = ALLOW_ALL) {
  return async (body: CreatePartitionsRequest, _apiVersion?: number, client?: ClientContext): Promise<CreatePartitionsResponse> => {
    // Kafka: ALTER on the topic, else TOPIC_AUTHORIZATION_FAILED.
    const denied = body.topics.filter(
      (topic) => client !== undefined && !authorization.allowed(client, AclOperation.ALTER, ResourceType.TOPIC, topic.name),
    );
    const allowed = body.topics.filter((topic) => !denied.includes(topic));
    const reply =
      allowed.length === 0 && denied.length > 0
        ? { results: [] }
        : await metadata.createPartitions({
            validateOnly: body.validateOnly,
            topics: allowed.map((topic) => ({
              name: topic.name,
              count: topic.count,
              assignments: topic.assignments?.map((assignment) => assignment.brokerIds) ?? null,
            })),
          });
    return createCreatePartitionsResponse({
      results: [
        ...reply.results.map((result) => ({ ...result })),
        ...denied.map((topic) => ({
          name: topic.name,
          errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
          errorMessage: AUTHORIZATION_FAILED,
        })),
      ],
    });
  };
}
