/**
 * JoinGroup of the classic protocol (Kafka's `classicGroupJoin` and its helpers): new and known
 * members, pending member ids (KIP-394) and static members replacing their old member id
 * (KIP-345). The answer may wait for the rest of the group: the handler keeps `respond` on the
 * member and the rebalance answers it later.
 */
import { ErrorCode } from '@strom/errors';
import { ClassicGroup, ClassicMember, joinError, syncError, type JoinCallback, type MemberProtocol } from './classic-group.js';
import type { GroupConfig } from './config.js';
import {
  cancelHeartbeat,
  checkAndCompleteJoin,
  generationResult,
  maybePrepareRebalance,
  prepareRebalance,
  removeMemberAndUpdateGroup,
  removePendingMember,
  scheduleHeartbeat,
  validateCurrentMember,
} from './rebalance.js';
import { groupMetadataRecord } from './replay.js';
import { ResultBuilder, type CoordinatorResult, type GroupContext } from './result.js';

/** A JoinGroup as the handler needs it, whatever the request's version. */
export interface JoinParams {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  requireKnownMemberId: boolean;
  supportSkippingAssignment: boolean;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  protocolType: string;
  protocols: MemberProtocol[];
  reason: string | null;
}

/** Handles a JoinGroup whose session timeout is valid; `respond` is answered now or when the join phase completes. */
export function joinGroup(
  current: ClassicGroup | undefined,
  p: JoinParams,
  respond: JoinCallback,
  ctx: GroupContext,
): CoordinatorResult<void> {
  const b = new ResultBuilder<void>();
  const isUnknownMember = p.memberId === '';
  let group = current;
  if (group === undefined) {
    if (!isUnknownMember) {
      b.answerJoin(respond, joinError(p.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
      return b.build();
    }
    group = new ClassicGroup(p.groupId, 'Empty', ctx.nowMs);
    b.created(group);
  }
  if (!acceptJoiningMember(group, p.memberId, ctx.config)) {
    const existing = group.members.get(p.memberId);
    if (existing) removeMemberAndUpdateGroup(b, group, existing, 'group max size reached', ctx);
    else removePendingMember(b, group, p.memberId);
    ctx.log.info(
      { groupId: group.groupId, memberId: p.memberId, maxGroupSize: ctx.config.maxGroupSize },
      'join rejected: group max size reached',
    );
    b.answerJoin(respond, joinError(p.memberId, ErrorCode.GROUP_MAX_SIZE_REACHED));
  } else if (isUnknownMember) {
    newMemberJoin(b, group, p, respond, ctx);
  } else {
    currentMemberJoin(b, group, p, respond, ctx);
  }
  if (group.is('PreparingRebalance')) checkAndCompleteJoin(b, group, ctx);
  return b.build();
}

function acceptJoiningMember(group: ClassicGroup, memberId: string, config: GroupConfig): boolean {
  switch (group.state) {
    case 'Empty':
    case 'Dead':
      return true;
    case 'PreparingRebalance':
      return (group.members.get(memberId)?.isAwaitingJoin ?? false) || group.numMembersAwaitingJoin < config.maxGroupSize;
    case 'CompletingRebalance':
    case 'Stable':
      return group.members.has(memberId) || group.size < config.maxGroupSize;
  }
}

function newMemberJoin(b: ResultBuilder<void>, group: ClassicGroup, p: JoinParams, respond: JoinCallback, ctx: GroupContext): void {
  if (group.is('Dead')) {
    b.answerJoin(respond, joinError(p.memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
    return;
  }
  if (!group.supportsProtocols(p.protocolType, p.protocols)) {
    b.answerJoin(respond, joinError(p.memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    return;
  }
  const newMemberId = `${p.groupInstanceId ?? p.clientId}-${ctx.newUuid()}`;
  if (p.groupInstanceId !== null) {
    const oldMemberId = group.staticMembers.get(p.groupInstanceId);
    if (oldMemberId !== undefined) {
      ctx.log.info(
        { groupId: group.groupId, groupInstanceId: p.groupInstanceId, oldMemberId, newMemberId, state: group.state },
        'static member rejoined with an unknown member id: replacing its previous member id',
      );
      updateStaticMemberAndRebalance(b, group, p.groupInstanceId, oldMemberId, newMemberId, p, respond, ctx);
    } else {
      addMemberAndRebalance(b, group, p, newMemberId, respond, ctx);
    }
  } else if (p.requireKnownMemberId) {
    // Register the id and ask the member to join again with it (KIP-394).
    group.addPendingMember(newMemberId);
    b.schedule({ kind: 'pending-member', memberId: newMemberId }, p.sessionTimeoutMs);
    b.answerJoin(respond, joinError(newMemberId, ErrorCode.MEMBER_ID_REQUIRED));
  } else {
    addMemberAndRebalance(b, group, p, newMemberId, respond, ctx);
  }
}

function currentMemberJoin(b: ResultBuilder<void>, group: ClassicGroup, p: JoinParams, respond: JoinCallback, ctx: GroupContext): void {
  if (group.is('Dead')) {
    b.answerJoin(respond, joinError(p.memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
    return;
  }
  if (!group.supportsProtocols(p.protocolType, p.protocols)) {
    b.answerJoin(respond, joinError(p.memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    return;
  }
  if (group.pendingMembers.has(p.memberId)) {
    // Only dynamic members get pending ids; a static one using it is confused: make it start over.
    if (p.groupInstanceId !== null) b.answerJoin(respond, joinError(p.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    else addMemberAndRebalance(b, group, p, p.memberId, respond, ctx);
    return;
  }
  const error = validateCurrentMember(group, p.memberId, p.groupInstanceId, 'join-group', ctx);
  const member = group.members.get(p.memberId);
  if (error !== undefined || member === undefined) {
    b.answerJoin(respond, joinError(p.memberId, error ?? ErrorCode.UNKNOWN_MEMBER_ID));
    return;
  }
  const update = (reason: string): void => updateMemberAndRebalance(b, group, member, p, respond, reason, ctx);
  switch (group.state) {
    case 'PreparingRebalance':
      update(`member ${member.memberId} joining group during PreparingRebalance`);
      return;
    case 'CompletingRebalance':
      if (member.matches(p.protocols)) {
        // Same metadata (the member probably lost the JoinGroup response): answer with the current generation.
        b.answerJoin(respond, generationResult(group, member.memberId, group.isLeader(member.memberId)));
      } else {
        update(`updating metadata of member ${member.memberId} during CompletingRebalance`);
      }
      return;
    case 'Stable':
      if (group.isLeader(member.memberId)) {
        // A rejoining leader forces a rebalance (it saw a change that affects the assignment).
        update(`leader ${member.memberId} re-joining group during Stable`);
      } else if (!member.matches(p.protocols)) {
        update(`updating metadata of member ${member.memberId} during Stable`);
      } else {
        b.answerJoin(respond, generationResult(group, member.memberId, false));
      }
      return;
    case 'Empty':
    case 'Dead':
      ctx.log.warn({ groupId: group.groupId, memberId: p.memberId, state: group.state }, 'member joined a group in an unexpected state');
      b.answerJoin(respond, joinError(p.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
      return;
  }
}

function addMemberAndRebalance(
  b: ResultBuilder<void>,
  group: ClassicGroup,
  p: JoinParams,
  memberId: string,
  respond: JoinCallback,
  ctx: GroupContext,
): void {
  const member = new ClassicMember(
    memberId,
    p.groupInstanceId,
    p.clientId,
    p.clientHost,
    p.rebalanceTimeoutMs,
    p.sessionTimeoutMs,
    p.protocolType,
    p.protocols,
  );
  member.isNew = true;
  // A member arriving during the initial delay of a new group extends the delay.
  if (group.is('PreparingRebalance') && group.generationId === 0) group.newMemberAdded = true;
  removePendingMember(b, group, memberId);
  group.add(member, respond);
  // New members cannot heartbeat until they have joined; bound how long they may wait.
  scheduleHeartbeat(b, member, ctx.config.newMemberJoinTimeoutMs);
  maybePrepareRebalance(
    b,
    group,
    `adding new member ${memberId} with group instance id ${String(p.groupInstanceId)}; client reason: ${p.reason ?? 'not provided'}`,
    ctx,
  );
}

function updateMemberAndRebalance(
  b: ResultBuilder<void>,
  group: ClassicGroup,
  member: ClassicMember,
  p: JoinParams,
  respond: JoinCallback,
  reason: string,
  ctx: GroupContext,
): void {
  // A JoinGroup that supersedes one still waiting: the old request gets "rejoin".
  b.answerJoin(group.takeJoinCallback(member), joinError(member.memberId, ErrorCode.REBALANCE_IN_PROGRESS));
  group.updateMember(member, p.protocols, p.rebalanceTimeoutMs, p.sessionTimeoutMs, respond);
  maybePrepareRebalance(b, group, `${reason}; client reason: ${p.reason ?? 'not provided'}`, ctx);
}

function updateStaticMemberAndRebalance(
  b: ResultBuilder<void>,
  group: ClassicGroup,
  groupInstanceId: string,
  oldMemberId: string,
  newMemberId: string,
  p: JoinParams,
  respond: JoinCallback,
  ctx: GroupContext,
): void {
  const currentLeader = group.leaderId;
  const member = replaceStaticMember(b, group, groupInstanceId, oldMemberId, newMemberId);
  const oldProtocols = member.protocols;
  const oldRebalanceTimeoutMs = member.rebalanceTimeoutMs;
  const oldSessionTimeoutMs = member.sessionTimeoutMs;
  group.updateMember(member, p.protocols, p.rebalanceTimeoutMs, p.sessionTimeoutMs, respond);
  switch (group.state) {
    case 'Stable': {
      // Persist the new member id without a rebalance unless the group's protocol would change.
      if (group.protocolName !== group.selectProtocol()) {
        maybePrepareRebalance(b, group, `static member ${groupInstanceId} rejoined with a change of protocol`, ctx);
        return;
      }
      const assignment = new Map([...group.members.values()].map((m) => [m.memberId, m.assignment]));
      b.append(groupMetadataRecord(group, assignment));
      b.afterAppend(
        () => {
          const done = new ResultBuilder<void>();
          if (p.supportSkippingAssignment) {
            // JoinGroup v9+ (KIP-814): a static leader learns it leads, but skips the assignment.
            const isLeader = group.isLeader(newMemberId);
            done.answerJoin(group.takeJoinCallback(member), {
              ...generationResult(group, newMemberId, isLeader),
              skipAssignment: isLeader,
            });
          } else {
            // Older versions get the old leader id, so a replaced leader does not run a useless assignment.
            done.answerJoin(group.takeJoinCallback(member), {
              ...generationResult(group, newMemberId, false),
              leaderId: currentLeader ?? '',
            });
          }
          return done.build();
        },
        (error) => {
          // Revert: the old member id stays the valid one.
          const reverted = new ResultBuilder<void>();
          group.updateMember(member, oldProtocols, oldRebalanceTimeoutMs, oldSessionTimeoutMs, undefined);
          replaceStaticMember(reverted, group, groupInstanceId, newMemberId, oldMemberId);
          reverted.answerJoin(respond, {
            error,
            memberId: '',
            generationId: group.generationId,
            protocolType: group.protocolType,
            protocolName: group.protocolName,
            leaderId: currentLeader ?? '',
            skipAssignment: false,
            members: [],
          });
          return reverted.build();
        },
      );
      return;
    }
    case 'CompletingRebalance':
      // The leader may already be assigning to the old member id: rebalance again.
      prepareRebalance(b, group, `updating metadata for static member ${newMemberId} with instance id ${groupInstanceId}`, ctx);
      return;
    case 'PreparingRebalance':
      return;
    case 'Empty':
    case 'Dead':
      throw new Error(`group ${group.groupId} has static member ${groupInstanceId} while ${group.state}`);
  }
}

/** Moves a static member to a new id: the old id's waiting requests are fenced, and its session timer moves with it. */
function replaceStaticMember(
  b: ResultBuilder<void>,
  group: ClassicGroup,
  groupInstanceId: string,
  fromMemberId: string,
  toMemberId: string,
): ClassicMember {
  const previous = group.members.get(fromMemberId);
  if (previous) {
    b.answerJoin(group.takeJoinCallback(previous), joinError(fromMemberId, ErrorCode.FENCED_INSTANCE_ID));
    b.answerSync(group.takeSyncCallback(previous), syncError(ErrorCode.FENCED_INSTANCE_ID));
  }
  const member = group.replaceStaticMember(groupInstanceId, fromMemberId, toMemberId);
  cancelHeartbeat(b, fromMemberId);
  scheduleHeartbeat(b, member);
  return member;
}
