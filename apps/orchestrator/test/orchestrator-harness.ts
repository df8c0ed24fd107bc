import { InProcessBus, replyJson, type Subscription } from '@strom/bus';
import { MetadataSubjects } from '@strom/contracts';
import { bootApp, compose, createLogger, MetricsRegistry, type RunningApp } from '@strom/runtime';
import { inject } from 'vitest';
import { OrchestratorModule } from '../src/index.js';

export interface TestOrchestrator {
  running: RunningApp;
  /** The composition's metrics (what the process would serve at /metrics). */
  metrics: MetricsRegistry;
  stop(): Promise<void>;
}

/**
 * The orchestrator on the tests' Temporal dev server with its own task queue, on an in-process
 * bus where a responder stands in for the metadata service (apps never import apps): it answers
 * the metadata version with `metadataVersion`.
 */
export async function startTestOrchestrator(taskQueue: string, metadataVersion: string): Promise<TestOrchestrator> {
  const bus = new InProcessBus();
  const metadataService: Subscription = replyJson(bus, MetadataSubjects.version, () => ({ version: metadataVersion }));
  await metadataService.ready;
  const metrics = new MetricsRegistry();
  const running = await bootApp({
    name: 'orchestrator-test',
    module: compose({ bus, logger: createLogger('test', 'silent'), metrics }, [
      OrchestratorModule.forRoot({ temporalAddress: inject('temporalAddress'), temporalNamespace: inject('temporalNamespace'), taskQueue }),
    ]) as never,
    logger: createLogger('test', 'silent'),
    shutdownTimeoutMs: 10_000,
  });
  return {
    running,
    metrics,
    async stop() {
      await running.stop('test done');
      await metadataService.unsubscribe();
      await bus.close();
    },
  };
}
