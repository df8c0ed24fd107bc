import { MetadataSubjects } from '@strom/contracts';
import { flushTracing, startTracing, stopTracing } from '@strom/telemetry';
import { spanTag, startJaeger, waitFor, type JaegerServer, type JaegerSpan } from '@strom/testing';
import { ORCHESTRATOR_TASK_QUEUE } from '@strom/workflows';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestOrchestrator, type TestOrchestrator } from './orchestrator-harness.js';

/** Traces of the orchestrator's Temporal activities, received by a real OTLP endpoint (Jaeger). */
describe("the orchestrator's activity spans", () => {
  const service = `strom-orchestrator-tracing-${process.pid}`;
  const taskQueue = `${ORCHESTRATOR_TASK_QUEUE}-tracing-${process.pid}`;
  let jaeger: JaegerServer;
  let orchestrator: TestOrchestrator;

  beforeAll(async () => {
    jaeger = await startJaeger();
    // This test file's own process (vitest runs each file in its own worker).
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = jaeger.otlpHttpEndpoint;
    process.env.OTEL_BSP_SCHEDULE_DELAY = '100';
    expect(await startTracing(service)).toBe(true);
    orchestrator = await startTestOrchestrator(taskQueue, '7');
  }, 600_000);

  afterAll(async () => {
    await orchestrator?.stop();
    await stopTracing();
    await jaeger?.stop();
  });

  it('a span per activity, with its workflow, holding the bus request it made and the handling of it', async () => {
    const workflowId = `traced-snapshot-${Date.now()}`;
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      const client = new Client({ connection, namespace: inject('temporalNamespace') });
      await client.workflow.execute('clusterSnapshotWorkflow', { taskQueue, workflowId, workflowExecutionTimeout: '60 seconds' });
    } finally {
      await connection.close();
    }
    await flushTracing();
    let spans: JaegerSpan[] = [];
    await waitFor(
      'the activity span in Jaeger',
      async () => {
        spans = await jaeger.spans(service);
        return spans.some((span) => span.operationName === `process ${MetadataSubjects.version}`);
      },
      30_000,
      250,
    );
    const activity = spans.find((span) => span.operationName === 'activity metadataVersion')!;
    expect(spanTag(activity, 'temporal.workflow.id')).toBe(workflowId);
    expect(spanTag(activity, 'temporal.workflow.type')).toBe('clusterSnapshotWorkflow');
    expect(spanTag(activity, 'temporal.task_queue')).toBe(taskQueue);
    const childOf = (parent: JaegerSpan) =>
      spans.find((span) => span.references.some((ref) => ref.refType === 'CHILD_OF' && ref.spanID === parent.spanID));
    const sent = childOf(activity)!;
    expect(sent.operationName).toBe(`send ${MetadataSubjects.version}`);
    expect(spanTag(sent, 'span.kind')).toBe('client');
    const handled = childOf(sent)!;
    expect(handled.operationName).toBe(`process ${MetadataSubjects.version}`);
    expect(spanTag(handled, 'span.kind')).toBe('server');
  }, 120_000);
});
