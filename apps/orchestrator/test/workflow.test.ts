import { InProcessBus } from '@strom/bus';
import { MetadataModule } from '@strom/metadata';
import { openMetadataStore, type MetadataStore } from '@strom/metadata-store';
import { bootApp, compose, createLogger, type RunningApp } from '@strom/runtime';
import { ORCHESTRATOR_TASK_QUEUE } from '@strom/workflows';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { OrchestratorModule, TemporalWorkerService } from '../src/index.js';

describe('the orchestrator on a real Temporal dev server', () => {
  let running: RunningApp;
  let store: MetadataStore;
  let bus: InProcessBus;
  const taskQueue = `${ORCHESTRATOR_TASK_QUEUE}-${process.pid}`;

  beforeAll(async () => {
    bus = new InProcessBus();
    store = await openMetadataStore({ kind: 'pglite', dataDir: 'memory' });
    await store.topics.create({ name: 'seen-by-the-workflow', assignments: [[1]] });
    running = await bootApp({
      name: 'orchestrator-test',
      module: compose({ bus, logger: createLogger('test', 'silent'), metadataStore: store }, [
        MetadataModule.forRoot(),
        OrchestratorModule.forRoot({
          temporalAddress: inject('temporalAddress'),
          temporalNamespace: inject('temporalNamespace'),
          taskQueue,
        }),
      ]) as never,
      logger: createLogger('test', 'silent'),
    });
  }, 120_000);

  afterAll(async () => {
    await running?.stop('test done');
    await bus?.close();
    await store?.close();
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
      expect(result).toEqual({ metadataVersion: String(await store.version()) });
      expect(BigInt((result as { metadataVersion: string }).metadataVersion)).toBeGreaterThan(0n);
    } finally {
      await connection.close();
    }
  }, 120_000);
});
