import type { CompleteFailoverRequest, FenceBrokerReply } from '@strom/contracts';

/**
 * Activity interfaces: what workflows may ask the outside world to do. Implementations live
 * in apps/orchestrator; workflow code imports only these types.
 */
export interface ClusterActivities {
  /** The cluster's global metadata version, asked of the metadata service over the bus. */
  metadataVersion(): Promise<string>;
}

/** What a BrokerFailover workflow is started with: the broker epoch to fence. */
export interface BrokerFailoverInput {
  brokerId: number;
  brokerEpoch: string;
}

export interface LeaderConfirmation {
  /** New leaders that applied the version (their heartbeats say so) within the wait. */
  confirmed: number[];
  /** New leaders that did not (dead too, slow, or partitioned away); failover goes on without them. */
  unconfirmed: number[];
}

/** The steps of BrokerFailover; each is idempotent, so Temporal may retry any of them. */
export interface FailoverActivities {
  /** Fences the broker epoch and elects new leaders in one metadata transaction; a retry answers the recorded outcome. */
  fenceBroker(input: BrokerFailoverInput): Promise<FenceBrokerReply>;
  /** Announces the metadata version on the bus, so brokers fetch it now. */
  publishMetadataVersion(version: string): Promise<void>;
  /** Waits (bounded) until the new leaders have applied `version`. */
  awaitLeaders(request: { leaders: number[]; version: string; timeoutMs: number }): Promise<LeaderConfirmation>;
  /** Records the failover as done, with the leaders that confirmed. */
  completeFailover(request: CompleteFailoverRequest): Promise<FenceBrokerReply>;
}

/** The task queue the orchestrator's worker polls. */
export const ORCHESTRATOR_TASK_QUEUE = 'strom-orchestrator';

/** The workflow type that fails a broker over (its id: `brokerFailoverWorkflowId` of @strom/contracts). */
export const BROKER_FAILOVER_WORKFLOW = 'brokerFailoverWorkflow';
