import { ErrorCode } from '@strom/errors';
import { createInitProducerIdResponse, type InitProducerIdRequest, type InitProducerIdResponse } from '@strom/protocol';
import type { ClientContext } from '../network/request-handler.js';
import type { ProducerIdManager } from '../producer/producer-id-manager.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { ALLOW_ALL, type RequestAuthorizer } from '../security/request-authorizer.js';

/**
 * InitProducerId for idempotent producers: a fresh producer id with epoch 0, every time. A
 * transactional id needs the transaction coordinator, which is not there yet: the answer is
 * the one Kafka gives while no coordinator is available.
 */
export function handleInitProducerId(producerIds: ProducerIdManager, authorization: RequestAuthorizer = ALLOW_ALL) {
  return async (body: InitProducerIdRequest, _apiVersion?: number, client?: ClientContext): Promise<InitProducerIdResponse> => {
    if (client) {
      // Kafka: WRITE on the transactional id; without one, IDEMPOTENT_WRITE on the cluster or WRITE on any topic.
      if (body.transactionalId !== null) {
        if (!authorization.allowed(client, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, body.transactionalId)) {
          return createInitProducerIdResponse({
            errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
            producerId: -1n,
            producerEpoch: -1,
          });
        }
      } else if (
        !authorization.allowedOnCluster(client, AclOperation.IDEMPOTENT_WRITE) &&
        !authorization.allowedOnAny(client, AclOperation.WRITE, ResourceType.TOPIC)
      ) {
        return createInitProducerIdResponse({ errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, producerId: -1n, producerEpoch: -1 });
      }
    }
    if (body.transactionalId !== null) return createInitProducerIdResponse({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE });
    // Without a transactional id Kafka always hands out a fresh producer id (the id and epoch a
    // client sends are for bumping a transactional producer's epoch, KIP-360): reusing them would
    // let two producers share an id and have one's batches taken for the other's duplicates.
    return createInitProducerIdResponse({ producerId: await producerIds.nextId(), producerEpoch: 0 });
  };
}
