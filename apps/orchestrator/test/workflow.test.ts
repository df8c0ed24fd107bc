import { InProcessBus, replyJson, type Subscription } from '@strom/bus';
import { MetadataSubjects } from '@strom/contracts';
import { bootApp, compose, createLogger, type RunningApp } from '@strom/runtime';
import { ORCHESTRATOR_TASK_QUEUE } from '@strom/workflows';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { OrchestratorModule, TemporalWorkerService } from '../src/index.js';

describe('the orchestrator on a real Temporal dev server', () => {
  let running: RunningApp;
  let bus: InProcessBus;
  let metadataService: Subscription;
  const taskQueue = `${ORCHESTRATOR_TASK_QUEUE}-${process.pid}`;
  // The orchestrator talks to the metadata service only through its bus contract (apps never
  // import apps), so a responder on that subject stands in for it.
  const metadataVersion = '42';

  beforeAll(async () => {
    bus = new InProcessBus();
    metadataService = replyJson(bus, MetadataSubjects.version, () => ({ version: metadataVersion }));
    await metadataService.ready;
    running = await bootApp({
      name: 'orchestrator-test',
      module: compose({ bus, logger: createLogger('test', 'silent') }, [
        OrchestratorModule.forRoot({
          temporalAddress: inject('temporalAddress'),
          temporalNamespace: inject('temporalNamespace'),
          taskQueue,
        }),
      ]) as never,
      logger: createLogger('test', 'silent'),
      shutdownTimeoutMs: 10_000,
    });
  }, 120_000);

  afterAll(async () => {
    await running?.stop('test done');
    await metadataService?.unsubscribe();
    await bus?.close();
  });

  it('hosts the worker as a NestJS provider (DI with decorator metadata works under SWC)', () => {
    expect(running.app.get(TemporalWorkerService)).toBeInstanceOf(TemporalWorkerService);
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
