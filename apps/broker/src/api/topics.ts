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
import type { DescribedConfig } from '@strom/config';
import { splitRepeated } from '@strom/contracts';
import { errorByCode, ErrorCode } from '@strom/errors';
import type { MetadataClient } from '../cluster/metadata-client.js';
import type { ClientContext } from '../network/request-handler.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { ALLOW_ALL, type RequestAuthorizer } from '../security/request-authorizer.js';

/** Kafka's message for a topic the principal may not create (ControllerApis.createTopics). */
const AUTHORIZATION_FAILED = 'Authorization failed.';

/** CreateTopics v5 added the created topic's configs and topic_config_error_code. */
const TOPIC_CONFIG_ERROR_MIN_VERSION = 5;

/**
 * CreateTopics: forwarded to the metadata service, which checks and creates (or validates only).
 * As Kafka's ControllerApis.createTopics: a name given more than once is dropped and answered once
 * with INVALID_REQUEST, a name the client may not create is answered TOPIC_AUTHORIZATION_FAILED;
 * those answers come after the service's results.
 */
export function handleCreateTopics(
  metadata: MetadataClient,
  describeConfigs: (overrides: Readonly<Record<string, string>>) => readonly DescribedConfig[],
  authorization: RequestAuthorizer = ALLOW_ALL,
) {
  return async (body: CreateTopicsRequest, apiVersion: number, client?: ClientContext): Promise<CreateTopicsResponse> => {
    const { unique, repeated: duplicated } = splitRepeated(body.topics, (topic) => topic.name);
    // Kafka: CREATE on the cluster or on the topic, else TOPIC_AUTHORIZATION_FAILED.
    const denied = unique.filter((topic) => client !== undefined && !authorization.mayCreateTopic(client, topic.name));
    const allowed = unique.filter((topic) => !denied.includes(topic));
    const reply =
      allowed.length === 0
        ? { results: [], requestError: undefined }
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
    const failed = (name: string, errorCode: ErrorCode, errorMessage: string) =>
      createCreateTopicsResponseCreatableTopicResult({ name, errorCode, errorMessage: apiVersion >= 1 ? errorMessage : null });
    // Kafka (CreateTopicsRequest.getErrorResponse): a request refused as a whole answers every topic
    // it names with the error, duplicated and unauthorized ones too.
    if (reply.requestError !== undefined) {
      const { errorCode, errorMessage } = reply.requestError;
      return createCreateTopicsResponse({ topics: body.topics.map((topic) => failed(topic.name, errorCode, errorMessage)) });
    }
    // Kafka (ReplicationControlManager): a created topic's configs, partition count and replication
    // factor only with DESCRIBE_CONFIGS on it, else topic_config_error_code TOPIC_AUTHORIZATION_FAILED.
    const configsVisible = (name: string) =>
      client === undefined || authorization.allowed(client, AclOperation.DESCRIBE_CONFIGS, ResourceType.TOPIC, name);
    return createCreateTopicsResponse({
      topics: [
        ...reply.results.map((result) => {
          if (result.errorCode !== ErrorCode.NONE) return failed(result.name, result.errorCode, result.errorMessage ?? '');
          if (apiVersion >= TOPIC_CONFIG_ERROR_MIN_VERSION && !configsVisible(result.name)) {
            return createCreateTopicsResponseCreatableTopicResult({
              name: result.name,
              topicId: result.topicId ?? ZERO_UUID,
              errorMessage: null,
              topicConfigErrorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
            });
          }
          return createCreateTopicsResponseCreatableTopicResult({
            name: result.name,
            topicId: result.topicId ?? ZERO_UUID,
            errorMessage: null,
            numPartitions: result.numPartitions,
            replicationFactor: result.replicationFactor,
            // Kafka (ReplicationControlManager.createTopic): every config of the new topic, as
            // DescribeConfigs would list it.
            configs: describeConfigs(result.configs).map((config) => ({
              name: config.name,
              value: config.value,
              readOnly: config.readOnly,
              configSource: config.configSource,
              isSensitive: config.isSensitive,
            })),
          });
        }),
        ...duplicated.map((name) => failed(name, ErrorCode.INVALID_REQUEST, 'Duplicate topic name.')),
        ...denied.map((topic) => failed(topic.name, ErrorCode.TOPIC_AUTHORIZATION_FAILED, AUTHORIZATION_FAILED)),
      ],
    });
  };
}

/** How DeleteTopics resolves what it is asked for, against the broker's view of the cluster. */
export interface TopicLookup {
  nameById(topicId: string): string | undefined;
  exists(name: string): boolean;
}

const NO_TOPICS: TopicLookup = { nameById: () => undefined, exists: () => false };

