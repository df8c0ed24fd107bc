/** Shared plumbing of both implementations. Not exported from the package. */
import { inspect } from 'node:util';
import {
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_MAX_PAYLOAD_BYTES,
  DEFAULT_MAX_PENDING_MESSAGES,
  DEFAULT_MAX_REPLY_CONCURRENCY,
  DEFAULT_MAX_STREAM_ENTRIES,
  DEFAULT_OPERATION_TIMEOUT_MS,
  MAX_REQUEST_TIMEOUT_MS,
  type BusOptions,
  type ErrorContext,
} from './bus.js';
import { BusInvalidArgumentError, BusPayloadTooLargeError, BusTimeoutError } from './errors.js';

export interface ResolvedOptions {
  maxPayloadBytes: number;
  maxPendingMessages: number;
  maxReplyConcurrency: number;
  maxStreamEntries: number;
  closeTimeoutMs: number;
  operationTimeoutMs: number;
  onError: (error: unknown, ctx: ErrorContext) => void;
}

export function resolveOptions(options: BusOptions = {}): ResolvedOptions {
  const resolved: ResolvedOptions = {
    maxPayloadBytes: options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES,
    maxPendingMessages: options.maxPendingMessages ?? DEFAULT_MAX_PENDING_MESSAGES,
    maxReplyConcurrency: options.maxReplyConcurrency ?? DEFAULT_MAX_REPLY_CONCURRENCY,
    maxStreamEntries: options.maxStreamEntries ?? DEFAULT_MAX_STREAM_ENTRIES,
    closeTimeoutMs: options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS,
    operationTimeoutMs: options.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS,
    onError:
      options.onError ??
      ((error, ctx) => {
        process.stderr.write(`[strom/bus] ${ctx.kind} '${ctx.subject}': ${inspect(error)}\n`);
      }),
  };
  for (const key of [
    'maxPayloadBytes',
    'maxPendingMessages',
    'maxReplyConcurrency',
    'maxStreamEntries',
    'closeTimeoutMs',
    'operationTimeoutMs',
  ] as const) {
    positiveInteger(resolved[key], key);
  }
  return resolved;
}

export function positiveInteger(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new BusInvalidArgumentError(`${what} must be a positive integer, got ${String(value)}`);
  }
}

export function checkTimeout(timeoutMs: unknown): number {
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > MAX_REQUEST_TIMEOUT_MS) {
    throw new BusInvalidArgumentError(`timeoutMs is required and must be in (0, ${MAX_REQUEST_TIMEOUT_MS}], got ${String(timeoutMs)}`);
  }
  return Math.ceil(timeoutMs);
}

/** Whitespace or NUL. */
const hasForbiddenChar = (text: string) => /\s/u.test(text) || text.includes('\0');
const MAX_SUBJECT_LENGTH = 1024;

/** Validate a subject; `pattern` allows `*` and a trailing `>`. Returns its tokens. */
export function checkSubject(subject: unknown, pattern: boolean): string[] {
  if (typeof subject !== 'string' || subject.length === 0 || subject.length > MAX_SUBJECT_LENGTH) {
    throw new BusInvalidArgumentError(`invalid subject ${JSON.stringify(subject)}: must be 1..${MAX_SUBJECT_LENGTH} chars`);
  }
  const tokens = subject.split('.');
  tokens.forEach((token, i) => {
    const wildcard = token === '*' || token === '>';
    if (token.length === 0 || hasForbiddenChar(token)) {
      throw new BusInvalidArgumentError(`invalid subject '${subject}': empty token or whitespace`);
    }
    if (wildcard && !pattern) {
      throw new BusInvalidArgumentError(`invalid subject '${subject}': wildcards are only allowed when subscribing`);
    }
    if (token === '>' && i !== tokens.length - 1) {
      throw new BusInvalidArgumentError(`invalid subject '${subject}': '>' must be the last token`);
    }
    if (!wildcard && (token.includes('*') || token.includes('>'))) {
      throw new BusInvalidArgumentError(`invalid subject '${subject}': '*' and '>' must be whole tokens`);
    }
  });
  return tokens;
}

