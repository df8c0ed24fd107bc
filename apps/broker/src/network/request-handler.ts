import type { ApiKey, DecodedRequest, ResponseBodies } from '@strom/protocol';
import type { SaslSession } from '../security/sasl-session.js';

import type { SecurityProtocol } from '@strom/kafka-client';

export { usesSasl, usesTls, type SecurityProtocol } from '@strom/kafka-client';

/** Who sent a request, for handlers that care (quotas, ACLs, client metrics). */
export interface ClientContext {
  readonly connectionId: number;
  /** `ip:port` of the client. */
  readonly remoteAddress: string;
  /** The client's IP address without the port, as host ACLs compare it. */
  readonly clientHost?: string;
  /**
   * The name of the listener the connection came in on: Metadata, FindCoordinator and
   * DescribeCluster answer with the brokers' endpoints for this listener (Kafka's
   * RequestContext.listenerName).
   */
  readonly listenerName: string;
  /** The listener's security protocol (PLAINTEXT when not given). */
  readonly securityProtocol?: SecurityProtocol;
  /**
   * The authenticated principal: `User:ANONYMOUS` until SASL says otherwise (SASL_PLAINTEXT,
   * SASL_SSL), the client certificate's mapped subject on SSL (ANONYMOUS without one), always
   * ANONYMOUS on PLAINTEXT.
   */
  principal: string;
  /** The connection's SASL state: set on a SASL_PLAINTEXT or SASL_SSL listener only. */
  readonly sasl?: SaslSession;
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
 * enabled here, for instance). Logged at info, not as a failure. With `response`, that response
 * is written first and the connection is closed once it is out (Kafka's answer to a failed
 * SASL authentication: the error, then the close); later requests of the connection are dropped.
 */
export class CloseConnectionError extends Error {
  readonly response: ResponseBody;

  constructor(reason: string, options?: { response?: ResponseBody }) {
    super(reason);
    this.name = 'CloseConnectionError';
    this.response = options?.response;
  }
}

const afterWrite = new WeakMap<object, () => void>();

/**
 * Runs `release` once `body`'s response is written to the socket (its bytes handed to the
 * kernel): how a handler gives back the buffers its response points into (Fetch's read windows).
 * It does not run when the response is never sent (connection closed first); the buffers are
 * then left to the GC.
 */
export function releaseAfterWrite(body: object, release: () => void): void {
  afterWrite.set(body, release);
}

/** The connection's side of {@link releaseAfterWrite}: the release for `body`, at most once. */
export function takeReleaseAfterWrite(body: object): (() => void) | undefined {
  const release = afterWrite.get(body);
  afterWrite.delete(body);
  return release;
}
