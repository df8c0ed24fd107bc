import type { MetadataResponsePartition } from '@strom/protocol';
import { clusterScope, findBroker } from './cluster-routes.js';
import { RestError } from './errors.js';
import type { Links } from './links.js';
import type { Route, RouteContext } from './route.js';
import { describeTopic } from './topic-routes.js';

/** JAX-RS's bare NotFoundException, which kafka-rest throws for a missing partition or replica. */
const notFound = () => RestError.notFound('HTTP 404 Not Found');

function partitionData(links: Links, topic: string, partition: MetadataResponsePartition) {
  const id = partition.partitionIndex;
  return {
    ...links.resource(
      'KafkaPartition',
      ['topics', topic, 'partitions', id],
      [
        ['topic', topic],
        ['partition', id],
      ],
    ),
    cluster_id: links.clusterId,
    topic_name: topic,
    partition_id: id,
    ...(partition.leaderId >= 0 ? { leader: links.related('topics', topic, 'partitions', id, 'replicas', partition.leaderId) } : {}),
    replicas: links.related('topics', topic, 'partitions', id, 'replicas'),
    reassignment: links.related('topics', topic, 'partitions', id, 'reassignment'),
  };
}

function replicaData(links: Links, topic: string, partition: MetadataResponsePartition, brokerId: number) {
  const id = partition.partitionIndex;
  return {
    ...links.resource(
      'KafkaReplica',
      ['topics', topic, 'partitions', id, 'replicas', brokerId],
      [
        ['topic', topic],
        ['partition', id],
        ['replica', brokerId],
      ],
    ),
    cluster_id: links.clusterId,
    topic_name: topic,
    partition_id: id,
    broker_id: brokerId,
    is_leader: partition.leaderId === brokerId,
    is_in_sync: partition.isrNodes.includes(brokerId),
    broker: links.related('brokers', brokerId),
  };
}

function byIndex(a: MetadataResponsePartition, b: MetadataResponsePartition): number {
  return a.partitionIndex - b.partitionIndex;
}

/** The topic's partition named in the path, or a 404. */
async function findPartition(context: RouteContext): Promise<{ links: Links; topic: string; partition: MetadataResponsePartition }> {
  const { links, client } = await clusterScope(context);
  const topic = context.params.topic_name!;
  const partition = (await describeTopic(client, topic)).partitions.find((p) => p.partitionIndex === Number(context.params.partition_id));
  if (!partition) throw notFound();
  return { links, topic, partition };
}

export const PARTITION_ROUTES: readonly Route[] = [
  {
    method: 'get',
    path: '/clusters/{cluster_id}/topics/{topic_name}/partitions',
    operationId: 'listKafkaPartitions',
    summary: 'List Partitions',
    tag: 'Partition (v3)',
    responses: { 200: 'PartitionDataList' },
    async handle(context) {
      const { links, client } = await clusterScope(context);
      const topic = context.params.topic_name!;
      const partitions = [...(await describeTopic(client, topic)).partitions].sort(byIndex);
      return {
        status: 200,
        body: links.list(
          'KafkaPartitionList',
          ['topics', topic, 'partitions'],
          partitions.map((partition) => partitionData(links, topic, partition)),
        ),
      };
    },
  },
  {
    method: 'get',
    path: '/clusters/{cluster_id}/topics/{topic_name}/partitions/{partition_id}',
    operationId: 'getKafkaPartition',
    summary: 'Get Partition',
    tag: 'Partition (v3)',
    responses: { 200: 'PartitionData' },
    async handle(context) {
      const { links, topic, partition } = await findPartition(context);
      return { status: 200, body: partitionData(links, topic, partition) };
    },
  },
  {
    method: 'get',
    path: '/clusters/{cluster_id}/topics/{topic_name}/partitions/{partition_id}/replicas',
    operationId: 'listKafkaReplicas',
    summary: 'List Replicas',
    tag: 'Replica (v3)',
    responses: { 200: 'ReplicaDataList' },
    async handle(context) {
      const { links, topic, partition } = await findPartition(context);
      const replicas = partition.replicaNodes.map((brokerId) => replicaData(links, topic, partition, brokerId));
      return {
        status: 200,
        body: links.list('KafkaReplicaList', ['topics', topic, 'partitions', partition.partitionIndex, 'replicas'], replicas),
      };
    },
  },
  {
    method: 'get',
    path: '/clusters/{cluster_id}/topics/{topic_name}/partitions/{partition_id}/replicas/{broker_id}',
    operationId: 'getKafkaReplica',
    summary: 'Get Replica',
    tag: 'Replica (v3)',
    responses: { 200: 'ReplicaData' },
    async handle(context) {
      const { links, topic, partition } = await findPartition(context);
      const brokerId = Number(context.params.broker_id);
      if (!partition.replicaNodes.includes(brokerId)) throw notFound();
      return { status: 200, body: replicaData(links, topic, partition, brokerId) };
    },
  },
  {
    method: 'get',
    path: '/clusters/{cluster_id}/brokers/{broker_id}/partition-replicas',
    operationId: 'searchKafkaReplicasByBroker',
    summary: 'Search Replicas by Broker',
    tag: 'Replica (v3)',
    responses: { 200: 'ReplicaDataList' },
    async handle(context) {
      const { links, client, metadata } = await clusterScope(context);
      const brokerId = findBroker(metadata, context.params.broker_id!).nodeId;
      const topics = [...(await client.metadata(null)).topics].sort((a, b) => a.name!.localeCompare(b.name!));
      const replicas = topics.flatMap((topic) =>
        [...topic.partitions]
          .sort(byIndex)
          .filter((partition) => partition.replicaNodes.includes(brokerId))
          .map((partition) => replicaData(links, topic.name!, partition, brokerId)),
      );
      return { status: 200, body: links.list('KafkaReplicaList', ['brokers', brokerId, 'partition-replicas'], replicas) };
    },
  },
];