/**
 * DeleteTopics, by name (v0-5) or by name or id (v6+). Kafka (ControllerApis.deleteTopics): DELETE
 * on the cluster allows all; else a topic named without DESCRIBE is TOPIC_AUTHORIZATION_FAILED
 * whether it exists or not, one that does not exist is UNKNOWN_TOPIC_OR_PARTITION, and one
 * without DELETE is TOPIC_AUTHORIZATION_FAILED; a topic given by id without DELETE is
 * TOPIC_AUTHORIZATION_FAILED, its name returned only with DESCRIBE.
 */
export function handleDeleteTopics(
  metadata: MetadataClient,
  authorization: RequestAuthorizer = ALLOW_ALL,
  topics: TopicLookup = NO_TOPICS,
) {
  return async (body: DeleteTopicsRequest, apiVersion: number, client?: ClientContext): Promise<DeleteTopicsResponse> => {
    const requested =
      apiVersion >= 6
        ? body.topics.map((topic) => ({ name: topic.name, topicId: topic.topicId === ZERO_UUID ? null : topic.topicId }))
        : body.topicNames.map((name) => ({ name, topicId: null }));
    // Kafka (ControllerApis.deleteTopics): a name or id given more than once is not deleted, and is
    // answered once with INVALID_REQUEST, before the others.
    const byName = splitRepeated(requested, (entry) => entry.name);
    const byId = splitRepeated(requested, (entry) => entry.topicId);
    const duplicates = [
      ...byName.repeated.map((name) => ({ name, topicId: null, message: 'Duplicate topic name.' })),
      ...byId.repeated.map((topicId) => ({ name: null, topicId, message: 'Duplicate topic id.' })),
    ].map(({ name, topicId, message }) => ({ name, topicId, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: message }));
    const unique = requested.filter(({ name, topicId }) => !byName.isRepeated(name) && !byId.isRepeated(topicId));
    const clusterDelete = client === undefined || authorization.allowedOnCluster(client, AclOperation.DELETE);
    const may = (operation: number, name: string) => clusterDelete || authorization.allowed(client!, operation, ResourceType.TOPIC, name);
    const refusal = (entry: { name: string | null; topicId: string | null }) => {
      if (entry.name === null) {
        const name = entry.topicId === null ? undefined : topics.nameById(entry.topicId);
        if (name === undefined || may(AclOperation.DELETE, name)) return undefined;
        return { name: may(AclOperation.DESCRIBE, name) ? name : null, topicId: entry.topicId };
      }
      if (!may(AclOperation.DESCRIBE, entry.name)) return entry;
      if (!topics.exists(entry.name) || may(AclOperation.DELETE, entry.name)) return undefined;
      return entry;
    };
    const refusals = new Map(unique.map((entry) => [entry, refusal(entry)]));
    const denied = unique.flatMap((entry) => refusals.get(entry) ?? []);
    const entries = unique.filter((entry) => refusals.get(entry) === undefined);
    const reply = entries.length === 0 ? { results: [] } : await metadata.deleteTopics({ topics: entries });
    const results = [
      ...duplicates,
      ...reply.results,
      ...denied.map((entry) => ({
        name: entry.name,
        topicId: entry.topicId,
        errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
        errorMessage: errorByCode(ErrorCode.TOPIC_AUTHORIZATION_FAILED)!.message,
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
    // As Kafka's ControllerApis.createPartitions: a name given twice is answered once, first; then
    // the topics the client may not ALTER (the code only); then the controller's results.
    const { unique, repeated: duplicated } = splitRepeated(body.topics, (topic) => topic.name);
    const denied = unique.filter(
      (topic) => client !== undefined && !authorization.allowed(client, AclOperation.ALTER, ResourceType.TOPIC, topic.name),
    );
    const allowed = unique.filter((topic) => !denied.includes(topic));
    const reply =
      allowed.length === 0
        ? { results: [], requestError: undefined }
        : await metadata.createPartitions({
            validateOnly: body.validateOnly,
            topics: allowed.map((topic) => ({
              name: topic.name,
              count: topic.count,
              assignments: topic.assignments?.map((assignment) => assignment.brokerIds) ?? null,
            })),
          });
    // Kafka (CreatePartitionsRequest.getErrorResponse): a request refused as a whole answers every
    // topic it names with the error.
    if (reply.requestError !== undefined) {
      const { errorCode, errorMessage } = reply.requestError;
      return createCreatePartitionsResponse({ results: body.topics.map((topic) => ({ name: topic.name, errorCode, errorMessage })) });
    }
    return createCreatePartitionsResponse({
      results: [
        ...duplicated.map((name) => ({ name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic name.' })),
        ...denied.map((topic) => ({ name: topic.name, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: null })),
        ...reply.results.map((result) => ({ ...result })),
      ],
    });
  };
}
