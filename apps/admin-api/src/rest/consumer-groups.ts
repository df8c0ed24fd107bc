import { ErrorCode } from '@strom/errors';
import {
  ApiKey,
  ConsumerProtocolAssignmentCodec,
  createListOffsetsRequestListOffsetsPartition,
  createOffsetFetchRequest,
  Reader,
  type DescribeGroupsResponseDescribedGroup,
  type DescribeGroupsResponseDescribedGroupMember,
} from '@strom/protocol';
import type { ClusterClient } from './cluster-client.js';
import { RestError, throwIfKafkaError } from './errors.js';

export type DescribedGroup = DescribeGroupsResponseDescribedGroup;
export type GroupMember = DescribeGroupsResponseDescribedGroupMember;

/** One partition a member is assigned. */
export interface Assignment {
  readonly topic: string;
  readonly partition: number;
}

/** A partition's committed offset and log end offset, with the member assigned it (if any). */
export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  readonly currentOffset: bigint;
  readonly logEndOffset: bigint;
  readonly member: GroupMember | undefined;
}

/** OffsetFetch v8 asks for several groups at once (and v10 names topics by id only: Metadata gives their names). */
const OFFSET_FETCH_GROUPS_MIN_VERSION = 8;

/** Kafka's group states as v3's ConsumerGroupState (`PreparingRebalance` → `PREPARING_REBALANCE`). */
export function groupState(state: string): string {
  const named = state.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
  const known = ['PREPARING_REBALANCE', 'COMPLETING_REBALANCE', 'ASSIGNING', 'RECONCILING', 'STABLE', 'DEAD', 'EMPTY'];
  return known.includes(named) ? named : 'UNKNOWN';
}

/** Every consumer group (protocol type `consumer`, or none for groups that only commit offsets), from ListGroups on each broker. */
export async function listGroupIds(client: ClusterClient): Promise<string[]> {
  const brokers = (await client.metadata([])).brokers;
  const ids = new Set<string>();
  for (const broker of brokers) {
    const response = await client.requestNode(broker.nodeId, ApiKey.ListGroups, { statesFilter: [], typesFilter: [] });
    throwIfKafkaError(response.errorCode);
    for (const group of response.groups) if (group.protocolType === 'consumer' || group.protocolType === '') ids.add(group.groupId);
  }
  return [...ids].sort();
}

/** DescribeGroups at the group's coordinator; a 404 for a group that does not exist. */
export async function describeGroup(client: ClusterClient, groupId: string): Promise<{ group: DescribedGroup; coordinator: number }> {
  const coordinator = await client.groupCoordinator(groupId);
  const response = await client.requestNode(coordinator, ApiKey.DescribeGroups, { groups: [groupId], includeAuthorizedOperations: false });
  const group = response.groups[0]!;
  if (group.errorCode === ErrorCode.GROUP_ID_NOT_FOUND || (group.errorCode === ErrorCode.NONE && group.groupState === 'Dead')) {
    throw RestError.notFound(`Consumer Group ${groupId} could not be found.`);
  }
  throwIfKafkaError(group.errorCode, group.errorMessage);
  return { group, coordinator };
}

