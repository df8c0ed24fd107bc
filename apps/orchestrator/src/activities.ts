import { publishJson, requestJson, type Bus } from '@strom/bus';
import { MetadataSubjects, type BrokerVersionsReply, type FenceBrokerReply, type FenceBrokerRequest } from '@strom/contracts';
import type { ClusterActivities, FailoverActivities } from '@strom/workflows';
import { heartbeat } from '@temporalio/activity';

const metadataRequestTimeoutMs = 5000;
/** How often a waiting activity asks which metadata version the brokers applied. */
const confirmationPollMs = 250;

/** Activity implementations: they reach the cluster over the bus. */
export function createClusterActivities(bus: Bus): ClusterActivities & FailoverActivities {
  const ask = <T>(subject: string, request: unknown): Promise<T> =>
    requestJson<T>(bus, subject, request, { timeoutMs: metadataRequestTimeoutMs });
  return {
    async metadataVersion() {
      const { version } = await ask<{ version: string }>(MetadataSubjects.version, {});
      return version;
    },

    fenceBroker(input) {
      return ask<FenceBrokerReply>(MetadataSubjects.fenceBroker, { ...input, fencedBy: 'workflow' } satisfies FenceBrokerRequest);
    },

    async publishMetadataVersion(version) {
      publishJson(bus, MetadataSubjects.changed, { version });
    },

    async awaitLeaders({ leaders, version, timeoutMs }) {
      const deadline = Date.now() + timeoutMs;
      let confirmed: number[] = [];
      for (;;) {
        // Alive: a worker that dies in the wait is noticed by the heartbeat timeout, not the whole wait's.
        heartbeat();
        const { brokers } = await ask<BrokerVersionsReply>(MetadataSubjects.brokerVersions, {});
        const applied = new Set(
          brokers.filter((broker) => !broker.fenced && BigInt(broker.appliedVersion) >= BigInt(version)).map((b) => b.id),
        );
        confirmed = leaders.filter((id) => applied.has(id));
        if (confirmed.length === leaders.length || Date.now() >= deadline) break;
        await new Promise((resolve) => setTimeout(resolve, Math.min(confirmationPollMs, Math.max(0, deadline - Date.now()))));
      }
      return { confirmed, unconfirmed: leaders.filter((id) => !confirmed.includes(id)) };
    },

    completeFailover(request) {
      return ask<FenceBrokerReply>(MetadataSubjects.completeFailover, request);
    },
  };
}
