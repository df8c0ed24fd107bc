/**
 * InProcessBus: the Bus for embedded mode, everything in one process, no network.
 *
 * Semantics match NatsBus (same contract suite): NATS subject wildcards, queue groups
 * (a random member of each group gets a message), no-responders detection, typed errors,
 * asynchronous delivery through bounded per-subscription queues.
 *
 * Several InProcessBus instances can share an {@link InProcessHub} to behave like several
 * connections to one server (each closes independently). Stream entries live in the hub's
 * memory: they are not durable across restarts and are bounded only by maxStreamEntries.
 */
import { activeContext, tracingEnabled, withParent, type Context } from '@strom/telemetry';
import type {
  AppendOptions,
  Bus,
  BusOptions,
  BusStream,
  Bytes,
  MessageHandler,
  ReplyHandler,
  ReplyOptions,
  RequestOptions,
  StreamHandler,
  SubscribeOptions,
  Subscription,
} from './bus.js';
import {
  BusClosedError,
  BusConflictError,
  BusInvalidArgumentError,
  BusNoRespondersError,
  BusPayloadTooLargeError,
  BusRemoteError,
  BusSlowConsumerError,
  BusStreamFullError,
  BusTimeoutError,
} from './errors.js';
import {
  DeliveryQueue,
  checkPayload,
  checkQueue,
  checkStreamName,
  checkSubject,
  checkTimeout,
  errorCode,
  errorMessage,
  errorName,
  positiveInteger,
  resolveOptions,
  safeReport,
  subjectMatches,
  type ResolvedOptions,
} from './internal.js';
import { replySpan, requestSpan } from './tracing.js';

/** messaging.system of the in-process bus's spans. */
const TRACING_SYSTEM = 'strom-in-process-bus';

/** Entries processed by a stream reader before it yields to the event loop. */
const READ_YIELD_EVERY = 256;

interface PendingRequest {
  settled: boolean;
  /** The requester's trace context (while tracing is on): the parent of the handler's span. */
  traceContext: Context | undefined;
  respond(payload: Buffer): void;
  fail(error: Error): void;
}

interface Delivery {
  subject: string;
  payload: Buffer;
  request: PendingRequest | undefined;
}

interface HubSubscription {
  readonly tokens: readonly string[];
  readonly queue: string | undefined;
  deliver(delivery: Delivery): void;
}

interface MemoryStream {
  readonly entries: Buffer[];
  readonly waiters: Set<() => void>;
}

/** The shared "server" of InProcessBus instances: subscriptions and stream contents. */
export class InProcessHub {
  private readonly subscriptions = new Set<HubSubscription>();
  private readonly streams = new Map<string, MemoryStream>();

  /** @internal */
  add(sub: HubSubscription): void {
    this.subscriptions.add(sub);
  }

  /** @internal */
  remove(sub: HubSubscription): void {
    this.subscriptions.delete(sub);
  }

  /** @internal Deliver to every matching subscription (one per queue group); returns the interest count. */
  route(subject: string, tokens: readonly string[], payload: Uint8Array, request?: PendingRequest): number {
    let interest = 0;
    const groups = new Map<string, HubSubscription[]>();
    const targets: HubSubscription[] = [];
    for (const sub of this.subscriptions) {
      if (!subjectMatches(sub.tokens, tokens)) continue;
      interest++;
      if (sub.queue === undefined) {
        targets.push(sub);
      } else {
        const members = groups.get(sub.queue);
        if (members) members.push(sub);
        else groups.set(sub.queue, [sub]);
      }
    }
    for (const members of groups.values()) {
      targets.push(members[Math.floor(Math.random() * members.length)] as HubSubscription);
    }
    for (const sub of targets) {
      sub.deliver({ subject, payload: Buffer.from(payload), request });
    }
    return interest;
  }

  /** @internal */
  stream(name: string): MemoryStream {
    let stream = this.streams.get(name);
    if (!stream) {
      stream = { entries: [], waiters: new Set() };
      this.streams.set(name, stream);
    }
    return stream;
  }
}

export interface InProcessBusOptions extends BusOptions {
  /** Share subscriptions and streams with other InProcessBus instances. Default: a new hub. */
  hub?: InProcessHub;
}

export class InProcessBus implements Bus {
  readonly hub: InProcessHub;
  readonly maxPayloadBytes: number;
  private readonly options: ResolvedOptions;
  private closed = false;
  private closing: Promise<void> | undefined;
  private readonly subscriptions = new Set<LocalSubscription>();
  private readonly pendingRequests = new Set<PendingRequest>();
  private readonly reads = new Set<StreamRead>();
  private readonly streams = new Map<string, InProcessStream>();

