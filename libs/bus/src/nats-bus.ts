/**
 * NatsBus: the Bus on NATS (core NATS for request/reply and pub/sub, JetStream for streams),
 * via NATS.js v3 (`@nats-io/transport-node`, `@nats-io/jetstream`).
 *
 * - A stream `name` is the JetStream stream `strom_<name>` bound to the subject
 *   `strom.stream.<name>` (both prefixes configurable), file storage, one replica, limits
 *   retention with `max_msgs = maxStreamEntries` and discard-new (a full stream rejects appends,
 *   it never silently drops old entries). Created on first use; an existing stream is used as
 *   is, whatever its configuration.
 * - read() uses an ordered consumer (ephemeral, server-side flow control, at most
 *   READ_BATCH_MESSAGES prefetched), deleted when the read ends.
 * - Compare-and-set appends send the `Nats-Expected-Last-Sequence` header (also for 0).
 * - A reply handler's error travels back as a reply with the `Nats-Service-Error` /
 *   `Nats-Service-Error-Code` headers (as NATS services do) and a JSON body
 *   `{ "error": { "message", "name", "code" } }`.
 */
import {
  connect,
  headers as natsHeaders,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  type Subscription as NatsSubscription,
} from '@nats-io/transport-node';
import {
  DiscardPolicy,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { traceHeaders, tracingEnabled, withParent } from '@strom/telemetry';
import type {
  Bus,
  BusOptions,
  BusStream,
  Bytes,
  MessageHandler,
  ReplyHandler,
  ReplyOptions,
  RequestOptions,
  SubscribeOptions,
  Subscription,
} from './bus.js';
import {
  BusClosedError,
  BusInvalidArgumentError,
  BusPayloadTooLargeError,
  BusRemoteError,
  BusSlowConsumerError,
  BusTransportError,
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
  raceTimer,
  resolveOptions,
  safeReport,
  withTimeout,
  type ResolvedOptions,
} from './internal.js';
import { replySpan, requestSpan } from './tracing.js';
import { mapNatsError } from './nats-errors.js';
import { NatsStream, type NatsStreamHost, type NatsStreamRead } from './nats-stream.js';

export const SERVICE_ERROR_HEADER = 'Nats-Service-Error';
export const SERVICE_ERROR_CODE_HEADER = 'Nats-Service-Error-Code';
const MAX_ERROR_HEADER_CHARS = 256;
const JS_STREAM_NAME_IN_USE = 10058;
const JS_STREAM_NOT_FOUND = 10059;

export interface NatsBusConnectOptions extends BusOptions {
  /** e.g. 'nats://127.0.0.1:4222' or several. */
  servers: string | string[];
  /** Connection name shown by the server (e.g. the service name). */
  name?: string;
  /** Bound on establishing the connection. Default 5 000 ms. */
  connectTimeoutMs?: number;
  /** Stream `x` is the JetStream stream `<streamNamePrefix>x`. Default 'strom_'. */
  streamNamePrefix?: string;
  /** Stream `x` lives on the subject `<streamSubjectPrefix>.x`. Default 'strom.stream'. */
  streamSubjectPrefix?: string;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

export class NatsBus implements Bus, NatsStreamHost {
  readonly maxPayloadBytes: number;
  private closed = false;
  private closing: Promise<void> | undefined;
  private readonly js: JetStreamClient;
  private manager: Promise<JetStreamManager> | undefined;
  private readonly subscriptions = new Set<NatsBusSubscription>();
  private readonly reads = new Set<NatsStreamRead>();
  private readonly pending = new Set<(error: Error) => void>();
  private readonly streamsReady = new Map<string, Promise<void>>();
  private readonly streams = new Map<string, NatsStream>();

  /** Connect to NATS. Rejects with BusTransportError if the server is unreachable. */
  static async connect(options: NatsBusConnectOptions): Promise<NatsBus> {
    const resolved = resolveOptions(options);
    const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    positiveInteger(connectTimeoutMs, 'connectTimeoutMs');
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers: options.servers,
        ...(options.name === undefined ? {} : { name: options.name }),
        timeout: connectTimeoutMs,
      });
    } catch (error) {
      throw new BusTransportError(`could not connect to NATS at ${String(options.servers)}: ${errorMessage(error)}`, { cause: error });
    }
    return new NatsBus(nc, resolved, options.streamNamePrefix ?? 'strom_', options.streamSubjectPrefix ?? 'strom.stream');
  }

  private constructor(
    /** The underlying connection (for diagnostics; do not close it directly). */
    readonly connection: NatsConnection,
    private readonly options: ResolvedOptions,
    private readonly streamNamePrefix: string,
    private readonly streamSubjectPrefix: string,
  ) {
    const serverMax = connection.info?.max_payload;
    this.maxPayloadBytes =
      typeof serverMax === 'number' && serverMax > 0 ? Math.min(serverMax, options.maxPayloadBytes) : options.maxPayloadBytes;
    checkSubject(`${streamSubjectPrefix}.x`, false);
    this.js = jetstream(connection, { timeout: options.operationTimeoutMs });
    void connection.closed().then((error) => {
      if (!this.closed) {
        this.closed = true;
        this.rejectPending(new BusClosedError('NATS connection closed', { cause: error }));
        if (error) safeReport(options.onError, error, { kind: 'connection', subject: String(connection.getServer()) });
      }
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async request(subject: string, payload: Bytes, opts: RequestOptions): Promise<Buffer> {
    this.assertOpen();
    checkSubject(subject, false);
    const timeoutMs = checkTimeout(opts?.timeoutMs);
    const bytes = checkPayload(payload, this.maxPayloadBytes);
    let msg: Msg;
    try {
      msg = await this.track(
        tracingEnabled()
          ? requestSpan(TRACING_SYSTEM, subject, () =>
              this.connection.request(subject, bytes, { timeout: timeoutMs, headers: traceHeadersOf(traceHeaders()) }),
            )
          : this.connection.request(subject, bytes, { timeout: timeoutMs }),
      );
    } catch (error) {
      throw mapNatsError(error, subject, timeoutMs, bytes.byteLength, this.maxPayloadBytes);
    }
    if (msg.headers?.has(SERVICE_ERROR_HEADER)) throw remoteErrorFrom(subject, msg);
    return Buffer.from(msg.data);
  }

  reply(subject: string, handler: ReplyHandler, opts: ReplyOptions = {}): Subscription {
    this.assertOpen();
    const concurrency = opts.maxConcurrency ?? this.options.maxReplyConcurrency;
    positiveInteger(concurrency, 'maxConcurrency');
    const maxPending = opts.maxPendingMessages ?? this.options.maxPendingMessages;
    return this.addSubscription(subject, opts.queue, maxPending, concurrency, 'reply', async (msg) => {
      let result: Bytes;
      try {
        const handle = async (): Promise<Bytes> => handler(Buffer.from(msg.data), { subject: msg.subject });
        result = await (tracingEnabled() ? withParent(traceParentOf(msg), () => replySpan(TRACING_SYSTEM, msg.subject, handle)) : handle());
        if (!(result instanceof Uint8Array)) {
          throw new BusInvalidArgumentError(`reply handler returned ${typeof result}, not bytes`);
        }
        if (result.byteLength > this.maxPayloadBytes) {
          throw new BusPayloadTooLargeError(result.byteLength, this.maxPayloadBytes);
        }
      } catch (error) {
        // Without a reply subject (a plain publish), the error has no requester to go to.
        if (msg.reply) respondWithError(msg, error);
        else safeReport(this.options.onError, error, { kind: 'reply', subject });
        return;
      }
      if (msg.reply) msg.respond(result);
    });
  }

  publish(subject: string, payload: Bytes): void {
    this.assertOpen();
    checkSubject(subject, false);
    const bytes = checkPayload(payload, this.maxPayloadBytes);
    try {
      this.connection.publish(subject, bytes);
    } catch (error) {
      throw mapNatsError(error, subject, 0, bytes.byteLength, this.maxPayloadBytes);
    }
  }

  subscribe(subject: string, handler: MessageHandler, opts: SubscribeOptions = {}): Subscription {
    this.assertOpen();
    const maxPending = opts.maxPendingMessages ?? this.options.maxPendingMessages;
    return this.addSubscription(subject, opts.queue, maxPending, 1, 'subscribe', (msg) =>
      handler(Buffer.from(msg.data), { subject: msg.subject }),
    );
  }

  stream(name: string): BusStream {
    this.assertOpen();
    checkStreamName(name);
    let stream = this.streams.get(name);
    if (!stream) {
      stream = new NatsStream(this, name, `${this.streamNamePrefix}${name}`, `${this.streamSubjectPrefix}.${name}`);
      this.streams.set(name, stream);
    }
    return stream;
  }

  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    const alreadyClosed = this.closed;
    this.closed = true;
    this.rejectPending(new BusClosedError());
    const deadline = Date.now() + this.options.closeTimeoutMs;
    const remaining = () => Math.max(1, deadline - Date.now());
    const subs = [...this.subscriptions];
    for (const sub of subs) sub.detach();
    await raceTimer(
      Promise.all([...[...this.reads].map((read) => read.unsubscribe()), ...subs.map((sub) => sub.deliveries.idle())]),
      remaining(),
    );
    for (const sub of subs) void sub.unsubscribe();
    if (alreadyClosed || this.connection.isClosed()) return;
    try {
      await raceTimer(this.connection.drain(), remaining());
    } catch {
      // draining failed; close below
    }
    if (!this.connection.isClosed()) await this.connection.close().catch(() => undefined);
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
  get jetStream(): JetStreamClient {
    return this.js;
  }

  /** @internal */
  jetStreamManager(): Promise<JetStreamManager> {
    if (!this.manager) {
      this.manager = withTimeout(
        jetstreamManager(this.connection, { timeout: this.options.operationTimeoutMs }),
        this.options.operationTimeoutMs,
        'JetStream manager',
      );
      this.manager.catch(() => (this.manager = undefined));
    }
    return this.manager;
  }

  /** @internal Create the JetStream stream if missing (once per bus and stream). */
  ensureStream(stream: NatsStream): Promise<void> {
    let ready = this.streamsReady.get(stream.name);
    if (!ready) {
      ready = withTimeout(this.createStream(stream), this.options.operationTimeoutMs, `create stream ${stream.name}`);
      ready.catch(() => this.streamsReady.delete(stream.name));
      this.streamsReady.set(stream.name, ready);
    }
    return ready;
  }

  private async createStream(stream: NatsStream): Promise<void> {
    try {
      const jsm = await this.jetStreamManager();
      try {
        await jsm.streams.info(stream.jsName);
        return;
      } catch (error) {
        if (!(error instanceof JetStreamApiError && error.code === JS_STREAM_NOT_FOUND)) throw error;
      }
      try {
        await jsm.streams.add({
          name: stream.jsName,
          subjects: [stream.jsSubject],
          storage: StorageType.File,
          retention: RetentionPolicy.Limits,
          discard: DiscardPolicy.New,
          max_msgs: this.options.maxStreamEntries,
          // No max_msg_size: it would count headers too; payload size is checked client-side.
          num_replicas: 1,
        });
      } catch (error) {
        // Someone else created it concurrently: fine.
        if (!(error instanceof JetStreamApiError && error.code === JS_STREAM_NAME_IN_USE)) throw error;
      }
    } catch (error) {
      throw mapNatsError(error, stream.name, this.options.operationTimeoutMs);
    }
  }

  /** @internal Reject the promise with BusClosedError if the bus closes first. */
  track<T>(promise: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.add(reject);
      promise.then(resolve, reject).finally(() => this.pending.delete(reject));
    });
  }

  /** @internal */
  trackRead(read: NatsStreamRead, active: boolean): void {
    if (active) this.reads.add(read);
    else this.reads.delete(read);
  }

  private rejectPending(error: Error): void {
    const rejects = [...this.pending];
    this.pending.clear();
    for (const reject of rejects) reject(error);
  }

  private addSubscription(
    subject: string,
    queueGroup: string | undefined,
    maxPending: number,
    concurrency: number,
    kind: 'subscribe' | 'reply',
    run: (msg: Msg) => void | Promise<unknown>,
  ): Subscription {
    checkSubject(subject, true);
    const queue = checkQueue(queueGroup);
    positiveInteger(maxPending, 'maxPendingMessages');
    const ctx = { kind, subject } as const;
    const deliveries = new DeliveryQueue<Msg>(run, {
      maxPending,
      concurrency,
      onOverflow: (msg, first) => {
        if (kind === 'reply') {
          respondWithError(msg, new BusSlowConsumerError(subject, maxPending), `responder overloaded (${maxPending} pending requests)`);
        }
        if (first) safeReport(this.options.onError, new BusSlowConsumerError(subject, maxPending), ctx);
      },
      onError: (error) => safeReport(this.options.onError, error, ctx),
    });
    let natsSub: NatsSubscription;
    try {
      natsSub = this.connection.subscribe(subject, {
        ...(queue === undefined ? {} : { queue }),
        callback: (error, msg) => {
          if (error) safeReport(this.options.onError, error, ctx);
          else deliveries.push(msg);
        },
      });
    } catch (error) {
      throw mapNatsError(error, subject, 0);
    }
    const ready = this.connection.flush().catch((error: unknown) => {
      throw mapNatsError(error, subject, 0);
    });
    ready.catch(() => undefined);
    const sub = new NatsBusSubscription(
      subject,
      natsSub,
      deliveries,
      ready,
      (s) => this.subscriptions.delete(s),
      () => (this.connection.isClosed() ? Promise.resolve() : this.connection.flush().catch(() => undefined)),
    );
    void natsSub.closed.then((error) => {
      if (error) safeReport(this.options.onError, error, ctx);
    });
    this.subscriptions.add(sub);
    return sub;
  }
}

