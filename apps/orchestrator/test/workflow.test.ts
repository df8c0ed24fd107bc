import { parseExposition } from '@strom/testing';
import { ORCHESTRATOR_TASK_QUEUE } from '@strom/workflows';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TemporalWorkerService } from '../src/index.js';
import { startTestOrchestrator, type TestOrchestrator } from './orchestrator-harness.js';

describe('the orchestrator on a real Temporal dev server', () => {
  let orchestrator: TestOrchestrator;
  const taskQueue = `${ORCHESTRATOR_TASK_QUEUE}-${process.pid}`;
  const metadataVersion = '42';

  beforeAll(async () => {
    orchestrator = await startTestOrchestrator(taskQueue, metadataVersion);
  }, 120_000);

  afterAll(async () => orchestrator?.stop());

  it('hosts the worker as a NestJS provider (DI with decorator metadata works under SWC)', () => {
    expect(orchestrator.running.app.get(TemporalWorkerService)).toBeInstanceOf(TemporalWorkerService);
  });

  it('runs a workflow whose activity asks the metadata service over the bus', async () => {
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      const client = new Client({ connection, namespace: inject('temporalNamespace') });
      const result = await client.workflow.execute('clusterSnapshotWorkflow', {
        taskQueue,
        workflowId: `snapshot-${Date.now()}`,
        workflowExecutionTimeout: '60 seconds',
      });
      expect(result).toEqual({ metadataVersion });
    } finally {
      await connection.close();
    }
    // The worker's figures, as /metrics serves them: the one attempt of the workflow's one activity.
    const metrics = parseExposition((await orchestrator.metrics.scrape()).toString('utf8'));
    expect(metrics.value('strom_workflow_activity_attempts_total', { activity: 'metadataVersion', outcome: 'completed' })).toBe(1);
    expect(metrics.value('strom_workflow_activity_attempts_total', { activity: 'metadataVersion', outcome: 'failed' })).toBe(0);
    expect(metrics.value('strom_workflow_activity_seconds_total', { activity: 'metadataVersion' })).toBeGreaterThan(0);
    expect(metrics.value('strom_workflow_activities_running')).toBe(0);
  }, 120_000);
});
