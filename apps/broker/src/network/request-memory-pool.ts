/**
 * The broker-wide bound on the bytes of requests being read and processed (Kafka's
 * `queued.max.request.bytes`, its `SimpleMemoryPool` in non-strict mode). A connection that
 * starts reading a request frame larger than one socket read reserves the frame's size here
 * first; while nothing is left it stops reading (Kafka mutes the channel) and resumes in arrival
 * order as reservations are released, once the request is answered or the connection closes.
 *
 * Non-strict, as Kafka's: a reservation succeeds while any memory is left, so one request of any
 * size allowed by `socket.request.max.bytes` always proceeds, and the bytes held stay below
 * capacity plus one frame.
 */
export class RequestMemoryPool {
  private availableBytes: number;
  private readonly waiters: (() => boolean)[] = [];

  /** @param capacityBytes at most this many bytes reserved (plus one frame); -1: no bound. */
  constructor(readonly capacityBytes: number) {
    if (capacityBytes !== -1 && !(Number.isSafeInteger(capacityBytes) && capacityBytes > 0)) {
      throw new Error(`queued.max.request.bytes must be -1 or positive, got ${capacityBytes}`);
    }
    this.availableBytes = capacityBytes;
  }

  get bounded(): boolean {
    return this.capacityBytes !== -1;
  }

  /** Bytes currently reserved. */
  get reservedBytes(): number {
    return this.bounded ? this.capacityBytes - this.availableBytes : 0;
  }

  /** Reserves `sizeBytes` if any memory is left. */
  tryReserve(sizeBytes: number): boolean {
    if (!this.bounded) return true;
    if (this.availableBytes <= 0) return false;
    this.availableBytes -= sizeBytes;
    return true;
  }

  /**
   * Calls `retry` (in arrival order with other waiters) each time memory is released, until it
   * returns true (it reserved what it needed). Returns a function that stops waiting.
   */
  waitForMemory(retry: () => boolean): () => void {
    this.waiters.push(retry);
    return () => {
      const index = this.waiters.indexOf(retry);
      if (index >= 0) this.waiters.splice(index, 1);
    };
  }

  release(sizeBytes: number): void {
    if (!this.bounded || sizeBytes === 0) return;
    this.availableBytes += sizeBytes;
    if (this.availableBytes > this.capacityBytes) {
      throw new Error(`released more than was reserved: ${this.availableBytes} of ${this.capacityBytes} bytes available`);
    }
    while (this.waiters.length > 0 && this.availableBytes > 0) {
      const retry = this.waiters[0]!;
      if (!retry()) break;
      this.waiters.shift();
    }
  }
}
