import { InProcessBus, subscribeJson } from '@strom/bus';
import { BrokerTrafficSubjects, type BrokerTrafficReport } from '@strom/contracts';
import { createLogger } from '@strom/runtime';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BrokerTopicStats } from '../src/metrics/topic-traffic.js';
import { TrafficReporter } from '../src/metrics/traffic-reporter.js';

describe("a broker's traffic totals, and their reports on the bus", () => {
  let bus: InProcessBus | undefined;
  afterEach(async () => bus?.close());

  it('keeps the sum over all topics growing when a topic goes away, as Kafka’s all-topics meters do', () => {
    const stats = new BrokerTopicStats();
    const orders = stats.attach('orders');
    const audit = stats.attach('audit');
    orders.bytesIn += 700;
    audit.bytesIn += 300;
    audit.messagesIn += 3;
    expect(stats.allTopics('bytesIn')).toBe(1_000);
    stats.detach('audit');
    expect([...stats.topics()].map(([topic]) => topic)).toEqual(['orders']);
    expect([stats.allTopics('bytesIn'), stats.allTopics('messagesIn')]).toEqual([1_000, 3]);
    // Created again: its new figures add to what the deleted topic counted.
    stats.attach('audit').bytesIn += 50;
    expect(stats.allTopics('bytesIn')).toBe(1_050);
  });

  it('publishes the totals at once and then every interval, each report on the broker’s own clock', async () => {
    bus = new InProcessBus();
    const stats = new BrokerTopicStats();
    const traffic = stats.attach('orders');
    const reports: BrokerTrafficReport[] = [];
    const subscription = subscribeJson<BrokerTrafficReport>(bus, BrokerTrafficSubjects.report, (report) => void reports.push(report));
    await subscription.ready;
    const reporter = new TrafficReporter(bus, 7, stats, createLogger('test', 'silent'), 50);
    traffic.bytesIn = 1_000;
    traffic.bytesOut = 200;
    traffic.messagesIn = 10;
    reporter.start();
    await vi.waitFor(() => expect(reports.length).toBeGreaterThanOrEqual(1), { timeout: 1_000 });
    traffic.bytesIn = 3_000;
    await vi.waitFor(() => expect(reports.length).toBeGreaterThanOrEqual(3), { timeout: 2_000 });
    reporter.stop();
    const [first, , third] = reports as [BrokerTrafficReport, BrokerTrafficReport, BrokerTrafficReport];
    expect(first).toMatchObject({ brokerId: 7, intervalMs: 50, bytesIn: 1_000, bytesOut: 200, messagesIn: 10 });
    expect(third.bytesIn).toBe(3_000);
    expect(new Set(reports.map((report) => report.instance)).size).toBe(1);
    expect(third.elapsedMs - first.elapsedMs).toBeGreaterThanOrEqual(99);
    // Stopped: no report comes after.
    const count = reports.length;
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(reports.length).toBe(count);
  });
});