export function checkQueue(queue: unknown): string | undefined {
  if (queue === undefined) return undefined;
  if (typeof queue !== 'string' || queue.length === 0 || queue.length > 256 || hasForbiddenChar(queue)) {
    throw new BusInvalidArgumentError(`invalid queue group name ${JSON.stringify(queue)}`);
  }
  return queue;
}

const STREAM_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export function checkStreamName(name: unknown): string {
  if (typeof name !== 'string' || !STREAM_NAME.test(name)) {
    throw new BusInvalidArgumentError(`invalid stream name ${JSON.stringify(name)}: use 1..64 of [A-Za-z0-9_-]`);
  }
  return name;
}

/** NATS subject matching: `*` = exactly one token, `>` = one or more trailing tokens. */
export function subjectMatches(pattern: readonly string[], subject: readonly string[]): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    if (p === '>') return subject.length > i;
    if (i >= subject.length) return false;
    if (p !== '*' && p !== subject[i]) return false;
  }
  return pattern.length === subject.length;
}

export function checkPayload(payload: unknown, maxPayloadBytes: number): Uint8Array {
  if (!(payload instanceof Uint8Array)) {
    throw new BusInvalidArgumentError(`payload must be a Uint8Array or Buffer, got ${typeof payload}`);
  }
  if (payload.byteLength > maxPayloadBytes) {
    throw new BusPayloadTooLargeError(payload.byteLength, maxPayloadBytes);
  }
  return payload;
}

/** Race `promise` against a timer; on timeout reject with BusTimeoutError(what, ms). */
export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BusTimeoutError(what, timeoutMs)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Wait for `promise` or `timeoutMs`, whichever is first; never rejects because of the timer. */
export async function raceTimer(promise: Promise<unknown>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  } finally {
    clearTimeout(timer);
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

export function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export interface DeliveryQueueOptions<T> {
  maxPending: number;
  concurrency: number;
  /** Called when an item is dropped because the queue is full. */
  onOverflow: (item: T, firstInEpisode: boolean) => void;
  /** Called when `run` throws. */
  onError: (error: unknown) => void;
}

/**
 * A bounded FIFO feeding a handler asynchronously (never inside push()), with at most
 * `concurrency` invocations in flight.
 */
export class DeliveryQueue<T> {
  private items: (T | undefined)[] = [];
  private head = 0;
  private active = 0;
  private scheduled = false;
  private stopped = false;
  private overflowing = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly run: (item: T) => void | Promise<unknown>,
    private readonly options: DeliveryQueueOptions<T>,
  ) {}

  get pending(): number {
    return this.items.length - this.head;
  }

  /** Enqueue; returns false (and reports overflow) if the queue is full or stopped. */
  push(item: T): boolean {
    if (this.stopped) return false;
    if (this.pending >= this.options.maxPending) {
      this.options.onOverflow(item, !this.overflowing);
      this.overflowing = true;
      return false;
    }
    this.items.push(item);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => {
        this.scheduled = false;
        this.pump();
      });
    }
    return true;
  }

  /** Discard queued items; nothing new starts. */
  stop(): void {
    this.stopped = true;
    this.items = [];
    this.head = 0;
    this.settleIdle();
  }

  /** Resolves when nothing is queued or running (stop() counts queued items as gone). */
  idle(): Promise<void> {
    if (this.active === 0 && this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (!this.stopped && this.active < this.options.concurrency && this.pending > 0) {
      const item = this.items[this.head] as T;
      this.items[this.head] = undefined;
      this.head++;
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      if (this.pending < this.options.maxPending / 2) this.overflowing = false;
      this.active++;
      void this.runOne(item);
    }
    this.settleIdle();
  }

  private async runOne(item: T): Promise<void> {
    try {
      await this.run(item);
    } catch (error) {
      try {
        this.options.onError(error);
      } catch {
        // an error reporter that throws must not break delivery
      }
    } finally {
      this.active--;
      this.pump();
    }
  }

  private settleIdle(): void {
    if (this.active === 0 && this.pending === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}

/** Call `report` safely (a throwing onError must not break the bus). */
export function safeReport(report: ResolvedOptions['onError'], error: unknown, ctx: ErrorContext): void {
  try {
    report(error, ctx);
  } catch {
    // ignore
  }
}
