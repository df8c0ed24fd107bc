import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
import { DeliverPolicy, JetStreamApiError, type ConsumerMessages, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { AppendOptions, BusStream, Bytes, StreamHandler, Subscription } from './bus.js';
import { BusConflictError, BusInvalidArgumentError, BusStreamFullError, BusTransportError } from './errors.js';
import { checkPayload, raceTimer, safeReport, withTimeout, type ResolvedOptions } from './internal.js';
import { mapNatsError } from './nats-errors.js';

/**
 * A Bus stream on JetStream (see nats-bus.ts for the mapping of names, limits and headers):
 * appends are JetStream publishes, a read is an ordered consumer deleted when the read ends.
 */

const EXPECTED_LAST_SEQ_HEADER = 'Nats-Expected-Last-Sequence';
/** Messages an ordered consumer may prefetch for one read(). */
const READ_BATCH_MESSAGES = 256;
const JS_WRONG_LAST_SEQUENCE = 10071;
const JS_MAXIMUM_MESSAGES_EXCEEDED = 10077;

/** What a stream needs of its bus (NatsBus): the JetStream client, the bus's limits, and its close tracking. */
export interface NatsStreamHost {
  readonly maxPayloadBytes: number;
  readonly isClosed: boolean;
  readonly resolvedOptions: ResolvedOptions;
  readonly jetStream: JetStreamClient;
  assertOpen(): void;
  /** Rejects with BusClosedError if the bus closes first. */
  track<T>(promise: Promise<T>): Promise<T>;
  /** Creates the JetStream stream if missing (once per bus and stream). */
  ensureStream(stream: NatsStream): Promise<void>;
  jetStreamManager(): Promise<JetStreamManager>;
  trackRead(read: NatsStreamRead, active: boolean): void;
}

export class NatsStream implements BusStream {
  constructor(
    private readonly bus: NatsStreamHost,
    readonly name: string,
    readonly jsName: string,
    readonly jsSubject: string,
  ) {}

  async append(payload: Bytes, opts: AppendOptions = {}): Promise<bigint> {
    this.bus.assertOpen();
    const bytes = checkPayload(payload, this.bus.maxPayloadBytes);
    const expected = opts.expectedLastSeq;
    if (expected !== undefined && (typeof expected !== 'bigint' || expected < 0n)) {
      throw new BusInvalidArgumentError('expectedLastSeq must be a non-negative bigint');
    }
    await this.bus.track(this.bus.ensureStream(this));
    const timeoutMs = this.bus.resolvedOptions.operationTimeoutMs;
    // NATS.js skips expect.lastSequence = 0, so the header is set by hand. Headers count
    // against the server's max_payload, so none are sent unless needed.
    let headers: MsgHdrs | undefined;
    if (expected !== undefined) {
      headers = natsHeaders();
      headers.set(EXPECTED_LAST_SEQ_HEADER, expected.toString());
    }
    try {
      const ack = await this.bus.track(
        this.bus.jetStream.publish(this.jsSubject, bytes, {
          ...(headers === undefined ? {} : { headers }),
          timeout: timeoutMs,
        }),
      );
      if (ack.stream !== this.jsName) {
        throw new BusTransportError(
          `append to '${this.name}' landed in JetStream stream '${ack.stream}', not '${this.jsName}' (overlapping subjects?)`,
        );
      }
      return BigInt(ack.seq);
    } catch (error) {
      if (error instanceof JetStreamApiError) {
        if (error.code === JS_WRONG_LAST_SEQUENCE && expected !== undefined) {
          const actual = /(\d+)\s*$/.exec(error.message)?.[1];
          throw new BusConflictError(this.name, expected, actual === undefined ? undefined : BigInt(actual));
        }
        if (error.code === JS_MAXIMUM_MESSAGES_EXCEEDED) {
          throw new BusStreamFullError(this.name, undefined, { cause: error });
        }
      }
      throw mapNatsError(error, this.name, timeoutMs, bytes.byteLength, this.bus.maxPayloadBytes);
    }
  }

  read(fromSeq: bigint, handler: StreamHandler): Subscription {
    this.bus.assertOpen();
    if (typeof fromSeq !== 'bigint') throw new BusInvalidArgumentError('fromSeq must be a bigint');
    return new NatsStreamRead(this.bus, this, fromSeq < 1n ? 1n : fromSeq, handler);
  }

  async lastSequence(): Promise<bigint> {
    this.bus.assertOpen();
    await this.bus.track(this.bus.ensureStream(this));
    const timeoutMs = this.bus.resolvedOptions.operationTimeoutMs;
    try {
      const jsm = await this.bus.track(this.bus.jetStreamManager());
      const info = await this.bus.track(withTimeout(jsm.streams.info(this.jsName), timeoutMs, this.name));
      return BigInt(info.state.last_seq);
    } catch (error) {
      throw mapNatsError(error, this.name, timeoutMs);
    }
  }
}

export class NatsStreamRead implements Subscription {
  readonly ready: Promise<void>;
  private stopped = false;
  private messages: ConsumerMessages | undefined;
  private deleteConsumer: (() => Promise<unknown>) | undefined;

  constructor(
    private readonly bus: NatsStreamHost,
    private readonly stream: NatsStream,
    private next: bigint,
    private readonly handler: StreamHandler,
  ) {
    bus.trackRead(this, true);
    this.ready = this.start();
    this.ready.catch(() => undefined);
  }

  get subject(): string {
    return this.stream.name;
  }

  get isClosed(): boolean {
    return this.stopped;
  }

  async unsubscribe(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.bus.trackRead(this, false);
    const messages = this.messages;
    this.messages = undefined;
    if (messages) {
      messages.stop();
      const timeoutMs = this.bus.resolvedOptions.operationTimeoutMs;
      await raceTimer(
        Promise.resolve(this.deleteConsumer?.()).catch(() => undefined),
        timeoutMs,
      );
    }
  }

  private async start(): Promise<void> {
    const timeoutMs = this.bus.resolvedOptions.operationTimeoutMs;
    try {
      await this.bus.ensureStream(this.stream);
      const consumer = await withTimeout(
        this.bus.jetStream.consumers.get(this.stream.jsName, {
          deliver_policy: DeliverPolicy.StartSequence,
          opt_start_seq: Number(this.next),
        }),
        timeoutMs,
        `read ${this.stream.name}`,
      );
      this.deleteConsumer = () => consumer.delete();
      const messages = await withTimeout(consumer.consume({ max_messages: READ_BATCH_MESSAGES }), timeoutMs, `read ${this.stream.name}`);
      if (this.stopped) {
        messages.stop();
        await consumer.delete().catch(() => undefined);
        return;
      }
      this.messages = messages;
      void this.loop(messages);
    } catch (error) {
      const mapped = mapNatsError(error, this.stream.name, timeoutMs);
      if (!this.stopped) {
        void this.unsubscribe();
        safeReport(this.bus.resolvedOptions.onError, mapped, { kind: 'stream', subject: this.stream.name });
      }
      throw mapped;
    }
  }

  private async loop(messages: ConsumerMessages): Promise<void> {
    try {
      for await (const msg of messages) {
        if (this.stopped) break;
        const seq = BigInt(msg.seq);
        if (seq < this.next) continue; // already delivered (consumer reset)
        await this.handler({ seq, payload: Buffer.from(msg.data) });
        this.next = seq + 1n;
      }
      if (!this.stopped && !this.bus.isClosed) {
        throw new BusTransportError(`read of stream '${this.stream.name}' ended unexpectedly`);
      }
    } catch (error) {
      if (this.stopped) return;
      void this.unsubscribe();
      safeReport(this.bus.resolvedOptions.onError, error, { kind: 'stream', subject: this.stream.name });
    }
  }
}
