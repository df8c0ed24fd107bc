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
  }, 120_000);
});
