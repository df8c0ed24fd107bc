import { MeteredBus, type Bus, type BusFigures } from '@strom/bus';
import { labels, type ExpositionWriter } from './exposition.js';
import type { MetricsRegistry } from './metrics-registry.js';

/** The bus figures of this process (a MeteredBus's), per subject: what the services asked of each other and how long it took. */
export function writeBusMetrics(out: ExpositionWriter, figures: BusFigures): void {
  const subjects = [...figures.subjects].map(([subject, traffic]) => ({ labels: labels({ subject }), traffic }));
  type Traffic = (typeof subjects)[number]['traffic'];
  // A subject's series appears with its first count; a request's failures and time appear with the
  // subject's first request, at 0, so rate() sees the first failure too.
  const counter = (name: string, help: string, value: (traffic: Traffic) => number, shown = (traffic: Traffic) => value(traffic) > 0) => {
    out.family(name, 'counter', help);
    for (const { labels: subjectLabels, traffic } of subjects) if (shown(traffic)) out.sample(name, subjectLabels, value(traffic));
  };
  const requested = (traffic: Traffic) => traffic.requests > 0;
  counter('strom_bus_requests_total', 'Requests sent over the bus, per subject.', (t) => t.requests);
  counter(
    'strom_bus_request_failures_total',
    'Requests that failed: no responder, timeout, or an error from the responder.',
    (t) => t.failedRequests,
    requested,
  );
  counter(
    'strom_bus_request_seconds_total',
    'Time spent waiting for replies, per subject (divide by requests for the mean).',
    (t) => t.requestMs / 1000,
    requested,
  );
  counter('strom_bus_replies_total', 'Requests answered by this process, per subject pattern.', (t) => t.replies);
  counter('strom_bus_published_total', 'Messages published, per subject.', (t) => t.published);
  counter('strom_bus_received_total', 'Messages delivered to subscriptions here, per subject pattern.', (t) => t.received);
  out
    .family('strom_bus_requests_in_flight', 'gauge', 'Requests sent and not yet answered.')
    .sample('strom_bus_requests_in_flight', '', figures.requestsInFlight);
  out
    .family('strom_bus_stream_appends_total', 'counter', 'Entries appended to bus streams.')
    .sample('strom_bus_stream_appends_total', '', figures.streamAppends);
}

/** The composition's bus, counted, with its figures in the process's metrics. */
export function meteredBus(bus: Bus, metrics: MetricsRegistry): MeteredBus {
  const metered = new MeteredBus(bus);
  metrics.register((out) => writeBusMetrics(out, metered.figures()));
  return metered;
}