  constructor(options: InProcessBusOptions = {}) {
    this.options = resolveOptions(options);
    this.hub = options.hub ?? new InProcessHub();
    this.maxPayloadBytes = this.options.maxPayloadBytes;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async request(subject: string, payload: Bytes, opts: RequestOptions): Promise<Buffer> {
    this.assertOpen();
    const tokens = checkSubject(subject, false);
    const timeoutMs = checkTimeout(opts?.timeoutMs);
    const bytes = checkPayload(payload, this.maxPayloadBytes);
    if (!tracingEnabled()) return this.send(subject, tokens, bytes, timeoutMs, undefined);
    // The handler runs from the subscription's queue, not in this call: its span's parent is handed over.
    return requestSpan(TRACING_SYSTEM, subject, () => this.send(subject, tokens, bytes, timeoutMs, activeContext()));
  }

  private send(
    subject: string,
    tokens: string[],
    bytes: Uint8Array,
    timeoutMs: number,
    traceContext: Context | undefined,
  ): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      const settle = () => {
        pending.settled = true;
        clearTimeout(timer);
        this.pendingRequests.delete(pending);
      };
      const pending: PendingRequest = {
        settled: false,
        traceContext,
        respond: (reply) => {
          if (pending.settled) return;
          settle();
          resolve(reply);
        },
        fail: (error) => {
          if (pending.settled) return;
          settle();
          reject(error);
        },
      };
      const timer = setTimeout(() => pending.fail(new BusTimeoutError(subject, timeoutMs)), timeoutMs);
      this.pendingRequests.add(pending);
      const interest = this.hub.route(subject, tokens, bytes, pending);
      if (interest === 0) pending.fail(new BusNoRespondersError(subject));
    });
  }

  reply(subject: string, handler: ReplyHandler, opts: ReplyOptions = {}): Subscription {
    this.assertOpen();
    const concurrency = opts.maxConcurrency ?? this.options.maxReplyConcurrency;
    positiveInteger(concurrency, 'maxConcurrency');
    const maxPending = opts.maxPendingMessages ?? this.options.maxPendingMessages;
    return this.addSubscription(subject, opts.queue, maxPending, concurrency, 'reply', async (delivery) => {
      const request = delivery.request;
      let result: Bytes;
      try {
        const handle = async (): Promise<Bytes> => handler(delivery.payload, { subject: delivery.subject });
        result = await (tracingEnabled()
          ? withParent(request?.traceContext, () => replySpan(TRACING_SYSTEM, delivery.subject, handle))
          : handle());
        if (!(result instanceof Uint8Array)) {
          throw new BusInvalidArgumentError(`reply handler returned ${typeof result}, not bytes`);
        }
        if (result.byteLength > this.maxPayloadBytes) {
          throw new BusPayloadTooLargeError(result.byteLength, this.maxPayloadBytes);
        }
      } catch (error) {
        if (request) {
          request.fail(new BusRemoteError(delivery.subject, errorMessage(error), { name: errorName(error), code: errorCode(error) }));
        } else {
          // A plain publish to a reply subject: the error has no requester to go to.
          safeReport(this.options.onError, error, { kind: 'reply', subject });
        }
        return;
      }
      request?.respond(Buffer.from(result));
    });
  }

  publish(subject: string, payload: Bytes): void {
    this.assertOpen();
    const tokens = checkSubject(subject, false);
    const bytes = checkPayload(payload, this.maxPayloadBytes);
    this.hub.route(subject, tokens, bytes);
  }

  subscribe(subject: string, handler: MessageHandler, opts: SubscribeOptions = {}): Subscription {
    this.assertOpen();
    const maxPending = opts.maxPendingMessages ?? this.options.maxPendingMessages;
    return this.addSubscription(subject, opts.queue, maxPending, 1, 'subscribe', (delivery) =>
      handler(delivery.payload, { subject: delivery.subject }),
    );
  }

  stream(name: string): BusStream {
    this.assertOpen();
    checkStreamName(name);
    let stream = this.streams.get(name);
    if (!stream) {
      stream = new InProcessStream(this, name);
      this.streams.set(name, stream);
    }
    return stream;
  }

  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    this.closed = true;
    for (const pending of [...this.pendingRequests]) pending.fail(new BusClosedError());
    for (const read of [...this.reads]) void read.unsubscribe();
    const subs = [...this.subscriptions];
    for (const sub of subs) sub.detach();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(subs.map((sub) => sub.deliveries.idle())),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.closeTimeoutMs))),
    ]);
    clearTimeout(timer);
    for (const sub of subs) void sub.unsubscribe();
  }

  /** @internal */
  assertOpen(): void {
    if (this.closed) throw new BusClosedError();
  }

  /** @internal */
  get resolvedOptions(): ResolvedOptions {
    return this.options;
  }

  /** @internal */
  trackRead(read: StreamRead, active: boolean): void {
    if (active) this.reads.add(read);
    else this.reads.delete(read);
  }

  private addSubscription(
    subject: string,
    queueGroup: string | undefined,
    maxPending: number,
    concurrency: number,
    kind: 'subscribe' | 'reply',
    run: (delivery: Delivery) => void | Promise<unknown>,
  ): Subscription {
    const tokens = checkSubject(subject, true);
    const queueName = checkQueue(queueGroup);
    positiveInteger(maxPending, 'maxPendingMessages');
    const ctx = { kind, subject } as const;
    const queue = new DeliveryQueue<Delivery>(run, {
      maxPending,
      concurrency,
      onOverflow: (delivery, first) => {
        delivery.request?.fail(
          new BusRemoteError(delivery.subject, `responder overloaded (${maxPending} pending requests)`, {
            code: 'SLOW_CONSUMER',
          }),
        );
        if (first) safeReport(this.options.onError, new BusSlowConsumerError(subject, maxPending), ctx);
      },
      onError: (error) => safeReport(this.options.onError, error, ctx),
    });
    const sub = new LocalSubscription(subject, tokens, queueName, queue, this.hub, (s) => this.subscriptions.delete(s));
    this.subscriptions.add(sub);
    this.hub.add(sub);
    return sub;
  }
}

