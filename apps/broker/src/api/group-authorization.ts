import { ErrorCode } from '@strom/errors';
import {
  ApiKey,
  createDeleteGroupsResponse,
  createDescribeGroupsResponse,
  createHeartbeatResponse,
  createJoinGroupResponse,
  createLeaveGroupResponse,
  createListGroupsResponse,
  createOffsetCommitResponse,
  createOffsetDeleteResponse,
  createOffsetFetchResponse,
  createOffsetFetchResponsePartition,
  createOffsetFetchResponsePartitions,
  createSyncGroupResponse,
  type RequestBodies,
  type ResponseBodies,
} from '@strom/protocol';
import type { ClientContext } from '../network/request-handler.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import type { RequestAuthorizer } from '../security/request-authorizer.js';

/** The group APIs a broker forwards to the coordinator service. */
export const GROUP_APIS = [
  ApiKey.JoinGroup,
  ApiKey.SyncGroup,
  ApiKey.Heartbeat,
  ApiKey.LeaveGroup,
  ApiKey.OffsetCommit,
  ApiKey.OffsetFetch,
  ApiKey.ListGroups,
  ApiKey.DescribeGroups,
  ApiKey.DeleteGroups,
  ApiKey.OffsetDelete,
] as const;

export type GroupApi = (typeof GROUP_APIS)[number];

type Bodies<K extends ApiKey> = { request: RequestBodies[K]; response: ResponseBodies[K] };
type Send = (body: unknown) => Promise<unknown>;

/** Whether the cluster has this partition (the broker's metadata cache). */
export type PartitionExists = (topic: string, partition: number) => boolean;

/** DescribeGroups v3 added `include_authorized_operations`. */
const DESCRIBE_GROUPS_AUTHORIZED_OPERATIONS_MIN_VERSION = 3;
/** OffsetFetch v8 batched groups. */
const OFFSET_FETCH_GROUPS_MIN_VERSION = 8;

/**
 * Kafka's group authorization (KafkaApis): READ on the group for JoinGroup, SyncGroup, Heartbeat,
 * LeaveGroup and OffsetCommit (and READ on each committed topic), DELETE on the group for
 * OffsetDelete (and READ on each topic), DESCRIBE for OffsetFetch (and DESCRIBE on each topic:
 * TOPIC_AUTHORIZATION_FAILED when named, left out of an "all topics" fetch) and DescribeGroups
 * (with the group's authorized operations when asked), DELETE for DeleteGroups, and for
 * ListGroups DESCRIBE on the cluster or else only the groups the principal may describe. Denied
 * groups get GROUP_AUTHORIZATION_FAILED; the allowed part of a request is forwarded with `send`.
 */
export async function authorizeGroupRequest(
  apiKey: GroupApi,
  body: unknown,
  apiVersion: number,
  client: ClientContext,
  authorization: RequestAuthorizer,
  send: Send,
  partitionExists: PartitionExists = () => true,
): Promise<unknown> {
  const mayGroup = (operation: number, groupId: string) => authorization.allowed(client, operation, ResourceType.GROUP, groupId);
  const mayTopic = (operation: number, topic: string) => authorization.allowed(client, operation, ResourceType.TOPIC, topic);
  const refused = () => errorResponse(apiKey, apiVersion, body, ErrorCode.GROUP_AUTHORIZATION_FAILED);
  switch (apiKey) {
    case ApiKey.JoinGroup:
    case ApiKey.SyncGroup:
    case ApiKey.Heartbeat:
    case ApiKey.LeaveGroup:
      return mayGroup(AclOperation.READ, (body as { groupId: string }).groupId) ? send(body) : refused();
    case ApiKey.OffsetCommit: {
      const request = body as Bodies<typeof ApiKey.OffsetCommit>['request'];
      if (!mayGroup(AclOperation.READ, request.groupId)) return refused();
      return commitTopicsByAuthorization(apiKey, apiVersion, request, (name) => mayTopic(AclOperation.READ, name), partitionExists, send);
    }
    case ApiKey.OffsetDelete: {
      const request = body as Bodies<typeof ApiKey.OffsetDelete>['request'];
      if (!mayGroup(AclOperation.DELETE, request.groupId)) return refused();
      return commitTopicsByAuthorization(apiKey, apiVersion, request, (name) => mayTopic(AclOperation.READ, name), partitionExists, send);
    }
    case ApiKey.OffsetFetch:
      return authorizeOffsetFetch(body as Bodies<typeof ApiKey.OffsetFetch>['request'], apiVersion, mayGroup, mayTopic, send);
    case ApiKey.DescribeGroups: {
      const request = body as Bodies<typeof ApiKey.DescribeGroups>['request'];
      const allowed = request.groups.filter((groupId) => mayGroup(AclOperation.DESCRIBE, groupId));
      const response = (allowed.length > 0 ? await send({ ...request, groups: allowed }) : createDescribeGroupsResponse()) as Bodies<
        typeof ApiKey.DescribeGroups
      >['response'];
      if (apiVersion >= DESCRIBE_GROUPS_AUTHORIZED_OPERATIONS_MIN_VERSION && request.includeAuthorizedOperations) {
        for (const group of response.groups) {
          if (group.errorCode === ErrorCode.NONE)
            group.authorizedOperations = authorization.authorizedOperations(client, ResourceType.GROUP, group.groupId);
        }
      }
      const byId = new Map(response.groups.map((group) => [group.groupId, group]));
      const denied = errorResponse(
        apiKey,
        apiVersion,
        { ...request, groups: request.groups.filter((groupId) => !byId.has(groupId)) },
        ErrorCode.GROUP_AUTHORIZATION_FAILED,
      ) as Bodies<typeof ApiKey.DescribeGroups>['response'];
      const deniedById = new Map(denied.groups.map((group) => [group.groupId, group]));
      return { ...response, groups: request.groups.map((groupId) => byId.get(groupId) ?? deniedById.get(groupId)!) };
    }
    case ApiKey.DeleteGroups: {
      const request = body as Bodies<typeof ApiKey.DeleteGroups>['request'];
      const allowed = request.groupsNames.filter((groupId) => mayGroup(AclOperation.DELETE, groupId));
      const response = (allowed.length > 0 ? await send({ ...request, groupsNames: allowed }) : createDeleteGroupsResponse()) as Bodies<
        typeof ApiKey.DeleteGroups
      >['response'];
      const byId = new Map(response.results.map((result) => [result.groupId, result]));
      return {
        ...response,
        results: request.groupsNames.map(
          (groupId) => byId.get(groupId) ?? { groupId, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, errorMessage: null },
        ),
      };
    }
    case ApiKey.ListGroups: {
      const response = (await send(body)) as Bodies<typeof ApiKey.ListGroups>['response'];
      if (authorization.allowedOnCluster(client, AclOperation.DESCRIBE)) return response;
      return { ...response, groups: response.groups.filter((group) => mayGroup(AclOperation.DESCRIBE, group.groupId)) };
    }
  }
}

