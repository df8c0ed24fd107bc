/**
 * Applying records to a group's in-memory state (Kafka's `GroupMetadataManager.replay` and
 * `OffsetMetadataManager.replay`). The runtime calls it after a handler's records are written,
 * and loading calls it with the records read back from the store: one path for both.
 */
import { EMPTY_BYTES } from '@strom/protocol';
import { ClassicGroup, ClassicMember } from './classic-group.js';
import type { GroupLogger, GroupRecord } from './result.js';
import type { PersistedGroup, PersistedOffset } from './store.js';

/**
 * The group after `record`; undefined once the group is gone. `group` is the group's state
 * before (undefined when it has none in memory); `nowMs` stamps state changes made live.
 */
export function replay(group: ClassicGroup | undefined, record: GroupRecord, nowMs: number, log: GroupLogger): ClassicGroup | undefined {
  switch (record.kind) {
    case 'GroupMetadata':
      if (group === undefined) return groupFromMetadata(record.value, log);
      adoptMetadata(group, record.value, nowMs);
      return group;
    case 'GroupTombstone':
      group?.transitionTo('Dead', nowMs);
      return undefined;
    case 'OffsetCommit': {
      // A commit without group management may create the group (Kafka: a "simple" group).
      const target = group ?? new ClassicGroup(record.groupId, 'Empty', nowMs);
      const { topic, partition, ...offset } = record.value;
      target.setOffset(topic, partition, offset);
      return target;
    }
    case 'OffsetTombstone':
      group?.removeOffset(record.topic, record.partition);
      return group;
  }
}

/** The records that rebuild what the store holds for one group: its metadata, then its offsets. */
export function loadRecords(group: PersistedGroup, offsets: readonly PersistedOffset[]): GroupRecord[] {
  return [
    { kind: 'GroupMetadata', value: group },
    ...offsets.map((value): GroupRecord => ({ kind: 'OffsetCommit', groupId: group.groupId, value })),
  ];
}

/**
 * The group's metadata as of now, with `assignment` as the members' assignments (Kafka's
 * `newGroupMetadataRecord`).
 */
export function groupMetadataRecord(group: ClassicGroup, assignment: ReadonlyMap<string, Buffer>): GroupRecord {
  return {
    kind: 'GroupMetadata',
    value: {
      groupId: group.groupId,
      protocolType: group.protocolType,
      generationId: group.generationId,
      protocolName: group.protocolName,
      leader: group.leaderId,
      currentStateTimestampMs: group.currentStateTimestampMs,
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        sessionTimeoutMs: m.sessionTimeoutMs,
        subscription: m.metadata(group.protocolName),
        assignment: assignment.get(m.memberId) ?? EMPTY_BYTES,
      })),
    },
  };
}

/**
 * A live group's metadata became durable. The record is a snapshot the group's handlers took,
 * so membership and generation already match; what it settles is the assignment: the members
 * take theirs, and a group completing its rebalance becomes Stable.
 */
function adoptMetadata(group: ClassicGroup, value: PersistedGroup, nowMs: number): void {
  if (value.generationId !== group.generationId) {
    throw new Error(`group ${group.groupId} is at generation ${group.generationId}, its record at ${value.generationId}`);
  }
  for (const m of value.members) {
    const member = group.members.get(m.memberId);
    if (member) member.assignment = m.assignment;
  }
  if (group.is('CompletingRebalance') && value.members.length > 0) group.transitionTo('Stable', nowMs);
}

/** Kafka's loading of a GroupMetadataValue: a group with members is Stable, one without Empty. */
function groupFromMetadata(value: PersistedGroup, log: GroupLogger): ClassicGroup {
  let members = value.members;
  if (members.length > 0 && value.protocolName === null) {
    log.warn({ groupId: value.groupId }, 'persisted group has members but no protocol: loading it empty');
    members = [];
  }
  const group = new ClassicGroup(value.groupId, members.length > 0 ? 'Stable' : 'Empty', value.currentStateTimestampMs);
  group.generationId = value.generationId;
  const protocolType = value.protocolType === null || value.protocolType === '' ? null : value.protocolType;
  group.protocolName = members.length > 0 ? value.protocolName : null;
  for (const m of members) {
    const member = new ClassicMember(
      m.memberId,
      m.groupInstanceId,
      m.clientId,
      m.clientHost,
      m.rebalanceTimeoutMs,
      m.sessionTimeoutMs,
      protocolType ?? '',
      value.protocolName !== null ? [{ name: value.protocolName, metadata: m.subscription }] : [],
    );
    member.assignment = m.assignment;
    group.add(member, undefined);
  }
  group.protocolType = protocolType;
  if (value.leader !== null && group.members.has(value.leader)) group.leaderId = value.leader;
  group.subscribedTopics = group.computeSubscribedTopics();
  return group;
}
