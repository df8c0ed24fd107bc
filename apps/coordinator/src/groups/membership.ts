/**
 * SyncGroup, Heartbeat and LeaveGroup of the classic protocol (Kafka's `classicGroupSync`,
 * `classicGroupHeartbeat`, `classicGroupLeave`). The leader's SyncGroup writes the group's
 * metadata; the group becomes Stable when that record is applied.
 */
import { ErrorCode } from '@strom/errors';
import { EMPTY_BYTES } from '@strom/protocol';
import { syncError, type ClassicGroup, type SyncCallback } from './classic-group.js';
import {
  maybePrepareRebalance,
  propagateAssignment,
  removeMemberAndUpdateGroup,
  removePendingMemberAndUpdateGroup,
  removePendingSyncMember,
  resetAndPropagateAssignmentError,
  scheduleHeartbeat,
  validateCurrentMember,
} from './rebalance.js';
import { groupMetadataRecord } from './replay.js';
import { answer, ResultBuilder, type CoordinatorResult, type GroupContext } from './result.js';

/** A SyncGroup as the handler needs it, whatever the request's version. */
export interface SyncParams {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  /** null before SyncGroup v5 (not checked). */
  protocolType: string | null;
  protocolName: string | null;
  assignments: Map<string, Buffer>;
}

export interface HeartbeatParams {
  memberId: string;
  groupInstanceId: string | null;
  generationId: number;
}

/** One member a LeaveGroup names: by member id, or (v3+, member id "") by group.instance.id. */
export interface MemberIdentity {
  memberId: string;
  groupInstanceId: string | null;
  reason: string | null;
}

export interface LeaveOutcome {
  error: ErrorCode;
  members: { memberId: string; groupInstanceId: string | null; errorCode: ErrorCode }[];
}