class LocalSubscription implements Subscription, HubSubscription {
  readonly ready = Promise.resolve();
  private closed = false;

  constructor(
    readonly subject: string,
    readonly tokens: readonly string[],
    readonly queue: string | undefined,
    readonly deliveries: DeliveryQueue<Delivery>,
    private readonly hub: InProcessHub,
    private readonly onClosed: (sub: LocalSubscription) => void,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  deliver(delivery: Delivery): void {
    this.deliveries.push(delivery);
  }

  /** Stop receiving new messages; queued ones still run. */
  detach(): void {
    this.hub.remove(this);
  }

  unsubscribe(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.hub.remove(this);
      this.deliveries.stop();
      this.onClosed(this);
    }
    return Promise.resolve();
  }
}

class InProcessStream implements BusStream {
  constructor(
    private readonly bus: InProcessBus,
    readonly name: string,
  ) {}

  async append(payload: Bytes, opts: AppendOptions = {}): Promise<bigint> {
    this.bus.assertOpen();
    const bytes = checkPayload(payload, this.bus.maxPayloadBytes);
    const expected = opts.expectedLastSeq;
    if (expected !== undefined && typeof expected !== 'bigint') {
      throw new BusInvalidArgumentError('expectedLastSeq must be a bigint');
    }
    const stream = this.bus.hub.stream(this.name);
    const last = BigInt(stream.entries.length);
    if (expected !== undefined && expected !== last) {
      throw new BusConflictError(this.name, expected, last);
    }
    const max = this.bus.resolvedOptions.maxStreamEntries;
    if (stream.entries.length >= max) throw new BusStreamFullError(this.name, max);
    stream.entries.push(Buffer.from(bytes));
    const waiters = [...stream.waiters];
    stream.waiters.clear();
    for (const wake of waiters) wake();
    return last + 1n;
  }

  read(fromSeq: bigint, handler: StreamHandler): Subscription {
    this.bus.assertOpen();
    if (typeof fromSeq !== 'bigint') throw new BusInvalidArgumentError('fromSeq must be a bigint');
    return new StreamRead(this.bus, this.name, fromSeq < 1n ? 1n : fromSeq, handler);
  }

  async lastSequence(): Promise<bigint> {
    this.bus.assertOpen();
    return BigInt(this.bus.hub.stream(this.name).entries.length);
  }
}

class StreamRead implements Subscription {
  readonly ready = Promise.resolve();
  private stopped = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly bus: InProcessBus,
    readonly subject: string,
    private next: bigint,
    private readonly handler: StreamHandler,
  ) {
    bus.trackRead(this, true);
    queueMicrotask(() => void this.loop());
  }

  get isClosed(): boolean {
    return this.stopped;
  }

  unsubscribe(): Promise<void> {
    if (!this.stopped) {
      this.stopped = true;
      this.bus.trackRead(this, false);
      const wake = this.wake;
      this.wake = undefined;
      if (wake) {
        this.bus.hub.stream(this.subject).waiters.delete(wake);
        wake();
      }
    }
    return Promise.resolve();
  }

  private async loop(): Promise<void> {
    const stream = this.bus.hub.stream(this.subject);
    let sinceYield = 0;
    while (!this.stopped) {
      const index = Number(this.next - 1n);
      if (index < stream.entries.length) {
        const payload = Buffer.from(stream.entries[index] as Buffer);
        try {
          await this.handler({ seq: this.next, payload });
        } catch (error) {
          void this.unsubscribe();
          safeReport(this.bus.resolvedOptions.onError, error, { kind: 'stream', subject: this.subject });
          return;
        }
        this.next++;
        if (++sinceYield >= READ_YIELD_EVERY) {
          sinceYield = 0;
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
        continue;
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        stream.waiters.add(resolve);
      });
      this.wake = undefined;
    }
  }
}
