import { requestJson, type Bus } from '@strom/bus';
import { MetadataSubjects } from '@strom/contracts';
import type { ClusterActivities } from '@strom/workflows';

const metadataRequestTimeoutMs = 5000;

/** Activity implementations: they reach the cluster over the bus. */
export function createClusterActivities(bus: Bus): ClusterActivities {
  return {
    async metadataVersion() {
      const { version } = await requestJson<{ version: string }>(
        bus,
        MetadataSubjects.version,
        {},
        { timeoutMs: metadataRequestTimeoutMs },
      );
      return version;
    },
  };
}
