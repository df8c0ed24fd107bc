/** Bounds on what one client connection may make the broker hold. Kafka's names in comments. */
export interface ConnectionLimits {
  /** Largest request frame accepted (socket.request.max.bytes); checked before buffering. */
  maxFrameBytes: number;
  /** Requests of one connection being processed or waiting to be answered; past it, reading pauses. */
  maxInFlightRequests: number;
  /** Bytes of responses queued on the socket; past it, reading pauses until it drains. */
  maxQueuedResponseBytes: number;
  /**
   * A connection with nothing in flight and no bytes for this long is closed
   * (connections.max.idle.ms; Infinity when that is negative: no idle expiry, as in Kafka).
   */
  idleTimeoutMs: number;
  /** A request still unanswered after this long closes its connection: a handler is stuck. */
  requestTimeoutMs: number;
  /** Bytes the broker's connections may read in one turn of the event loop, together (see ReadTurns). */
  readBytesPerTurn: number;
}

/**
 * Strom's own bounds, which Kafka has no config for (its request queue is shared, not per
 * connection). The frame size and idle timeout come from socket.request.max.bytes and
 * connections.max.idle.ms.
 */
export const STROM_CONNECTION_LIMITS: Omit<ConnectionLimits, 'maxFrameBytes' | 'idleTimeoutMs'> = {
  maxInFlightRequests: 64,
  maxQueuedResponseBytes: 64 * 1024 * 1024,
  requestTimeoutMs: 300_000,
  readBytesPerTurn: 256 * 1024,
};
