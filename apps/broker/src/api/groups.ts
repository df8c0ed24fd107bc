import { BusError, MAX_REQUEST_TIMEOUT_MS, type Bus } from '@strom/bus';
import { CoordinatorSubjects, decodeResponseBody, encodeForwardedRequest } from '@strom/contracts';
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
  createSyncGroupResponse,
  type RequestBodies,
  type RequestHeader,
  type ResponseBodies,
} from '@strom/protocol';
import type { Logger } from '@strom/runtime';
import type { ClientContext } from '../network/request-handler.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { ALLOW_ALL, type RequestAuthorizer } from '../security/request-authorizer.js';

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

type GroupApi = (typeof GROUP_APIS)[number];

const DEFAULT_TIMEOUT_MS = 30_000;
/**
 * Past the hold the coordinator's own answer may need to travel back. Kafka's Java client waits
 * for a JoinGroup `rebalance.timeout.ms` + 5 s (AbstractCoordinator.JOIN_GROUP_TIMEOUT_LAPSE).
 */
const REPLY_MARGIN_MS = 5_000;
/** The longest wait the bus (and Node's timers) accept: JoinGroup's rebalanceTimeoutMs is an int32. */
const MAX_WAIT_MS = Math.min(MAX_REQUEST_TIMEOUT_MS, 2_147_483_647);

/**
 * How long the broker waits for the coordinator's answer before replying COORDINATOR_NOT_AVAILABLE.
 * The coordinator holds a JoinGroup until the rebalance completes, bounded by the rebalance
 * timeout the member sent (its session timeout before v1); Kafka caps neither
 * (`group.max.session.timeout.ms` bounds only the session timeout), so neither does this. A
 * follower's SyncGroup waits for the leader's, bounded by the group's rebalance timeout: the
 * largest of its members', which the request does not carry, so any int32 the coordinator accepts.
 */
export function coordinatorWaitMs(apiKey: GroupApi, body: unknown): number {
  if (apiKey === ApiKey.JoinGroup) {
    const join = body as RequestBodies[typeof ApiKey.JoinGroup];
    const hold = Math.max(join.rebalanceTimeoutMs, join.sessionTimeoutMs, DEFAULT_TIMEOUT_MS);
    return Math.min(hold + REPLY_MARGIN_MS, MAX_WAIT_MS);
  }
  if (apiKey === ApiKey.SyncGroup) return MAX_WAIT_MS;
  return DEFAULT_TIMEOUT_MS;
}

/**
 * A group request sent on, as Kafka encodes it, to the coordinator service over the bus; its
 * answer comes back the same way. When the coordinator cannot be reached the client gets
 * COORDINATOR_NOT_AVAILABLE (retriable: it rediscovers the coordinator and retries), as from Kafka.
 */
export function forwardToCoordinator<K extends GroupApi>(
  bus: Bus,
  apiKey: K,
  logger: Logger,
  authorization: RequestAuthorizer = ALLOW_ALL,
) {
  const send = async (
    body: RequestBodies[K],
    apiVersion: number,
    client: ClientContext,
    header: RequestHeader,
  ): Promise<ResponseBodies[K]> => {
    const ip = client.remoteAddress.replace(/:\d+$/, '').replace(/^::ffff:/, '');
    const frame = encodeForwardedRequest(apiKey, apiVersion, body, { clientId: header.clientId ?? '', clientHost: `/${ip}` });
    try {
      const reply = await bus.request(CoordinatorSubjects.kafka, frame, { timeoutMs: coordinatorWaitMs(apiKey, body) });
      return decodeResponseBody(apiKey, apiVersion, reply);
    } catch (error) {
      if (!(error instanceof BusError)) throw error;
      logger.warn({ err: error, api: apiKey }, 'the coordinator did not answer');
      return errorResponse(apiKey, apiVersion, body, ErrorCode.COORDINATOR_NOT_AVAILABLE) as ResponseBodies[K];
    }
  };
  return async (body: RequestBodies[K], apiVersion: number, client: ClientContext, header: RequestHeader): Promise<ResponseBodies[K]> => {
    if (!authorization.enabled) return send(body, apiVersion, client, header);
    return authorizeGroupRequest(apiKey, body, apiVersion, client, authorization, (allowedBody) =>
      send(allowedBody as RequestBodies[K], apiVersion, client, header),
    ) as Promise<ResponseBodies[K]>;
  };
}

/**
 * Kafka's group authorization: READ on the group for JoinGroup, SyncGroup, Heartbeat,
 * LeaveGroup, OffsetCommit and OffsetDelete (and READ on each committed topic), DESCRIBE for
 * OffsetFetch and DescribeGroups, DELETE for DeleteGroups, and for ListGroups DESCRIBE on the
 * cluster or else only the groups the principal may describe. Denied groups get
 * GROUP_AUTHORIZATION_FAILED; the allowed part of a request is forwarded.
 */
