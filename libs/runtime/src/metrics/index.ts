export { EXPOSITION_CONTENT_TYPE, ExpositionWriter, escapeLabelValue, labels, type MetricType } from './exposition.js';
export { MetricsRegistry, serveMetrics, type MetricsCollector } from './metrics-registry.js';
export { meteredBus, writeBusMetrics } from './bus-metrics.js';
