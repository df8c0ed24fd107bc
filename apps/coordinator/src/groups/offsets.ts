/**
 * Committed offsets (Kafka's OffsetMetadataManager): OffsetCommit, OffsetFetch, OffsetDelete,
 * the retention sweep and the offsets of deleted topics. Commits become OffsetCommit records and
 * deletions OffsetTombstone records; memory changes only when the runtime applies them.
 */
import { ErrorCode } from '@strom/errors';
import { ClassicGroup, type CommittedOffset } from './classic-group.js';
import { CONSUMER_PROTOCOL_TYPE } from './consumer-protocol.js';
import { scheduleHeartbeat, validateCurrentMember } from './rebalance.js';
import { answer, ResultBuilder, type CoordinatorResult, type GroupContext } from './result.js';
import type { TopicPartitionRef } from './store.js';

/** One partition of an OffsetCommit, already checked against `offset.metadata.max.bytes`. */
export interface PartitionCommit {
  topic: string;
  partition: number;
  offset: CommittedOffset;
  tooLarge: boolean;
}

/** An OffsetCommit as the handler needs it: generation -1 and member id "" for a "simple" commit. */
export interface CommitParams {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  commits: PartitionCommit[];
}

export interface RequestedTopic {
  name: string;
  partitionIndexes: number[];
}

export interface FetchedPartition {
  partitionIndex: number;
  committedOffset: bigint;
  committedLeaderEpoch: number;
  metadata: string | null;
  errorCode: ErrorCode;
}

export interface FetchedTopic {
  name: string;
  partitions: FetchedPartition[];
}

export interface OffsetDeleteOutcome {
  groupError: ErrorCode;
  /** By {@link partitionKey}; partitions not in it succeeded. */
  partitionErrors: Map<string, ErrorCode>;
}

