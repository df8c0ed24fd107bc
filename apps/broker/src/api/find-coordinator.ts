import { errorByCode, ErrorCode } from '@strom/errors';
import {
  createFindCoordinatorResponse,
  createFindCoordinatorResponseCoordinator,
  type FindCoordinatorRequest,
  type FindCoordinatorResponse,
} from '@strom/protocol';
import type { ClusterView } from '../cluster/cluster-view.js';
import type { OffsetsTopic } from '../cluster/offsets-topic.js';
import type { ClientContext } from '../network/request-handler.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { ALLOW_ALL, type RequestAuthorizer } from '../security/request-authorizer.js';

const GROUP = 0;
const TRANSACTION = 1;

/**
 * FindCoordinator (batched from v4): groups are coordinated behind every broker (the broker
 * forwards to the coordinator service), so the answer is this broker, at its endpoint for the
 * listener the client came in on. The first one for a group
 * makes __consumer_offsets, as Kafka does. Transactions are not there yet:
 * COORDINATOR_NOT_AVAILABLE, as Kafka answers while no coordinator can be had.
 *
 * Kafka authorizes each key first: DESCRIBE on the group (GROUP_AUTHORIZATION_FAILED) or on the
 * transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED); a denied key creates nothing.
 */
export function handleFindCoordinator(
  view: ClusterView,
  brokerId: number,
  offsetsTopic?: OffsetsTopic,
  authorization: RequestAuthorizer = ALLOW_ALL,
) {
  return async (body: FindCoordinatorRequest, apiVersion: number, client: ClientContext): Promise<FindCoordinatorResponse> => {
    const keys = apiVersion >= 4 ? body.coordinatorKeys : [body.key];
    const refusal = (key: string): ErrorCode | undefined => {
      if (body.keyType === GROUP && !authorization.allowed(client, AclOperation.DESCRIBE, ResourceType.GROUP, key))
        return ErrorCode.GROUP_AUTHORIZATION_FAILED;
      if (body.keyType === TRANSACTION && !authorization.allowed(client, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, key))
        return ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
      return undefined;
    };
    if (body.keyType === GROUP && offsetsTopic && keys.some((key) => refusal(key) === undefined)) await offsetsTopic.ensure();
    // Kafka: the coordinator's endpoint for the client's listener; none (COORDINATOR_NOT_AVAILABLE) when it lacks that listener.
    const node = view.brokerNode(brokerId, client.listenerName);
    const self = node && !node.fenced ? node : undefined;
    const answer = (key: string) => {
      const refused = refusal(key);
      if (refused !== undefined) {
        // v4+ carries no message for these (KafkaApis sets only the code); before, the error's default message.
        const errorMessage = apiVersion >= 4 ? null : errorByCode(refused)!.message;
        return { key, nodeId: -1, host: '', port: -1, errorCode: refused, errorMessage };
      }
      if (body.keyType !== GROUP && body.keyType !== TRANSACTION) {
        return {
          key,
          nodeId: -1,
          host: '',
          port: -1,
          errorCode: ErrorCode.INVALID_REQUEST,
          errorMessage: `Unsupported key type ${body.keyType}`,
        };
      }
      if (body.keyType === TRANSACTION || !self) {
        return {
          key,
          nodeId: -1,
          host: '',
          port: -1,
          errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
          errorMessage: 'The coordinator is not available.',
        };
      }
      if (key === '')
        return { key, nodeId: -1, host: '', port: -1, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Empty coordinator key' };
      return { key, nodeId: self.id, host: self.host, port: self.port, errorCode: ErrorCode.NONE, errorMessage: null };
    };
    if (apiVersion >= 4) {
      return createFindCoordinatorResponse({
        coordinators: body.coordinatorKeys.map((key) => createFindCoordinatorResponseCoordinator(answer(key))),
      });
    }
    const single = answer(body.key);
    return createFindCoordinatorResponse({
      errorCode: single.errorCode,
      ...(apiVersion >= 1 ? { errorMessage: single.errorMessage } : {}),
      nodeId: single.nodeId,
      host: single.host,
      port: single.port,
    });
  };
}
