import type { BrokerTrafficReport } from '@strom/contracts';
import { describe, expect, it } from 'vitest';
import type { ClusterClient } from '../src/rest/cluster-client.js';
import { ClusterThroughput, SILENT_INTERVALS } from '../src/strom-api/cluster-throughput.js';
import { clusterOverview } from '../src/strom-api/overview.js';

/** A report of broker `brokerId`, `elapsedMs` after its start, with its totals. */
function report(brokerId: number, elapsedMs: number, totals: Partial<BrokerTrafficReport> = {}): BrokerTrafficReport {
  return { brokerId, instance: `broker-${brokerId}-a`, elapsedMs, intervalMs: 1_000, bytesIn: 0, bytesOut: 0, messagesIn: 0, ...totals };
}

/** A tracker on a clock the test moves. */
function tracker(maxBrokers?: number) {
  const clock = { nowMs: 50_000 };
  return { clock, throughput: new ClusterThroughput(() => clock.nowMs, maxBrokers) };
}

describe("the cluster's throughput from the brokers' traffic reports", () => {
  it("rates each broker's totals over the time between its two latest reports on its own clock, whatever the bus delayed", () => {
    const { clock, throughput } = tracker();
    throughput.record(report(1, 10_000, { bytesIn: 5_000, bytesOut: 100, messagesIn: 50 }));
    expect(throughput.perBroker()).toEqual([]);
    expect(throughput.brokersHeard).toBe(1);
    // Received 300 ms late: the rate is still over the broker's 1,250 ms.
    clock.nowMs += 1_550;
    throughput.record(report(1, 11_250, { bytesIn: 7_500, bytesOut: 600, messagesIn: 75 }));
    expect(throughput.perBroker()).toEqual([
      { brokerId: 1, bytesInPerSec: 2_000, bytesOutPerSec: 400, messagesInPerSec: 20, windowMs: 1_250 },
    ]);
    // The next rate is over the next window only.
    clock.nowMs += 1_000;
    throughput.record(report(1, 12_250, { bytesIn: 7_500, bytesOut: 600, messagesIn: 75 }));
    expect(throughput.perBroker()).toEqual([{ brokerId: 1, bytesInPerSec: 0, bytesOutPerSec: 0, messagesInPerSec: 0, windowMs: 1_000 }]);
  });

  it('spans a lost report: the totals cover it', () => {
    const { clock, throughput } = tracker();
    throughput.record(report(1, 1_000, { bytesIn: 0 }));
    clock.nowMs += 2_000;
    throughput.record(report(1, 3_000, { bytesIn: 6_000 }));
    expect(throughput.perBroker()[0]).toMatchObject({ bytesInPerSec: 3_000, windowMs: 2_000 });
  });

  it('lists every live broker by id, each with its own rates', () => {
    const { clock, throughput } = tracker();
    for (const brokerId of [3, 1, 2]) throughput.record(report(brokerId, 1_000));
    clock.nowMs += 1_000;
    for (const brokerId of [3, 1, 2]) throughput.record(report(brokerId, 2_000, { bytesIn: brokerId * 100 }));
    expect(throughput.perBroker().map((broker) => [broker.brokerId, broker.bytesInPerSec])).toEqual([
      [1, 100],
      [2, 200],
      [3, 300],
    ]);
  });

  it(`drops a broker silent for more than ${SILENT_INTERVALS} of its intervals, and not a moment sooner`, () => {
    const { clock, throughput } = tracker();
    throughput.record(report(1, 1_000));
    throughput.record(report(2, 1_000, { intervalMs: 2_000 }));
    clock.nowMs += 1_000;
    throughput.record(report(1, 2_000, { bytesIn: 1_000 }));
    throughput.record(report(2, 3_000, { bytesIn: 1_000, intervalMs: 2_000 }));
    clock.nowMs += SILENT_INTERVALS * 1_000;
    expect(throughput.perBroker().map((broker) => broker.brokerId)).toEqual([1, 2]);
    clock.nowMs += 1;
    expect(throughput.perBroker().map((broker) => broker.brokerId)).toEqual([2]);
    expect(throughput.brokersHeard).toBe(1);
    clock.nowMs += SILENT_INTERVALS * 1_000;
    expect(throughput.perBroker()).toEqual([]);
    expect(throughput.brokersHeard).toBe(0);
    // Heard again: a rate comes with its second report (the first one after the silence is the new base).
    throughput.record(report(1, 9_000, { bytesIn: 9_000 }));
    expect(throughput.perBroker()).toEqual([]);
  });

  it('starts a restarted broker over (a new instance, or totals that went back) instead of making a negative rate', () => {
    const { clock, throughput } = tracker();
    throughput.record(report(1, 5_000, { bytesIn: 90_000 }));
    clock.nowMs += 1_000;
    throughput.record(report(1, 6_000, { bytesIn: 91_000 }));
    expect(throughput.perBroker()).toHaveLength(1);
    clock.nowMs += 1_000;
    throughput.record({ ...report(1, 500, { bytesIn: 200 }), instance: 'broker-1-b' });
    expect(throughput.perBroker()).toEqual([]);
    clock.nowMs += 1_000;
    throughput.record({ ...report(1, 1_500, { bytesIn: 700 }), instance: 'broker-1-b' });
    expect(throughput.perBroker()).toEqual([{ brokerId: 1, bytesInPerSec: 500, bytesOutPerSec: 0, messagesInPerSec: 0, windowMs: 1_000 }]);
    clock.nowMs += 1_000;
    throughput.record({ ...report(1, 2_500, { bytesIn: 100 }), instance: 'broker-1-b' });
    expect(throughput.perBroker()).toEqual([]);
  });

  it('ignores a report out of order or repeated, keeping the rate it had', () => {
    const { clock, throughput } = tracker();
    throughput.record(report(1, 1_000, { bytesIn: 0 }));
    clock.nowMs += 1_000;
    throughput.record(report(1, 2_000, { bytesIn: 1_000 }));
    expect(throughput.record(report(1, 2_000, { bytesIn: 1_000 }))).toBe(false);
    expect(throughput.record(report(1, 1_500, { bytesIn: 500 }))).toBe(false);
    expect(throughput.perBroker()).toEqual([
      { brokerId: 1, bytesInPerSec: 1_000, bytesOutPerSec: 0, messagesInPerSec: 0, windowMs: 1_000 },
    ]);
  });

  it('refuses malformed reports, as they may come from anything on the bus', () => {
    const { throughput } = tracker();
    const valid = report(1, 1_000);
    for (const bad of [
      null,
      'text',
      42,
      {},
      { ...valid, brokerId: -1 },
      { ...valid, brokerId: 1.5 },
      { ...valid, brokerId: '1' },
      { ...valid, instance: '' },
      { ...valid, instance: 'x'.repeat(65) },
      { ...valid, elapsedMs: Number.NaN },
      { ...valid, intervalMs: 0 },
      { ...valid, intervalMs: 60_001 },
      { ...valid, bytesIn: -1 },
      { ...valid, bytesOut: Number.POSITIVE_INFINITY },
      { ...valid, messagesIn: undefined },
    ]) {
      expect(throughput.record(bad), JSON.stringify(bad)).toBe(false);
    }
    expect(throughput.brokersHeard).toBe(0);
    expect(throughput.record(valid)).toBe(true);
  });

  it('tracks at most maxBrokers brokers; a silent one makes room for a new one', () => {
    const { clock, throughput } = tracker(2);
    expect(throughput.record(report(1, 1_000))).toBe(true);
    clock.nowMs += 2_000;
    expect(throughput.record(report(2, 1_000))).toBe(true);
    expect(throughput.record(report(3, 1_000))).toBe(false);
    expect(throughput.brokersHeard).toBe(2);
    // Broker 1 has been silent for more than its three intervals by now: broker 3 takes its place.
    clock.nowMs += 1_001;
    expect(throughput.record(report(3, 1_000))).toBe(true);
    expect(throughput.brokersHeard).toBe(2);
  });
});

