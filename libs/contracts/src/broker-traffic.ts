/**
 * Each broker's traffic totals, published on the bus so that a process without the brokers'
 * counters (the admin API in distributed mode) can tell the cluster's throughput. The figures are
 * the ones `kafka_server_brokertopicmetrics_*_total` (without a topic label) are scraped from.
 */

export const BrokerTrafficSubjects = {
  /**
   * Published by every broker every {@link BrokerTrafficReport.intervalMs} (fire-and-forget, at
   * most once): {@link BrokerTrafficReport}. One subject for all brokers, so the subjects (and the
   * bus metrics labelled by subject) stay as many however many brokers there are.
   */
  report: 'strom.brokers.traffic',
} as const;

/** One broker's totals since it started; the reader makes rates from two reports of one `instance`. */
export interface BrokerTrafficReport {
  brokerId: number;
  /** Differs on each start of the broker process: its totals (and `elapsedMs`) begin again at 0. */
  instance: string;
  /** Milliseconds on the broker's monotonic clock since it started: the time between two reports, free of bus delays. */
  elapsedMs: number;
  /** How often this broker reports: a reader treats a broker silent for a few intervals as gone. */
  intervalMs: number;
  /** Record batch bytes appended by producers, over all topics, including topics since deleted (BytesInPerSec's count). */
  bytesIn: number;
  /** Record bytes sent to consumers (BytesOutPerSec's count). */
  bytesOut: number;
  /** Records appended by producers (MessagesInPerSec's count). */
  messagesIn: number;
}
