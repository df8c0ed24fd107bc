import type { Bus } from '@strom/bus';
import type { ClusterActivities } from '@strom/workflows';

const metadataRequestTimeoutMs = 5000;

/** Activity implementations: they reach the cluster over the bus. */
export function createClusterActivities(bus: Bus): ClusterActivities {
  return {
    async metadataVersion() {
      const reply = await bus.request('strom.metadata.version', Buffer.alloc(0), { timeoutMs: metadataRequestTimeoutMs });
      return (JSON.parse(reply.toString('utf8')) as { version: string }).version;
    },
  };
}
