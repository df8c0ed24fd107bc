import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type { BrokerFailoverInput, ClusterActivities, FailoverActivities, LeaderConfirmation } from './activities.js';
export { BROKER_FAILOVER_WORKFLOW, ORCHESTRATOR_TASK_QUEUE } from './activities.js';
export type { BrokerFailoverResult, ClusterSnapshot } from './workflows.js';
export { TRACE_HEADER } from './trace-interceptors.js';

/**
 * The workflows module for `Worker.create({ workflowsPath })`: Temporal bundles it itself.
 * Built (dist) it is the .js file; under the test runner (src) the .ts one.
 */
export const workflowsPath: string = moduleFile('workflows');

/** The workflow interceptors module for `Worker.create({ interceptors: { workflowModules } })`: trace context to activities. */
export const workflowInterceptorsPath: string = moduleFile('trace-interceptors');

function moduleFile(name: string): string {
  return (
    [`./${name}.js`, `./${name}.ts`]
      .map((candidate) => fileURLToPath(new URL(candidate, import.meta.url)))
      .find((path) => existsSync(path)) ?? fileURLToPath(new URL(`./${name}.js`, import.meta.url))
  );
}