class NatsBusSubscription implements Subscription {
  private closed = false;
  private unsubscribed: Promise<void> = Promise.resolve();

  constructor(
    readonly subject: string,
    private readonly natsSub: NatsSubscription,
    readonly deliveries: DeliveryQueue<Msg>,
    readonly ready: Promise<void>,
    private readonly onClosed: (sub: NatsBusSubscription) => void,
    /** Resolves once the server has processed everything sent so far (the UNSUB included). */
    private readonly flush: () => Promise<void>,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  /** Stop receiving new messages; queued ones still run. */
  detach(): void {
    if (!this.natsSub.isClosed()) {
      try {
        this.natsSub.unsubscribe();
      } catch {
        // connection already closed
      }
    }
  }

  unsubscribe(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.detach();
      this.deliveries.stop();
      this.onClosed(this);
      // The UNSUB sits in the client's write buffer until flushed: a request another
      // connection publishes meanwhile would still be routed here and dropped, waiting out
      // its timeout instead of getting no-responders. A PING round trip settles it.
      this.unsubscribed = this.flush();
    }
    return this.unsubscribed;
  }
}

function respondWithError(msg: Msg, error: unknown, message = errorMessage(error)): void {
  if (!msg.reply) return;
  const headers = natsHeaders();
  headers.set(SERVICE_ERROR_HEADER, message.replace(/[\r\n]+/g, ' ').slice(0, MAX_ERROR_HEADER_CHARS) || 'error');
  headers.set(SERVICE_ERROR_CODE_HEADER, '500');
  const body = JSON.stringify({ error: { message, name: errorName(error), code: errorCode(error) } });
  msg.respond(Buffer.from(body, 'utf8'), { headers });
}

