import { clusterScope } from './cluster-routes.js';
import {
  describeGroup,
  groupLags,
  groupState,
  listGroupIds,
  memberAssignment,
  type DescribedGroup,
  type GroupMember,
  type PartitionLag,
} from './consumer-groups.js';
import { RestError } from './errors.js';
import type { Links } from './links.js';
import type { Route } from './route.js';

const GROUPS = '/clusters/{cluster_id}/consumer-groups';
const TAG = 'Consumer Group (v3)';

/** JAX-RS's bare NotFoundException, which kafka-rest throws for a missing consumer, assignment or lag. */
const notFound = () => RestError.notFound('HTTP 404 Not Found');

function groupData(links: Links, group: DescribedGroup, coordinator: number) {
  const id = group.groupId;
  return {
    ...links.resource('KafkaConsumerGroup', ['consumer-groups', id], [['consumer-group', id]]),
    cluster_id: links.clusterId,
    consumer_group_id: id,
    is_simple: group.protocolType === '',
    partition_assignor: group.protocolData,
    state: groupState(group.groupState),
    type: 'CLASSIC',
    is_mixed_consumer_group: false,
    coordinator: links.related('brokers', coordinator),
    consumers: links.related('consumer-groups', id, 'consumers'),
    lag_summary: links.related('consumer-groups', id, 'lag-summary'),
  };
}

function consumerData(links: Links, groupId: string, member: GroupMember) {
  return {
    ...links.resource(
      'KafkaConsumer',
      ['consumer-groups', groupId, 'consumers', member.memberId],
      [
        ['consumer-group', groupId],
        ['consumer', member.memberId],
      ],
    ),
    cluster_id: links.clusterId,
    consumer_group_id: groupId,
    consumer_id: member.memberId,
    instance_id: member.groupInstanceId,
    client_id: member.clientId,
    assignments: links.related('consumer-groups', groupId, 'consumers', member.memberId, 'assignments'),
  };
}

function assignmentData(links: Links, groupId: string, consumerId: string, topic: string, partition: number) {
  return {
    ...links.resource(
      'KafkaConsumerAssignment',
      ['consumer-groups', groupId, 'consumers', consumerId, 'assignments', topic, 'partitions', partition],
      [
        ['consumer-group', groupId],
        ['consumer', consumerId],
        ['assignment', topic],
        ['partition', partition],
      ],
    ),
    cluster_id: links.clusterId,
    consumer_group_id: groupId,
    consumer_id: consumerId,
    topic_name: topic,
    partition_id: partition,
    partition: links.related('topics', topic, 'partitions', partition),
    lag: links.related('consumer-groups', groupId, 'lags', topic, 'partitions', partition),
  };
}

function lagData(links: Links, groupId: string, lag: PartitionLag) {
  return {
    ...links.resource(
      'KafkaConsumerLag',
      ['consumer-groups', groupId, 'lags', lag.topic, 'partitions', lag.partition],
      [
        ['consumer-group', groupId],
        ['lag', lag.topic],
        ['partition', lag.partition],
      ],
    ),
    cluster_id: links.clusterId,
    consumer_group_id: groupId,
    topic_name: lag.topic,
    partition_id: lag.partition,
    current_offset: lag.currentOffset,
    log_end_offset: lag.logEndOffset,
    lag: lag.logEndOffset - lag.currentOffset,
    consumer_id: lag.member?.memberId ?? '',
    instance_id: lag.member?.groupInstanceId ?? null,
    client_id: lag.member?.clientId ?? '',
  };
}

/** kafka-rest's ConsumerGroupLagSummary: the largest lag (the first partition with it) and the sum. */
function lagSummaryData(links: Links, groupId: string, lags: readonly PartitionLag[]) {
  let max = lags[0]!;
  let total = 0n;
  for (const lag of lags) {
    total += lag.logEndOffset - lag.currentOffset;
    if (lag.logEndOffset - lag.currentOffset > max.logEndOffset - max.currentOffset) max = lag;
  }
  const consumerId = max.member?.memberId ?? '';
  return {
    ...links.resource(
      'KafkaConsumerGroupLagSummary',
      ['consumer-groups', groupId, 'lag-summary'],
      [
        ['consumer-group', groupId],
        ['lag-summary', null],
      ],
    ),
    cluster_id: links.clusterId,
    consumer_group_id: groupId,
    max_lag_consumer_id: consumerId,
    max_lag_instance_id: max.member?.groupInstanceId ?? null,
    max_lag_client_id: max.member?.clientId ?? '',
    max_lag_topic_name: max.topic,
    max_lag_partition_id: max.partition,
    max_lag: max.logEndOffset - max.currentOffset,
    total_lag: total,
    max_lag_consumer: links.related('consumer-groups', groupId, 'consumers', consumerId),
    max_lag_partition: links.related('topics', max.topic, 'partitions', max.partition),
  };
}

function findMember(group: DescribedGroup, consumerId: string): GroupMember {
  const member = group.members.find((candidate) => candidate.memberId === consumerId);
  if (!member) throw notFound();
  return member;
}

