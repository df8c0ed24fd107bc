import { ErrorCode } from '@strom/errors';

/** Whether the replicas have reached an offset (the leader's `checkEnoughReplicasReachOffset`). */
export type ReplicasReached = (requiredOffset: number) => { done: boolean; errorCode: ErrorCode };

interface Waiting {
  readonly requiredOffset: number;
  readonly resolve: (errorCode: ErrorCode) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * The acks=all produces of one partition leader waiting for the ISR to reach their last offset
 * (Kafka's DelayedProduce in the produce purgatory): each ends when the high watermark passes it
 * (with the leader's verdict), when the request's timeout passes (REQUEST_TIMED_OUT), or when
 * the replica stops leading. Their number is bounded by the produce requests in flight, which
 * the listener bounds per connection.
 */
export class DelayedProduces {
  private readonly waiting = new Set<Waiting>();

  get size(): number {
    return this.waiting.size;
  }

  /** Resolves with the produce's error code (NONE when the replicas have it). */
  wait(requiredOffset: number, timeoutMs: number, reached: ReplicasReached): Promise<ErrorCode> {
    const now = reached(requiredOffset);
    if (now.done) return Promise.resolve(now.errorCode);
    return new Promise<ErrorCode>((resolve) => {
      const entry: Waiting = {
        requiredOffset,
        resolve,
        timer: setTimeout(() => this.finish(entry, ErrorCode.REQUEST_TIMED_OUT), Math.max(timeoutMs, 0)),
      };
      this.waiting.add(entry);
    });
  }

  /** The high watermark or the ISR changed: completes every produce that is now done. */
  tryComplete(reached: ReplicasReached): void {
    for (const entry of this.waiting) {
      const check = reached(entry.requiredOffset);
      if (check.done) this.finish(entry, check.errorCode);
    }
  }

  /** Ends every waiting produce with `errorCode` (the replica stopped leading or went away). */
  abort(errorCode: ErrorCode): void {
    for (const entry of this.waiting) this.finish(entry, errorCode);
  }

  private finish(entry: Waiting, errorCode: ErrorCode): void {
    if (!this.waiting.delete(entry)) return;
    clearTimeout(entry.timer);
    entry.resolve(errorCode);
  }
}
