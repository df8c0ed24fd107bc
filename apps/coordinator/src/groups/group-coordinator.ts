// Over 600 lines: issue 12: to be split into rebalance, offsets, admin and runtime.
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '@strom/errors';
import {
  createDeleteGroupsResponse,
  createDeleteGroupsResponseDeletableGroupResult,
  createDescribeGroupsResponse,
  createDescribeGroupsResponseDescribedGroup,
  createDescribeGroupsResponseDescribedGroupMember,
  createHeartbeatResponse,
  createJoinGroupResponse,
  createJoinGroupResponseMember,
  createLeaveGroupResponse,
  createLeaveGroupResponseMemberResponse,
  createListGroupsResponse,
  createListGroupsResponseListedGroup,
  createOffsetCommitResponse,
  createOffsetCommitResponsePartition,
  createOffsetCommitResponseTopic,
  createOffsetDeleteResponse,
  createOffsetDeleteResponsePartition,
  createOffsetDeleteResponseTopic,
  createOffsetFetchResponse,
  createOffsetFetchResponseGroup,
  createOffsetFetchResponsePartition,
  createOffsetFetchResponsePartitions,
  createOffsetFetchResponseTopic,
  createOffsetFetchResponseTopics,
  createSyncGroupResponse,
  EMPTY_BYTES,
  type DeleteGroupsRequest,
  type DeleteGroupsResponse,
  type DescribeGroupsRequest,
  type DescribeGroupsResponse,
  type DescribeGroupsResponseDescribedGroup,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type JoinGroupRequest,
  type JoinGroupResponse,
  type LeaveGroupRequest,
  type LeaveGroupResponse,
  type ListGroupsRequest,
  type ListGroupsResponse,
  type OffsetCommitRequest,
  type OffsetCommitResponse,
  type OffsetDeleteRequest,
  type OffsetDeleteResponse,
  type OffsetFetchRequest,
  type OffsetFetchResponse,
  type SyncGroupRequest,
  type SyncGroupResponse,
} from '@strom/protocol';
import {
  ClassicGroup,
  ClassicMember,
  joinError,
  syncError,
  type CommittedOffset,
  type JoinCallback,
  type JoinResult,
  type MemberProtocol,
  type SyncCallback,
  type SyncResult,
} from './classic-group.js';
import { CONSUMER_PROTOCOL_TYPE } from './consumer-protocol.js';
import { resolveGroupConfig, type GroupConfig } from './config.js';
import { Mailbox, MailboxFullError } from './mailbox.js';
import type { GroupStore, PersistedGroup, PersistedOffset, TopicPartitionRef } from './store.js';
import { systemTime, type GroupTime, type Timer } from './time.js';
import {
  DESCRIBE_GROUPS_AUTHORIZED_OPERATIONS_SINCE_VERSION,
  DESCRIBE_GROUPS_NOT_FOUND_SINCE_VERSION,
  HEARTBEAT_STATIC_MEMBERSHIP_SINCE_VERSION,
  JOIN_GROUP_MEMBER_ID_REQUIRED_SINCE_VERSION,
  JOIN_GROUP_PROTOCOL_TYPE_SINCE_VERSION,
  JOIN_GROUP_REASON_SINCE_VERSION,
  JOIN_GROUP_REBALANCE_TIMEOUT_SINCE_VERSION,
  JOIN_GROUP_SKIP_ASSIGNMENT_SINCE_VERSION,
  JOIN_GROUP_STATIC_MEMBERSHIP_SINCE_VERSION,
  LEAVE_GROUP_BATCH_SINCE_VERSION,
  LEAVE_GROUP_REASON_SINCE_VERSION,
  LIST_GROUPS_STATES_SINCE_VERSION,
  LIST_GROUPS_TYPES_SINCE_VERSION,
  OFFSETS_BY_TOPIC_ID_SINCE_VERSION,
  OFFSET_COMMIT_LEADER_EPOCH_SINCE_VERSION,
  OFFSET_COMMIT_MEMBERSHIP_SINCE_VERSION,
  OFFSET_COMMIT_RETENTION_TIME_SINCE_VERSION,
  OFFSET_COMMIT_RETENTION_TIME_UNTIL_VERSION,
  OFFSET_COMMIT_STATIC_MEMBERSHIP_SINCE_VERSION,
  OFFSET_FETCH_ALL_TOPICS_SINCE_VERSION,
  OFFSET_FETCH_LEADER_EPOCH_SINCE_VERSION,
  OFFSET_FETCH_MULTIPLE_GROUPS_SINCE_VERSION,
  SYNC_GROUP_PROTOCOL_TYPE_SINCE_VERSION,
  SYNC_GROUP_STATIC_MEMBERSHIP_SINCE_VERSION,
} from './versions.js';

/** The structured-logging calls the coordinator makes (a pino Logger fits). */
export interface GroupLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const silentLogger: GroupLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** Who sent a JoinGroup (from the request header and the connection). */
export interface GroupClientInfo {
  clientId: string;
  clientHost: string;
}

export interface GroupCoordinatorDeps {
  store: GroupStore;
  /** Kafka's defaults for anything left out. */
  config?: Partial<GroupConfig>;
  /** Clock and timers; defaults to the wall clock and Node timers. */
  time?: GroupTime;
  logger?: GroupLogger;
  /**
   * DescribeGroups' `authorizedOperations` bitfield for a group, when a request asks for it.
   * Defaults to every operation a group supports (no authorizer): READ | DELETE | DESCRIBE.
   */
  authorizedOperations?: (groupId: string) => number;
  /** The random part of new member ids; defaults to `crypto.randomUUID`. */
  newUuid?: () => string;
}

/** AclOperation codes READ (3), DELETE (6) and DESCRIBE (8) as a bitfield: what a group supports. */
export const GROUP_AUTHORIZED_OPERATIONS_ALL = (1 << 3) | (1 << 6) | (1 << 8);

/** DescribeGroups' authorizedOperations when not requested (Integer.MIN_VALUE). */
const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

/** The group type ListGroups v5 reports for these groups (KIP-848 calls them classic groups). */
export const CLASSIC_GROUP_TYPE = 'classic';

type CoordinatorStatus = 'new' | 'loading' | 'active' | 'stopped';

/** A group's actor: the mailbox that serializes its operations and the state they own. */
class GroupActor {
  group: ClassicGroup | undefined;
  readonly mailbox: Mailbox;

  constructor(
    readonly groupId: string,
    mailboxLimit: number,
  ) {
    this.mailbox = new Mailbox(mailboxLimit);
  }
}

interface JoinParams {
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

interface SyncParams {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string | null;
  protocolName: string | null;
  assignments: Map<string, Buffer>;
}

interface MemberIdentity {
  memberId: string;
  groupInstanceId: string | null;
  reason: string | null;
}

interface PartitionCommit {
  topic: string;
  partition: number;
  offset: CommittedOffset;
}

interface RequestedTopic {
  name: string;
  partitionIndexes: number[];
}

interface FetchedTopic {
  name: string;
  partitions: {
    partitionIndex: number;
    committedOffset: bigint;
    committedLeaderEpoch: number;
    metadata: string | null;
    errorCode: ErrorCode;
  }[];
}

/** Bound on concurrent store reads while loading groups at start. */
const LOAD_CONCURRENCY = 8;

/**
 * Kafka's classic group coordinator (GroupCoordinator / GroupMetadata semantics of Kafka 3.x
 * and the "classic" groups of Kafka 4.x), in process: one actor per group, so every operation
 * on a group runs alone and in arrival order. Requests and responses are the decoded bodies of
 * `@strom/protocol`; each response is shaped for the request's version.
 *
 * JoinGroup and SyncGroup may wait for the rest of the group (a rebalance); they resolve when
 * Kafka would answer them. Timers (sessions, rebalances, syncs, the initial rebalance delay,
 * pending member ids, offset retention) are bounded and cancelled by `stop()`.
 */
export class GroupCoordinator {
  readonly config: GroupConfig;
  readonly #store: GroupStore;
  readonly #time: GroupTime;
  readonly #log: GroupLogger;
  readonly #authorizedOperations: (groupId: string) => number;
  readonly #newUuid: () => string;
  readonly #actors = new Map<string, GroupActor>();
  #status: CoordinatorStatus = 'new';
  #sweepTimer: Timer | undefined;

  constructor(deps: GroupCoordinatorDeps) {
    this.config = resolveGroupConfig(deps.config);
    this.#store = deps.store;
    this.#time = deps.time ?? systemTime;
    this.#log = deps.logger ?? silentLogger;
    this.#authorizedOperations = deps.authorizedOperations ?? (() => GROUP_AUTHORIZED_OPERATIONS_ALL);
    this.#newUuid = deps.newUuid ?? randomUUID;
  }

  /** Whether `start()` has loaded the groups and `stop()` has not been called. */
  get isActive(): boolean {
    return this.#status === 'active';
  }

  // ---------------------------------------------------------------------------------------
  // Lifecycle
  // ---------------------------------------------------------------------------------------

