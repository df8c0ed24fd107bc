import { ErrorCode } from '@strom/errors';
import {
  createOffsetCommitResponsePartition,
  createOffsetCommitResponseTopic,
  createOffsetFetchResponsePartitions,
  createOffsetFetchResponseTopics,
  type OffsetCommitRequest,
  type OffsetCommitResponse,
  type OffsetFetchRequest,
  type OffsetFetchResponse,
  type RequestHeader,
} from '@strom/protocol';
import type { ClusterView } from '../cluster/cluster-view.js';
import type { ClientContext } from '../network/request-handler.js';

/** OffsetCommit v10 and OffsetFetch v10 name topics by id instead of by name (KIP-848). */
export const GROUP_OFFSETS_TOPIC_ID_MIN_VERSION = 10;

type Forward<Req, Res> = (body: Req, apiVersion: number, client: ClientContext, header: RequestHeader) => Promise<Res>;

/**
 * OffsetCommit by topic id. The coordinator keys offsets by topic name and has no view of the
 * topics, so the broker resolves the ids and forwards v9, which is v10 with names; the answer
 * goes back by id. An id the cluster does not know gets UNKNOWN_TOPIC_ID on each partition.
 */
export function offsetCommitWithTopicIds(view: ClusterView, forward: Forward<OffsetCommitRequest, OffsetCommitResponse>) {
  return async (
    body: OffsetCommitRequest,
    apiVersion: number,
    client: ClientContext,
    header: RequestHeader,
  ): Promise<OffsetCommitResponse> => {
    if (apiVersion < GROUP_OFFSETS_TOPIC_ID_MIN_VERSION) return forward(body, apiVersion, client, header);
    const resolved = body.topics.map((topic) => ({ topic, name: view.topicById(topic.topicId)?.name }));
    const known = resolved.filter((r) => r.name !== undefined).map((r) => ({ ...r.topic, name: r.name! }));
    const response: OffsetCommitResponse =
      known.length > 0
        ? await forward({ ...body, topics: known }, GROUP_OFFSETS_TOPIC_ID_MIN_VERSION - 1, client, header)
        : { throttleTimeMs: 0, topics: [] };
    const answered = new Map(response.topics.map((topic) => [topic.name, topic]));
    return {
      ...response,
      topics: resolved.map(({ topic, name }) =>
        createOffsetCommitResponseTopic({
          topicId: topic.topicId,
          partitions:
            name === undefined
              ? topic.partitions.map((partition) =>
                  createOffsetCommitResponsePartition({ partitionIndex: partition.partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_ID }),
                )
              : answeredPartitions(answered, name),
        }),
      ),
    };
  };
}

function answeredPartitions(answered: Map<string, OffsetCommitResponse['topics'][number]>, name: string) {
  const topic = answered.get(name);
  if (topic === undefined) throw new Error(`OffsetCommit: the coordinator did not answer for topic ${name}`);
  return topic.partitions;
}

/**
 * OffsetFetch by topic id, resolved as for OffsetCommit: the coordinator gets v9 with names, the
 * answer goes back by id. Asked for every topic (null), the group's committed topics come back
 * with their ids; offsets of a topic that no longer exists are left out, since it has no id.
 */
export function offsetFetchWithTopicIds(view: ClusterView, forward: Forward<OffsetFetchRequest, OffsetFetchResponse>) {
  return async (
    body: OffsetFetchRequest,
    apiVersion: number,
    client: ClientContext,
    header: RequestHeader,
  ): Promise<OffsetFetchResponse> => {
    if (apiVersion < GROUP_OFFSETS_TOPIC_ID_MIN_VERSION) return forward(body, apiVersion, client, header);
    const groups = body.groups.map((group) => {
      const topics = group.topics?.map((topic) => ({ topic, name: view.topicById(topic.topicId)?.name })) ?? null;
      return { group, topics };
    });
    const forwarded: OffsetFetchRequest = {
      ...body,
      groups: groups.map(({ group, topics }) => ({
        ...group,
        topics: topics === null ? null : topics.filter((t) => t.name !== undefined).map((t) => ({ ...t.topic, name: t.name! })),
      })),
    };
    const response = await forward(forwarded, GROUP_OFFSETS_TOPIC_ID_MIN_VERSION - 1, client, header);
    const answeredGroups = new Map(response.groups.map((group) => [group.groupId, group]));
    return {
      ...response,
      groups: groups.map(({ group, topics }) => {
        const answered = answeredGroups.get(group.groupId);
        if (answered === undefined) throw new Error(`OffsetFetch: the coordinator did not answer for group ${group.groupId}`);
        const byName = new Map(answered.topics.map((topic) => [topic.name, topic]));
        if (answered.errorCode !== ErrorCode.NONE) return { ...answered, topics: [] };
        if (topics === null) {
          return {
            ...answered,
            topics: answered.topics.flatMap((topic) => {
              const topicId = view.topicByName(topic.name)?.id;
              return topicId === undefined ? [] : [{ ...topic, topicId }];
            }),
          };
        }
        // As Kafka lists them: the known topics in request order, then the unknown ids.
        const known = topics.filter((t) => t.name !== undefined);
        const unknown = topics.filter((t) => t.name === undefined);
        return {
          ...answered,
          topics: [
            ...known.map(({ topic, name }) => {
              const found = byName.get(name!);
              if (found === undefined) throw new Error(`OffsetFetch: the coordinator did not answer for topic ${name}`);
              return { ...found, topicId: topic.topicId };
            }),
            ...unknown.map(({ topic }) =>
              createOffsetFetchResponseTopics({
                topicId: topic.topicId,
                partitions: topic.partitionIndexes.map((partitionIndex) =>
                  createOffsetFetchResponsePartitions({
                    partitionIndex,
                    committedOffset: -1n,
                    committedLeaderEpoch: -1,
                    metadata: '',
                    errorCode: ErrorCode.UNKNOWN_TOPIC_ID,
                  }),
                ),
              }),
            ),
          ],
        };
      }),
    };
  };
}
