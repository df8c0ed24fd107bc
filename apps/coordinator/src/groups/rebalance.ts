/**
 * The classic rebalance protocol's shared steps (Kafka's GroupMetadataManager, classic part):
 * preparing a rebalance, the delayed joins, completing the join phase, the SyncGroup deadline,
 * removing members, and what each group timer does when it fires. Every step works on the
 * group it is given and adds what must happen next (records, timers, answers) to `Effects`;
 * none reads a clock, touches a timer or awaits the store.
 */
import { ErrorCode } from '@strom/errors';
import { EMPTY_BYTES } from '@strom/protocol';
import { joinError, syncError, type ClassicGroup, type ClassicMember, type JoinResult } from './classic-group.js';
import { groupMetadataRecord } from './replay.js';
import { ResultBuilder, timerKey, type CoordinatorResult, type Effects, type GroupContext, type TimerOp } from './result.js';

const SYNC_TIMER_KEY = timerKey({ kind: 'sync', generationId: 0 });
const JOIN_TIMER_KEY = timerKey({ kind: 'join' });

/** What a group timer does when it fires (the runtime checked that it is still the key's current timer). */
export function onTimer(group: ClassicGroup, op: TimerOp, ctx: GroupContext): CoordinatorResult<void> {
  const b = new ResultBuilder<void>();
  switch (op.kind) {
    case 'heartbeat':
      expireHeartbeat(b, group, op.memberId, ctx);
      break;
    case 'pending-member':
      if (!group.pendingMembers.has(op.memberId)) break;
      ctx.log.info({ groupId: group.groupId, memberId: op.memberId }, 'pending member removed after session timeout');
      removePendingMemberAndUpdateGroup(b, group, op.memberId, ctx);
      break;
    case 'join':
      completeDelayedJoin(b, group, ctx);
      break;
    case 'sync':
      expirePendingSync(b, group, op.generationId, ctx);
      break;
  }
  return b.build();
}

/** A loaded group: its members' sessions start now, and a group above the size limit rebalances. */
export function onGroupLoaded(group: ClassicGroup, ctx: GroupContext): CoordinatorResult<void> {
  const b = new ResultBuilder<void>();
  for (const member of group.members.values()) scheduleHeartbeat(b, member);
  if (group.size > ctx.config.maxGroupSize) {
    prepareRebalance(b, group, `loaded group has ${group.size} members, above group max size`, ctx);
  }
  return b.build();
}

/** Answers every request still waiting on a group that leaves memory; the runtime cancels its timers. */
export function answerWaiting(group: ClassicGroup, error: ErrorCode): CoordinatorResult<void> {
  const b = new ResultBuilder<void>();
  group.joinOperation = undefined;
  group.pendingMembers.clear();
  for (const member of group.members.values()) {
    b.answerJoin(group.takeJoinCallback(member), joinError(member.memberId, error));
    b.answerSync(group.takeSyncCallback(member), syncError(error));
  }
  return b.build();
}

