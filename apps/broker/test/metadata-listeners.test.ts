import type { BrokerInfo, ClusterSnapshot } from '@strom/contracts';
import { ErrorCode } from '@strom/errors';
import { createDescribeClusterRequest, createFindCoordinatorRequest, createMetadataRequest } from '@strom/protocol';
import { describe, expect, it } from 'vitest';
import { handleFindCoordinator } from '../src/api/find-coordinator.js';
import { handleMetadata } from '../src/api/metadata.js';
import { handleDescribeCluster } from '../src/api/partition-admin.js';
import { ClusterView } from '../src/cluster/cluster-view.js';
import type { MetadataClient } from '../src/cluster/metadata-client.js';
import type { ClientContext } from '../src/network/request-handler.js';

const endpoint = (name: string, host: string, port: number) => ({ name, host, port, securityProtocol: 'PLAINTEXT' });
const broker = (id: number, endpoints: BrokerInfo['endpoints'], fenced = false): BrokerInfo => ({
  id,
  endpoints,
  rack: null,
  epoch: '1',
  fenced,
});

/** Broker 1 has both listeners, broker 2 only INTERNAL, broker 3 is fenced; partition p leads on each. */
function view(): ClusterView {
  const snapshot: ClusterSnapshot = {
    version: '1',
    clusterId: 'c',
    controllerId: 1,
    brokers: [
      broker(1, [endpoint('INTERNAL', '10.0.0.1', 9092), endpoint('EXTERNAL', 'kafka1.example', 443)]),
      broker(2, [endpoint('INTERNAL', '10.0.0.2', 9092)]),
      broker(3, [endpoint('INTERNAL', '10.0.0.3', 9092), endpoint('EXTERNAL', 'kafka3.example', 443)], true),
    ],
    topics: [
      {
        id: '6f0d2b6e-9a8e-4b43-9d7a-2f1f3c1b2a10',
        name: 't',
        internal: false,
        configs: {},
        partitions: [1, 2, 3, 4].map((leaderId, partitionIndex) => ({
          partitionIndex,
          leaderId,
          leaderEpoch: 0,
          partitionEpoch: 0,
          replicas: [leaderId, 1],
          isr: [leaderId, 1],
          leaderRecoveryState: 'RECOVERED' as const,
        })),
      },
    ],
    brokerConfigs: { cluster: {}, brokers: {} },
    groupConfigs: {},
  };
  const clusterView = new ClusterView();
  clusterView.apply(snapshot);
  return clusterView;
}

const client = (listenerName: string): ClientContext => ({
  connectionId: 1,
  remoteAddress: '10.0.0.9:5000',
  listenerName,
  principal: 'User:ANONYMOUS',
});
const metadata = handleMetadata(view(), {} as MetadataClient, { autoCreateTopicsEnable: false });

describe("answers for the client's listener, as Kafka's KRaftMetadataCache gives them", () => {
  it('lists the unfenced brokers that have the listener, at their endpoint for it', async () => {
    const internal = await metadata(createMetadataRequest({ topics: null }), 12, client('INTERNAL'));
    expect(internal.brokers.map((b) => [b.nodeId, b.host, b.port])).toEqual([
      [1, '10.0.0.1', 9092],
      [2, '10.0.0.2', 9092],
    ]);
    const external = await metadata(createMetadataRequest({ topics: null }), 12, client('EXTERNAL'));
    expect(external.brokers.map((b) => [b.nodeId, b.host, b.port])).toEqual([[1, 'kafka1.example', 443]]);
  });

  it('reports a leader without the listener as LISTENER_NOT_FOUND (v6+) or LEADER_NOT_AVAILABLE, an unknown one as LEADER_NOT_AVAILABLE', async () => {
    const partitions = async (listener: string, version: number) =>
      (
        await metadata(
          createMetadataRequest({ topics: [{ name: 't', topicId: '00000000-0000-0000-0000-000000000000' }] }),
          version,
          client(listener),
        )
      ).topics[0]!.partitions.map((p) => [p.leaderId, p.errorCode, p.offlineReplicas]);
    expect(await partitions('INTERNAL', 12)).toEqual([
      [1, ErrorCode.NONE, []],
      [2, ErrorCode.NONE, []],
      // A fenced leader is still named, as Kafka names it; its replica is offline.
      [3, ErrorCode.NONE, [3]],
      [-1, ErrorCode.LEADER_NOT_AVAILABLE, [4]],
    ]);
    expect(await partitions('EXTERNAL', 12)).toEqual([
      [1, ErrorCode.NONE, []],
      [-1, ErrorCode.LISTENER_NOT_FOUND, [2]],
      [3, ErrorCode.NONE, [3]],
      [-1, ErrorCode.LEADER_NOT_AVAILABLE, [4]],
    ]);
    expect((await partitions('EXTERNAL', 5))[1]).toEqual([-1, ErrorCode.LEADER_NOT_AVAILABLE, [2]]);
  });

  it('v0 leaves unreachable replicas out of the lists, with REPLICA_NOT_AVAILABLE', async () => {
    const response = await metadata(
      createMetadataRequest({ topics: [{ name: 't', topicId: '00000000-0000-0000-0000-000000000000' }] }),
      0,
      client('EXTERNAL'),
    );
    expect(response.topics[0]!.partitions[2]).toMatchObject({
      leaderId: 3,
      errorCode: ErrorCode.REPLICA_NOT_AVAILABLE,
      replicaNodes: [1],
      isrNodes: [1],
    });
  });

  it('DescribeCluster lists the brokers with the listener (fenced ones when asked); FindCoordinator names this broker on it', async () => {
    const describeCluster = handleDescribeCluster(view());
    const brokers = (listener: string, includeFencedBrokers: boolean) =>
      describeCluster(createDescribeClusterRequest({ endpointType: 1, includeFencedBrokers }), 2, client(listener)).brokers.map((b) => [
        b.brokerId,
        b.host,
        b.isFenced,
      ]);
    expect(brokers('EXTERNAL', false)).toEqual([[1, 'kafka1.example', false]]);
    expect(brokers('EXTERNAL', true)).toEqual([
      [1, 'kafka1.example', false],
      [3, 'kafka3.example', true],
    ]);
    const onBroker2 = handleFindCoordinator(view(), 2);
    const find = (listener: string) => onBroker2(createFindCoordinatorRequest({ keyType: 0, coordinatorKeys: ['g'] }), 4, client(listener));
    expect((await find('INTERNAL')).coordinators[0]).toMatchObject({ errorCode: ErrorCode.NONE, nodeId: 2, host: '10.0.0.2', port: 9092 });
    expect((await find('EXTERNAL')).coordinators[0]).toMatchObject({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, nodeId: -1 });
  });
});
