export {
  ChunkPool,
  EXPOSITION_CONTENT_TYPE,
  ExpositionWriter,
  escapeLabelValue,
  labelBytes,
  labels,
  type LabelBytes,
  type MetricType,
} from './exposition.js';
export { MetricsRegistry, serveMetrics, type MetricsCollector } from './metrics-registry.js';
export { meteredBus, writeBusMetrics } from './bus-metrics.js';
