import { clampDelay, type GroupTime, type Timer } from '../src/groups/index.js';

/** Lets queued promise callbacks and mailbox operations run (a few macrotask turns). */
export async function settle(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * A clock that only moves when told: `advance(ms)` fires due timers in time order, letting the
 * work each one starts finish before the next. For tests.
 */
export class ManualTime implements GroupTime {
  private nowMs: number;
  private seq = 0;
  private readonly timers = new Map<number, { due: number; callback: () => void }>();

  constructor(startMs = 1_700_000_000_000) {
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  setTimer(delayMs: number, callback: () => void): Timer {
    const id = this.seq++;
    this.timers.set(id, { due: this.nowMs + clampDelay(delayMs), callback });
    return { cancel: () => void this.timers.delete(id) };
  }

  /** How many timers are scheduled and not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Moves the clock forward by `ms`, firing every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    // Let work already started (requests on their way into a mailbox) schedule its timers first.
    await settle();
    const target = this.nowMs + ms;
    for (;;) {
      let nextId: number | undefined;
      let next: { due: number; callback: () => void } | undefined;
      for (const [id, timer] of this.timers) {
        if (timer.due <= target && (next === undefined || timer.due < next.due)) {
          nextId = id;
          next = timer;
        }
      }
      if (next === undefined || nextId === undefined) break;
      this.timers.delete(nextId);
      this.nowMs = Math.max(this.nowMs, next.due);
      next.callback();
      await settle();
    }
    this.nowMs = target;
    await settle();
  }
}
