import { BusError, MAX_REQUEST_TIMEOUT_MS, type Bus } from '@strom/bus';
import { CoordinatorSubjects, decodeResponseBody, encodeForwardedRequest } from '@strom/contracts';
import { ErrorCode } from '@strom/errors';
import { ApiKey, type RequestBodies, type RequestHeader, type ResponseBodies } from '@strom/protocol';
import type { Logger } from '@strom/runtime';
import type { ClientContext } from '../network/request-handler.js';
import { ALLOW_ALL, type RequestAuthorizer } from '../security/request-authorizer.js';
import { authorizeGroupRequest, errorResponse, GROUP_APIS, type GroupApi, type PartitionExists } from './group-authorization.js';

export { GROUP_APIS };

/** The least a JoinGroup waits, whatever its timeouts say: an ordinary client request timeout. */
const MIN_JOIN_WAIT_MS = 30_000;
/**
 * How long the APIs the coordinator answers at once (Heartbeat, OffsetCommit, OffsetFetch, …) wait.
 * A request that reached a coordinator which then died gets no answer at all (the bus cannot
 * tell), while Kafka's client would see its connection close: the wait must stay below
 * `group.min.session.timeout.ms` (6 s), or members blocked on it miss their sessions at the
 * restarted coordinator. Kafka's own bound on a commit write is `offsets.commit.timeout.ms`, 5 s.
 */
const IMMEDIATE_ANSWER_WAIT_MS = 5_000;
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
    const hold = Math.max(join.rebalanceTimeoutMs, join.sessionTimeoutMs, MIN_JOIN_WAIT_MS);
    return Math.min(hold + REPLY_MARGIN_MS, MAX_WAIT_MS);
  }
  if (apiKey === ApiKey.SyncGroup) return MAX_WAIT_MS;
  return IMMEDIATE_ANSWER_WAIT_MS;
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
  partitionExists?: PartitionExists,
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
    // Also without an authorizer: DescribeGroups' authorized operations are filled in here.
    return authorizeGroupRequest(
      apiKey,
      body,
      apiVersion,
      client,
      authorization,
      (allowedBody) => send(allowedBody as RequestBodies[K], apiVersion, client, header),
      partitionExists,
    ) as Promise<ResponseBodies[K]>;
  };
}
