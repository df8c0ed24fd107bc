import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type SpanContext,
  type SpanKind,
} from '@opentelemetry/api';
import { tracer } from './tracing.js';

/** OpenTelemetry's messaging semantic conventions (the attribute names Strom's spans carry). */
export const MessagingAttribute = {
  system: 'messaging.system',
  operationName: 'messaging.operation.name',
  operationType: 'messaging.operation.type',
  destination: 'messaging.destination.name',
  partition: 'messaging.destination.partition.id',
  offset: 'messaging.kafka.offset',
  messageCount: 'messaging.batch.message_count',
  consumerGroup: 'messaging.consumer.group.name',
  clientId: 'messaging.client.id',
} as const;

/** messaging.system's value for everything Strom serves. */
export const KAFKA = 'kafka';

/**
 * Runs `body` in a new span (a child of the active one), ends it when `body` returns or its
 * promise settles, and marks it failed when `body` throws or rejects. Call only when
 * tracingEnabled(): this always creates a span.
 */
export function inSpan<T>(name: string, kind: SpanKind, attributes: Attributes, body: (span: Span) => T, links?: Link[]): T {
  const span = tracer().startSpan(name, { kind, attributes, ...(links && links.length > 0 ? { links } : {}) });
  let result: T;
  try {
    result = context.with(trace.setSpan(context.active(), span), () => body(span));
  } catch (error) {
    failSpan(span, error);
    span.end();
    throw error;
  }
  if (result instanceof Promise) {
    return result.then(
      (value: unknown) => {
        span.end();
        return value;
      },
      (error: unknown) => {
        failSpan(span, error);
        span.end();
        throw error;
      },
    ) as T;
  }
  span.end();
  return result;
}

/** Marks `span` failed with `error` (status, exception event, error.type). */
export function failSpan(span: Span, error: unknown): void {
  const err = error instanceof Error ? error : new Error(String(error));
  span.recordException(err);
  span.setAttribute('error.type', err.name);
  span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * The span context a W3C `traceparent` value names (https://www.w3.org/TR/trace-context/), or
 * undefined when it is not one: version ff, all-zero ids, or version 00 with trailing fields are refused.
 */
export function parseTraceparent(value: string): SpanContext | undefined {
  const match = TRACEPARENT.exec(value.trim());
  if (match === null) return undefined;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [string, string, string, string, string, string | undefined];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, traceFlags: Number.parseInt(flags, 16) & TraceFlags.SAMPLED, isRemote: true };
}

/** The active trace context as W3C headers (`traceparent`, `tracestate`), to send with a message. */
export function traceHeaders(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** The active context, to hand to code that runs later (another queue, another turn). */
export function activeContext(): Context {
  return context.active();
}

/** Runs `body` with `parent` as the active context: a W3C header map from a message, or a context kept earlier. */
export function withParent<T>(parent: Context | Readonly<Record<string, string>> | undefined, body: () => T): T {
  if (parent === undefined) return body();
  const parentContext = isContext(parent) ? parent : propagation.extract(ROOT_CONTEXT, parent);
  return context.with(parentContext, body);
}

function isContext(value: object): value is Context {
  return typeof (value as Partial<Context>).getValue === 'function';
}
