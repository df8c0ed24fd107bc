import { ErrorCode } from '@strom/errors';
import { createInitProducerIdResponse, type InitProducerIdRequest, type InitProducerIdResponse } from '@strom/protocol';
import type { ProducerIdManager } from '../producer/producer-id-manager.js';

const MAX_PRODUCER_EPOCH = 32_767;

/**
 * InitProducerId for idempotent producers: a fresh producer id with epoch 0, or (KIP-360, v3+)
 * the same id with its epoch bumped when the client names the id and epoch it had. A
 * transactional id needs the transaction coordinator, which is not there yet: the answer is
 * the one Kafka gives while no coordinator is available.
 */
export function handleInitProducerId(producerIds: ProducerIdManager) {
  return async (body: InitProducerIdRequest): Promise<InitProducerIdResponse> => {
    if (body.transactionalId !== null) return createInitProducerIdResponse({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE });
    if (body.producerId >= 0n && body.producerEpoch >= 0 && body.producerEpoch < MAX_PRODUCER_EPOCH) {
      return createInitProducerIdResponse({ producerId: body.producerId, producerEpoch: body.producerEpoch + 1 });
    }
    return createInitProducerIdResponse({ producerId: await producerIds.nextId(), producerEpoch: 0 });
  };
}
