import type { BrokerTrafficReport } from '@strom/contracts';

/** Brokers tracked at most: far above any cluster's size, and a bound on what stray reports can make this hold. */
export const MAX_TRACKED_BROKERS = 4_096;
/** A broker silent for this many of its report intervals is dropped (it stopped, or the bus lost it). */
export const SILENT_INTERVALS = 3;
/** Report intervals accepted: a report with another one is malformed (and would make staleness meaningless). */
const MAX_INTERVAL_MS = 60_000;

/** One broker's rates over the time between its two latest reports. */
export interface BrokerThroughput {
  readonly brokerId: number;
  readonly bytesInPerSec: number;
  readonly bytesOutPerSec: number;
  readonly messagesInPerSec: number;
  /** The time between the two reports, on the broker's clock. */
  readonly windowMs: number;
}

interface Sample {
  readonly instance: string;
  readonly elapsedMs: number;
  readonly intervalMs: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly messagesIn: number;
  readonly receivedAtMs: number;
}

interface Reports {
  previous: Sample | undefined;
  latest: Sample;
}

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0;

/** The report if it is one (it came over the bus from another process: nothing is taken on trust). */
function validReport(value: unknown): BrokerTrafficReport | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const report = value as Partial<BrokerTrafficReport>;
  const valid =
    Number.isInteger(report.brokerId) &&
    report.brokerId! >= 0 &&
    typeof report.instance === 'string' &&
    report.instance.length > 0 &&
    report.instance.length <= 64 &&
    isCount(report.elapsedMs) &&
    isCount(report.intervalMs) &&
    report.intervalMs > 0 &&
    report.intervalMs <= MAX_INTERVAL_MS &&
    isCount(report.bytesIn) &&
    isCount(report.bytesOut) &&
    isCount(report.messagesIn);
  return valid ? (report as BrokerTrafficReport) : undefined;
}

/**
 * The cluster's throughput from the brokers' traffic reports (BrokerTrafficSubjects.report): each
 * broker's rates are the growth of its totals between its two latest reports over the time between
 * them on its own clock (bus delays do not bend it); a broker not heard from in
 * {@link SILENT_INTERVALS} of its intervals, on this process's clock, counts no more. A restarted
 * broker (a new `instance`) starts over: its rates come with its second report. Pure: the clock is
 * given, so tests drive time.
 */
export class ClusterThroughput {
  private readonly brokers = new Map<number, Reports>();

  /** `nowMs`: a monotonic clock of this process, in milliseconds. */
  constructor(
    private readonly nowMs: () => number,
    private readonly maxBrokers: number = MAX_TRACKED_BROKERS,
  ) {}

  /** Takes a report as it came off the bus; false when it is malformed, out of order, or one broker too many. */
  record(value: unknown): boolean {
    const report = validReport(value);
    if (!report) return false;
    const now = this.nowMs();
    const sample: Sample = { ...report, receivedAtMs: now };
    const known = this.brokers.get(report.brokerId);
    if (!known) {
      // Silent brokers are dropped when read, and here only when they take room: a report costs O(1).
      if (this.brokers.size >= this.maxBrokers) this.dropSilent(now);
      if (this.brokers.size >= this.maxBrokers) return false;
      this.brokers.set(report.brokerId, { previous: undefined, latest: sample });
      return true;
    }
    const latest = known.latest;
    if (sample.instance === latest.instance && sample.elapsedMs <= latest.elapsedMs) return false;
    const restarted =
      sample.instance !== latest.instance ||
      sample.bytesIn < latest.bytesIn ||
      sample.bytesOut < latest.bytesOut ||
      sample.messagesIn < latest.messagesIn;
    known.previous = restarted ? undefined : latest;
    known.latest = sample;
    return true;
  }

  /** The rates of every live broker heard from twice, by broker id. */
  perBroker(): BrokerThroughput[] {
    this.dropSilent(this.nowMs());
    const rates: BrokerThroughput[] = [];
    for (const [brokerId, { previous, latest }] of this.brokers) {
      if (!previous) continue;
      const windowMs = latest.elapsedMs - previous.elapsedMs;
      const perSec = (before: number, after: number) => ((after - before) * 1000) / windowMs;
      rates.push({
        brokerId,
        bytesInPerSec: perSec(previous.bytesIn, latest.bytesIn),
        bytesOutPerSec: perSec(previous.bytesOut, latest.bytesOut),
        messagesInPerSec: perSec(previous.messagesIn, latest.messagesIn),
        windowMs,
      });
    }
    return rates.sort((a, b) => a.brokerId - b.brokerId);
  }

  /** Live brokers heard from at least once (a broker's first report gives no rate yet). */
  get brokersHeard(): number {
    this.dropSilent(this.nowMs());
    return this.brokers.size;
  }

  private dropSilent(now: number): void {
    for (const [brokerId, { latest }] of this.brokers) {
      if (now - latest.receivedAtMs > SILENT_INTERVALS * latest.intervalMs) this.brokers.delete(brokerId);
    }
  }
}
