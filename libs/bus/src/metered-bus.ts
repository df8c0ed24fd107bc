import type {
  Bus,
  BusStream,
  Bytes,
  MessageHandler,
  ReplyHandler,
  ReplyOptions,
  RequestOptions,
  SubscribeOptions,
  Subscription,
} from './bus.js';
import { BusError } from './errors.js';

/** One subject's traffic through this process's bus since it started. */
export interface SubjectTraffic {
  /** Requests sent, those that failed (no responder, timeout, remote error), and their total time in ms. */
  requests: number;
  failedRequests: number;
  requestMs: number;
  /** Requests answered here, by the pattern replied on. */
  replies: number;
  /** Messages published, and delivered to subscriptions here (by pattern). */
  published: number;
  received: number;
}

/** What a process's bus has carried, per subject, and what is waiting now. */
export interface BusFigures {
  subjects: ReadonlyMap<string, Readonly<SubjectTraffic>>;
  /** Requests sent and not yet answered. */
  requestsInFlight: number;
  /** Stream entries appended. */
  streamAppends: number;
}

/**
 * A bus that counts what passes through it (for `/metrics`): every call goes to the bus it
 * wraps, which either implementation can be. The counters are plain numbers, kept per subject
 * (a bounded set: the contracts' subjects and the patterns subscribed to).
 */
export class MeteredBus implements Bus {
  private readonly bySubject = new Map<string, SubjectTraffic>();
  private inFlight = 0;
  private appends = 0;

  constructor(private readonly inner: Bus) {}

  get maxPayloadBytes(): number {
    return this.inner.maxPayloadBytes;
  }

  get isClosed(): boolean {
    return this.inner.isClosed;
  }

  figures(): BusFigures {
    return { subjects: this.bySubject, requestsInFlight: this.inFlight, streamAppends: this.appends };
  }

  async request(subject: string, payload: Bytes, opts: RequestOptions): Promise<Buffer> {
    const traffic = this.traffic(subject);
    traffic.requests++;
    this.inFlight++;
    const startedAt = performance.now();
    try {
      return await this.inner.request(subject, payload, opts);
    } catch (error) {
      if (error instanceof BusError) traffic.failedRequests++;
      throw error;
    } finally {
      this.inFlight--;
      traffic.requestMs += performance.now() - startedAt;
    }
  }

  reply(subject: string, handler: ReplyHandler, opts?: ReplyOptions): Subscription {
    const traffic = this.traffic(subject);
    return this.inner.reply(
      subject,
      (payload, ctx) => {
        traffic.replies++;
        return handler(payload, ctx);
      },
      opts,
    );
  }

  publish(subject: string, payload: Bytes): void {
    this.inner.publish(subject, payload);
    this.traffic(subject).published++;
  }

  subscribe(subject: string, handler: MessageHandler, opts?: SubscribeOptions): Subscription {
    const traffic = this.traffic(subject);
    return this.inner.subscribe(
      subject,
      (payload, ctx) => {
        traffic.received++;
        return handler(payload, ctx);
      },
      opts,
    );
  }

  stream(name: string): BusStream {
    const stream = this.inner.stream(name);
    return {
      name: stream.name,
      append: (payload, opts) => {
        this.appends++;
        return stream.append(payload, opts);
      },
      read: (fromSeq, handler) => stream.read(fromSeq, handler),
      lastSequence: () => stream.lastSequence(),
    };
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private traffic(subject: string): SubjectTraffic {
    let traffic = this.bySubject.get(subject);
    if (!traffic) {
      traffic = { requests: 0, failedRequests: 0, requestMs: 0, replies: 0, published: 0, received: 0 };
      this.bySubject.set(subject, traffic);
    }
    return traffic;
  }
}