  /** Loads every persisted group and its offsets; requests meanwhile get COORDINATOR_LOAD_IN_PROGRESS. */
  async start(): Promise<void> {
    if (this.#status === 'active' || this.#status === 'loading') return;
    this.#status = 'loading';
    const loaded: ClassicGroup[] = [];
    try {
      const persisted = await this.#store.loadGroups();
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < persisted.length) {
          const record = persisted[next++];
          if (record === undefined) continue;
          const offsets = await this.#store.fetchOffsets(record.groupId);
          loaded.push(this.#loadGroup(record, offsets));
        }
      };
      await Promise.all(Array.from({ length: Math.min(LOAD_CONCURRENCY, persisted.length) }, worker));
    } catch (error) {
      if (this.#status === 'loading') this.#status = 'new';
      throw error;
    }
    // stop() while loading wins: the loaded state is dropped.
    if (this.#status !== 'loading') return;
    for (const group of loaded) this.#actorFor(group.groupId).group = group;
    this.#status = 'active';
    for (const group of loaded) {
      for (const member of group.members.values()) this.#scheduleHeartbeat(group, member);
      if (group.size > this.config.maxGroupSize) {
        this.#postInternal(group, (g) => this.#prepareRebalance(g, `loaded group has ${g.size} members, above group max size`));
      }
    }
    this.#scheduleSweep();
    this.#log.info({ groups: loaded.length }, 'classic group coordinator loaded');
  }

  /**
   * Stops taking requests, lets queued operations finish (including their store writes),
   * answers requests still waiting on a rebalance with NOT_COORDINATOR and cancels every timer.
   */
  async stop(): Promise<void> {
    if (this.#status === 'new' || this.#status === 'stopped') {
      this.#status = 'stopped';
      return;
    }
    this.#status = 'stopped';
    this.#sweepTimer?.cancel();
    this.#sweepTimer = undefined;
    await Promise.all([...this.#actors.values()].map((actor) => actor.mailbox.idle()));
    for (const actor of this.#actors.values()) {
      if (actor.group) this.#disposeGroup(actor.group, ErrorCode.NOT_COORDINATOR);
      actor.group = undefined;
    }
    this.#actors.clear();
  }

  // ---------------------------------------------------------------------------------------
  // JoinGroup
  // ---------------------------------------------------------------------------------------

  async joinGroup(body: JoinGroupRequest, apiVersion: number, client: GroupClientInfo): Promise<JoinGroupResponse> {
    const result = await this.#join(body, apiVersion, client);
    return createJoinGroupResponse({
      errorCode: result.error,
      generationId: result.generationId,
      protocolType: apiVersion >= JOIN_GROUP_PROTOCOL_TYPE_SINCE_VERSION ? result.protocolType : null,
      protocolName: apiVersion >= JOIN_GROUP_PROTOCOL_TYPE_SINCE_VERSION ? result.protocolName : (result.protocolName ?? ''),
      leader: result.leaderId,
      skipAssignment: apiVersion >= JOIN_GROUP_SKIP_ASSIGNMENT_SINCE_VERSION ? result.skipAssignment : false,
      memberId: result.memberId,
      members: result.members.map((m) =>
        createJoinGroupResponseMember({
          memberId: m.memberId,
          groupInstanceId: apiVersion >= JOIN_GROUP_STATIC_MEMBERSHIP_SINCE_VERSION ? m.groupInstanceId : null,
          metadata: m.metadata,
        }),
      ),
    });
  }

  async #join(body: JoinGroupRequest, apiVersion: number, client: GroupClientInfo): Promise<JoinResult> {
    const statusError = this.#validateGroupStatus(body.groupId, false);
    if (statusError !== undefined) return joinError(body.memberId, statusError);
    if (body.sessionTimeoutMs < this.config.minSessionTimeoutMs || body.sessionTimeoutMs > this.config.maxSessionTimeoutMs) {
      return joinError(body.memberId, ErrorCode.INVALID_SESSION_TIMEOUT);
    }
    const params: JoinParams = {
      groupId: body.groupId,
      memberId: body.memberId,
      groupInstanceId: apiVersion >= JOIN_GROUP_STATIC_MEMBERSHIP_SINCE_VERSION ? body.groupInstanceId : null,
      requireKnownMemberId: apiVersion >= JOIN_GROUP_MEMBER_ID_REQUIRED_SINCE_VERSION,
      supportSkippingAssignment: apiVersion >= JOIN_GROUP_SKIP_ASSIGNMENT_SINCE_VERSION,
      clientId: client.clientId,
      clientHost: client.clientHost,
      rebalanceTimeoutMs: apiVersion < JOIN_GROUP_REBALANCE_TIMEOUT_SINCE_VERSION ? body.sessionTimeoutMs : body.rebalanceTimeoutMs,
      sessionTimeoutMs: body.sessionTimeoutMs,
      protocolType: body.protocolType,
      protocols: body.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
      reason: apiVersion >= JOIN_GROUP_REASON_SINCE_VERSION ? body.reason : null,
    };
    return this.#awaitAnswer<JoinResult>(
      body.groupId,
      (actor, respond) => this.#doJoin(actor, params, respond),
      (error) => joinError(body.memberId, error),
    );
  }

  async #doJoin(actor: GroupActor, p: JoinParams, respond: JoinCallback): Promise<void> {
    const isUnknownMember = p.memberId === '';
    let group = actor.group;
    if (group === undefined) {
      if (!isUnknownMember) {
        respond(joinError(p.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
        return;
      }
      group = new ClassicGroup(p.groupId, 'Empty', this.#time.now());
      actor.group = group;
    }
    if (!this.#acceptJoiningMember(group, p.memberId)) {
      const existing = group.members.get(p.memberId);
      if (existing) await this.#removeMemberAndUpdateGroup(group, existing, 'group max size reached');
      else group.removePendingMember(p.memberId);
      this.#log.info(
        { groupId: group.groupId, memberId: p.memberId, maxGroupSize: this.config.maxGroupSize },
        'join rejected: group max size reached',
      );
      respond(joinError(p.memberId, ErrorCode.GROUP_MAX_SIZE_REACHED));
    } else if (isUnknownMember) {
      await this.#doNewMemberJoin(group, p, respond);
    } else {
      await this.#doCurrentMemberJoin(group, p, respond);
    }
    if (group.is('PreparingRebalance')) await this.#checkAndCompleteJoin(group);
  }

  #acceptJoiningMember(group: ClassicGroup, memberId: string): boolean {
    switch (group.state) {
      case 'Empty':
      case 'Dead':
        return true;
      case 'PreparingRebalance':
        return (group.members.get(memberId)?.isAwaitingJoin ?? false) || group.numMembersAwaitingJoin < this.config.maxGroupSize;
      case 'CompletingRebalance':
      case 'Stable':
        return group.members.has(memberId) || group.size < this.config.maxGroupSize;
    }
  }

  async #doNewMemberJoin(group: ClassicGroup, p: JoinParams, respond: JoinCallback): Promise<void> {
    if (group.is('Dead')) {
      respond(joinError(p.memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
      return;
    }
    if (!group.supportsProtocols(p.protocolType, p.protocols)) {
      respond(joinError(p.memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
      return;
    }
    const newMemberId = `${p.groupInstanceId ?? p.clientId}-${this.#newUuid()}`;
    if (p.groupInstanceId !== null) {
      const oldMemberId = group.staticMembers.get(p.groupInstanceId);
      if (oldMemberId !== undefined) {
        this.#log.info(
          { groupId: group.groupId, groupInstanceId: p.groupInstanceId, oldMemberId, newMemberId, state: group.state },
          'static member rejoined with an unknown member id: replacing its previous member id',
        );
        await this.#updateStaticMemberAndRebalance(group, p.groupInstanceId, oldMemberId, newMemberId, p, respond);
      } else {
        await this.#addMemberAndRebalance(group, p, newMemberId, respond);
      }
    } else if (p.requireKnownMemberId) {
      // Register the id and ask the member to join again with it (KIP-394).
      const timer = this.#time.setTimer(p.sessionTimeoutMs, () =>
        this.#postInternal(group, (g) => {
          if (g.pendingMembers.get(newMemberId) !== timer) return;
          this.#log.info({ groupId: g.groupId, memberId: newMemberId }, 'pending member removed after session timeout');
          return this.#removePendingMemberAndUpdateGroup(g, newMemberId);
        }),
      );
      group.addPendingMember(newMemberId, timer);
      respond(joinError(newMemberId, ErrorCode.MEMBER_ID_REQUIRED));
    } else {
      await this.#addMemberAndRebalance(group, p, newMemberId, respond);
    }
  }

  async #doCurrentMemberJoin(group: ClassicGroup, p: JoinParams, respond: JoinCallback): Promise<void> {
    if (group.is('Dead')) {
      respond(joinError(p.memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
      return;
    }
    if (!group.supportsProtocols(p.protocolType, p.protocols)) {
      respond(joinError(p.memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
      return;
    }
    if (group.pendingMembers.has(p.memberId)) {
      // Only dynamic members get pending ids; a static one using it is confused: make it start over.
      if (p.groupInstanceId !== null) {
        respond(joinError(p.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
        return;
      }
      await this.#addMemberAndRebalance(group, p, p.memberId, respond);
      return;
    }
    const error = this.#validateCurrentMember(group, p.memberId, p.groupInstanceId, 'join-group');
    const member = group.members.get(p.memberId);
    if (error !== undefined || member === undefined) {
      respond(joinError(p.memberId, error ?? ErrorCode.UNKNOWN_MEMBER_ID));
      return;
    }
    switch (group.state) {
      case 'PreparingRebalance':
        await this.#updateMemberAndRebalance(
          group,
          member,
          p,
          respond,
          `member ${member.memberId} joining group during PreparingRebalance`,
        );
        return;
      case 'CompletingRebalance':
        if (member.matches(p.protocols)) {
          // Same metadata (the member probably lost the JoinGroup response): answer with the current generation.
          respond(this.#generationResult(group, member.memberId, group.isLeader(member.memberId)));
        } else {
          await this.#updateMemberAndRebalance(
            group,
            member,
            p,
            respond,
            `updating metadata of member ${member.memberId} during CompletingRebalance`,
          );
        }
        return;
      case 'Stable':
        if (group.isLeader(member.memberId)) {
          // A rejoining leader forces a rebalance (it saw a change that affects the assignment).
          await this.#updateMemberAndRebalance(group, member, p, respond, `leader ${member.memberId} re-joining group during Stable`);
        } else if (!member.matches(p.protocols)) {
          await this.#updateMemberAndRebalance(group, member, p, respond, `updating metadata of member ${member.memberId} during Stable`);
        } else {
          respond(this.#generationResult(group, member.memberId, false));
        }
        return;
      case 'Empty':
      case 'Dead':
        this.#log.warn(
          { groupId: group.groupId, memberId: p.memberId, state: group.state },
          'member joined a group in an unexpected state',
        );
        respond(joinError(p.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
        return;
    }
  }

  #generationResult(group: ClassicGroup, memberId: string, withMembers: boolean): JoinResult {
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

  async #addMemberAndRebalance(group: ClassicGroup, p: JoinParams, memberId: string, respond: JoinCallback): Promise<void> {
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
    group.add(member, respond);
    // New members cannot heartbeat until they have joined; bound how long they may wait.
    this.#scheduleHeartbeat(group, member, this.config.newMemberJoinTimeoutMs);
    await this.#maybePrepareRebalance(
      group,
      `adding new member ${memberId} with group instance id ${String(p.groupInstanceId)}; client reason: ${p.reason ?? 'not provided'}`,
    );
  }

  async #updateMemberAndRebalance(
    group: ClassicGroup,
    member: ClassicMember,
    p: JoinParams,
    respond: JoinCallback,
    reason: string,
  ): Promise<void> {
    // A JoinGroup that supersedes one still waiting: the old request gets "rejoin".
    group.maybeInvokeJoinCallback(member, joinError(member.memberId, ErrorCode.REBALANCE_IN_PROGRESS));
    group.updateMember(member, p.protocols, p.rebalanceTimeoutMs, p.sessionTimeoutMs, respond);
    await this.#maybePrepareRebalance(group, `${reason}; client reason: ${p.reason ?? 'not provided'}`);
  }

  async #updateStaticMemberAndRebalance(
    group: ClassicGroup,
    groupInstanceId: string,
    oldMemberId: string,
    newMemberId: string,
    p: JoinParams,
    respond: JoinCallback,
  ): Promise<void> {
    const currentLeader = group.leaderId;
    const member = group.replaceStaticMember(groupInstanceId, oldMemberId, newMemberId, ErrorCode.FENCED_INSTANCE_ID);
    // The old id's heartbeat expectation is gone with it; the new id starts its own.
    this.#scheduleHeartbeat(group, member);
    const oldProtocols = member.protocols;
    const oldRebalanceTimeoutMs = member.rebalanceTimeoutMs;
    const oldSessionTimeoutMs = member.sessionTimeoutMs;
    group.updateMember(member, p.protocols, p.rebalanceTimeoutMs, p.sessionTimeoutMs, respond);
    switch (group.state) {
      case 'Stable': {
        // Persist the new member id without a rebalance unless the group's protocol would change.
        if (group.protocolName !== group.selectProtocol()) {
          await this.#maybePrepareRebalance(group, `static member ${groupInstanceId} rejoined with a change of protocol`);
          return;
        }
        const assignment = new Map([...group.members.values()].map((m) => [m.memberId, m.assignment]));
        const error = await this.#storeGroup(group, assignment);
        if (error !== ErrorCode.NONE) {
          // Revert: the old member id stays the valid one.
          group.updateMember(member, oldProtocols, oldRebalanceTimeoutMs, oldSessionTimeoutMs, undefined);
          const oldMember = group.replaceStaticMember(groupInstanceId, newMemberId, oldMemberId, ErrorCode.FENCED_INSTANCE_ID);
          this.#scheduleHeartbeat(group, oldMember);
          respond({
            error,
            memberId: '',
            generationId: group.generationId,
            protocolType: group.protocolType,
            protocolName: group.protocolName,
            leaderId: currentLeader ?? '',
            skipAssignment: false,
            members: [],
          });
        } else if (p.supportSkippingAssignment) {
          // JoinGroup v9+ (KIP-814): a static leader learns it leads, but skips the assignment.
          const isLeader = group.isLeader(newMemberId);
          group.maybeInvokeJoinCallback(member, { ...this.#generationResult(group, newMemberId, isLeader), skipAssignment: isLeader });
        } else {
          // Older versions get the old leader id, so a replaced leader does not run a useless assignment.
          group.maybeInvokeJoinCallback(member, { ...this.#generationResult(group, newMemberId, false), leaderId: currentLeader ?? '' });
        }
        return;
      }
      case 'CompletingRebalance':
        // The leader may already be assigning to the old member id: rebalance again.
        await this.#prepareRebalance(group, `updating metadata for static member ${newMemberId} with instance id ${groupInstanceId}`);
        return;
      case 'PreparingRebalance':
        return;
      case 'Empty':
      case 'Dead':
        throw new Error(`group ${group.groupId} has static member ${groupInstanceId} while ${group.state}`);
    }
  }

  // ---------------------------------------------------------------------------------------
  // Rebalance machinery (Kafka's join and sync purgatories)
  // ---------------------------------------------------------------------------------------

  async #maybePrepareRebalance(group: ClassicGroup, reason: string): Promise<void> {
    if (group.is('Stable') || group.is('CompletingRebalance') || group.is('Empty')) await this.#prepareRebalance(group, reason);
  }

  async #prepareRebalance(group: ClassicGroup, reason: string): Promise<void> {
    // Members waiting for an assignment have to rejoin.
    if (group.is('CompletingRebalance')) this.#resetAndPropagateAssignmentError(group, ErrorCode.REBALANCE_IN_PROGRESS);
    this.#cancelSyncTimer(group);
    const wasEmpty = group.is('Empty');
    group.transitionTo('PreparingRebalance', this.#time.now());
    this.#log.info({ groupId: group.groupId, generationId: group.generationId, reason }, 'preparing to rebalance group');
    if (wasEmpty) {
      const delayMs = this.config.initialRebalanceDelayMs;
      this.#startInitialDelayedJoin(group, delayMs, Math.max(group.rebalanceTimeoutMs - delayMs, 0));
    } else {
      await this.#startDelayedJoin(group);
    }
  }

  /** Kafka's InitialDelayedJoin: waits, and waits again while new members keep coming, up to the rebalance timeout. */
  #startInitialDelayedJoin(group: ClassicGroup, delayMs: number, remainingMs: number): void {
    const timer = this.#time.setTimer(delayMs, () =>
      this.#postInternal(group, async (g) => {
        const op = g.joinOperation;
        if (op?.kind !== 'initial' || op.timer !== timer) return;
        g.joinOperation = undefined;
        if (g.newMemberAdded && op.remainingMs !== 0) {
          g.newMemberAdded = false;
          const delay = Math.min(this.config.initialRebalanceDelayMs, op.remainingMs);
          this.#startInitialDelayedJoin(g, delay, Math.max(op.remainingMs - op.delayMs, 0));
        } else {
          await this.#onCompleteJoin(g);
        }
      }),
    );
    group.joinOperation = { kind: 'initial', timer, delayMs, remainingMs };
  }

  /** Kafka's DelayedJoin: completes when every member has rejoined, or at the rebalance timeout. */
  async #startDelayedJoin(group: ClassicGroup): Promise<void> {
    if (group.hasAllMembersJoined) {
      await this.#onCompleteJoin(group);
      return;
    }
    const op: { kind: 'rebalance'; timer: Timer | undefined } = { kind: 'rebalance', timer: undefined };
    group.joinOperation = op;
    op.timer = this.#time.setTimer(group.rebalanceTimeoutMs, () =>
      this.#postInternal(group, async (g) => {
        if (g.joinOperation !== op) return;
        g.joinOperation = undefined;
        await this.#onCompleteJoin(g);
      }),
    );
  }

  async #checkAndCompleteJoin(group: ClassicGroup): Promise<void> {
    const op = group.joinOperation;
    if (op?.kind !== 'rebalance' || !group.hasAllMembersJoined) return;
    op.timer?.cancel();
    group.joinOperation = undefined;
    await this.#onCompleteJoin(group);
  }

  async #onCompleteJoin(group: ClassicGroup): Promise<void> {
    // Dynamic members that did not rejoin are out; static ones keep their place until their session expires.
    const dropped: string[] = [];
    for (const member of group.notYetRejoinedMembers()) {
      if (member.isStatic) continue;
      group.maybeInvokeSyncCallback(member, syncError(ErrorCode.UNKNOWN_MEMBER_ID));
      group.remove(member.memberId);
      this.#cancelHeartbeat(member);
      dropped.push(member.memberId);
    }
    if (dropped.length > 0) this.#log.info({ groupId: group.groupId, members: dropped }, 'removed dynamic members that did not rejoin');
    if (group.is('Dead')) return;
    if (!group.maybeElectNewJoinedLeader() && group.size > 0) {
      // Nobody rejoined: wait another round until session timeouts remove the silent members.
      this.#log.error({ groupId: group.groupId }, 'could not complete rebalance because no members rejoined');
      await this.#startDelayedJoin(group);
      return;
    }
    group.initNextGeneration(this.#time.now());
    if (group.is('Empty')) {
      this.#log.info({ groupId: group.groupId, generationId: group.generationId }, 'group is now empty');
      const error = await this.#storeGroup(group, new Map());
      if (error !== ErrorCode.NONE) this.#log.warn({ groupId: group.groupId }, 'failed to persist the empty group');
      return;
    }
    this.#log.info(
      { groupId: group.groupId, generationId: group.generationId, protocolName: group.protocolName, members: group.size },
      'stabilized group',
    );
    for (const member of group.members.values()) {
      group.maybeInvokeJoinCallback(member, this.#generationResult(group, member.memberId, group.isLeader(member.memberId)));
      this.#scheduleHeartbeat(group, member);
      member.isNew = false;
      group.pendingSyncMembers.add(member.memberId);
    }
    this.#schedulePendingSync(group);
  }

  /** Members of the new generation must send SyncGroup within the rebalance timeout. */
  #schedulePendingSync(group: ClassicGroup): void {
    this.#cancelSyncTimer(group);
    const generationId = group.generationId;
    const timer = this.#time.setTimer(group.rebalanceTimeoutMs, () =>
      this.#postInternal(group, async (g) => {
        if (g.syncTimer !== timer) return;
        g.syncTimer = undefined;
        if (generationId !== g.generationId || !(g.is('CompletingRebalance') || g.is('Stable')) || g.pendingSyncMembers.size === 0) return;
        const missing = [...g.pendingSyncMembers];
        this.#log.info({ groupId: g.groupId, members: missing }, 'removing members that did not send SyncGroup in time');
        for (const memberId of missing) {
          const member = g.members.get(memberId);
          g.remove(memberId);
          if (member) this.#cancelHeartbeat(member);
        }
        await this.#maybePrepareRebalance(g, `members ${missing.join(', ')} did not sync in time`);
      }),
    );
    group.syncTimer = timer;
  }

  #cancelSyncTimer(group: ClassicGroup): void {
    group.syncTimer?.cancel();
    group.syncTimer = undefined;
  }

  #removePendingSyncMember(group: ClassicGroup, memberId: string): void {
    group.pendingSyncMembers.delete(memberId);
    const syncing = group.is('CompletingRebalance') || group.is('Stable');
    if (!syncing || group.pendingSyncMembers.size === 0) this.#cancelSyncTimer(group);
  }

  #resetAndPropagateAssignmentError(group: ClassicGroup, error: ErrorCode): void {
    if (!group.is('CompletingRebalance'))
      throw new Error(`group ${group.groupId} must be CompletingRebalance to reset assignments, is ${group.state}`);
    for (const member of group.members.values()) member.assignment = EMPTY_BYTES;
    this.#propagateAssignment(group, error);
  }

  #setAndPropagateAssignment(group: ClassicGroup, assignment: ReadonlyMap<string, Buffer>): void {
    for (const member of group.members.values()) member.assignment = assignment.get(member.memberId) ?? EMPTY_BYTES;
    this.#propagateAssignment(group, ErrorCode.NONE);
  }

  #propagateAssignment(group: ClassicGroup, error: ErrorCode): void {
    for (const member of group.members.values()) {
      const answered = group.maybeInvokeSyncCallback(member, {
        error,
        protocolType: group.protocolType,
        protocolName: group.protocolName,
        assignment: member.assignment,
      });
      // Their heartbeat expectation was suspended while they waited.
      if (answered) this.#scheduleHeartbeat(group, member);
    }
  }

  async #removeMemberAndUpdateGroup(group: ClassicGroup, member: ClassicMember, reason: string): Promise<void> {
    group.maybeInvokeJoinCallback(member, joinError(member.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    group.maybeInvokeSyncCallback(member, syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    group.remove(member.memberId);
    this.#cancelHeartbeat(member);
    switch (group.state) {
      case 'Stable':
      case 'CompletingRebalance':
        await this.#maybePrepareRebalance(group, reason);
        return;
      case 'PreparingRebalance':
        await this.#checkAndCompleteJoin(group);
        return;
      case 'Empty':
      case 'Dead':
        return;
    }
  }

  async #removePendingMemberAndUpdateGroup(group: ClassicGroup, memberId: string): Promise<void> {
    group.removePendingMember(memberId);
    if (group.is('PreparingRebalance')) await this.#checkAndCompleteJoin(group);
  }

  #scheduleHeartbeat(group: ClassicGroup, member: ClassicMember, timeoutMs = member.sessionTimeoutMs): void {
    member.heartbeatTimer?.cancel();
    const timer = this.#time.setTimer(timeoutMs, () =>
      this.#postInternal(group, async (g) => {
        if (member.heartbeatTimer !== timer) return;
        member.heartbeatTimer = undefined;
        if (g.members.get(member.memberId) !== member) return;
        // Members waiting on a rebalance need not heartbeat, unless they are new (they would wait forever).
        if (!member.isNew && (member.isAwaitingJoin || member.isAwaitingSync)) return;
        this.#log.info({ groupId: g.groupId, memberId: member.memberId }, 'member session expired: removing it from the group');
        await this.#removeMemberAndUpdateGroup(g, member, `removing member ${member.memberId} on heartbeat expiration`);
      }),
    );
    member.heartbeatTimer = timer;
  }

  #cancelHeartbeat(member: ClassicMember): void {
    member.heartbeatTimer?.cancel();
    member.heartbeatTimer = undefined;
  }

  async #storeGroup(group: ClassicGroup, assignment: ReadonlyMap<string, Buffer>): Promise<ErrorCode> {
    const record: PersistedGroup = {
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
    };
    try {
      await this.#store.saveGroup(record);
      return ErrorCode.NONE;
    } catch (error) {
      this.#log.warn({ groupId: group.groupId, err: error }, 'failed to persist group metadata');
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
  }

  #validateCurrentMember(group: ClassicGroup, memberId: string, groupInstanceId: string | null, operation: string): ErrorCode | undefined {
    if (groupInstanceId !== null) {
      const currentMemberId = group.staticMembers.get(groupInstanceId);
      if (currentMemberId === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (currentMemberId !== memberId) {
        this.#log.info(
          { groupId: group.groupId, memberId, groupInstanceId, currentMemberId, operation },
          'static member fenced by a newer member id',
        );
        return ErrorCode.FENCED_INSTANCE_ID;
      }
      return undefined;
    }
    return group.members.has(memberId) ? undefined : ErrorCode.UNKNOWN_MEMBER_ID;
  }

  // ---------------------------------------------------------------------------------------
  // SyncGroup
  // ---------------------------------------------------------------------------------------

  async syncGroup(body: SyncGroupRequest, apiVersion: number): Promise<SyncGroupResponse> {
    const result = await this.#sync(body, apiVersion);
    return createSyncGroupResponse({
      errorCode: result.error,
      protocolType: apiVersion >= SYNC_GROUP_PROTOCOL_TYPE_SINCE_VERSION ? result.protocolType : null,
      protocolName: apiVersion >= SYNC_GROUP_PROTOCOL_TYPE_SINCE_VERSION ? result.protocolName : null,
      assignment: result.assignment,
    });
  }

  async #sync(body: SyncGroupRequest, apiVersion: number): Promise<SyncResult> {
    const statusError = this.#validateGroupStatus(body.groupId, false);
    // While loading, the rebalance in progress is lost: make the member rejoin (older clients do not expect LOAD_IN_PROGRESS).
    if (statusError === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) return syncError(ErrorCode.REBALANCE_IN_PROGRESS);
    if (statusError !== undefined) return syncError(statusError);
    if (apiVersion >= SYNC_GROUP_PROTOCOL_TYPE_SINCE_VERSION && (body.protocolType === null || body.protocolName === null))
      return syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const params: SyncParams = {
      groupId: body.groupId,
      generationId: body.generationId,
      memberId: body.memberId,
      groupInstanceId: apiVersion >= SYNC_GROUP_STATIC_MEMBERSHIP_SINCE_VERSION ? body.groupInstanceId : null,
      protocolType: apiVersion >= SYNC_GROUP_PROTOCOL_TYPE_SINCE_VERSION ? body.protocolType : null,
      protocolName: apiVersion >= SYNC_GROUP_PROTOCOL_TYPE_SINCE_VERSION ? body.protocolName : null,
      assignments: new Map(body.assignments.map((a) => [a.memberId, a.assignment])),
    };
    return this.#awaitAnswer<SyncResult>(body.groupId, (actor, respond) => this.#doSync(actor, params, respond), syncError);
  }

  async #doSync(actor: GroupActor, p: SyncParams, respond: SyncCallback): Promise<void> {
    const group = actor.group;
    if (group === undefined) {
      respond(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
      return;
    }
    const error = this.#validateSyncGroup(group, p);
    const member = group.members.get(p.memberId);
    if (error !== undefined || member === undefined) {
      respond(syncError(error ?? ErrorCode.UNKNOWN_MEMBER_ID));
      return;
    }
    switch (group.state) {
      case 'Empty':
        respond(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
        return;
      case 'PreparingRebalance':
        respond(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
        return;
      case 'CompletingRebalance': {
        group.maybeInvokeSyncCallback(member, syncError(ErrorCode.REBALANCE_IN_PROGRESS));
        member.awaitingSync = respond;
        this.#removePendingSyncMember(group, member.memberId);
        if (!group.isLeader(member.memberId)) return;
        this.#log.info(
          { groupId: group.groupId, generationId: group.generationId, members: group.size, staticMembers: group.staticMembers.size },
          'assignment received from the leader',
        );
        const assignment = new Map(p.assignments);
        const missing = [...group.members.keys()].filter((id) => !assignment.has(id));
        for (const id of missing) assignment.set(id, EMPTY_BYTES);
        if (missing.length > 0) this.#log.warn({ groupId: group.groupId, members: missing }, 'leader gave no assignment to some members');
        const generationId = group.generationId;
        const storeError = await this.#storeGroup(group, assignment);
        if (group.is('CompletingRebalance') && generationId === group.generationId) {
          if (storeError !== ErrorCode.NONE) {
            this.#resetAndPropagateAssignmentError(group, storeError);
            await this.#maybePrepareRebalance(group, `error storing the assignment of member ${member.memberId}`);
          } else {
            this.#setAndPropagateAssignment(group, assignment);
            group.transitionTo('Stable', this.#time.now());
          }
        }
        return;
      }
      case 'Stable':
        this.#removePendingSyncMember(group, member.memberId);
        respond({
          error: ErrorCode.NONE,
          protocolType: group.protocolType,
          protocolName: group.protocolName,
          assignment: member.assignment,
        });
        this.#scheduleHeartbeat(group, member);
        return;
      case 'Dead':
        respond(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
        return;
    }
  }

  #validateSyncGroup(group: ClassicGroup, p: SyncParams): ErrorCode | undefined {
    if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const memberError = this.#validateCurrentMember(group, p.memberId, p.groupInstanceId, 'sync-group');
    if (memberError !== undefined) return memberError;
    if (p.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    if (p.protocolType !== null && group.protocolType !== p.protocolType) return ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
    if (p.protocolName !== null && group.protocolName !== p.protocolName) return ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
    return undefined;
  }

  // ---------------------------------------------------------------------------------------
  // Heartbeat and LeaveGroup
  // ---------------------------------------------------------------------------------------

  async heartbeat(body: HeartbeatRequest, apiVersion: number): Promise<HeartbeatResponse> {
    return createHeartbeatResponse({ errorCode: await this.#heartbeat(body, apiVersion) });
  }

  async #heartbeat(body: HeartbeatRequest, apiVersion: number): Promise<ErrorCode> {
    const statusError = this.#validateGroupStatus(body.groupId, false);
    // While loading, answer blindly: the member finds out at its next heartbeat.
    if (statusError === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) return ErrorCode.NONE;
    if (statusError !== undefined) return statusError;
    const groupInstanceId = apiVersion >= HEARTBEAT_STATIC_MEMBERSHIP_SINCE_VERSION ? body.groupInstanceId : null;
    return this.#submitOrError(body.groupId, (actor) => {
      const group = actor.group;
      if (group === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
      const memberError = this.#validateCurrentMember(group, body.memberId, groupInstanceId, 'heartbeat');
      const member = group.members.get(body.memberId);
      if (memberError !== undefined || member === undefined) return memberError ?? ErrorCode.UNKNOWN_MEMBER_ID;
      if (body.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
      switch (group.state) {
        case 'Empty':
          return ErrorCode.UNKNOWN_MEMBER_ID;
        case 'CompletingRebalance':
        case 'Stable':
          this.#scheduleHeartbeat(group, member);
          return ErrorCode.NONE;
        case 'PreparingRebalance':
          this.#scheduleHeartbeat(group, member);
          return ErrorCode.REBALANCE_IN_PROGRESS;
        case 'Dead':
          return ErrorCode.COORDINATOR_NOT_AVAILABLE;
      }
    });
  }

  async leaveGroup(body: LeaveGroupRequest, apiVersion: number): Promise<LeaveGroupResponse> {
    const identities: MemberIdentity[] =
      apiVersion >= LEAVE_GROUP_BATCH_SINCE_VERSION
        ? body.members.map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            reason: apiVersion >= LEAVE_GROUP_REASON_SINCE_VERSION ? m.reason : null,
          }))
        : [{ memberId: body.memberId, groupInstanceId: null, reason: null }];
    const { error, members } = await this.#leave(body.groupId, identities);
    if (apiVersion < LEAVE_GROUP_BATCH_SINCE_VERSION) {
      // Before v3 there is one member and one error: the group's, else the member's.
      const errorCode =
        error !== ErrorCode.NONE ? error : (members.find((m) => m.errorCode !== ErrorCode.NONE)?.errorCode ?? ErrorCode.NONE);
      return createLeaveGroupResponse({ errorCode });
    }
    return createLeaveGroupResponse({
      errorCode: error,
      members: members.map((m) =>
        createLeaveGroupResponseMemberResponse({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: m.errorCode }),
      ),
    });
  }

  async #leave(
    groupId: string,
    identities: MemberIdentity[],
  ): Promise<{ error: ErrorCode; members: { memberId: string; groupInstanceId: string | null; errorCode: ErrorCode }[] }> {
    const statusError = this.#validateGroupStatus(groupId, false);
    if (statusError !== undefined) return { error: statusError, members: [] };
    try {
      return await this.#submit(groupId, async (actor) => {
        const group = actor.group;
        if (group === undefined) {
          return { error: ErrorCode.NONE, members: identities.map((i) => ({ ...i, errorCode: ErrorCode.UNKNOWN_MEMBER_ID })) };
        }
        if (group.is('Dead')) return { error: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
        const members: { memberId: string; groupInstanceId: string | null; errorCode: ErrorCode }[] = [];
        for (const identity of identities) {
          members.push({
            memberId: identity.memberId,
            groupInstanceId: identity.groupInstanceId,
            errorCode: await this.#leaveOne(group, identity),
          });
        }
        return { error: ErrorCode.NONE, members };
      });
    } catch (error) {
      return { error: this.#submitErrorCode(groupId, error), members: [] };
    }
  }

  async #leaveOne(group: ClassicGroup, identity: MemberIdentity): Promise<ErrorCode> {
    const reason = `removing member on LeaveGroup; client reason: ${identity.reason ?? 'not provided'}`;
    if (identity.memberId === '') {
      // Administrative removal of a static member by its group.instance.id (LeaveGroup v3+).
      const currentMemberId = identity.groupInstanceId !== null ? group.staticMembers.get(identity.groupInstanceId) : undefined;
      const member = currentMemberId !== undefined ? group.members.get(currentMemberId) : undefined;
      if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      this.#log.info(
        { groupId: group.groupId, memberId: member.memberId, groupInstanceId: identity.groupInstanceId },
        'static member left the group',
      );
      await this.#removeMemberAndUpdateGroup(group, member, reason);
      return ErrorCode.NONE;
    }
    if (group.pendingMembers.has(identity.memberId)) {
      this.#log.info({ groupId: group.groupId, memberId: identity.memberId }, 'pending member left the group');
      await this.#removePendingMemberAndUpdateGroup(group, identity.memberId);
      return ErrorCode.NONE;
    }
    const error = this.#validateCurrentMember(group, identity.memberId, identity.groupInstanceId, 'leave-group');
    const member = group.members.get(identity.memberId);
    if (error !== undefined || member === undefined) return error ?? ErrorCode.UNKNOWN_MEMBER_ID;
    this.#log.info({ groupId: group.groupId, memberId: member.memberId, reason: identity.reason }, 'member left the group');
    await this.#removeMemberAndUpdateGroup(group, member, reason);
    return ErrorCode.NONE;
  }

  // ---------------------------------------------------------------------------------------
  // Offsets
  // ---------------------------------------------------------------------------------------

  async offsetCommit(body: OffsetCommitRequest, apiVersion: number): Promise<OffsetCommitResponse> {
    assertTopicNames('OffsetCommit', apiVersion);
    const now = this.#time.now();
    const expireTimestampMs =
      apiVersion >= OFFSET_COMMIT_RETENTION_TIME_SINCE_VERSION &&
      apiVersion <= OFFSET_COMMIT_RETENTION_TIME_UNTIL_VERSION &&
      body.retentionTimeMs !== -1n
        ? now + Number(body.retentionTimeMs)
        : null;
    const commits: (PartitionCommit & { tooLarge: boolean })[] = body.topics.flatMap((topic) =>
      topic.partitions.map((p) => {
        const metadata = p.committedMetadata ?? '';
        return {
          topic: topic.name,
          partition: p.partitionIndex,
          tooLarge: metadata.length > this.config.offsetMetadataMaxBytes,
          offset: {
            offset: p.committedOffset,
            leaderEpoch: apiVersion >= OFFSET_COMMIT_LEADER_EPOCH_SINCE_VERSION ? p.committedLeaderEpoch : -1,
            metadata,
            commitTimestampMs: now,
            expireTimestampMs,
          },
        };
      }),
    );
    const codes = await this.#commit(body, apiVersion, commits);
    let i = 0;
    return createOffsetCommitResponse({
      topics: body.topics.map((topic) =>
        createOffsetCommitResponseTopic({
          name: topic.name,
          partitions: topic.partitions.map((p) =>
            createOffsetCommitResponsePartition({
              partitionIndex: p.partitionIndex,
              errorCode: codes[i++] ?? ErrorCode.UNKNOWN_SERVER_ERROR,
            }),
          ),
        }),
      ),
    });
  }

  async #commit(body: OffsetCommitRequest, apiVersion: number, commits: (PartitionCommit & { tooLarge: boolean })[]): Promise<number[]> {
    const all = (code: ErrorCode): ErrorCode[] => commits.map(() => code);
    const statusError = this.#validateGroupStatus(body.groupId, true);
    if (statusError !== undefined) return all(statusError);
    const generationId = apiVersion >= OFFSET_COMMIT_MEMBERSHIP_SINCE_VERSION ? body.generationIdOrMemberEpoch : -1;
    const memberId = apiVersion >= OFFSET_COMMIT_MEMBERSHIP_SINCE_VERSION ? body.memberId : '';
    const groupInstanceId = apiVersion >= OFFSET_COMMIT_STATIC_MEMBERSHIP_SINCE_VERSION ? body.groupInstanceId : null;
    try {
      return await this.#submit(body.groupId, async (actor) => {
        let group = actor.group;
        const created = group === undefined;
        if (group === undefined) {
          // Only "simple" commits (no group management) may create a group.
          if (generationId >= 0) return all(ErrorCode.ILLEGAL_GENERATION);
          group = new ClassicGroup(body.groupId, 'Empty', this.#time.now());
        }
        const error = this.#validateOffsetCommit(group, generationId, memberId, groupInstanceId);
        if (error !== undefined) return all(error);
        switch (group.state) {
          case 'CompletingRebalance':
            // The member has the new generation but not its assignment yet: let it finish the rebalance.
            return all(ErrorCode.REBALANCE_IN_PROGRESS);
          case 'Dead':
            return all(ErrorCode.COORDINATOR_NOT_AVAILABLE);
          case 'Stable':
          case 'PreparingRebalance': {
            // Commits are allowed while preparing: the heartbeat tells the member about the rebalance.
            const member = group.members.get(memberId);
            if (member) this.#scheduleHeartbeat(group, member);
            break;
          }
          case 'Empty':
            break;
        }
        const codes = commits.map((c) => (c.tooLarge ? ErrorCode.OFFSET_METADATA_TOO_LARGE : ErrorCode.NONE));
        const accepted = commits.filter((c) => !c.tooLarge);
        if (accepted.length === 0) return codes;
        try {
          await this.#store.commitOffsets(body.groupId, accepted.map(toPersistedOffset));
        } catch (storeError) {
          this.#log.warn({ groupId: body.groupId, err: storeError }, 'failed to persist offsets');
          return commits.map((c) => (c.tooLarge ? ErrorCode.OFFSET_METADATA_TOO_LARGE : ErrorCode.COORDINATOR_NOT_AVAILABLE));
        }
        if (created) actor.group = group;
        for (const c of accepted) group.setOffset(c.topic, c.partition, c.offset);
        return codes;
      });
    } catch (error) {
      return all(this.#submitErrorCode(body.groupId, error));
    }
  }

  #validateOffsetCommit(
    group: ClassicGroup,
    generationId: number,
    memberId: string,
    groupInstanceId: string | null,
  ): ErrorCode | undefined {
    if (group.is('Dead')) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (generationId >= 0 || memberId !== '' || groupInstanceId !== null) {
      const memberError = this.#validateCurrentMember(group, memberId, groupInstanceId, 'offset-commit');
      if (memberError !== undefined) return memberError;
      if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
      return undefined;
    }
    // A commit without member id and generation: only when nobody is in the group.
    return group.is('Empty') ? undefined : ErrorCode.UNKNOWN_MEMBER_ID;
  }

  async offsetFetch(body: OffsetFetchRequest, apiVersion: number): Promise<OffsetFetchResponse> {
    assertTopicNames('OffsetFetch', apiVersion);
    // Offsets are answered from memory, whatever the group's state (it may not use group management).
    if (apiVersion >= OFFSET_FETCH_MULTIPLE_GROUPS_SINCE_VERSION) {
      const results = await Promise.all(body.groups.map((g) => this.#fetchOffsets(g.groupId, g.topics)));
      return createOffsetFetchResponse({
        groups: body.groups.map((g, i) => {
          const { error, topics } = results[i] ?? { error: ErrorCode.UNKNOWN_SERVER_ERROR, topics: [] };
          return createOffsetFetchResponseGroup({
            groupId: g.groupId,
            errorCode: error,
            topics: topics.map((t) =>
              createOffsetFetchResponseTopics({
                name: t.name,
                partitions: t.partitions.map((p) => createOffsetFetchResponsePartitions(p)),
              }),
            ),
          });
        }),
      });
    }
    const requested = apiVersion < OFFSET_FETCH_ALL_TOPICS_SINCE_VERSION ? (body.topics ?? []) : body.topics;
    const { error, topics } = await this.#fetchOffsets(body.groupId, requested);
    if (error !== ErrorCode.NONE) {
      if (apiVersion >= OFFSET_FETCH_ALL_TOPICS_SINCE_VERSION) return createOffsetFetchResponse({ errorCode: error });
      // v0-1 have no top-level error: every requested partition carries it.
      return createOffsetFetchResponse({
        topics: (requested ?? []).map((t) =>
          createOffsetFetchResponseTopic({
            name: t.name,
            partitions: t.partitionIndexes.map((partitionIndex) =>
              createOffsetFetchResponsePartition({ partitionIndex, committedOffset: -1n, metadata: '', errorCode: error }),
            ),
          }),
        ),
      });
    }
    return createOffsetFetchResponse({
      topics: topics.map((t) =>
        createOffsetFetchResponseTopic({
          name: t.name,
          partitions: t.partitions.map((p) =>
            createOffsetFetchResponsePartition({
              ...p,
              committedLeaderEpoch: apiVersion >= OFFSET_FETCH_LEADER_EPOCH_SINCE_VERSION ? p.committedLeaderEpoch : -1,
            }),
          ),
        }),
      ),
    });
  }

  /** Read in the group's mailbox, so it sees every operation that arrived before it. */
  async #fetchOffsets(groupId: string, requested: RequestedTopic[] | null): Promise<{ error: ErrorCode; topics: FetchedTopic[] }> {
    const statusError = this.#validateGroupStatus(groupId, true);
    if (statusError !== undefined) return { error: statusError, topics: [] };
    try {
      return await this.#submit(groupId, (actor) => readOffsets(actor.group, requested));
    } catch (error) {
      return { error: this.#submitErrorCode(groupId, error), topics: [] };
    }
  }

  async offsetDelete(body: OffsetDeleteRequest, _apiVersion: number): Promise<OffsetDeleteResponse> {
    const statusError = this.#validateGroupStatus(body.groupId, false);
    if (statusError !== undefined) return createOffsetDeleteResponse({ errorCode: statusError });
    const partitions: TopicPartitionRef[] = body.topics.flatMap((t) =>
      t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex })),
    );
    let outcome: { groupError: ErrorCode; partitionErrors: Map<string, ErrorCode> };
    try {
      outcome = await this.#submit(body.groupId, async (actor) => {
        const partitionErrors = new Map<string, ErrorCode>();
        const group = actor.group;
        if (group === undefined || group.is('Dead')) return { groupError: ErrorCode.GROUP_ID_NOT_FOUND, partitionErrors };
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
          return { groupError: ErrorCode.NON_EMPTY_GROUP, partitionErrors };
        }
        if (eligible.length > 0) {
          const removed = await this.#cleanupGroupMetadata(actor, group, eligible);
          for (const tp of eligible) partitionErrors.set(partitionKey(tp), removed ? ErrorCode.NONE : ErrorCode.COORDINATOR_NOT_AVAILABLE);
        }
        return { groupError: ErrorCode.NONE, partitionErrors };
      });
    } catch (error) {
      return createOffsetDeleteResponse({ errorCode: this.#submitErrorCode(body.groupId, error) });
    }
    if (outcome.groupError !== ErrorCode.NONE) return createOffsetDeleteResponse({ errorCode: outcome.groupError });
    return createOffsetDeleteResponse({
      topics: body.topics.map((t) =>
        createOffsetDeleteResponseTopic({
          name: t.name,
          partitions: t.partitions.map((p) =>
            createOffsetDeleteResponsePartition({
              partitionIndex: p.partitionIndex,
              errorCode: outcome.partitionErrors.get(partitionKey({ topic: t.name, partition: p.partitionIndex })) ?? ErrorCode.NONE,
            }),
          ),
        }),
      ),
    });
  }

  /**
   * Removes offsets (store first, then memory) and, when that leaves an Empty group without
   * offsets, the group itself (Kafka's `cleanupGroupMetadata`). False if the store failed.
   */
  async #cleanupGroupMetadata(actor: GroupActor, group: ClassicGroup, partitions: TopicPartitionRef[]): Promise<boolean> {
    const present = partitions.filter((tp) => group.offset(tp.topic, tp.partition) !== undefined);
    if (present.length > 0) {
      try {
        await this.#store.deleteOffsets(group.groupId, present);
      } catch (error) {
        this.#log.warn({ groupId: group.groupId, err: error }, 'failed to delete offsets');
        return false;
      }
      for (const tp of present) group.removeOffset(tp.topic, tp.partition);
    }
    if (group.is('Empty') && !group.hasOffsets && group.pendingMembers.size === 0) {
      try {
        await this.#store.deleteGroup(group.groupId);
      } catch (error) {
        this.#log.warn({ groupId: group.groupId, err: error }, 'failed to delete the empty group');
        return true;
      }
      this.#log.info({ groupId: group.groupId, generationId: group.generationId }, 'group transitioned to Dead');
      group.transitionTo('Dead', this.#time.now());
      this.#disposeGroup(group, ErrorCode.COORDINATOR_NOT_AVAILABLE);
      actor.group = undefined;
    }
    return true;
  }

  #scheduleSweep(): void {
    this.#sweepTimer = this.#time.setTimer(this.config.offsetsRetentionCheckIntervalMs, () => {
      this.#sweepTimer = undefined;
      void this.#sweepExpiredOffsets().finally(() => {
        if (this.#status === 'active' && this.#sweepTimer === undefined) this.#scheduleSweep();
      });
    });
  }

  /**
   * Kafka's `onPartitionsDeleted`: the offsets of deleted topics go from every group (the store
   * dropped its rows with the topic; this removes them again, harmlessly, and from memory), and
   * an Empty group left without offsets goes with them.
   */
  async onTopicsDeleted(topics: readonly string[]): Promise<void> {
    if (this.#status !== 'active' || topics.length === 0) return;
    const deleted = new Set(topics);
    const groups = [...this.#actors.values()].flatMap((a) => (a.group ? [a.group] : []));
    await Promise.all(
      groups.map((group) =>
        this.#postInternal(group, async (g) => {
          const partitions = [...g.offsets]
            .filter(([topic]) => deleted.has(topic))
            .flatMap(([topic, byPartition]) => [...byPartition.keys()].map((partition) => ({ topic, partition })));
          const actor = this.#actors.get(g.groupId);
          if (actor === undefined || partitions.length === 0) return;
          this.#log.info({ groupId: g.groupId, offsets: partitions.length }, 'removing offsets of deleted topics');
          await this.#cleanupGroupMetadata(actor, g, partitions);
        }),
      ),
    );
  }

  /** One retention pass over every group, each in its own mailbox. */
  async #sweepExpiredOffsets(): Promise<void> {
    if (this.#status !== 'active') return;
    const groups = [...this.#actors.values()].flatMap((a) => (a.group ? [a.group] : []));
    await Promise.all(
      groups.map((group) =>
        this.#postInternal(group, async (g) => {
          const expired = g.expiredOffsets(this.#time.now(), this.config.offsetsRetentionMs);
          const actor = this.#actors.get(g.groupId);
          if (actor === undefined) return;
          if (expired.length > 0) this.#log.info({ groupId: g.groupId, offsets: expired.length }, 'expiring offsets');
          await this.#cleanupGroupMetadata(actor, g, expired);
        }),
      ),
    );
  }

  // ---------------------------------------------------------------------------------------
  // Admin: ListGroups, DescribeGroups, DeleteGroups
  // ---------------------------------------------------------------------------------------

  async listGroups(body: ListGroupsRequest, apiVersion: number): Promise<ListGroupsResponse> {
    if (this.#status !== 'active' && this.#status !== 'loading')
      return createListGroupsResponse({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE });
    const errorCode = this.#status === 'loading' ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.NONE;
    const states = new Set((apiVersion >= LIST_GROUPS_STATES_SINCE_VERSION ? body.statesFilter : []).map((s) => s.toLowerCase()));
    const types = new Set((apiVersion >= LIST_GROUPS_TYPES_SINCE_VERSION ? body.typesFilter : []).map((s) => s.toLowerCase()));
    const groups = [...this.#actors.values()]
      .flatMap((a) => (a.group && !a.group.is('Dead') ? [a.group] : []))
      .filter((g) => states.size === 0 || states.has(g.state.toLowerCase()))
      .filter(() => types.size === 0 || types.has(CLASSIC_GROUP_TYPE))
      .sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0))
      .map((g) =>
        createListGroupsResponseListedGroup({
          groupId: g.groupId,
          protocolType: g.protocolType ?? '',
          groupState: apiVersion >= LIST_GROUPS_STATES_SINCE_VERSION ? g.state : '',
          groupType: apiVersion >= LIST_GROUPS_TYPES_SINCE_VERSION ? CLASSIC_GROUP_TYPE : '',
        }),
      );
    return createListGroupsResponse({ errorCode, groups });
  }

  async describeGroups(body: DescribeGroupsRequest, apiVersion: number): Promise<DescribeGroupsResponse> {
    const withOperations = apiVersion >= DESCRIBE_GROUPS_AUTHORIZED_OPERATIONS_SINCE_VERSION && body.includeAuthorizedOperations;
    const groups = await Promise.all(body.groups.map((groupId) => this.#describe(groupId, withOperations)));
    // v6 (KIP-1043) says GROUP_ID_NOT_FOUND where older versions describe a Dead group.
    return createDescribeGroupsResponse({
      groups:
        apiVersion >= DESCRIBE_GROUPS_NOT_FOUND_SINCE_VERSION
          ? groups.map((group) =>
              group.errorCode === ErrorCode.NONE && group.groupState === 'Dead'
                ? { ...group, errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: `Group ${group.groupId} not found.` }
                : group,
            )
          : groups,
    });
  }

  async #describe(groupId: string, withOperations: boolean): Promise<DescribeGroupsResponseDescribedGroup> {
    const statusError = this.#validateGroupStatus(groupId, true);
    if (statusError !== undefined) return createDescribeGroupsResponseDescribedGroup({ errorCode: statusError, groupId });
    const authorizedOperations = withOperations ? this.#authorizedOperations(groupId) : AUTHORIZED_OPERATIONS_OMITTED;
    try {
      // In the group's mailbox, so it sees every operation that arrived before it.
      return await this.#submit(groupId, (actor) => describeGroup(groupId, actor.group, authorizedOperations));
    } catch (error) {
      return createDescribeGroupsResponseDescribedGroup({ errorCode: this.#submitErrorCode(groupId, error), groupId });
    }
  }

  async deleteGroups(body: DeleteGroupsRequest, _apiVersion: number): Promise<DeleteGroupsResponse> {
    const results = await Promise.all(
      body.groupsNames.map(async (groupId) =>
        createDeleteGroupsResponseDeletableGroupResult({ groupId, errorCode: await this.#deleteGroup(groupId) }),
      ),
    );
    return createDeleteGroupsResponse({ results });
  }

  async #deleteGroup(groupId: string): Promise<ErrorCode> {
    const statusError = this.#validateGroupStatus(groupId, true);
    if (statusError !== undefined) return statusError;
    return this.#submitOrError(groupId, async (actor) => {
      const group = actor.group;
      if (group === undefined || group.is('Dead')) return ErrorCode.GROUP_ID_NOT_FOUND;
      if (!group.is('Empty')) return ErrorCode.NON_EMPTY_GROUP;
      try {
        await this.#store.deleteGroup(groupId);
      } catch (error) {
        this.#log.warn({ groupId, err: error }, 'failed to delete group');
        return ErrorCode.COORDINATOR_NOT_AVAILABLE;
      }
      group.transitionTo('Dead', this.#time.now());
      this.#disposeGroup(group, ErrorCode.COORDINATOR_NOT_AVAILABLE);
      actor.group = undefined;
      this.#log.info({ groupId }, 'group deleted');
      return ErrorCode.NONE;
    });
  }

  // ---------------------------------------------------------------------------------------
  // Plumbing
  // ---------------------------------------------------------------------------------------

  /** Kafka's `validateGroupStatus`: an invalid id, then the coordinator's own state. */
  #validateGroupStatus(groupId: string, allowEmptyGroupId: boolean): ErrorCode | undefined {
    // OffsetCommit, OffsetFetch, DescribeGroups and DeleteGroups accept "" for backwards compatibility.
    if (groupId === '' && !allowEmptyGroupId) return ErrorCode.INVALID_GROUP_ID;
    if (this.#status === 'loading') return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    if (this.#status !== 'active') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    return undefined;
  }

  #actorFor(groupId: string): GroupActor {
    let actor = this.#actors.get(groupId);
    if (actor === undefined) {
      actor = new GroupActor(groupId, this.config.maxQueuedOperationsPerGroup);
      this.#actors.set(groupId, actor);
    }
    return actor;
  }

  /** Runs `op` in the group's mailbox; drops the actor afterwards when it holds no group and nothing is queued. */
  #submit<T>(groupId: string, op: (actor: GroupActor) => T | Promise<T>, internal = false): Promise<T> {
    const actor = this.#actorFor(groupId);
    return actor.mailbox.run(async () => {
      try {
        return await op(actor);
      } finally {
        if (actor.group === undefined && actor.mailbox.size <= 1 && this.#actors.get(groupId) === actor) this.#actors.delete(groupId);
      }
    }, internal);
  }

  async #submitOrError(groupId: string, op: (actor: GroupActor) => ErrorCode | Promise<ErrorCode>): Promise<ErrorCode> {
    try {
      return await this.#submit(groupId, op);
    } catch (error) {
      return this.#submitErrorCode(groupId, error);
    }
  }

  #submitErrorCode(groupId: string, error: unknown): ErrorCode {
    if (error instanceof MailboxFullError) {
      this.#log.warn({ groupId, limit: error.limit }, 'group mailbox full: rejecting request');
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
    this.#log.error({ groupId, err: error }, 'group operation failed');
    return ErrorCode.UNKNOWN_SERVER_ERROR;
  }

  /**
   * Runs `op` in the group's mailbox and resolves with the answer it gives through `respond`,
   * possibly later (a JoinGroup or SyncGroup waiting on the rest of the group).
   */
  async #awaitAnswer<R>(
    groupId: string,
    op: (actor: GroupActor, respond: (result: R) => void) => Promise<void>,
    onError: (code: ErrorCode) => R,
  ): Promise<R> {
    const { promise, resolve } = Promise.withResolvers<R>();
    let answered = false;
    const respond = (result: R): void => {
      if (answered) return;
      answered = true;
      resolve(result);
    };
    try {
      await this.#submit(groupId, (actor) => op(actor, respond));
    } catch (error) {
      respond(onError(this.#submitErrorCode(groupId, error)));
    }
    return promise;
  }

  /** Queues timer or sweep work for `group`; dropped if the coordinator stopped or the group is gone. */
  #postInternal(group: ClassicGroup, op: (group: ClassicGroup) => void | Promise<void>): Promise<void> {
    if (this.#status !== 'active') return Promise.resolve();
    return this.#submit(
      group.groupId,
      async (actor) => {
        if (actor.group !== group || this.#status !== 'active') return;
        await op(group);
      },
      true,
    ).catch((error: unknown) => {
      this.#log.error({ groupId: group.groupId, err: error }, 'group timer operation failed');
    });
  }

  /** Cancels every timer of a group leaving memory and answers the requests still waiting on it. */
  #disposeGroup(group: ClassicGroup, error: ErrorCode): void {
    if (group.joinOperation?.timer) group.joinOperation.timer.cancel();
    group.joinOperation = undefined;
    this.#cancelSyncTimer(group);
    for (const memberId of [...group.pendingMembers.keys()]) group.removePendingMember(memberId);
    for (const member of group.members.values()) {
      this.#cancelHeartbeat(member);
      group.maybeInvokeJoinCallback(member, joinError(member.memberId, error));
      group.maybeInvokeSyncCallback(member, syncError(error));
    }
  }

  #loadGroup(record: PersistedGroup, offsets: PersistedOffset[]): ClassicGroup {
    let members = record.members;
    if (members.length > 0 && record.protocolName === null) {
      this.#log.warn({ groupId: record.groupId }, 'persisted group has members but no protocol: loading it empty');
      members = [];
    }
    const group = new ClassicGroup(record.groupId, members.length > 0 ? 'Stable' : 'Empty', record.currentStateTimestampMs);
    group.generationId = record.generationId;
    const protocolType = record.protocolType === null || record.protocolType === '' ? null : record.protocolType;
    group.protocolName = members.length > 0 ? record.protocolName : null;
    for (const m of members) {
      const member = new ClassicMember(
        m.memberId,
        m.groupInstanceId,
        m.clientId,
        m.clientHost,
        m.rebalanceTimeoutMs,
        m.sessionTimeoutMs,
        protocolType ?? '',
        record.protocolName !== null ? [{ name: record.protocolName, metadata: m.subscription }] : [],
      );
      member.assignment = m.assignment;
      group.add(member, undefined);
    }
    group.protocolType = protocolType;
    if (record.leader !== null && group.members.has(record.leader)) group.leaderId = record.leader;
    group.subscribedTopics = group.computeSubscribedTopics();
    for (const o of offsets) {
      group.setOffset(o.topic, o.partition, {
        offset: o.offset,
        leaderEpoch: o.leaderEpoch,
        metadata: o.metadata,
        commitTimestampMs: o.commitTimestampMs,
        expireTimestampMs: o.expireTimestampMs,
      });
    }
    return group;
  }
}