describe("the overview's throughput", () => {
  /** A cluster client whose Metadata names two brokers and no topics: the overview's throughput needs nothing more. */
  const client = {
    metadata: async () => ({
      clusterId: 'cluster-a',
      controllerId: 1,
      brokers: [1, 2].map((nodeId) => ({ nodeId, host: 'broker', port: 9092, rack: null })),
      topics: [],
    }),
  } as unknown as ClusterClient;

  it('is null with the reason until a broker has reported twice, then the sums of the brokers’ rates', async () => {
    const { clock, throughput } = tracker();
    expect(await clusterOverview(client, throughput)).toMatchObject({
      throughput: null,
      throughput_unavailable_reason: expect.stringMatching(
        /^No broker has reported its traffic on the bus \(subject strom\.brokers\.traffic\)/,
      ),
    });
    throughput.record(report(1, 1_000));
    throughput.record(report(2, 1_000));
    expect(await clusterOverview(client, throughput)).toMatchObject({
      throughput: null,
      throughput_unavailable_reason: expect.stringContaining('none has come twice yet'),
    });
    clock.nowMs += 1_000;
    throughput.record(report(1, 2_000, { bytesIn: 300, bytesOut: 100, messagesIn: 3 }));
    throughput.record(report(2, 1_500, { bytesIn: 100, bytesOut: 0, messagesIn: 1 }));
    const overview = await clusterOverview(client, throughput);
    expect(overview.throughput).toEqual({
      bytes_in_per_sec: 500,
      bytes_out_per_sec: 100,
      messages_in_per_sec: 5,
      brokers: [
        { broker_id: 1, bytes_in_per_sec: 300, bytes_out_per_sec: 100, messages_in_per_sec: 3, window_ms: 1_000 },
        { broker_id: 2, bytes_in_per_sec: 200, bytes_out_per_sec: 0, messages_in_per_sec: 2, window_ms: 500 },
      ],
    });
    expect('throughput_unavailable_reason' in overview).toBe(false);
  });
});
