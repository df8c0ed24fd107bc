import { ErrorCode } from '@strom/errors';
import {
  createFindCoordinatorResponse,
  createFindCoordinatorResponseCoordinator,
  type FindCoordinatorRequest,
  type FindCoordinatorResponse,
} from '@strom/protocol';
import type { ClusterView } from '../cluster/cluster-view.js';
import type { OffsetsTopic } from '../cluster/offsets-topic.js';

const GROUP = 0;
const TRANSACTION = 1;

/**
 * FindCoordinator (batched from v4): groups are coordinated behind every broker (the broker
 * forwards to the coordinator service), so the answer is this broker. The first one for a group
 * makes __consumer_offsets, as Kafka does. Transactions are not there yet:
 * COORDINATOR_NOT_AVAILABLE, as Kafka answers while no coordinator can be had.
 */
export function handleFindCoordinator(view: ClusterView, brokerId: number, offsetsTopic?: OffsetsTopic) {
  return async (body: FindCoordinatorRequest, apiVersion: number): Promise<FindCoordinatorResponse> => {
    if (body.keyType === GROUP && offsetsTopic) await offsetsTopic.ensure();
    const self = view.liveBrokers().find((broker) => broker.id === brokerId);
    const answer = (key: string) => {
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