export const GROUP_ROUTES: readonly Route[] = [
  {
    method: 'get',
    path: GROUPS,
    operationId: 'listKafkaConsumerGroups',
    summary: 'List Consumer Groups',
    tag: TAG,
    responses: { 200: 'ConsumerGroupDataList' },
    async handle(context) {
      const { links, client } = await clusterScope(context);
      const data = [];
      for (const id of await listGroupIds(client)) {
        const described = await describeGroup(client, id).catch((error: unknown) => {
          if (error instanceof RestError && error.status === 404) return undefined;
          throw error;
        });
        if (described) data.push(groupData(links, described.group, described.coordinator));
      }
      return { status: 200, body: links.list('KafkaConsumerGroupList', ['consumer-groups'], data) };
    },
  },
  {
    method: 'get',
    path: `${GROUPS}/{consumer_group_id}`,
    operationId: 'getKafkaConsumerGroup',
    summary: 'Get Consumer Group',
    tag: TAG,
    responses: { 200: 'ConsumerGroupData' },
    async handle(context) {
      const { links, client } = await clusterScope(context);
      const { group, coordinator } = await describeGroup(client, context.params.consumer_group_id!);
      return { status: 200, body: groupData(links, group, coordinator) };
    },
  },
  {
    method: 'get',
    path: `${GROUPS}/{consumer_group_id}/consumers`,
    operationId: 'listKafkaConsumers',
    summary: 'List Consumers',
    tag: TAG,
    responses: { 200: 'ConsumerDataList' },
    async handle(context) {
      const { links, client } = await clusterScope(context);
      const groupId = context.params.consumer_group_id!;
      const { group } = await describeGroup(client, groupId);
      const members = [...group.members].sort((a, b) => a.memberId.localeCompare(b.memberId));
      return {
        status: 200,
        body: links.list(
          'KafkaConsumerList',
          ['consumer-groups', groupId, 'consumers'],
          members.map((member) => consumerData(links, groupId, member)),
        ),
      };
    },
  },
  {
    method: 'get',
    path: `${GROUPS}/{consumer_group_id}/consumers/{consumer_id}`,
    operationId: 'getKafkaConsumer',
    summary: 'Get Consumer',
    tag: TAG,
    responses: { 200: 'ConsumerData' },
    async handle(context) {
      const { links, client } = await clusterScope(context);
      const groupId = context.params.consumer_group_id!;
      const { group } = await describeGroup(client, groupId);
      return { status: 200, body: consumerData(links, groupId, findMember(group, context.params.consumer_id!)) };
    },
  },
  {
    method: 'get',
    path: `${GROUPS}/{consumer_group_id}/consumers/{consumer_id}/assignments`,
    operationId: 'listKafkaConsumerAssignment',
    summary: 'List Consumer Assignments',
    tag: TAG,
    responses: { 200: 'ConsumerAssignmentDataList' },
    async handle(context) {
      const { links, client } = await clusterScope(context);
      const groupId = context.params.consumer_group_id!;
      const member = findMember((await describeGroup(client, groupId)).group, context.params.consumer_id!);
      const data = memberAssignment(member).map(({ topic, partition }) =>
        assignmentData(links, groupId, member.memberId, topic, partition),
      );
      return {
        status: 200,
        body: links.list('KafkaConsumerAssignmentList', ['consumer-groups', groupId, 'consumers', member.memberId, 'assignments'], data),
      };
    },
  },
  {
    method: 'get',
    path: `${GROUPS}/{consumer_group_id}/consumers/{consumer_id}/assignments/{topic_name}/partitions/{partition_id}`,
    operationId: 'getKafkaConsumerAssignment',
    summary: 'Get Consumer Assignment',
    tag: TAG,
    responses: { 200: 'ConsumerAssignmentData' },
    async handle(context) {
      const { links, client } = await clusterScope(context);
      const groupId = context.params.consumer_group_id!;
      const member = findMember((await describeGroup(client, groupId)).group, context.params.consumer_id!);
      const topic = context.params.topic_name!;
      const partition = Number(context.params.partition_id);
      if (!memberAssignment(member).some((a) => a.topic === topic && a.partition === partition)) throw notFound();
      return { status: 200, body: assignmentData(links, groupId, member.memberId, topic, partition) };
    },
  },
  {
    method: 'get',
    path: `${GROUPS}/{consumer_group_id}/lags`,
    operationId: 'listKafkaConsumerLags',
    summary: 'List Consumer Lags',
    tag: TAG,
    responses: { 200: 'ConsumerLagDataList' },
    async handle(context) {
      const { links, client } = await clusterScope(context);
      const groupId = context.params.consumer_group_id!;
      const lags = await groupLags(client, groupId);
      return {
        status: 200,
        body: links.list(
          'KafkaConsumerLagList',
          ['consumer-groups', groupId, 'lags'],
          lags.map((lag) => lagData(links, groupId, lag)),
        ),
      };
    },
  },
  {
    method: 'get',
    path: `${GROUPS}/{consumer_group_id}/lags/{topic_name}/partitions/{partition_id}`,
    operationId: 'getKafkaConsumerLag',
    summary: 'Get Consumer Lag',
    tag: TAG,
    responses: { 200: 'ConsumerLagData' },
    async handle(context) {
      const { links, client } = await clusterScope(context);
      const groupId = context.params.consumer_group_id!;
      const topic = context.params.topic_name!;
      const partition = Number(context.params.partition_id);
      const lag = (await groupLags(client, groupId)).find((candidate) => candidate.topic === topic && candidate.partition === partition);
      if (!lag) throw notFound();
      return { status: 200, body: lagData(links, groupId, lag) };
    },
  },
  {
    method: 'get',
    path: `${GROUPS}/{consumer_group_id}/lag-summary`,
    operationId: 'getKafkaConsumerGroupLagSummary',
    summary: 'Get Consumer Group Lag Summary',
    tag: TAG,
    responses: { 200: 'ConsumerGroupLagSummaryData' },
    async handle(context) {
      const { links, client } = await clusterScope(context);
      const groupId = context.params.consumer_group_id!;
      return { status: 200, body: lagSummaryData(links, groupId, await groupLags(client, groupId)) };
    },
  },
];
