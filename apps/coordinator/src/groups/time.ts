/** A scheduled callback that can be cancelled; cancelling twice or after it fired is a no-op. */
export interface Timer {
  cancel(): void;
}

/** Where the coordinator reads the time and schedules its timers; injectable for tests. */
export interface GroupTime {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `callback` once, `delayMs` from now (clamped to 0 … 2^31-1 ms). */
  setTimer(delayMs: number, callback: () => void): Timer;
}

/** The longest delay Node's timers accept; longer ones would fire after 1 ms. */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;

export function clampDelay(delayMs: number): number {
  if (!Number.isFinite(delayMs) || delayMs <= 0) return 0;
  return Math.min(Math.ceil(delayMs), MAX_TIMER_DELAY_MS);
}

/** Wall-clock time and unref'd Node timers (they never keep the process alive). */
export const systemTime: GroupTime = {
  now: () => Date.now(),
  setTimer(delayMs, callback) {
    const handle = setTimeout(callback, clampDelay(delayMs));
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
};