/** Handles a SyncGroup; `respond` is answered now or when the leader's assignment is stored. */
export function syncGroup(
  group: ClassicGroup | undefined,
  p: SyncParams,
  respond: SyncCallback,
  ctx: GroupContext,
): CoordinatorResult<void> {
  const b = new ResultBuilder<void>();
  if (group === undefined) {
    b.answerSync(respond, syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    return b.build();
  }
  const error = validateSyncGroup(group, p, ctx);
  const member = group.members.get(p.memberId);
  if (error !== undefined || member === undefined) {
    b.answerSync(respond, syncError(error ?? ErrorCode.UNKNOWN_MEMBER_ID));
    return b.build();
  }
  switch (group.state) {
    case 'Empty':
      b.answerSync(respond, syncError(ErrorCode.UNKNOWN_MEMBER_ID));
      break;
    case 'PreparingRebalance':
      b.answerSync(respond, syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      break;
    case 'CompletingRebalance':
      b.answerSync(group.takeSyncCallback(member), syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      member.awaitingSync = respond;
      removePendingSyncMember(b, group, member.memberId);
      if (group.isLeader(member.memberId)) storeLeaderAssignment(b, group, p.assignments, ctx);
      break;
    case 'Stable':
      removePendingSyncMember(b, group, member.memberId);
      b.answerSync(respond, {
        error: ErrorCode.NONE,
        protocolType: group.protocolType,
        protocolName: group.protocolName,
        assignment: member.assignment,
      });
      scheduleHeartbeat(b, member);
      break;
    case 'Dead':
      b.answerSync(respond, syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
      break;
  }
  return b.build();
}

/** Writes the generation's assignment; once applied the group is Stable and every waiting member gets its part. */
function storeLeaderAssignment(b: ResultBuilder<void>, group: ClassicGroup, assignments: Map<string, Buffer>, ctx: GroupContext): void {
  ctx.log.info(
    { groupId: group.groupId, generationId: group.generationId, members: group.size, staticMembers: group.staticMembers.size },
    'assignment received from the leader',
  );
  const assignment = new Map(assignments);
  const missing = [...group.members.keys()].filter((id) => !assignment.has(id));
  for (const id of missing) assignment.set(id, EMPTY_BYTES);
  if (missing.length > 0) ctx.log.warn({ groupId: group.groupId, members: missing }, 'leader gave no assignment to some members');
  const generationId = group.generationId;
  b.append(groupMetadataRecord(group, assignment));
  b.afterAppend(
    () => {
      const stored = new ResultBuilder<void>();
      if (group.is('Stable') && group.generationId === generationId) propagateAssignment(stored, group, ErrorCode.NONE);
      return stored.build();
    },
    (error) => {
      const failed = new ResultBuilder<void>();
      if (group.is('CompletingRebalance') && group.generationId === generationId) {
        resetAndPropagateAssignmentError(failed, group, error);
        maybePrepareRebalance(failed, group, `error storing the assignment of generation ${generationId}`, ctx);
      }
      return failed.build();
    },
  );
}

function validateSyncGroup(group: ClassicGroup, p: SyncParams, ctx: GroupContext): ErrorCode | undefined {
  if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  const memberError = validateCurrentMember(group, p.memberId, p.groupInstanceId, 'sync-group', ctx);
  if (memberError !== undefined) return memberError;
  if (p.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
  if (p.protocolType !== null && group.protocolType !== p.protocolType) return ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
  if (p.protocolName !== null && group.protocolName !== p.protocolName) return ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
  return undefined;
}

export function heartbeat(group: ClassicGroup | undefined, p: HeartbeatParams, ctx: GroupContext): CoordinatorResult<ErrorCode> {
  if (group === undefined) return answer(ErrorCode.UNKNOWN_MEMBER_ID);
  if (group.is('Dead')) return answer(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  const memberError = validateCurrentMember(group, p.memberId, p.groupInstanceId, 'heartbeat', ctx);
  const member = group.members.get(p.memberId);
  if (memberError !== undefined || member === undefined) return answer(memberError ?? ErrorCode.UNKNOWN_MEMBER_ID);
  if (p.generationId !== group.generationId) return answer(ErrorCode.ILLEGAL_GENERATION);
  const b = new ResultBuilder<ErrorCode>();
  switch (group.state) {
    case 'Empty':
      return b.respond(ErrorCode.UNKNOWN_MEMBER_ID).build();
    case 'CompletingRebalance':
    case 'Stable':
      scheduleHeartbeat(b, member);
      return b.respond(ErrorCode.NONE).build();
    case 'PreparingRebalance':
      scheduleHeartbeat(b, member);
      return b.respond(ErrorCode.REBALANCE_IN_PROGRESS).build();
    case 'Dead':
      return b.respond(ErrorCode.COORDINATOR_NOT_AVAILABLE).build();
  }
}

export function leaveGroup(
  group: ClassicGroup | undefined,
  identities: MemberIdentity[],
  ctx: GroupContext,
): CoordinatorResult<LeaveOutcome> {
  if (group === undefined) {
    return answer({ error: ErrorCode.NONE, members: identities.map((i) => ({ ...i, errorCode: ErrorCode.UNKNOWN_MEMBER_ID })) });
  }
  if (group.is('Dead')) return answer({ error: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] });
  const b = new ResultBuilder<LeaveOutcome>();
  const members = identities.map((identity) => ({
    memberId: identity.memberId,
    groupInstanceId: identity.groupInstanceId,
    errorCode: leaveOne(b, group, identity, ctx),
  }));
  return b.respond({ error: ErrorCode.NONE, members }).build();
}

function leaveOne(b: ResultBuilder<LeaveOutcome>, group: ClassicGroup, identity: MemberIdentity, ctx: GroupContext): ErrorCode {
  const reason = `removing member on LeaveGroup; client reason: ${identity.reason ?? 'not provided'}`;
  if (identity.memberId === '') {
    // Administrative removal of a static member by its group.instance.id (LeaveGroup v3+).
    const currentMemberId = identity.groupInstanceId !== null ? group.staticMembers.get(identity.groupInstanceId) : undefined;
    const member = currentMemberId !== undefined ? group.members.get(currentMemberId) : undefined;
    if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    ctx.log.info(
      { groupId: group.groupId, memberId: member.memberId, groupInstanceId: identity.groupInstanceId },
      'static member left the group',
    );
    removeMemberAndUpdateGroup(b, group, member, reason, ctx);
    return ErrorCode.NONE;
  }
  if (group.pendingMembers.has(identity.memberId)) {
    ctx.log.info({ groupId: group.groupId, memberId: identity.memberId }, 'pending member left the group');
    removePendingMemberAndUpdateGroup(b, group, identity.memberId, ctx);
    return ErrorCode.NONE;
  }
  const error = validateCurrentMember(group, identity.memberId, identity.groupInstanceId, 'leave-group', ctx);
  const member = group.members.get(identity.memberId);
  if (error !== undefined || member === undefined) return error ?? ErrorCode.UNKNOWN_MEMBER_ID;
  ctx.log.info({ groupId: group.groupId, memberId: member.memberId, reason: identity.reason }, 'member left the group');
  removeMemberAndUpdateGroup(b, group, member, reason, ctx);
  return ErrorCode.NONE;
}
