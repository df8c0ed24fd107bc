import { flushTracing, inSpan, SpanKind, startTracing, stopTracing } from '@strom/telemetry';
import { spanTag, startJaeger, waitFor, type JaegerServer, type JaegerSpan } from '@strom/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { NatsBus, replyJson, requestJson } from '../src/index.js';

/**
 * A request over NATS carries its trace context in W3C headers: the replier's span is the child
 * of the requester's, across two connections (as across two processes), seen in Jaeger.
 */
describe('trace context across NATS', () => {
  const service = `strom-bus-tracing-${process.pid}`;
  let jaeger: JaegerServer;
  let requester: NatsBus;
  let replier: NatsBus;

  beforeAll(async () => {
    jaeger = await startJaeger();
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = jaeger.otlpHttpEndpoint;
    process.env.OTEL_BSP_SCHEDULE_DELAY = '100';
    expect(await startTracing(service)).toBe(true);
    requester = await NatsBus.connect({ servers: inject('natsUrl'), name: 'tracing-requester' });
    replier = await NatsBus.connect({ servers: inject('natsUrl'), name: 'tracing-replier' });
  }, 600_000);

  afterAll(async () => {
    await requester?.close();
    await replier?.close();
    await stopTracing();
    await jaeger?.stop();
  });

  it("makes the replier's span a child of the request's, in the caller's trace", async () => {
    const subject = `tracing.test.${process.pid}`;
    // Subscribed outside any span: only the message's headers can give the handler its parent.
    const subscription = replyJson(replier, subject, (request: { n: number }) => ({ doubled: request.n * 2 }));
    await subscription.ready;
    const reply = await inSpan('caller', SpanKind.INTERNAL, {}, () =>
      requestJson<{ doubled: number }>(requester, subject, { n: 21 }, { timeoutMs: 5000 }),
    );
    expect(reply).toEqual({ doubled: 42 });
    await subscription.unsubscribe();
    await flushTracing();

    let spans: JaegerSpan[] = [];
    await waitFor(
      'the spans in Jaeger',
      async () => {
        spans = await jaeger.spans(service);
        return spans.some((span) => span.operationName === `process ${subject}`);
      },
      30_000,
      250,
    );
    const caller = spans.find((span) => span.operationName === 'caller')!;
    const sent = spans.find((span) => span.operationName === `send ${subject}`)!;
    const handled = spans.find((span) => span.operationName === `process ${subject}`)!;
    expect(sent.references).toEqual([{ refType: 'CHILD_OF', traceID: caller.traceID, spanID: caller.spanID }]);
    expect(handled.references).toEqual([{ refType: 'CHILD_OF', traceID: caller.traceID, spanID: sent.spanID }]);
    expect(spanTag(sent, 'messaging.system')).toBe('nats');
    expect(spanTag(handled, 'messaging.destination.name')).toBe(subject);
  }, 120_000);
});
