import { BusError, type Bus } from '@strom/bus';
import { CoordinatorSubjects, decodeResponseBody, encodeForwardedRequest } from '@strom/coordinator';
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
/** JoinGroup and SyncGroup wait for the rebalance: bounded by Kafka's max rebalance timeout. */
const MAX_REBALANCE_WAIT_MS = 300_000;
const MARGIN_MS = 5_000;

function timeoutFor(apiKey: GroupApi, body: unknown): number {
  if (apiKey === ApiKey.JoinGroup) {
    const join = body as RequestBodies[typeof ApiKey.JoinGroup];
    return Math.min(Math.max(join.rebalanceTimeoutMs, join.sessionTimeoutMs, 0), MAX_REBALANCE_WAIT_MS) + MARGIN_MS;
  }
  if (apiKey === ApiKey.SyncGroup) return MAX_REBALANCE_WAIT_MS + MARGIN_MS;
  return DEFAULT_TIMEOUT_MS;
}

/**
 * A group request sent on, as Kafka encodes it, to the coordinator service over the bus; its
 * answer comes back the same way. When the coordinator cannot be reached the client gets
 * COORDINATOR_NOT_AVAILABLE (retriable: it rediscovers the coordinator and retries), as from Kafka.
 */
export function forwardToCoordinator<K extends GroupApi>(bus: Bus, apiKey: K, logger: Logger) {
  return async (body: RequestBodies[K], apiVersion: number, client: ClientContext, header: RequestHeader): Promise<ResponseBodies[K]> => {
    const ip = client.remoteAddress.replace(/:\d+$/, '').replace(/^::ffff:/, '');
    const frame = encodeForwardedRequest(apiKey, apiVersion, body, { clientId: header.clientId ?? '', clientHost: `/${ip}` });
    try {
      const reply = await bus.request(CoordinatorSubjects.kafka, frame, { timeoutMs: timeoutFor(apiKey, body) });
      return decodeResponseBody(apiKey, apiVersion, reply);
    } catch (error) {
      if (!(error instanceof BusError)) throw error;
      logger.warn({ err: error, api: apiKey }, 'the coordinator did not answer');
      return unavailable(apiKey, apiVersion, body) as ResponseBodies[K];
    }
  };
}

/** The API's response with COORDINATOR_NOT_AVAILABLE where Kafka puts the error. */
function unavailable(apiKey: GroupApi, apiVersion: number, body: unknown): unknown {
  const code = ErrorCode.COORDINATOR_NOT_AVAILABLE;
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
      return createDeleteGroupsResponse({ results: request.groupsNames.map((groupId) => ({ groupId, errorCode: code })) });
    }
  }
}
