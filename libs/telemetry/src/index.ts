export { activeContext, failSpan, inSpan, KAFKA, MessagingAttribute, parseTraceparent, traceHeaders, withParent } from './spans.js';
export { flushTracing, requestedExporters, startTracing, stopTracing, tracer, tracingEnabled, TracingConfigError } from './tracing.js';
export { SpanKind, type Context, type Link, type Span, type SpanContext } from '@opentelemetry/api';
