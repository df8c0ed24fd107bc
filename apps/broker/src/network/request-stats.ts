import { apiDefinition, type ApiKey } from '@strom/protocol';

/**
 * Upper bounds (ms) of the request-time histograms' buckets, plus one bucket above the last:
 * from a tenth of a millisecond (a produce into the page cache) to a long poll's max wait.
 */
export const REQUEST_TIME_BUCKETS_MS: readonly number[] = [
  0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000,
];

/** A fixed-bucket histogram of durations (a Prometheus histogram's data). */
export class DurationHistogram {
  /** Observations per bucket; the last counts those above every bound. */
  readonly buckets = new Float64Array(REQUEST_TIME_BUCKETS_MS.length + 1);
  count = 0;
  sumMs = 0;

  observe(ms: number): void {
    let i = 0;
    while (i < REQUEST_TIME_BUCKETS_MS.length && ms > REQUEST_TIME_BUCKETS_MS[i]!) i++;
    this.buckets[i]!++;
    this.count++;
    this.sumMs += ms;
  }

  /** The bound of the bucket holding the `q` quantile (an upper estimate), or 0 with no observations. */
  quantileMs(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.ceil(q * this.count);
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i]!;
      if (seen >= rank) return REQUEST_TIME_BUCKETS_MS[i] ?? Number.POSITIVE_INFINITY;
    }
    return Number.POSITIVE_INFINITY;
  }
}

/** One API's request times (Kafka's RequestMetrics, per request name). */
export interface ApiRequestTimes {
  /** From the request being read to its response being ready: the handler, long polls and acks=all waits included. */
  readonly handle: DurationHistogram;
  /** From the response being ready to the socket taking its last byte (ResponseQueueTimeMs + ResponseSendTimeMs). */
  readonly send: DurationHistogram;
  /** The whole time (TotalTimeMs). */
  readonly total: DurationHistogram;
}

/**
 * Request counts and times per API for the whole broker, all listeners and connections, since it
 * started: what `/metrics` exports as Kafka's kafka.network RequestMetrics, and what the broker
 * logs at shutdown as a `request times` line.
 */
export class RequestStats {
  private readonly byApi = new Map<ApiKey, ApiRequestTimes>();

  record(apiKey: ApiKey, handleMs: number, sendMs: number): void {
    let times = this.byApi.get(apiKey);
    if (!times) {
      times = { handle: new DurationHistogram(), send: new DurationHistogram(), total: new DurationHistogram() };
      this.byApi.set(apiKey, times);
    }
    times.handle.observe(handleMs);
    times.send.observe(sendMs);
    times.total.observe(handleMs + sendMs);
  }

  /** Every API with at least one request answered, in API key order. */
  apis(): [ApiKey, ApiRequestTimes][] {
    return [...this.byApi].sort(([a], [b]) => a - b);
  }

  /** Per API: requests, and p50/p99 of the handle, send and total times (bucket bounds, ms). */
  summary(): Record<
    string,
    { requests: number; handleP50Ms: number; handleP99Ms: number; sendP50Ms: number; sendP99Ms: number; totalP99Ms: number }
  > {
    return Object.fromEntries(
      this.apis().map(([apiKey, times]) => [
        apiDefinition(apiKey)?.name ?? `api ${apiKey}`,
        {
          requests: times.total.count,
          handleP50Ms: times.handle.quantileMs(0.5),
          handleP99Ms: times.handle.quantileMs(0.99),
          sendP50Ms: times.send.quantileMs(0.5),
          sendP99Ms: times.send.quantileMs(0.99),
          totalP99Ms: times.total.quantileMs(0.99),
        },
      ]),
    );
  }
}