/**
 * OffsetCommit and OffsetDelete, per partition as KafkaApis answers them: a topic the client may
 * not read gets TOPIC_AUTHORIZATION_FAILED, then a partition the cluster does not have
 * UNKNOWN_TOPIC_OR_PARTITION; the rest is forwarded (nothing when none is left).
 */
async function commitTopicsByAuthorization(
  apiKey: typeof ApiKey.OffsetCommit | typeof ApiKey.OffsetDelete,
  apiVersion: number,
  request: { topics: { name: string; partitions: { partitionIndex: number }[] }[] },
  readable: (topic: string) => boolean,
  partitionExists: PartitionExists,
  send: Send,
): Promise<unknown> {
  const refusal = (topic: string, partition: number): ErrorCode =>
    !readable(topic)
      ? ErrorCode.TOPIC_AUTHORIZATION_FAILED
      : partitionExists(topic, partition)
        ? ErrorCode.NONE
        : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  const byCode = new Map<ErrorCode, typeof request.topics>();
  for (const topic of request.topics) {
    const split = new Map<ErrorCode, typeof topic.partitions>();
    for (const partition of topic.partitions) {
      const code = refusal(topic.name, partition.partitionIndex);
      split.set(code, [...(split.get(code) ?? []), partition]);
    }
    for (const [code, partitions] of split) byCode.set(code, [...(byCode.get(code) ?? []), { ...topic, partitions }]);
  }
  const allowed = byCode.get(ErrorCode.NONE) ?? [];
  if (byCode.size === 1 && allowed.length > 0) return send(request);
  const empty = apiKey === ApiKey.OffsetCommit ? createOffsetCommitResponse() : createOffsetDeleteResponse();
  const response = (allowed.length > 0 ? await send({ ...request, topics: allowed }) : empty) as { topics: unknown[]; errorCode?: number };
  // OffsetDelete: a group-level error from the coordinator replaces the answer (OffsetDeleteResponse.Builder.merge).
  if (response.errorCode !== undefined && response.errorCode !== ErrorCode.NONE) return response;
  const refused = [...byCode]
    .filter(([code]) => code !== ErrorCode.NONE)
    .flatMap(([code, topics]) => (errorResponse(apiKey, apiVersion, { ...request, topics }, code) as { topics: unknown[] }).topics);
  return { ...response, topics: [...response.topics, ...refused] };
}

type OffsetFetchRequest = Bodies<typeof ApiKey.OffsetFetch>['request'];
type OffsetFetchResponse = Bodies<typeof ApiKey.OffsetFetch>['response'];

/**
 * OffsetFetch: DESCRIBE on each group, then on each topic. A group that answers without error
 * gets its unauthorized named topics back as TOPIC_AUTHORIZATION_FAILED partitions (committed
 * offset -1), after the others; asked for every topic, the unauthorized ones are left out.
 */
