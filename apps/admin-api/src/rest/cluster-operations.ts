/**
 * Cluster operations: the Temporal workflows Strom runs on the cluster (BrokerFailover, the
 * cluster snapshot), as the admin API shows them. Where they come from is behind
 * {@link ClusterOperations}: Temporal in distributed mode (temporal-operations.ts), nothing in
 * embedded mode, which runs no Temporal.
 */

/** Temporal's WorkflowExecutionStatus names, as the API spells them. */
export const OPERATION_STATUSES = ['RUNNING', 'COMPLETED', 'FAILED', 'CANCELED', 'TERMINATED', 'CONTINUED_AS_NEW', 'TIMED_OUT'] as const;
export type OperationStatus = (typeof OPERATION_STATUSES)[number];

/** An activity of the workflow, from its history, with the state of its latest attempt. */
export const STEP_STATUSES = ['SCHEDULED', 'RUNNING', 'COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELED'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export interface OperationStep {
  /** The activity's type: `fenceBroker`, `publishMetadataVersion`, `awaitLeaders`, `completeFailover`, … */
  readonly name: string;
  readonly status: StepStatus;
  readonly scheduledAtMs: number;
  readonly closedAtMs: number | null;
  /** The attempt that is running or ran last (Temporal retries activities). */
  readonly attempt: number;
  /** The last attempt's failure while it is retried, or the step's final failure. */
  readonly failure: string | null;
}

export interface OperationSummary {
  readonly id: string;
  readonly runId: string;
  /** The workflow type. */
  readonly type: string;
  readonly status: OperationStatus;
  readonly startedAtMs: number;
  readonly closedAtMs: number | null;
}

export interface OperationDetail extends OperationSummary {
  /** The workflow's arguments, as JSON. */
  readonly input: readonly unknown[];
  readonly steps: readonly OperationStep[];
  /** The workflow's result once it completed. */
  readonly result: unknown;
  /** Why it failed, was terminated, canceled or timed out. */
  readonly failure: string | null;
  /** The workflow in the Temporal Web UI, when its address is configured. */
  readonly uiUrl: string | null;
}

export interface OperationPage {
  readonly operations: readonly OperationSummary[];
  /** Where the next page starts; null on the last page. */
  readonly nextPageToken: string | null;
}

export interface OperationQuery {
  readonly status?: OperationStatus;
  readonly pageSize: number;
  readonly pageToken?: string;
}

export interface ClusterOperations {
  /** Whether operations run here at all (false in embedded mode). */
  readonly available: boolean;
  /** Strom's workflows, most recent first. */
  list(query: OperationQuery): Promise<OperationPage>;
  /** One workflow (its latest run) with its steps, or undefined when there is no Strom workflow with that id. */
  describe(id: string): Promise<OperationDetail | undefined>;
  close(): Promise<void>;
}

/** Embedded mode runs no Temporal: failover of its one broker has nothing to do, so there are no operations. */
export const NO_CLUSTER_OPERATIONS: ClusterOperations = {
  available: false,
  list: () => Promise.resolve({ operations: [], nextPageToken: null }),
  describe: () => Promise.resolve(undefined),
  close: () => Promise.resolve(),
};
