/**
 * Activity interfaces: what workflows may ask the outside world to do. Implementations live
 * in apps/orchestrator; workflow code imports only these types.
 */
export interface ClusterActivities {
  /** The cluster's global metadata version, asked of the metadata service over the bus. */
  metadataVersion(): Promise<string>;
}

/** The task queue the orchestrator's worker polls. */
export const ORCHESTRATOR_TASK_QUEUE = 'strom-orchestrator';