async function authorizeOffsetFetch(
  request: OffsetFetchRequest,
  apiVersion: number,
  mayGroup: (operation: number, groupId: string) => boolean,
  mayTopic: (operation: number, topic: string) => boolean,
  send: Send,
): Promise<OffsetFetchResponse> {
  const describable = (topic: { name: string }) => mayTopic(AclOperation.DESCRIBE, topic.name);
  const deniedPartition = (partitionIndex: number) => ({
    partitionIndex,
    committedOffset: -1n,
    errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
  });
  if (apiVersion < OFFSET_FETCH_GROUPS_MIN_VERSION) {
    if (!mayGroup(AclOperation.DESCRIBE, request.groupId)) {
      return errorResponse(ApiKey.OffsetFetch, apiVersion, request, ErrorCode.GROUP_AUTHORIZATION_FAILED) as OffsetFetchResponse;
    }
    const topics = request.topics;
    const response = (await send(topics === null ? request : { ...request, topics: topics.filter(describable) })) as OffsetFetchResponse;
    if (response.errorCode !== ErrorCode.NONE) return response;
    if (topics === null) return { ...response, topics: response.topics.filter(describable) };
    const denied = topics
      .filter((topic) => !describable(topic))
      .map((topic) => ({
        name: topic.name,
        partitions: topic.partitionIndexes.map((p) => createOffsetFetchResponsePartition(deniedPartition(p))),
      }));
    return { ...response, topics: [...response.topics, ...denied] };
  }
  const allowed = request.groups.filter((group) => mayGroup(AclOperation.DESCRIBE, group.groupId));
  const forwarded = allowed.map((group) => ({ ...group, topics: group.topics === null ? null : group.topics.filter(describable) }));
  const response = (
    forwarded.length > 0 ? await send({ ...request, groups: forwarded }) : createOffsetFetchResponse()
  ) as OffsetFetchResponse;
  const answered = new Map(response.groups.map((group) => [group.groupId, group]));
  return {
    ...response,
    groups: request.groups.map((group) => {
      const answer = answered.get(group.groupId);
      if (answer === undefined) return { groupId: group.groupId, topics: [], errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
      if (answer.errorCode !== ErrorCode.NONE) return answer;
      if (group.topics === null) return { ...answer, topics: answer.topics.filter(describable) };
      const denied = group.topics
        .filter((topic) => !describable(topic))
        .map((topic) => ({
          name: topic.name,
          topicId: topic.topicId,
          partitions: topic.partitionIndexes.map((p) => createOffsetFetchResponsePartitions(deniedPartition(p))),
        }));
      return { ...answer, topics: [...answer.topics, ...denied] };
    }),
  };
}

/** The API's response with `code` where Kafka puts the error. */
export function errorResponse(apiKey: GroupApi, apiVersion: number, body: unknown, code: ErrorCode): unknown {
  switch (apiKey) {
    case ApiKey.JoinGroup:
      return createJoinGroupResponse({ errorCode: code });
    case ApiKey.SyncGroup:
      return createSyncGroupResponse({ errorCode: code });
    case ApiKey.Heartbeat:
      return createHeartbeatResponse({ errorCode: code });
    case ApiKey.LeaveGroup:
      return createLeaveGroupResponse({ errorCode: code });
    case ApiKey.ListGroups:
      return createListGroupsResponse({ errorCode: code });
    case ApiKey.OffsetDelete: {
      // A group-level error is the top-level code; a topic-level one is on each partition.
      const request = body as Bodies<typeof ApiKey.OffsetDelete>['request'];
      if (code !== ErrorCode.TOPIC_AUTHORIZATION_FAILED && code !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
        return createOffsetDeleteResponse({ errorCode: code });
      }
      return createOffsetDeleteResponse({
        topics: request.topics.map((topic) => ({
          name: topic.name,
          partitions: topic.partitions.map((partition) => ({ partitionIndex: partition.partitionIndex, errorCode: code })),
        })),
      });
    }
    case ApiKey.OffsetCommit: {
      const request = body as Bodies<typeof ApiKey.OffsetCommit>['request'];
      return createOffsetCommitResponse({
        topics: request.topics.map((topic) => ({
          name: topic.name,
          topicId: topic.topicId,
          partitions: topic.partitions.map((partition) => ({ partitionIndex: partition.partitionIndex, errorCode: code })),
        })),
      });
    }
    case ApiKey.OffsetFetch: {
      const request = body as OffsetFetchRequest;
      if (apiVersion >= OFFSET_FETCH_GROUPS_MIN_VERSION)
        return createOffsetFetchResponse({
          groups: request.groups.map((group) => ({ groupId: group.groupId, topics: [], errorCode: code })),
        });
      return createOffsetFetchResponse({ topics: [], ...(apiVersion >= 2 ? { errorCode: code } : {}) });
    }
    case ApiKey.DescribeGroups: {
      const request = body as Bodies<typeof ApiKey.DescribeGroups>['request'];
      return createDescribeGroupsResponse({
        groups: request.groups.map((groupId) => ({
          groupId,
          errorCode: code,
          errorMessage: null,
          groupState: '',
          protocolType: '',
          protocolData: '',
          members: [],
          authorizedOperations: -2147483648,
        })),
      });
    }
    case ApiKey.DeleteGroups: {
      const request = body as Bodies<typeof ApiKey.DeleteGroups>['request'];
      return createDeleteGroupsResponse({
        results: request.groupsNames.map((groupId) => ({ groupId, errorCode: code, errorMessage: null })),
      });
    }
  }
}
