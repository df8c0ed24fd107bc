/**
 * Temporal workflows. Deterministic: no I/O, no clocks, no randomness here; everything that
 * touches the world is an activity, imported as a type only.
 */
import type { BrokerFailoverInfo, FenceBrokerReply } from '@strom/contracts';
import { log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { BrokerFailoverInput, ClusterActivities, FailoverActivities, LeaderConfirmation } from './activities.js';

const { metadataVersion } = proxyActivities<ClusterActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 5, initialInterval: '200 milliseconds' },
});

// The metadata service may be restarting: metadata steps retry for minutes, not forever.
const { fenceBroker, publishMetadataVersion, completeFailover } = proxyActivities<FailoverActivities>({
  startToCloseTimeout: '15 seconds',
  retry: { maximumAttempts: 50, initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '5 seconds' },
});

/** How long new leaders get to confirm (apply the failover's metadata version). */
const LEADER_CONFIRMATION_TIMEOUT_MS = 10_000;

const { awaitLeaders } = proxyActivities<FailoverActivities>({
  startToCloseTimeout: LEADER_CONFIRMATION_TIMEOUT_MS + 10_000,
  // The activity heartbeats at each poll: an orchestrator killed mid-wait is retried on another
  // worker within 2 s, not after the 20 s start-to-close timeout.
  heartbeatTimeout: '2 seconds',
  retry: { maximumAttempts: 3, initialInterval: '500 milliseconds' },
});

export interface ClusterSnapshot {
  metadataVersion: string;
}

/** Reads the cluster's metadata version through an activity: the smallest real round trip. */
export async function clusterSnapshotWorkflow(): Promise<ClusterSnapshot> {
  return { metadataVersion: await metadataVersion() };
}

export interface BrokerFailoverResult {
  status: FenceBrokerReply['status'];
  failover: BrokerFailoverInfo | null;
  confirmation: LeaderConfirmation | null;
}

/**
 * BrokerFailover: fence the expired broker epoch and elect new leaders (one metadata
 * transaction), publish the new metadata version, wait (bounded) for the new leaders to apply
 * it, and record the outcome. Started by the metadata service with the id
 * `broker-failover-<brokerId>-<brokerEpoch>`; when the metadata service had to fence by itself
 * (Temporal was down), the first step finds the fence done and the rest records it.
 */
export async function brokerFailoverWorkflow(input: BrokerFailoverInput): Promise<BrokerFailoverResult> {
  const fenced = await fenceBroker(input);
  const failover = fenced.failover;
  if (failover === null) return { status: fenced.status, failover: null, confirmation: null };
  if (failover.completedAtMs !== null) return { status: fenced.status, failover, confirmation: null };
  await publishMetadataVersion(failover.version);
  const leaders = [...new Set(failover.partitions.map((partition) => partition.leaderId).filter((id) => id >= 0))].sort((a, b) => a - b);
  const confirmation = await awaitLeaders({ leaders, version: failover.version, timeoutMs: LEADER_CONFIRMATION_TIMEOUT_MS });
  if (confirmation.unconfirmed.length > 0)
    log.warn('new leaders did not confirm the failover in time', { unconfirmed: confirmation.unconfirmed });
  const completed = await completeFailover({
    brokerId: input.brokerId,
    brokerEpoch: input.brokerEpoch,
    confirmedLeaders: confirmation.confirmed,
    workflowId: workflowInfo().workflowId,
  });
  return { status: fenced.status, failover: completed.failover, confirmation };
}
