import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { encodeJson, type Bus } from '@strom/bus';
import { BrokerTrafficSubjects, type BrokerTrafficReport } from '@strom/contracts';
import type { Logger } from '@strom/runtime';
import type { BrokerTopicStats } from './topic-traffic.js';

/**
 * How often a broker publishes its traffic totals: often enough for a console's "bytes per second"
 * to follow the traffic, and one small message a second per broker on the bus.
 */
export const TRAFFIC_REPORT_INTERVAL_MS = 1_000;

/**
 * Publishes this broker's traffic totals on the bus every interval (BrokerTrafficSubjects.report),
 * for the admin API's overview: in distributed mode it is another process and cannot read them
 * from this one's `/metrics`. Fire-and-forget: a report lost (at-most-once delivery) only makes the
 * reader's next rate span two intervals, because the figures are totals, not rates.
 */
export class TrafficReporter {
  private readonly instance = randomUUID();
  private readonly startedAtMs = performance.now();
  private timer: NodeJS.Timeout | undefined;
  private failureLogged = false;

  constructor(
    private readonly bus: Bus,
    private readonly brokerId: number,
    private readonly stats: BrokerTopicStats,
    private readonly logger: Logger,
    private readonly intervalMs: number = TRAFFIC_REPORT_INTERVAL_MS,
  ) {}

  /** Reports now (a reader sees this broker one interval sooner) and then every interval. */
  start(): void {
    this.report();
    this.timer = setInterval(() => this.report(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private report(): void {
    const report: BrokerTrafficReport = {
      brokerId: this.brokerId,
      instance: this.instance,
      elapsedMs: performance.now() - this.startedAtMs,
      intervalMs: this.intervalMs,
      bytesIn: this.stats.allTopics('bytesIn'),
      bytesOut: this.stats.allTopics('bytesOut'),
      messagesIn: this.stats.allTopics('messagesIn'),
    };
    try {
      this.bus.publish(BrokerTrafficSubjects.report, encodeJson(report));
      this.failureLogged = false;
    } catch (error) {
      // The bus refuses while it reconnects or closes; the next report carries the same totals.
      if (!this.failureLogged) this.logger.warn({ err: error }, 'could not publish the traffic report');
      this.failureLogged = true;
    }
  }
}
