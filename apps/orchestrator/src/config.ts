import type { ServerConfig } from '@strom/config';
import { COMMON_KEYS, HEALTH_KEYS } from '@strom/runtime';
import type { OrchestratorOptions } from './temporal-worker.service.js';

/** The keys `apps/orchestrator` takes flags and env for when it runs as its own process. */
export const ORCHESTRATOR_KEYS: readonly string[] = [
  ...COMMON_KEYS,
  ...HEALTH_KEYS,
  'strom.nats.url',
  'strom.temporal.address',
  'strom.temporal.namespace',
  'strom.temporal.task.queue',
];

/** The orchestrator's options from the one parsed configuration. */
export function orchestratorOptions(config: ServerConfig): OrchestratorOptions {
  return {
    temporalAddress: config.string('strom.temporal.address'),
    temporalNamespace: config.string('strom.temporal.namespace'),
    taskQueue: config.string('strom.temporal.task.queue'),
  };
}