/** Handles an OffsetCommit: one error code per partition, in request order. */
export function commitOffsets(current: ClassicGroup | undefined, p: CommitParams, ctx: GroupContext): CoordinatorResult<ErrorCode[]> {
  const all = (code: ErrorCode): CoordinatorResult<ErrorCode[]> => answer(p.commits.map(() => code));
  // Only "simple" commits (no group management) may create a group; the commit's record does.
  if (current === undefined && p.generationId >= 0) return all(ErrorCode.ILLEGAL_GENERATION);
  const group = current ?? new ClassicGroup(p.groupId, 'Empty', ctx.nowMs);
  const error = validateOffsetCommit(group, p, ctx);
  if (error !== undefined) return all(error);
  const b = new ResultBuilder<ErrorCode[]>();
  switch (group.state) {
    case 'CompletingRebalance':
      // The member has the new generation but not its assignment yet: let it finish the rebalance.
      return all(ErrorCode.REBALANCE_IN_PROGRESS);
    case 'Dead':
      return all(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    case 'Stable':
    case 'PreparingRebalance': {
      // Commits are allowed while preparing: the heartbeat tells the member about the rebalance.
      const member = group.members.get(p.memberId);
      if (member) scheduleHeartbeat(b, member);
      break;
    }
    case 'Empty':
      break;
  }
  for (const c of p.commits) {
    if (!c.tooLarge) b.append({ kind: 'OffsetCommit', groupId: p.groupId, value: { topic: c.topic, partition: c.partition, ...c.offset } });
  }
  b.respond(p.commits.map((c) => (c.tooLarge ? ErrorCode.OFFSET_METADATA_TOO_LARGE : ErrorCode.NONE)));
  b.afterAppend(undefined, () =>
    answer(p.commits.map((c) => (c.tooLarge ? ErrorCode.OFFSET_METADATA_TOO_LARGE : ErrorCode.COORDINATOR_NOT_AVAILABLE))),
  );
  return b.build();
}

function validateOffsetCommit(group: ClassicGroup, p: CommitParams, ctx: GroupContext): ErrorCode | undefined {
  if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  if (p.generationId >= 0 || p.memberId !== '' || p.groupInstanceId !== null) {
    const memberError = validateCurrentMember(group, p.memberId, p.groupInstanceId, 'offset-commit', ctx);
    if (memberError !== undefined) return memberError;
    if (p.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    return undefined;
  }
  // A commit without member id and generation: only when nobody is in the group.
  return group.is('Empty') ? undefined : ErrorCode.UNKNOWN_MEMBER_ID;
}

/**
 * The committed offsets of `requested` (null: every topic), whatever the group's state (it may
 * not use group management). requireStable (v7+) only matters with pending transactional
 * offsets, which this coordinator does not have yet.
 */
export function fetchOffsets(group: ClassicGroup | undefined, requested: RequestedTopic[] | null): FetchedTopic[] {
  const live = group !== undefined && !group.is('Dead') ? group : undefined;
  if (requested === null) {
    if (!live) return [];
    return [...live.offsets.keys()].sort().map((name) => ({
      name,
      partitions: [...(live.offsets.get(name)?.entries() ?? [])]
        .sort(([a], [b]) => a - b)
        .map(([partitionIndex, o]) => fetched(partitionIndex, o)),
    }));
  }
  return requested.map((t) => ({
    name: t.name,
    partitions: t.partitionIndexes.map((partitionIndex) => fetched(partitionIndex, live?.offset(t.name, partitionIndex))),
  }));
}

function fetched(partitionIndex: number, o: CommittedOffset | undefined): FetchedPartition {
  return o === undefined
    ? { partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE }
    : { partitionIndex, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: ErrorCode.NONE };
}

/** Handles an OffsetDelete: an Empty group loses any offset; a consumer group only those of topics nobody subscribes to. */
export function deleteOffsets(group: ClassicGroup | undefined, partitions: TopicPartitionRef[]): CoordinatorResult<OffsetDeleteOutcome> {
  const partitionErrors = new Map<string, ErrorCode>();
  if (group === undefined || group.is('Dead')) return answer({ groupError: ErrorCode.GROUP_ID_NOT_FOUND, partitionErrors });
  let eligible: TopicPartitionRef[];
  if (group.is('Empty')) {
    eligible = partitions;
  } else if (group.protocolType === CONSUMER_PROTOCOL_TYPE) {
    eligible = [];
    for (const tp of partitions) {
      if (group.isSubscribedToTopic(tp.topic)) partitionErrors.set(partitionKey(tp), ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC);
      else eligible.push(tp);
    }
  } else {
    return answer({ groupError: ErrorCode.NON_EMPTY_GROUP, partitionErrors });
  }
  if (eligible.length === 0) return answer({ groupError: ErrorCode.NONE, partitionErrors });
  const outcome = (code: ErrorCode): OffsetDeleteOutcome => {
    const errors = new Map(partitionErrors);
    for (const tp of eligible) errors.set(partitionKey(tp), code);
    return { groupError: ErrorCode.NONE, partitionErrors: errors };
  };
  // Only the offsets go: Kafka 4's coordinator (OffsetMetadataManager.deleteOffsets) leaves the
  // group, Empty and without offsets, to the next retention pass (offsets.retention.check.interval.ms).
  return removeOffsets(group, eligible, outcome(ErrorCode.NONE), outcome(ErrorCode.COORDINATOR_NOT_AVAILABLE));
}

/** Writes a tombstone for each of these offsets the group has; the answer is `removed` unless the write failed. */
function removeOffsets<R>(group: ClassicGroup, partitions: TopicPartitionRef[], removed: R, notRemoved: R): CoordinatorResult<R> {
  const b = new ResultBuilder<R>().respond(removed);
  for (const tp of presentOffsets(group, partitions)) appendTombstone(b, group, tp);
  b.afterAppend(undefined, () => answer(notRemoved));
  return b.build();
}

/** The partitions among these that the group holds an offset for. */
function presentOffsets(group: ClassicGroup, partitions: TopicPartitionRef[]): TopicPartitionRef[] {
  return partitions.filter((tp) => group.offset(tp.topic, tp.partition) !== undefined);
}

function appendTombstone<R>(b: ResultBuilder<R>, group: ClassicGroup, tp: TopicPartitionRef): void {
  b.append({ kind: 'OffsetTombstone', groupId: group.groupId, topic: tp.topic, partition: tp.partition });
}

/** One retention pass over a group (Kafka's `cleanupGroupMetadata` on the expired offsets). */
export function expireOffsets(group: ClassicGroup, ctx: GroupContext): CoordinatorResult<void> {
  const expired = group.expiredOffsets(ctx.nowMs, ctx.config.offsetsRetentionMs);
  if (expired.length > 0) ctx.log.info({ groupId: group.groupId, offsets: expired.length }, 'expiring offsets');
  return cleanupGroupMetadata(group, expired);
}

/**
 * Kafka's `onPartitionsDeleted`: the offsets of deleted topics go from the group (the store
 * dropped its rows with the topic; this removes them again, harmlessly, and from memory), and an
 * Empty group left without offsets goes with them.
 */
export function dropDeletedTopics(group: ClassicGroup, deleted: ReadonlySet<string>, ctx: GroupContext): CoordinatorResult<void> {
  const partitions = [...group.offsets]
    .filter(([topic]) => deleted.has(topic))
    .flatMap(([topic, byPartition]) => [...byPartition.keys()].map((partition) => ({ topic, partition })));
  if (partitions.length === 0) return answer(undefined);
  ctx.log.info({ groupId: group.groupId, offsets: partitions.length }, 'removing offsets of deleted topics');
  return cleanupGroupMetadata(group, partitions);
}

/**
 * Removes offsets and, when that leaves an Empty group without offsets, the group itself, in
 * that order (two writes).
 */
function cleanupGroupMetadata(group: ClassicGroup, partitions: TopicPartitionRef[]): CoordinatorResult<void> {
  const present = presentOffsets(group, partitions);
  if (present.length === 0) return deleteIfEmpty(group, undefined);
  const b = new ResultBuilder<void>();
  for (const tp of present) appendTombstone(b, group, tp);
  b.afterAppend(() => deleteIfEmpty(group, undefined));
  return b.build();
}

function deleteIfEmpty<R>(group: ClassicGroup, response: R): CoordinatorResult<R> {
  const b = new ResultBuilder<R>().respond(response);
  if (group.is('Empty') && !group.hasOffsets && group.pendingMembers.size === 0) {
    b.append({ kind: 'GroupTombstone', groupId: group.groupId });
  }
  return b.build();
}

export function partitionKey(tp: TopicPartitionRef): string {
  return `${tp.topic}\u0000${tp.partition}`;
}
