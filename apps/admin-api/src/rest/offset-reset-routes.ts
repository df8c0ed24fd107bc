import { ErrorCode } from '@strom/errors';
import { ApiKey, createOffsetCommitRequest } from '@strom/protocol';
import type { ClusterClient } from './cluster-client.js';
import { clusterScope } from './cluster-routes.js';
import { committedOffsets, EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, listOffsets } from './consumer-groups.js';
import { RestError, throwIfKafkaError } from './errors.js';
import { STROM_PREFIX, type Route } from './route.js';
import { describeTopic } from './topic-routes.js';

interface ResetBody {
  to: 'EARLIEST' | 'LATEST' | 'TIMESTAMP' | 'OFFSET';
  timestamp?: string;
  offset?: number;
  topics?: { topic_name: string; partitions?: number[] }[];
  validate_only?: boolean;
}

/** The states in which Kafka's kafka-consumer-groups tool resets a group's offsets. */
const INACTIVE_STATES: ReadonlySet<string> = new Set(['Empty', 'Dead']);

/** The group's state at its coordinator; a group that does not exist is Dead, as Kafka's tool sees it. */
async function groupState(client: ClusterClient, groupId: string, coordinator: number): Promise<string> {
  const response = await client.requestNode(coordinator, ApiKey.DescribeGroups, { groups: [groupId], includeAuthorizedOperations: false });
  const group = response.groups[0]!;
  if (group.errorCode === ErrorCode.GROUP_ID_NOT_FOUND) return 'Dead';
  throwIfKafkaError(group.errorCode, group.errorMessage);
  return group.groupState;
}

/** The partitions to reset: those named (every partition of a topic named without any), else every one the group committed. */
async function resetScope(client: ClusterClient, groupId: string, coordinator: number, body: ResetBody): Promise<Map<string, number[]>> {
  if (!body.topics) {
    const committed = await committedOffsets(client, groupId, coordinator);
    if (committed.size === 0) throw RestError.badRequest(`Consumer group ${groupId} has no committed offsets: name the topics to reset.`);
    return new Map([...committed].map(([topic, partitions]) => [topic, [...partitions.keys()].sort((a, b) => a - b)]));
  }
  const scope = new Map<string, number[]>();
  for (const { topic_name: name, partitions } of body.topics) {
    const known = (await describeTopic(client, name)).partitions.map((partition) => partition.partitionIndex).sort((a, b) => a - b);
    const missing = (partitions ?? []).find((partition) => !known.includes(partition));
    if (missing !== undefined) throw RestError.notFound(`Partition ${missing} of topic ${name} does not exist.`);
    scope.set(name, partitions ?? known);
  }
  return scope;
}

/**
 * The new offset of each partition, as Kafka's kafka-consumer-groups --reset-offsets computes it:
 * the log start or end; the first offset at or after a time (the log end when there is none); a
 * given offset, moved into [log start, log end] when it is outside.
 */
async function targetOffsets(client: ClusterClient, scope: Map<string, number[]>, body: ResetBody): Promise<Map<string, bigint>> {
  if (body.to === 'EARLIEST') return listOffsets(client, scope, EARLIEST_TIMESTAMP);
  const latest = await listOffsets(client, scope, LATEST_TIMESTAMP);
  if (body.to === 'LATEST') return latest;
  if (body.to === 'TIMESTAMP') {
    const timestampMs = body.timestamp === undefined ? Number.NaN : Date.parse(body.timestamp);
    if (Number.isNaN(timestampMs)) throw RestError.badRequest('Payload error. A TIMESTAMP reset needs a date-time timestamp.');
    const atTime = await listOffsets(client, scope, BigInt(timestampMs));
    return new Map([...latest].map(([partition, end]) => [partition, atTime.get(partition) ?? end]));
  }
  if (body.offset === undefined) throw RestError.badRequest('Payload error. An OFFSET reset needs an offset.');
  const earliest = await listOffsets(client, scope, EARLIEST_TIMESTAMP);
  const wanted = BigInt(body.offset);
  return new Map(
    [...latest].map(([partition, end]) => {
      const start = earliest.get(partition) ?? 0n;
      return [partition, wanted < start ? start : wanted > end ? end : wanted];
    }),
  );
}

/** OffsetCommit of `offsets` for the group as an admin (no generation, no member), at its coordinator. */
async function commit(client: ClusterClient, groupId: string, coordinator: number, offsets: Map<string, bigint>): Promise<void> {
  const byTopic = new Map<string, { partitionIndex: number; committedOffset: bigint }[]>();
  for (const [key, offset] of offsets) {
    const at = key.lastIndexOf(':');
    const topic = key.slice(0, at);
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), { partitionIndex: Number(key.slice(at + 1)), committedOffset: offset }]);
  }
  const topicIds = new Map((await client.metadata([...byTopic.keys()])).topics.map((topic) => [topic.name!, topic.topicId]));
  const response = await client.requestNode(
    coordinator,
    ApiKey.OffsetCommit,
    createOffsetCommitRequest({
      groupId,
      generationIdOrMemberEpoch: -1,
      memberId: '',
      groupInstanceId: null,
      retentionTimeMs: -1n,
      topics: [...byTopic].map(([name, partitions]) => ({
        name,
        topicId: topicIds.get(name)!,
        partitions: partitions.map((partition) => ({ ...partition, committedLeaderEpoch: -1, committedMetadata: '' })),
      })),
    }),
  );
  for (const topic of response.topics) for (const partition of topic.partitions) throwIfKafkaError(partition.errorCode);
}

/** Strom's own operations on consumer groups (under /strom/v1). */
export const OFFSET_RESET_ROUTES: readonly Route[] = [
  {
    method: 'post',
    prefix: STROM_PREFIX,
    path: '/clusters/{cluster_id}/consumer-groups/{consumer_group_id}/offsets:reset',
    operationId: 'resetStromConsumerGroupOffsets',
    summary: 'Reset Consumer Group Offsets',
    tag: 'Consumer Group (Strom)',
    requestBody: 'StromOffsetResetRequestData',
    responses: { 200: 'StromOffsetResetData' },
    async handle(context) {
      const { links, client } = await clusterScope(context);
      const groupId = context.params.consumer_group_id!;
      const body = context.body as ResetBody;
      const coordinator = await client.groupCoordinator(groupId);
      const state = await groupState(client, groupId, coordinator);
      if (!INACTIVE_STATES.has(state)) {
        throw new RestError(
          409,
          409,
          `Assignments can only be reset if the group '${groupId}' is inactive, but the current state is ${state}.`,
        );
      }
      const scope = await resetScope(client, groupId, coordinator, body);
      const offsets = await targetOffsets(client, scope, body);
      const validateOnly = body.validate_only ?? false;
      if (!validateOnly) await commit(client, groupId, coordinator, offsets);
      const data = [...scope].flatMap(([topic, partitions]) =>
        partitions
          .filter((partition) => offsets.has(`${topic}:${partition}`))
          .map((partition) => ({ topic_name: topic, partition_id: partition, offset: offsets.get(`${topic}:${partition}`)! })),
      );
      return {
        status: 200,
        body: {
          kind: 'StromConsumerGroupOffsetReset',
          metadata: {
            self: `${context.origin}${STROM_PREFIX}/clusters/${links.clusterId}/consumer-groups/${encodeURIComponent(groupId)}/offsets:reset`,
          },
          cluster_id: links.clusterId,
          consumer_group_id: groupId,
          validate_only: validateOnly,
          data,
        },
      };
    },
  },
];
