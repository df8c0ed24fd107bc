import { topicNameProblem, type TopicInfo } from '@strom/contracts';
import { ErrorCode } from '@strom/errors';
import {
  createDescribeTopicPartitionsResponse,
  createDescribeTopicPartitionsResponsePartition,
  createDescribeTopicPartitionsResponseTopic,
  ZERO_UUID,
  type DescribeTopicPartitionsRequest,
  type DescribeTopicPartitionsResponse,
  type DescribeTopicPartitionsResponseTopic,
} from '@strom/protocol';
import type { ClusterView } from '../cluster/cluster-view.js';
import type { ClientContext } from '../network/request-handler.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { ALLOW_ALL, AUTHORIZED_OPERATIONS_OMITTED, type RequestAuthorizer } from '../security/request-authorizer.js';
import { describePartition, type Describe, type MetadataHandlerOptions } from './metadata.js';

export interface DescribeTopicPartitionsOptions {
  /** max.request.partition.size.limit: the most partitions one response holds, whatever the request asks. */
  readonly maxPartitions: number;
  readonly offlineReplicas?: MetadataHandlerOptions['offlineReplicas'];
}

/** The Metadata version whose partition rules (LISTENER_NOT_FOUND, no filtered replica lists) apply here. */
const PARTITION_RULES_VERSION = 13;

/** What Kafka answers a request it throws on: every requested topic with the error, nothing else. */
function refused(body: DescribeTopicPartitionsRequest, errorCode: ErrorCode): DescribeTopicPartitionsResponse {
  return createDescribeTopicPartitionsResponse({
    topics: body.topics.map((topic) => createDescribeTopicPartitionsResponseTopic({ errorCode, name: topic.name, topicId: ZERO_UUID })),
  });
}

/**
 * DescribeTopicPartitions (KIP-966), as Kafka 4.4's DescribeTopicPartitionsRequestHandler and
 * KRaftMetadataCache.describeTopicResponse answer it: the named topics (all topics the client may
 * describe for an empty list) in name order, from the cursor on, at most `responsePartitionLimit`
 * partitions (capped by max.request.partition.size.limit, at least 1), with a next cursor where
 * the limit cut the answer. Named topics the client may not describe come last with
 * TOPIC_AUTHORIZATION_FAILED. Strom keeps no eligible leader replicas (ELR): their lists are empty,
 * as Kafka's are for a partition without any.
 */
export function handleDescribeTopicPartitions(
  view: ClusterView,
  options: DescribeTopicPartitionsOptions,
  authorization: RequestAuthorizer = ALLOW_ALL,
) {
  return (body: DescribeTopicPartitionsRequest, _apiVersion: number, client: ClientContext): DescribeTopicPartitionsResponse => {
    const fetchAll = body.topics.length === 0;
    const cursor = body.cursor;
    const cursorTopic = cursor?.topicName ?? '';
    // An empty name is refused by the authorizer's resource check, which Kafka reports as an unknown error.
    if (!fetchAll && body.topics.some((topic) => topic.name === '')) return refused(body, ErrorCode.UNKNOWN_SERVER_ERROR);
    const names = new Set(
      (fetchAll ? view.topics().map((topic) => topic.name) : body.topics.map((topic) => topic.name)).filter((name) => name >= cursorTopic),
    );
    if (cursor !== null && (cursor.partitionIndex < 0 || !names.has(cursor.topicName))) return refused(body, ErrorCode.INVALID_REQUEST);

    const mayDescribe = (name: string) => authorization.allowed(client, AclOperation.DESCRIBE, ResourceType.TOPIC, name);
    const operations = (name: string) => authorization.authorizedOperations(client, ResourceType.TOPIC, name);
    const sorted = [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const denied = new Set(sorted.filter((name) => !mayDescribe(name)));
    const describe: Describe = {
      view,
      listenerName: client.listenerName,
      apiVersion: PARTITION_RULES_VERSION,
      options: { autoCreateTopicsEnable: false, ...(options.offlineReplicas ? { offlineReplicas: options.offlineReplicas } : {}) },
    };

    const response = createDescribeTopicPartitionsResponse();
    let remaining = Math.max(Math.min(options.maxPartitions, body.responsePartitionLimit), 1);
    for (const name of sorted) {
      if (denied.has(name)) continue;
      if (remaining === 0) {
        response.nextCursor = { topicName: name, partitionIndex: 0 };
        break;
      }
      const topic = view.topicByName(name);
      if (topic === undefined) {
        if (fetchAll) continue;
        const errorCode = topicNameProblem(name) === undefined ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.INVALID_TOPIC_EXCEPTION;
        response.topics.push(
          createDescribeTopicPartitionsResponseTopic({ errorCode, name, topicId: ZERO_UUID, topicAuthorizedOperations: operations(name) }),
        );
        continue;
      }
      const first = name === cursorTopic ? cursor!.partitionIndex : 0;
      const described = describedTopic(topic, first, remaining, describe, operations(name));
      response.topics.push(described.topic);
      if (described.nextPartition !== undefined) {
        response.nextCursor = { topicName: name, partitionIndex: described.nextPartition };
        break;
      }
      remaining -= described.topic.partitions.length;
    }
    for (const name of fetchAll ? [] : denied) {
      response.topics.push(
        createDescribeTopicPartitionsResponseTopic({
          errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
          name,
          topicId: ZERO_UUID,
          topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
        }),
      );
    }
    return response;
  };
}

/** A topic's partitions from `first`, at most `limit` of them; where the next answer starts, if it cut them. */
function describedTopic(
  topic: TopicInfo,
  first: number,
  limit: number,
  describe: Describe,
  topicAuthorizedOperations: number,
): { topic: DescribeTopicPartitionsResponseTopic; nextPartition: number | undefined } {
  const end = Math.min(topic.partitions.length, first + limit);
  const partitions = topic.partitions.slice(first, end).map((partition) => {
    const described = describePartition(topic.name, partition, describe);
    return createDescribeTopicPartitionsResponsePartition({
      errorCode: described.errorCode,
      partitionIndex: described.partitionIndex,
      leaderId: described.leaderId,
      leaderEpoch: described.leaderEpoch,
      replicaNodes: described.replicaNodes,
      isrNodes: described.isrNodes,
      eligibleLeaderReplicas: [],
      lastKnownElr: [],
      offlineReplicas: described.offlineReplicas,
    });
  });
  return {
    topic: createDescribeTopicPartitionsResponseTopic({
      name: topic.name,
      topicId: topic.id,
      isInternal: topic.internal,
      partitions,
      topicAuthorizedOperations,
    }),
    nextPartition: end < topic.partitions.length ? end : undefined,
  };
}