/** A member's assigned partitions, from its ConsumerProtocolAssignment (int16 version, then the assignment). */
export function memberAssignment(member: GroupMember): Assignment[] {
  if (member.memberAssignment.length < 2) return [];
  const reader = new Reader(member.memberAssignment, 'ConsumerProtocolAssignment');
  const version = Math.min(reader.int16('Version'), ConsumerProtocolAssignmentCodec.maxVersion);
  const assignment = ConsumerProtocolAssignmentCodec.decode(reader, version);
  return assignment.assignedPartitions
    .flatMap((topic) => topic.partitions.map((partition) => ({ topic: topic.topic, partition })))
    .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

/** The committed offsets of the group (OffsetFetch at its coordinator), by topic and partition. */
export async function committedOffsets(
  client: ClusterClient,
  groupId: string,
  coordinator: number,
): Promise<Map<string, Map<number, bigint>>> {
  const response = await client.requestNode(coordinator, ApiKey.OffsetFetch, (apiVersion) =>
    apiVersion >= OFFSET_FETCH_GROUPS_MIN_VERSION
      ? createOffsetFetchRequest({ groups: [{ groupId, memberId: null, memberEpoch: -1, topics: null }] })
      : createOffsetFetchRequest({ groupId, topics: null }),
  );
  const offsets = new Map<string, Map<number, bigint>>();
  const add = (topic: string, partition: number, offset: bigint, errorCode: number) => {
    throwIfKafkaError(errorCode);
    if (offset >= 0n) offsets.set(topic, (offsets.get(topic) ?? new Map<number, bigint>()).set(partition, offset));
  };
  const group = response.groups[0];
  if (group) {
    throwIfKafkaError(group.errorCode);
    const names = new Map<string, string>();
    if (group.topics.some((topic) => !topic.name)) {
      for (const topic of (await client.metadata(null)).topics) if (topic.name) names.set(topic.topicId, topic.name);
    }
    for (const topic of group.topics) {
      const name = topic.name || names.get(topic.topicId);
      if (name) for (const p of topic.partitions) add(name, p.partitionIndex, p.committedOffset, p.errorCode);
    }
  } else {
    throwIfKafkaError(response.errorCode);
    for (const topic of response.topics)
      for (const p of topic.partitions) add(topic.name, p.partitionIndex, p.committedOffset, p.errorCode);
  }
  return offsets;
}

/** ListOffsets' special timestamps: the log start and the log end. */
export const EARLIEST_TIMESTAMP = -2n;
export const LATEST_TIMESTAMP = -1n;

/**
 * ListOffsets at each partition's leader for `timestamp` (EARLIEST, LATEST or a time in ms):
 * by `topic:partition`; a partition without an answer (no leader, an error, no record at or after
 * the time) is absent.
 */
export async function listOffsets(
  client: ClusterClient,
  partitions: ReadonlyMap<string, readonly number[]>,
  timestamp: bigint,
): Promise<Map<string, bigint>> {
  const metadata = await client.metadata([...partitions.keys()]);
  const byLeader = new Map<number, Map<string, number[]>>();
  for (const topic of metadata.topics) {
    for (const partition of topic.partitions) {
      if (!partitions.get(topic.name!)?.includes(partition.partitionIndex) || partition.leaderId < 0) continue;
      const topics = byLeader.get(partition.leaderId) ?? new Map<string, number[]>();
      topics.set(topic.name!, [...(topics.get(topic.name!) ?? []), partition.partitionIndex]);
      byLeader.set(partition.leaderId, topics);
    }
  }
  const offsets = new Map<string, bigint>();
  for (const [leader, topics] of byLeader) {
    const response = await client.requestNode(leader, ApiKey.ListOffsets, {
      replicaId: -1,
      isolationLevel: 0,
      timeoutMs: 30_000,
      topics: [...topics].map(([name, indexes]) => ({
        name,
        partitions: indexes.map((partitionIndex) => createListOffsetsRequestListOffsetsPartition({ partitionIndex, timestamp })),
      })),
    });
    for (const topic of response.topics) {
      for (const partition of topic.partitions) {
        if (partition.errorCode === ErrorCode.NONE && partition.offset >= 0n)
          offsets.set(`${topic.name}:${partition.partitionIndex}`, partition.offset);
      }
    }
  }
  return offsets;
}

/**
 * The group's lag per partition, as kafka-rest's ConsumerLagManagerImpl: every partition with a
 * committed offset and a log end offset, with the member assigned it; a 404 when the group has
 * committed nothing.
 */
export async function groupLags(client: ClusterClient, groupId: string): Promise<PartitionLag[]> {
  const { group, coordinator } = await describeGroup(client, groupId);
  const committed = await committedOffsets(client, groupId, coordinator);
  if (committed.size === 0) throw RestError.notFound('Consumer group offsets could not be found.');
  const ends = await listOffsets(
    client,
    new Map([...committed].map(([topic, partitions]) => [topic, [...partitions.keys()]])),
    LATEST_TIMESTAMP,
  );
  const owners = new Map<string, GroupMember>();
  for (const member of group.members)
    for (const { topic, partition } of memberAssignment(member)) owners.set(`${topic}:${partition}`, member);
  const lags: PartitionLag[] = [];
  for (const [topic, partitions] of [...committed].sort(([a], [b]) => a.localeCompare(b))) {
    for (const [partition, currentOffset] of [...partitions].sort(([a], [b]) => a - b)) {
      const logEndOffset = ends.get(`${topic}:${partition}`);
      if (logEndOffset !== undefined)
        lags.push({ topic, partition, currentOffset, logEndOffset, member: owners.get(`${topic}:${partition}`) });
    }
  }
  return lags;
}
