/**
 * The interface every Strom service speaks. Two implementations share one contract
 * (libs/bus/test/bus-contract.ts): {@link InProcessBus} for embedded mode (one process) and
 * {@link NatsBus} on NATS + JetStream for distributed mode.
 *
 * Payloads are bytes. Handlers always get a `Buffer` of their own (never shared with the
 * publisher or another subscriber). JSON helpers live in json.ts.
 *
 * Subjects follow NATS: tokens separated by `.`, no empty tokens, no whitespace. Patterns in
 * subscribe/reply may use `*` (exactly one token) and `>` (one or more tokens, last token
 * only); subjects given to publish/request must be literal. Both implementations validate
 * the same way and throw {@link BusInvalidArgumentError}.
 *
 * Delivery: always asynchronous (a handler never runs inside the call that published).
 * Messages of one subscription are handled one at a time, in arrival order; a reply
 * subscription runs up to `maxReplyConcurrency` handlers at once. Each subscription has a
 * bounded queue (`maxPendingMessages`); on overflow new messages are dropped and reported
 * to `onError` as a BusSlowConsumerError (at-most-once, as with core NATS). A queued
 * request that overflows is answered with a BusRemoteError right away instead of timing out.
 *
 * Failures: everything rejects/throws a subclass of {@link BusError} with a stable `code`:
 * - request to a subject nobody subscribes → BusNoRespondersError, fast (no timeout wait);
 * - responder silent for `timeoutMs` → BusTimeoutError;
 * - responder's handler throws → BusRemoteError carrying the handler's message;
 * - payload > `maxPayloadBytes` → BusPayloadTooLargeError (nothing sent);
 * - append with a stale `expectedLastSeq` → BusConflictError;
 * - any call after close() → BusClosedError (sync methods throw it, async ones reject).
 * Errors thrown by subscribe handlers have no caller to go to; they go to `onError`.
 *
 * Subscribing is asynchronous on NATS (the server learns of it a round trip later); await
 * `subscription.ready` before relying on messages published by others to arrive.
 */
import type { BusErrorCode } from './errors.js';

export type Bytes = Uint8Array | Buffer;

export interface MessageContext {
  /** The literal subject the message was published to. */
  readonly subject: string;
}

export type ReplyContext = MessageContext;

export type MessageHandler = (payload: Buffer, ctx: MessageContext) => void | Promise<void>;
export type ReplyHandler = (payload: Buffer, ctx: ReplyContext) => Bytes | Promise<Bytes>;

export interface Subscription {
  /** The subject (pattern) subscribed to; for a stream read, the stream name. */
  readonly subject: string;
  /**
   * Resolves when the subscription is active at the server (NATS) — messages published
   * after that are delivered. Rejects (with a BusError) if it could not be established.
   */
  readonly ready: Promise<void>;
  /** True once unsubscribed (explicitly, by close(), or by a failed stream read). */
  readonly isClosed: boolean;
  /**
   * Stop delivery: no handler invocation starts after this resolves (one already running
   * is not awaited, so this may be called from inside a handler). Queued messages are
   * discarded. Once it resolves the transport routes nothing more here, so a request sent
   * afterwards from any connection finds no responders (unless another one listens).
   * Idempotent.
   */
  unsubscribe(): Promise<void>;
}

export interface RequestOptions {
  /** Required. How long to wait for the reply, in milliseconds (1 … MAX_REQUEST_TIMEOUT_MS). */
  timeoutMs: number;
}

export interface SubscribeOptions {
  /** Queue group: each message goes to one member of the group. */
  queue?: string;
  /** Per-subscription bound on undelivered messages; default from BusOptions. */
  maxPendingMessages?: number;
}

export interface ReplyOptions extends SubscribeOptions {
  /** How many handler invocations may run at once; default from BusOptions. */
  maxConcurrency?: number;
}

export interface StreamEntry {
  /** Sequence number in the stream, starting at 1, gap-free for appends. */
  readonly seq: bigint;
  readonly payload: Buffer;
}

export type StreamHandler = (entry: StreamEntry) => void | Promise<void>;

export interface AppendOptions {
  /**
   * Compare-and-set: append only if the stream's last sequence is this value (0n for an
   * empty stream); otherwise reject with BusConflictError.
   */
  expectedLastSeq?: bigint;
}

