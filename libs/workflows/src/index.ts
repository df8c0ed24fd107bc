import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type { BrokerFailoverInput, ClusterActivities, FailoverActivities, LeaderConfirmation } from './activities.js';
export { BROKER_FAILOVER_WORKFLOW, ORCHESTRATOR_TASK_QUEUE } from './activities.js';
export type { BrokerFailoverResult, ClusterSnapshot } from './workflows.js';

/**
 * The workflows module for `Worker.create({ workflowsPath })`: Temporal bundles it itself.
 * Built (dist) it is the .js file; under the test runner (src) the .ts one.
 */
export const workflowsPath: string =
  ['./workflows.js', './workflows.ts']
    .map((candidate) => fileURLToPath(new URL(candidate, import.meta.url)))
    .find((path) => existsSync(path)) ?? fileURLToPath(new URL('./workflows.js', import.meta.url));
