/** Thrown by {@link Mailbox.run} when the mailbox already holds its limit of queued operations. */
export class MailboxFullError extends Error {
  constructor(readonly limit: number) {
    super(`mailbox full (${limit} queued operations)`);
    this.name = 'MailboxFullError';
  }
}

/**
 * Runs operations one at a time in arrival order (an actor's mailbox). An operation may be
 * async; the next one starts when it settles. A failing operation fails only its own caller.
 */
export class Mailbox {
  private tail: Promise<void> = Promise.resolve();
  private queued = 0;

  constructor(readonly limit: number) {}

  /** Operations queued or running. */
  get size(): number {
    return this.queued;
  }

  /**
   * Queues `op`. `internal` operations (timers, sweeps) skip the bound: they are few, and
   * dropping them would leave the group's state machine stuck.
   */
  run<T>(op: () => T | Promise<T>, internal = false): Promise<T> {
    if (!internal && this.queued >= this.limit) return Promise.reject(new MailboxFullError(this.limit));
    this.queued++;
    const result = this.tail.then(op);
    this.tail = result.then(
      () => void this.queued--,
      () => void this.queued--,
    );
    return result;
  }

  /** Resolves when everything queued so far has settled. */
  idle(): Promise<void> {
    return this.tail;
  }
}
