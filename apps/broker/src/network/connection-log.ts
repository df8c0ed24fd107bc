import type { Logger } from '@strom/runtime';

export interface ConnectionLogLimits {
  /** Lines of one kind from one client host written per interval; the rest are counted. */
  readonly maxLinesPerInterval: number;
  readonly intervalMs: number;
  /** (kind, host) pairs remembered at once; the least recently seen is forgotten first. */
  readonly maxTrackedKeys: number;
}

export const defaultConnectionLogLimits: ConnectionLogLimits = {
  maxLinesPerInterval: 5,
  intervalMs: 10_000,
  maxTrackedKeys: 1024,
};

interface Window {
  readonly kind: string;
  readonly clientHost: string;
  readonly startMs: number;
  written: number;
  suppressed: number;
}

/**
 * The per-connection info lines (bad request, SASL failure, forced close), limited per kind
 * and client host. A client that reconnects in a loop after a bad request opens a new
 * connection each time (a new port, so the host is the key), and without a limit made the
 * broker write thousands of identical lines a second. Past the limit, lines are counted and
 * one "suppressed K similar" line is written when the window ends. Memory is bounded by
 * {@link ConnectionLogLimits.maxTrackedKeys}.
 */
export class ConnectionLog {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly logger: Logger,
    private readonly limits: ConnectionLogLimits = defaultConnectionLogLimits,
    private readonly now: () => number = Date.now,
  ) {
    if (limits.maxLinesPerInterval < 1 || limits.intervalMs <= 0 || limits.maxTrackedKeys < 1) {
      throw new Error(`connection log limits must be positive: ${JSON.stringify(limits)}`);
    }
  }

  /** Writes `message` at info level unless this kind from this host is over its limit. */
  info(kind: string, clientHost: string, fields: Record<string, unknown>, message: string): void {
    const nowMs = this.now();
    const key = `${kind}\u0000${clientHost}`;
    let window = this.windows.get(key);
    if (window !== undefined && nowMs - window.startMs >= this.limits.intervalMs) {
      this.end(key, window);
      window = undefined;
    }
    if (window === undefined) {
      window = { kind, clientHost, startMs: nowMs, written: 0, suppressed: 0 };
      this.remember(key, window);
    } else {
      // Most recently seen last, so the first entry is the one to forget.
      this.windows.delete(key);
      this.windows.set(key, window);
    }
    if (window.written < this.limits.maxLinesPerInterval) {
      window.written++;
      this.logger.info(fields, message);
    } else {
      window.suppressed++;
    }
  }

  /** Ends the windows whose interval is over (the listener calls this on its timer). */
  sweep(): void {
    const nowMs = this.now();
    for (const [key, window] of this.windows) {
      if (nowMs - window.startMs >= this.limits.intervalMs) this.end(key, window);
    }
  }

  /** (kind, host) pairs currently tracked. */
  get trackedKeys(): number {
    return this.windows.size;
  }

  private remember(key: string, window: Window): void {
    while (this.windows.size >= this.limits.maxTrackedKeys) {
      const [oldestKey, oldest] = this.windows.entries().next().value!;
      this.end(oldestKey, oldest);
    }
    this.windows.set(key, window);
  }

  private end(key: string, window: Window): void {
    this.windows.delete(key);
    if (window.suppressed === 0) return;
    this.logger.info(
      { kind: window.kind, client: window.clientHost, suppressed: window.suppressed, windowMs: this.now() - window.startMs },
      `suppressed ${window.suppressed} similar: ${window.kind}`,
    );
  }
}