function toPersistedOffset(c: PartitionCommit): PersistedOffset {
  return { topic: c.topic, partition: c.partition, ...c.offset };
}

function fetched(
  partitionIndex: number,
  o: CommittedOffset | undefined,
): { partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; metadata: string | null; errorCode: ErrorCode } {
  return o === undefined
    ? { partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE }
    : { partitionIndex, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: ErrorCode.NONE };
}

function partitionKey(tp: TopicPartitionRef): string {
  return `${tp.topic}\u0000${tp.partition}`;
}

function readOffsets(group: ClassicGroup | undefined, requested: RequestedTopic[] | null): { error: ErrorCode; topics: FetchedTopic[] } {
  const live = group !== undefined && !group.is('Dead') ? group : undefined;
  // requireStable (v7+) only matters with pending transactional offsets, which this coordinator does not have yet.
  if (requested === null) {
    if (!live) return { error: ErrorCode.NONE, topics: [] };
    const topics: FetchedTopic[] = [...live.offsets.keys()].sort().map((name) => ({
      name,
      partitions: [...(live.offsets.get(name)?.entries() ?? [])]
        .sort(([a], [b]) => a - b)
        .map(([partitionIndex, o]) => fetched(partitionIndex, o)),
    }));
    return { error: ErrorCode.NONE, topics };
  }
  return {
    error: ErrorCode.NONE,
    topics: requested.map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((partitionIndex) => fetched(partitionIndex, live?.offset(t.name, partitionIndex))),
    })),
  };
}

function assertTopicNames(api: string, apiVersion: number): void {
  if (apiVersion >= OFFSETS_BY_TOPIC_ID_SINCE_VERSION) {
    throw new Error(`${api} v${apiVersion} names topics by id: the broker must resolve them and forward v9`);
  }
}

function describeGroup(
  groupId: string,
  group: ClassicGroup | undefined,
  authorizedOperations: number,
): DescribeGroupsResponseDescribedGroup {
  if (group === undefined || group.is('Dead')) {
    return createDescribeGroupsResponseDescribedGroup({ groupId, groupState: 'Dead', authorizedOperations });
  }
  const stable = group.is('Stable');
  return createDescribeGroupsResponseDescribedGroup({
    groupId,
    groupState: group.state,
    protocolType: group.protocolType ?? '',
    protocolData: stable ? (group.protocolName ?? '') : '',
    members: [...group.members.values()].map((m) =>
      createDescribeGroupsResponseDescribedGroupMember({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberMetadata: stable ? m.metadata(group.protocolName) : EMPTY_BYTES,
        memberAssignment: stable ? m.assignment : EMPTY_BYTES,
      }),
    ),
    authorizedOperations,
  });
}
