/**
 * The cluster's throughput, read from the Prometheus `/metrics` of the port that serves the
 * console. In embedded mode that scrape holds the broker's BrokerTopicMetrics; the samples
 * without a topic label are the sums over all topics. Two scrapes a known time apart give bytes
 * per second. In distributed mode this port's `/metrics` is the admin API's own, without them,
 * and the console says so rather than showing zeros.
 */

const BYTES_IN = 'kafka_server_brokertopicmetrics_bytesin_total';
const BYTES_OUT = 'kafka_server_brokertopicmetrics_bytesout_total';

export type Throughput =
  { available: true; bytesInPerSecond: number; bytesOutPerSecond: number; windowMs: number } | { available: false; reason: string };

interface Totals {
  bytesIn: number;
  bytesOut: number;
  atMs: number;
}

/** The value of the sample of `family` without labels (`name value` on a line of its own). */
function unlabelled(text: string, family: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${family} `));
  if (line === undefined) return undefined;
  const value = Number(
    line
      .slice(family.length + 1)
      .trim()
      .split(' ')[0],
  );
  return Number.isFinite(value) ? value : undefined;
}

async function scrape(): Promise<Totals | string> {
  const response = await fetch('/metrics', { cache: 'no-store' });
  if (!response.ok) return `this port serves no /metrics (HTTP ${response.status}).`;
  const text = await response.text();
  const atMs = performance.now();
  const bytesIn = unlabelled(text, BYTES_IN);
  const bytesOut = unlabelled(text, BYTES_OUT);
  if (bytesIn === undefined || bytesOut === undefined) {
    return `this port's /metrics has no ${BYTES_IN} (in distributed mode it is the admin API's own; the brokers serve theirs).`;
  }
  return { bytesIn, bytesOut, atMs };
}

/** Scrapes twice, `windowMs` apart, and answers the rates over that window. */
export async function sampleThroughput(windowMs: number): Promise<Throughput> {
  const first = await scrape();
  if (typeof first === 'string') return { available: false, reason: first };
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  const second = await scrape();
  if (typeof second === 'string') return { available: false, reason: second };
  if (second.bytesIn < first.bytesIn || second.bytesOut < first.bytesOut) {
    return { available: false, reason: 'the counters went back between the two scrapes (the broker restarted).' };
  }
  const elapsedMs = second.atMs - first.atMs;
  return {
    available: true,
    bytesInPerSecond: ((second.bytesIn - first.bytesIn) * 1000) / elapsedMs,
    bytesOutPerSecond: ((second.bytesOut - first.bytesOut) * 1000) / elapsedMs,
    windowMs: elapsedMs,
  };
}
