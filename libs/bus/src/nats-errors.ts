import { ClosedConnectionError, DrainingConnectionError, NoRespondersError, RequestError, TimeoutError } from '@nats-io/transport-node';
import { BusClosedError, BusError, BusNoRespondersError, BusPayloadTooLargeError, BusTimeoutError, BusTransportError } from './errors.js';
import { errorMessage } from './internal.js';

/** Translate a NATS.js error into a BusError. */
export function mapNatsError(error: unknown, subject: string, timeoutMs: number, sizeBytes?: number, maxPayloadBytes?: number): BusError {
  if (error instanceof BusError) return error;
  if (sizeBytes !== undefined && maxPayloadBytes !== undefined && /max_payload|maximum payload/i.test(errorMessage(error))) {
    // The payload fit our limit but not with the headers added (they count on the wire).
    return new BusPayloadTooLargeError(sizeBytes, maxPayloadBytes);
  }
  if (error instanceof RequestError) {
    if (error.isNoResponders()) return new BusNoRespondersError(subject, { cause: error });
    if (error.cause instanceof TimeoutError) return new BusTimeoutError(subject, timeoutMs, { cause: error });
    if (error.cause instanceof ClosedConnectionError || error.cause instanceof DrainingConnectionError) {
      return new BusClosedError(undefined, { cause: error });
    }
  }
  if (error instanceof NoRespondersError) return new BusNoRespondersError(subject, { cause: error });
  if (error instanceof TimeoutError) return new BusTimeoutError(subject, timeoutMs, { cause: error });
  if (error instanceof ClosedConnectionError || error instanceof DrainingConnectionError) {
    return new BusClosedError(undefined, { cause: error });
  }
  return new BusTransportError(`${subject}: ${errorMessage(error)}`, { cause: error });
}
