import type { ClusterSnapshot, PartitionInfo } from '@strom/contracts';
import {
  createFetchRequest,
  createFetchRequestFetchPartition,
  createFetchRequestFetchTopic,
  createFetchRequestReplicaState,
  encodeRecordBatch,
} from '@strom/protocol';
import { MemoryLog } from '@strom/storage';
import { describe, expect, it } from 'vitest';
import { handleFetch } from '../src/api/fetch.js';
import { ClusterView } from '../src/cluster/cluster-view.js';
import { FetchSessionCache } from '../src/fetch-session/index.js';
import { topicDefaults, topicSettings } from '../src/replica/log-config.js';
import { PartitionReplica } from '../src/replica/partition-replica.js';
import type { ReplicaManager } from '../src/replica/replica-manager.js';

const TOPIC_ID = '0b4f6c1e-8d3a-4b6e-9a51-3c2d1e0f9a87';
const partition: PartitionInfo = {
  partitionIndex: 0,
  leaderId: 1,
  leaderEpoch: 1,
  partitionEpoch: 0,
  replicas: [1, 2],
  isr: [1, 2],
  leaderRecoveryState: 'RECOVERED',
};

/** Broker 1 leading orders-0 with broker 2 following, behind the fetch handler. */
function leaderBroker(): { replica: PartitionReplica; fetch: ReturnType<typeof handleFetch> } {
  const view = new ClusterView();
  const snapshot: ClusterSnapshot = {
    version: '1',
    clusterId: 'c',
    controllerId: 1,
    brokers: [1, 2].map((id) => ({
      id,
      endpoints: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9000 + id, securityProtocol: 'PLAINTEXT' }],
      rack: null,
      epoch: '1',
      fenced: false,
    })),
    topics: [{ id: TOPIC_ID, name: 'orders', internal: false, configs: {}, partitions: [partition] }],
    brokerConfigs: { cluster: {}, brokers: {} },
    groupConfigs: {},
  };
  view.apply(snapshot);
  const policy = { ...topicSettings({}, topicDefaults()).policy, minInSyncReplicas: 1 };
  const replica = new PartitionReplica('orders', TOPIC_ID, 0, new MemoryLog({ topic: 'orders', partition: 0 }), 1, policy, {
    brokerId: 1,
    replicaLagTimeMaxMs: 30_000,
    eligibility: { isIsrEligible: () => true, aliveBrokerEpoch: () => 1 },
    proposeIsrChange: () => undefined,
  });
  replica.makeLeader(partition, policy);
  const replicas = {
    replica: (topic: string, index: number) => (topic === 'orders' && index === 0 ? replica : undefined),
    settled: async () => undefined,
    isOffline: () => false,
  } as unknown as ReplicaManager;
  return { replica, fetch: handleFetch(view, replicas, 1, new FetchSessionCache(), { maxWaitCapMs: 120_000 }) };
}

const batch = () =>
  encodeRecordBatch({ baseTimestamp: BigInt(Date.now()), records: [{ offsetDelta: 0, key: null, value: Buffer.from('v') }] });

describe('a long-polling Fetch', () => {
  // With acks=all the producer waits for the follower's next fetch, which waits for data: an
  // append landing while the previous read was in flight must wake that poll, or both sleep
  // until max.wait.ms (the 3-broker throughput bench crawled at 1-3 MB/s on this).
  it('wakes for an append made while its read was in flight, instead of waiting past it', async () => {
    const { replica, fetch } = leaderBroker();
    const read = replica.read.bind(replica);
    let reads = 0;
    replica.read = async (...args) => {
      const result = await read(...args);
      // The producer's append lands after the read saw an empty log, before the poll parks.
      if (reads++ === 0) await replica.produce(batch(), 9, 1, 30_000);
      return result;
    };
    const request = createFetchRequest({
      replicaId: -1,
      replicaState: createFetchRequestReplicaState({ replicaId: 2, replicaEpoch: 1n }),
      // Longer than the test may take: only the wake-up can answer it in time.
      maxWaitMs: 120_000,
      minBytes: 1,
      maxBytes: 1 << 20,
      topics: [
        createFetchRequestFetchTopic({
          topicId: TOPIC_ID,
          partitions: [
            createFetchRequestFetchPartition({ partition: 0, currentLeaderEpoch: 1, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }),
          ],
        }),
      ],
    });
    const response = await fetch(request, 15);
    const data = response.responses[0]!.partitions[0]!;
    expect(data.errorCode).toBe(0);
    expect(data.records!.length).toBeGreaterThan(0);
    expect(reads).toBe(2);
  }, 10_000);
});
