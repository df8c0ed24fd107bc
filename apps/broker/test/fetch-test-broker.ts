import type { ClusterSnapshot, PartitionInfo } from '@strom/contracts';
import { encodeRecordBatch } from '@strom/protocol';
import { MemoryLog } from '@strom/storage';
import { handleFetch } from '../src/api/fetch.js';
import { ClusterView } from '../src/cluster/cluster-view.js';
import { FetchSessionCache } from '../src/fetch-session/index.js';
import { topicDefaults, topicSettings } from '../src/replica/log-config.js';
import { PartitionReplica } from '../src/replica/partition-replica.js';
import type { ReplicaManager } from '../src/replica/replica-manager.js';

/** Broker 1 alone leading every partition of `topic` (replication factor 1, in-memory logs), behind the fetch handler. */
export function singleBrokerFetch(
  topic: string,
  topicId: string,
  partitions: number,
  maxWaitCapMs = 120_000,
): { replicas: PartitionReplica[]; fetch: ReturnType<typeof handleFetch> } {
  const infos: PartitionInfo[] = Array.from({ length: partitions }, (_, partitionIndex) => ({
    partitionIndex,
    leaderId: 1,
    leaderEpoch: 1,
    partitionEpoch: 0,
    replicas: [1],
    isr: [1],
    leaderRecoveryState: 'RECOVERED',
  }));
  const snapshot: ClusterSnapshot = {
    version: '1',
    clusterId: 'c',
    controllerId: 1,
    brokers: [
      {
        id: 1,
        endpoints: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9001, securityProtocol: 'PLAINTEXT' }],
        rack: null,
        epoch: '1',
        fenced: false,
      },
    ],
    topics: [{ id: topicId, name: topic, internal: false, configs: {}, partitions: infos }],
    brokerConfigs: { cluster: {}, brokers: {} },
    groupConfigs: {},
  };
  const view = new ClusterView();
  view.apply(snapshot);
  const policy = topicSettings({}, topicDefaults()).policy;
  const replicas = infos.map((info) => {
    const replica = new PartitionReplica(
      topic,
      topicId,
      info.partitionIndex,
      new MemoryLog({ topic, partition: info.partitionIndex }),
      1,
      policy,
      {
        brokerId: 1,
        replicaLagTimeMaxMs: 30_000,
        eligibility: { isIsrEligible: () => true, aliveBrokerEpoch: () => 1 },
        proposeIsrChange: () => undefined,
      },
    );
    replica.makeLeader(info, policy);
    return replica;
  });
  const manager = {
    replica: (name: string, index: number) => (name === topic ? replicas[index] : undefined),
    settled: async () => undefined,
    isOffline: () => false,
  } as unknown as ReplicaManager;
  return { replicas, fetch: handleFetch(view, manager, 1, new FetchSessionCache(), { maxWaitCapMs }) };
}

/** A batch of one record whose value is `valueBytes` long. */
export const oneRecordBatch = (valueBytes: number): Buffer =>
  encodeRecordBatch({ baseTimestamp: BigInt(Date.now()), records: [{ offsetDelta: 0, key: null, value: Buffer.alloc(valueBytes, 'v') }] });