/**
 * An ordered, durable (on NATS: JetStream file storage) log. Created on first use.
 * The in-process implementation keeps entries in memory, so they live as long as the
 * process (or the InProcessHub) does.
 */
export interface BusStream {
  readonly name: string;
  /** Append one entry; resolves with its sequence (first entry is 1n). */
  append(payload: Bytes, opts?: AppendOptions): Promise<bigint>;
  /**
   * Deliver every entry with seq >= fromSeq in order, exactly once, then keep delivering
   * entries appended later (a live tail) until unsubscribed. The handler is awaited before
   * the next entry is delivered. If it throws, the read stops (no entry is skipped), the
   * error goes to `onError`, and the subscription is closed; resume with read(entry.seq).
   * fromSeq below 1n reads from the start.
   */
  read(fromSeq: bigint, handler: StreamHandler): Subscription;
  /** Sequence of the last entry, 0n if the stream is empty. */
  lastSequence(): Promise<bigint>;
}

export interface Bus {
  /** The effective payload limit in bytes (NATS: the smaller of ours and the server's). */
  readonly maxPayloadBytes: number;
  readonly isClosed: boolean;

  /** Send `payload` to one responder of `subject` and wait for its answer. */
  request(subject: string, payload: Bytes, opts: RequestOptions): Promise<Buffer>;
  /** Answer requests on `subject` (a pattern). With `queue`, one group member answers each. */
  reply(subject: string, handler: ReplyHandler, opts?: ReplyOptions): Subscription;

  /** Fire-and-forget (at most once). Throws synchronously on invalid input or when closed. */
  publish(subject: string, payload: Bytes): void;
  /** Receive messages published to subjects matching `subject` (a pattern). */
  subscribe(subject: string, handler: MessageHandler, opts?: SubscribeOptions): Subscription;

  /** The ordered durable stream `name` ([A-Za-z0-9_-], at most 64 chars). */
  stream(name: string): BusStream;

  /**
   * Stop accepting calls (they throw/reject BusClosedError), reject this bus's pending
   * requests, let queued messages of its subscriptions finish (bounded by
   * `closeTimeoutMs`), then release the transport. Idempotent.
   */
  close(): Promise<void>;
}

export interface ErrorContext {
  readonly kind: 'subscribe' | 'reply' | 'stream' | 'connection';
  /** Subject pattern or stream name. */
  readonly subject: string;
}

export interface BusOptions {
  /** Default 1 MiB. */
  maxPayloadBytes?: number;
  /** Per-subscription bound on undelivered messages. Default 10 000. */
  maxPendingMessages?: number;
  /** Concurrent handler invocations per reply subscription. Default 32. */
  maxReplyConcurrency?: number;
  /** Appends beyond this many entries in a stream are rejected (BusStreamFullError). Default 10 000 000. */
  maxStreamEntries?: number;
  /** Bound on close()'s waiting for queued messages and draining. Default 5 000 ms. */
  closeTimeoutMs?: number;
  /** Bound on stream operations (append, lastSequence, stream creation). Default 10 000 ms. */
  operationTimeoutMs?: number;
  /** Where errors without a caller go (handler errors, slow consumers). Default: a line on stderr. */
  onError?: (error: unknown, ctx: ErrorContext) => void;
}

export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;
export const DEFAULT_MAX_PENDING_MESSAGES = 10_000;
export const DEFAULT_MAX_REPLY_CONCURRENCY = 32;
export const DEFAULT_MAX_STREAM_ENTRIES = 10_000_000;
export const DEFAULT_CLOSE_TIMEOUT_MS = 5_000;
export const DEFAULT_OPERATION_TIMEOUT_MS = 10_000;
/**
 * Upper bound for RequestOptions.timeoutMs: the longest delay Node's timers accept (about 24.8
 * days; longer ones fire after 1 ms). Kafka's timeouts are int32 milliseconds and a group
 * coordinator may legitimately hold a JoinGroup for the member's whole rebalance timeout, so the
 * bus must not cut such a request short.
 */
export const MAX_REQUEST_TIMEOUT_MS = 2_147_483_647;

export type { BusErrorCode };
