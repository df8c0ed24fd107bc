/** Bounds on what one client connection may make the broker hold. Kafka's names in comments. */
export interface ConnectionLimits {
  /** Largest request frame accepted (socket.request.max.bytes); checked before buffering. */
  maxFrameBytes: number;
  /** Requests of one connection being processed or waiting to be answered; past it, reading pauses. */
  maxInFlightRequests: number;
  /** Bytes of responses queued on the socket; past it, reading pauses until it drains. */
  maxQueuedResponseBytes: number;
  /** A connection with nothing in flight and no bytes for this long is closed (connections.max.idle.ms). */
  idleTimeoutMs: number;
  /** A request still unanswered after this long closes its connection: a handler is stuck. */
  requestTimeoutMs: number;
}

export const defaultConnectionLimits: ConnectionLimits = {
  maxFrameBytes: 104_857_600,
  maxInFlightRequests: 64,
  maxQueuedResponseBytes: 64 * 1024 * 1024,
  idleTimeoutMs: 600_000,
  requestTimeoutMs: 300_000,
};