function remoteErrorFrom(subject: string, msg: Msg): BusRemoteError {
  const headerMessage = msg.headers?.get(SERVICE_ERROR_HEADER) ?? 'remote error';
  try {
    const body = JSON.parse(Buffer.from(msg.data).toString('utf8')) as {
      error?: { message?: unknown; name?: unknown; code?: unknown };
    };
    const e = body.error;
    if (e && typeof e.message === 'string') {
      return new BusRemoteError(subject, e.message, {
        name: typeof e.name === 'string' ? e.name : undefined,
        code: typeof e.code === 'string' ? e.code : undefined,
      });
    }
  } catch {
    // not our JSON body: a plain NATS service error
  }
  return new BusRemoteError(subject, headerMessage);
}

/** messaging.system of the NATS bus's spans. */
const TRACING_SYSTEM = 'nats';

function traceHeadersOf(values: Record<string, string>): MsgHdrs {
  const headers = natsHeaders();
  for (const [name, value] of Object.entries(values)) headers.set(name, value);
  return headers;
}

/** The W3C trace headers a request carried, if any. */
function traceParentOf(msg: Msg): Record<string, string> | undefined {
  const traceparent = msg.headers?.get('traceparent');
  if (!traceparent) return undefined;
  const tracestate = msg.headers?.get('tracestate');
  return tracestate ? { traceparent, tracestate } : { traceparent };
}
