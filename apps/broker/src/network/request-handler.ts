import type { ApiKey, DecodedRequest, ResponseBodies } from '@strom/protocol';

/** Who sent a request, for handlers that care (quotas, ACLs, client metrics). */
export interface ClientContext {
  readonly connectionId: number;
  readonly remoteAddress: string;
  /** The authenticated principal, `User:ANONYMOUS` until SASL says otherwise. */
  principal: string;
}

/** A response body of the request's API, or `undefined` when Kafka sends none (Produce acks=0). */
export type ResponseBody = ResponseBodies[ApiKey] | undefined;

/**
 * Turns decoded requests into response bodies. Errors are values in the response (per topic,
 * per partition, top level), as Kafka has them; a thrown exception is a bug and closes the
 * connection.
 *
 * Ordering: the connection calls `handle` in the order requests arrived, without waiting for
 * the previous one to finish, and writes responses in that same order. A handler must do its
 * order-sensitive work (enqueueing appends to partition actors) before its first `await`, so
 * that pipelined requests on one connection keep their order.
 */
export interface RequestHandler {
  handle(request: DecodedRequest, client: ClientContext): Promise<ResponseBody> | ResponseBody;
}

/**
 * Thrown by a handler for a request Kafka answers by closing the connection (an API that is not
 * enabled here, for instance). Logged at info, not as a failure.
 */
export class CloseConnectionError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'CloseConnectionError';
  }
}
