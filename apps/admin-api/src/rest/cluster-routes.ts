import type { MetadataResponse } from '@strom/protocol';
import type { ClusterClient } from './cluster-client.js';
import { RestError } from './errors.js';
import { Links } from './links.js';
import type { Route, RouteContext } from './route.js';

/** The cluster's metadata and links for a request under `/clusters/{cluster_id}`. */
export async function clusterScope(context: RouteContext): Promise<{ metadata: MetadataResponse; links: Links; client: ClusterClient }> {
  const metadata = await context.client.cluster(context.params.cluster_id!);
  return { metadata, links: new Links(context.baseUrl, metadata.clusterId!), client: context.client };
}

function clusterData(links: Links, controllerId: number) {
  return {
    ...links.resource('KafkaCluster', [], []),
    cluster_id: links.clusterId,
    ...(controllerId >= 0 ? { controller: links.related('brokers', controllerId) } : {}),
    acls: links.related('acls'),
    brokers: links.related('brokers'),
    broker_configs: links.related('broker-configs'),
    consumer_groups: links.related('consumer-groups'),
    topics: links.related('topics'),
    partition_reassignments: links.related('topics', '-', 'partitions', '-', 'reassignment'),
  };
}

function brokerData(links: Links, broker: MetadataResponse['brokers'][number]) {
  return {
    ...links.resource('KafkaBroker', ['brokers', broker.nodeId], [['broker', broker.nodeId]]),
    cluster_id: links.clusterId,
    broker_id: broker.nodeId,
    host: broker.host,
    port: broker.port,
    rack: broker.rack,
    configs: links.related('brokers', broker.nodeId, 'configs'),
    partition_replicas: links.related('brokers', broker.nodeId, 'partition-replicas'),
  };
}

/** The broker with `brokerId`, or v3's 404. */
export function findBroker(metadata: MetadataResponse, brokerId: string): MetadataResponse['brokers'][number] {
  const broker = metadata.brokers.find((candidate) => candidate.nodeId === Number(brokerId));
  if (!broker) throw RestError.notFound(`Broker ${brokerId} cannot be found.`);
  return broker;
}

export const CLUSTER_ROUTES: readonly Route[] = [
  {
    method: 'get',
    path: '/clusters',
    operationId: 'listKafkaClusters',
    summary: 'List Clusters',
    tag: 'Cluster (v3)',
    responses: { 200: 'ClusterDataList' },
    async handle(context) {
      const metadata = await context.client.metadata([]);
      const links = new Links(context.baseUrl, metadata.clusterId!);
      return {
        status: 200,
        body: {
          kind: 'KafkaClusterList',
          metadata: { self: `${context.baseUrl}/clusters`, next: null },
          data: [clusterData(links, metadata.controllerId)],
        },
      };
    },
  },
  {
    method: 'get',
    path: '/clusters/{cluster_id}',
    operationId: 'getKafkaCluster',
    summary: 'Get Cluster',
    tag: 'Cluster (v3)',
    responses: { 200: 'ClusterData' },
    async handle(context) {
      const { metadata, links } = await clusterScope(context);
      return { status: 200, body: clusterData(links, metadata.controllerId) };
    },
  },
  {
    method: 'get',
    path: '/clusters/{cluster_id}/brokers',
    operationId: 'listKafkaBrokers',
    summary: 'List Brokers',
    tag: 'Broker (v3)',
    responses: { 200: 'BrokerDataList' },
    async handle(context) {
      const { metadata, links } = await clusterScope(context);
      const brokers = [...metadata.brokers].sort((a, b) => a.nodeId - b.nodeId);
      return {
        status: 200,
        body: links.list(
          'KafkaBrokerList',
          ['brokers'],
          brokers.map((broker) => brokerData(links, broker)),
        ),
      };
    },
  },
  {
    method: 'get',
    path: '/clusters/{cluster_id}/brokers/{broker_id}',
    operationId: 'getKafkaBroker',
    summary: 'Get Broker',
    tag: 'Broker (v3)',
    responses: { 200: 'BrokerData' },
    async handle(context) {
      const { metadata, links } = await clusterScope(context);
      return { status: 200, body: brokerData(links, findBroker(metadata, context.params.broker_id!)) };
    },
  },
];