/** Kafka's `validateCurrentMember`: static members by instance id (fencing old ids), dynamic by member id. */
export function validateCurrentMember(
  group: ClassicGroup,
  memberId: string,
  groupInstanceId: string | null,
  operation: string,
  ctx: GroupContext,
): ErrorCode | undefined {
  if (groupInstanceId !== null) {
    const currentMemberId = group.staticMembers.get(groupInstanceId);
    if (currentMemberId === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (currentMemberId !== memberId) {
      ctx.log.info(
        { groupId: group.groupId, memberId, groupInstanceId, currentMemberId, operation },
        'static member fenced by a newer member id',
      );
      return ErrorCode.FENCED_INSTANCE_ID;
    }
    return undefined;
  }
  return group.members.has(memberId) ? undefined : ErrorCode.UNKNOWN_MEMBER_ID;
}

/** The current generation as a JoinGroup answer; the leader's carries every member's metadata. */
export function generationResult(group: ClassicGroup, memberId: string, withMembers: boolean): JoinResult {
  return {
    error: ErrorCode.NONE,
    memberId,
    generationId: group.generationId,
    protocolType: group.protocolType,
    protocolName: group.protocolName,
    leaderId: group.leaderId ?? '',
    skipAssignment: false,
    members: withMembers ? group.currentMemberMetadata() : [],
  };
}

export function maybePrepareRebalance(b: Effects, group: ClassicGroup, reason: string, ctx: GroupContext): void {
  if (group.is('Stable') || group.is('CompletingRebalance') || group.is('Empty')) prepareRebalance(b, group, reason, ctx);
}

export function prepareRebalance(b: Effects, group: ClassicGroup, reason: string, ctx: GroupContext): void {
  // Members waiting for an assignment have to rejoin.
  if (group.is('CompletingRebalance')) resetAndPropagateAssignmentError(b, group, ErrorCode.REBALANCE_IN_PROGRESS);
  b.cancel(SYNC_TIMER_KEY);
  const wasEmpty = group.is('Empty');
  group.transitionTo('PreparingRebalance', ctx.nowMs);
  ctx.log.info({ groupId: group.groupId, generationId: group.generationId, reason }, 'preparing to rebalance group');
  if (wasEmpty) {
    const delayMs = ctx.config.initialRebalanceDelayMs;
    startInitialDelayedJoin(b, group, delayMs, Math.max(group.rebalanceTimeoutMs - delayMs, 0));
  } else {
    startDelayedJoin(b, group, ctx);
  }
}

/** Kafka's InitialDelayedJoin: waits, and waits again while new members keep coming, up to the rebalance timeout. */
function startInitialDelayedJoin(b: Effects, group: ClassicGroup, delayMs: number, remainingMs: number): void {
  group.joinOperation = { kind: 'initial', delayMs, remainingMs };
  b.schedule({ kind: 'join' }, delayMs);
}

/** Kafka's DelayedJoin: completes when every member has rejoined, or at the rebalance timeout. */
function startDelayedJoin(b: Effects, group: ClassicGroup, ctx: GroupContext): void {
  if (group.hasAllMembersJoined) {
    onCompleteJoin(b, group, ctx);
    return;
  }
  group.joinOperation = { kind: 'rebalance' };
  b.schedule({ kind: 'join' }, group.rebalanceTimeoutMs);
}

function completeDelayedJoin(b: Effects, group: ClassicGroup, ctx: GroupContext): void {
  const op = group.joinOperation;
  if (op === undefined) return;
  group.joinOperation = undefined;
  if (op.kind === 'initial' && group.newMemberAdded && op.remainingMs !== 0) {
    group.newMemberAdded = false;
    const delayMs = Math.min(ctx.config.initialRebalanceDelayMs, op.remainingMs);
    startInitialDelayedJoin(b, group, delayMs, Math.max(op.remainingMs - op.delayMs, 0));
    return;
  }
  onCompleteJoin(b, group, ctx);
}

export function checkAndCompleteJoin(b: Effects, group: ClassicGroup, ctx: GroupContext): void {
  if (group.joinOperation?.kind !== 'rebalance' || !group.hasAllMembersJoined) return;
  b.cancel(JOIN_TIMER_KEY);
  group.joinOperation = undefined;
  onCompleteJoin(b, group, ctx);
}

function onCompleteJoin(b: Effects, group: ClassicGroup, ctx: GroupContext): void {
  // Dynamic members that did not rejoin are out; static ones keep their place until their session expires.
  const dropped: string[] = [];
  for (const member of group.notYetRejoinedMembers()) {
    if (member.isStatic) continue;
    b.answerSync(group.takeSyncCallback(member), syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    group.remove(member.memberId);
    cancelHeartbeat(b, member.memberId);
    dropped.push(member.memberId);
  }
  if (dropped.length > 0) ctx.log.info({ groupId: group.groupId, members: dropped }, 'removed dynamic members that did not rejoin');
  if (group.is('Dead')) return;
  if (!group.maybeElectNewJoinedLeader() && group.size > 0) {
    // Nobody rejoined: wait another round until session timeouts remove the silent members.
    ctx.log.error({ groupId: group.groupId }, 'could not complete rebalance because no members rejoined');
    startDelayedJoin(b, group, ctx);
    return;
  }
  group.initNextGeneration(ctx.nowMs);
  if (group.is('Empty')) {
    ctx.log.info({ groupId: group.groupId, generationId: group.generationId }, 'group is now empty');
    b.append(groupMetadataRecord(group, new Map()));
    return;
  }
  ctx.log.info(
    { groupId: group.groupId, generationId: group.generationId, protocolName: group.protocolName, members: group.size },
    'stabilized group',
  );
  for (const member of group.members.values()) {
    b.answerJoin(group.takeJoinCallback(member), generationResult(group, member.memberId, group.isLeader(member.memberId)));
    scheduleHeartbeat(b, member);
    member.isNew = false;
    group.pendingSyncMembers.add(member.memberId);
  }
  // Members of the new generation must send SyncGroup within the rebalance timeout.
  b.schedule({ kind: 'sync', generationId: group.generationId }, group.rebalanceTimeoutMs);
}

function expirePendingSync(b: Effects, group: ClassicGroup, generationId: number, ctx: GroupContext): void {
  const syncing = group.is('CompletingRebalance') || group.is('Stable');
  if (generationId !== group.generationId || !syncing || group.pendingSyncMembers.size === 0) return;
  const missing = [...group.pendingSyncMembers];
  ctx.log.info({ groupId: group.groupId, members: missing }, 'removing members that did not send SyncGroup in time');
  for (const memberId of missing) {
    if (group.remove(memberId)) cancelHeartbeat(b, memberId);
  }
  maybePrepareRebalance(b, group, `members ${missing.join(', ')} did not sync in time`, ctx);
}

export function removePendingSyncMember(b: Effects, group: ClassicGroup, memberId: string): void {
  group.pendingSyncMembers.delete(memberId);
  const syncing = group.is('CompletingRebalance') || group.is('Stable');
  if (!syncing || group.pendingSyncMembers.size === 0) b.cancel(SYNC_TIMER_KEY);
}

export function resetAndPropagateAssignmentError(b: Effects, group: ClassicGroup, error: ErrorCode): void {
  if (!group.is('CompletingRebalance')) {
    throw new Error(`group ${group.groupId} must be CompletingRebalance to reset assignments, is ${group.state}`);
  }
  for (const member of group.members.values()) member.assignment = EMPTY_BYTES;
  propagateAssignment(b, group, error);
}

/** Answers the SyncGroups waiting in the group with each member's assignment (or `error`). */
export function propagateAssignment(b: Effects, group: ClassicGroup, error: ErrorCode): void {
  for (const member of group.members.values()) {
    const result = { error, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment };
    // Their heartbeat expectation was suspended while they waited.
    if (b.answerSync(group.takeSyncCallback(member), result)) scheduleHeartbeat(b, member);
  }
}

export function removeMemberAndUpdateGroup(
  b: Effects,
  group: ClassicGroup,
  member: ClassicMember,
  reason: string,
  ctx: GroupContext,
): void {
  b.answerJoin(group.takeJoinCallback(member), joinError(member.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
  b.answerSync(group.takeSyncCallback(member), syncError(ErrorCode.UNKNOWN_MEMBER_ID));
  group.remove(member.memberId);
  cancelHeartbeat(b, member.memberId);
  switch (group.state) {
    case 'Stable':
    case 'CompletingRebalance':
      maybePrepareRebalance(b, group, reason, ctx);
      return;
    case 'PreparingRebalance':
      checkAndCompleteJoin(b, group, ctx);
      return;
    case 'Empty':
    case 'Dead':
      return;
  }
}

export function removePendingMember(b: Effects, group: ClassicGroup, memberId: string): void {
  if (group.removePendingMember(memberId)) b.cancel(timerKey({ kind: 'pending-member', memberId }));
}

export function removePendingMemberAndUpdateGroup(b: Effects, group: ClassicGroup, memberId: string, ctx: GroupContext): void {
  removePendingMember(b, group, memberId);
  if (group.is('PreparingRebalance')) checkAndCompleteJoin(b, group, ctx);
}

function expireHeartbeat(b: Effects, group: ClassicGroup, memberId: string, ctx: GroupContext): void {
  const member = group.members.get(memberId);
  if (member === undefined) return;
  // Members waiting on a rebalance need not heartbeat, unless they are new (they would wait forever).
  if (!member.isNew && (member.isAwaitingJoin || member.isAwaitingSync)) return;
  ctx.log.info({ groupId: group.groupId, memberId }, 'member session expired: removing it from the group');
  removeMemberAndUpdateGroup(b, group, member, `removing member ${memberId} on heartbeat expiration`, ctx);
}

export function scheduleHeartbeat(b: Effects, member: ClassicMember, timeoutMs = member.sessionTimeoutMs): void {
  b.schedule({ kind: 'heartbeat', memberId: member.memberId }, timeoutMs);
}

export function cancelHeartbeat(b: Effects, memberId: string): void {
  b.cancel(timerKey({ kind: 'heartbeat', memberId }));
}