async function authorizeGroupRequest(
  apiKey: GroupApi,
  body: unknown,
  apiVersion: number,
  client: ClientContext,
  authorization: RequestAuthorizer,
  send: (body: unknown) => Promise<unknown>,
): Promise<unknown> {
  const denied = ErrorCode.GROUP_AUTHORIZATION_FAILED;
  const may = (operation: number, groupId: string) => authorization.allowed(client, operation, ResourceType.GROUP, groupId);
  switch (apiKey) {
    case ApiKey.JoinGroup:
    case ApiKey.SyncGroup:
    case ApiKey.Heartbeat:
    case ApiKey.LeaveGroup:
    case ApiKey.OffsetDelete:
      return may(AclOperation.READ, (body as { groupId: string }).groupId) ? send(body) : errorResponse(apiKey, apiVersion, body, denied);
    case ApiKey.OffsetCommit: {
      const request = body as RequestBodies[typeof ApiKey.OffsetCommit];
      if (!may(AclOperation.READ, request.groupId)) return errorResponse(apiKey, apiVersion, body, denied);
      const readable = (name: string) => authorization.allowed(client, AclOperation.READ, ResourceType.TOPIC, name);
      const allowed = request.topics.filter((topic) => readable(topic.name));
      const refused = request.topics.filter((topic) => !readable(topic.name));
      const response = (
        allowed.length > 0 ? await send({ ...request, topics: allowed }) : createOffsetCommitResponse()
      ) as ResponseBodies[typeof ApiKey.OffsetCommit];
      const refusedResponse = errorResponse(
        apiKey,
        apiVersion,
        { ...request, topics: refused },
        ErrorCode.TOPIC_AUTHORIZATION_FAILED,
      ) as ResponseBodies[typeof ApiKey.OffsetCommit];
      return { ...response, topics: [...response.topics, ...refusedResponse.topics] };
    }
    case ApiKey.OffsetFetch: {
      const request = body as RequestBodies[typeof ApiKey.OffsetFetch];
      if (apiVersion < 8) return may(AclOperation.DESCRIBE, request.groupId) ? send(body) : errorResponse(apiKey, apiVersion, body, denied);
      const allowed = request.groups.filter((group) => may(AclOperation.DESCRIBE, group.groupId));
      const response = (
        allowed.length > 0 ? await send({ ...request, groups: allowed }) : createOffsetFetchResponse()
      ) as ResponseBodies[typeof ApiKey.OffsetFetch];
      const byId = new Map(response.groups.map((group) => [group.groupId, group]));
      return {
        ...response,
        groups: request.groups.map((group) => byId.get(group.groupId) ?? { groupId: group.groupId, topics: [], errorCode: denied }),
      };
    }
    case ApiKey.DescribeGroups: {
      const request = body as RequestBodies[typeof ApiKey.DescribeGroups];
      const allowed = request.groups.filter((groupId) => may(AclOperation.DESCRIBE, groupId));
      const response = (
        allowed.length > 0 ? await send({ ...request, groups: allowed }) : createDescribeGroupsResponse()
      ) as ResponseBodies[typeof ApiKey.DescribeGroups];
      const byId = new Map(response.groups.map((group) => [group.groupId, group]));
      const refused = errorResponse(
        apiKey,
        apiVersion,
        { ...request, groups: request.groups.filter((groupId) => !byId.has(groupId)) },
        denied,
      ) as ResponseBodies[typeof ApiKey.DescribeGroups];
      const refusedById = new Map(refused.groups.map((group) => [group.groupId, group]));
      return { ...response, groups: request.groups.map((groupId) => byId.get(groupId) ?? refusedById.get(groupId)!) };
    }
    case ApiKey.DeleteGroups: {
      const request = body as RequestBodies[typeof ApiKey.DeleteGroups];
      const allowed = request.groupsNames.filter((groupId) => may(AclOperation.DELETE, groupId));
      const response = (
        allowed.length > 0 ? await send({ ...request, groupsNames: allowed }) : createDeleteGroupsResponse()
      ) as ResponseBodies[typeof ApiKey.DeleteGroups];
      const byId = new Map(response.results.map((result) => [result.groupId, result]));
      return {
        ...response,
        results: request.groupsNames.map((groupId) => byId.get(groupId) ?? { groupId, errorCode: denied, errorMessage: null }),
      };
    }
    case ApiKey.ListGroups: {
      const response = (await send(body)) as ResponseBodies[typeof ApiKey.ListGroups];
      if (authorization.allowedOnCluster(client, AclOperation.DESCRIBE)) return response;
      return { ...response, groups: response.groups.filter((group) => may(AclOperation.DESCRIBE, group.groupId)) };
    }
  }
}

/** The API's response with `code` where Kafka puts the error. */
function errorResponse(apiKey: GroupApi, apiVersion: number, body: unknown, code: ErrorCode): unknown {
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
    case ApiKey.OffsetDelete:
      return createOffsetDeleteResponse({ errorCode: code });
    case ApiKey.OffsetCommit: {
      const request = body as RequestBodies[typeof ApiKey.OffsetCommit];
      return createOffsetCommitResponse({
        topics: request.topics.map((topic) => ({
          name: topic.name,
          topicId: topic.topicId,
          partitions: topic.partitions.map((partition) => ({ partitionIndex: partition.partitionIndex, errorCode: code })),
        })),
      });
    }
    case ApiKey.OffsetFetch: {
      const request = body as RequestBodies[typeof ApiKey.OffsetFetch];
      if (apiVersion >= 8)
        return createOffsetFetchResponse({
          groups: request.groups.map((group) => ({ groupId: group.groupId, topics: [], errorCode: code })),
        });
      return createOffsetFetchResponse({ topics: [], ...(apiVersion >= 2 ? { errorCode: code } : {}) });
    }
    case ApiKey.DescribeGroups: {
      const request = body as RequestBodies[typeof ApiKey.DescribeGroups];
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
      const request = body as RequestBodies[typeof ApiKey.DeleteGroups];
      return createDeleteGroupsResponse({
        results: request.groupsNames.map((groupId) => ({ groupId, errorCode: code, errorMessage: null })),
      });
    }
  }
}
