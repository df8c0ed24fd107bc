/**
 * Temporal workflows. Deterministic: no I/O, no clocks, no randomness here; everything that
 * touches the world is an activity, imported as a type only.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { ClusterActivities } from './activities.js';

const { metadataVersion } = proxyActivities<ClusterActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 5, initialInterval: '200 milliseconds' },
});

export interface ClusterSnapshot {
  metadataVersion: string;
}

/** Reads the cluster's metadata version through an activity: the smallest real round trip. */
export async function clusterSnapshotWorkflow(): Promise<ClusterSnapshot> {
  return { metadataVersion: await metadataVersion() };
}
