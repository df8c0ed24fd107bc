/**
 * The classic group coordinator's public face (Kafka's GroupCoordinatorService): it reads each
 * request at its version, hands the group's handler to the runtime, and shapes the answer for
 * that version. The handlers live in join-group.ts, membership.ts, offsets.ts and admin.ts; the
 * runtime (runtime.ts) writes their records, applies them and runs the timers.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '@strom/errors';
import {
  createDeleteGroupsResponse,
  createDeleteGroupsResponseDeletableGroupResult,
  createDescribeGroupsResponse,
  createDescribeGroupsResponseDescribedGroup,
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
  createOffsetFetchResponseTopic,
  createOffsetFetchResponseTopics,
  createSyncGroupResponse,
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
  AUTHORIZED_OPERATIONS_OMITTED,
  CLASSIC_GROUP_TYPE,
  deleteGroup,
  describeGroup,
  GROUP_AUTHORIZED_OPERATIONS_ALL,
  listGroups,
} from './admin.js';
import { joinError, syncError, type JoinResult, type SyncResult } from './classic-group.js';
import { resolveGroupConfig, type GroupConfig } from './config.js';
import { joinGroup, type JoinParams } from './join-group.js';
import { heartbeat, leaveGroup, syncGroup, type LeaveOutcome, type MemberIdentity, type SyncParams } from './membership.js';
import {
  commitOffsets,
  deleteOffsets,
  dropDeletedTopics,
  expireOffsets,
  fetchOffsets,
  partitionKey,
  type FetchedTopic,
  type OffsetDeleteOutcome,
  type PartitionCommit,
  type RequestedTopic,
} from './offsets.js';
import { silentLogger, type GroupLogger } from './result.js';
import { GroupRuntime } from './runtime.js';
import type { GroupStore, TopicPartitionRef } from './store.js';
import { systemTime, type GroupTime } from './time.js';
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
  private readonly runtime: GroupRuntime;
  private readonly authorizedOperations: (groupId: string) => number;

  constructor(deps: GroupCoordinatorDeps) {
    this.config = resolveGroupConfig(deps.config);
    this.runtime = new GroupRuntime({
      store: deps.store,
      config: this.config,
      time: deps.time ?? systemTime,
      log: deps.logger ?? silentLogger,
      newUuid: deps.newUuid ?? randomUUID,
    });
    this.authorizedOperations = deps.authorizedOperations ?? (() => GROUP_AUTHORIZED_OPERATIONS_ALL);
  }

  /** Whether `start()` has loaded the groups and `stop()` has not been called. */
  get isActive(): boolean {
    return this.runtime.isActive;
  }

  /** Loads every persisted group and its offsets; requests meanwhile get COORDINATOR_LOAD_IN_PROGRESS. */
  async start(): Promise<void> {
    await this.runtime.start(expireOffsets);
  }

  /**
   * Stops taking requests, lets queued operations finish (including their store writes),
   * answers requests still waiting on a rebalance with NOT_COORDINATOR and cancels every timer.
   */
  async stop(): Promise<void> {
    await this.runtime.stop();
  }

  async joinGroup(body: JoinGroupRequest, apiVersion: number, client: GroupClientInfo): Promise<JoinGroupResponse> {
    const result = await this.join(body, apiVersion, client);
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

  private async join(body: JoinGroupRequest, apiVersion: number, client: GroupClientInfo): Promise<JoinResult> {
    const statusError = this.runtime.validateGroupStatus(body.groupId, false);
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
    return this.runtime.awaitAnswer<JoinResult>(
      body.groupId,
      (group, respond, ctx) => joinGroup(group, params, respond, ctx),
      (error) => joinError(body.memberId, error),
    );
  }

  async syncGroup(body: SyncGroupRequest, apiVersion: number): Promise<SyncGroupResponse> {
    const result = await this.sync(body, apiVersion);
    return createSyncGroupResponse({
      errorCode: result.error,
      protocolType: apiVersion >= SYNC_GROUP_PROTOCOL_TYPE_SINCE_VERSION ? result.protocolType : null,
      protocolName: apiVersion >= SYNC_GROUP_PROTOCOL_TYPE_SINCE_VERSION ? result.protocolName : null,
      assignment: result.assignment,
    });
  }

  private async sync(body: SyncGroupRequest, apiVersion: number): Promise<SyncResult> {
    const statusError = this.runtime.validateGroupStatus(body.groupId, false);
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
    return this.runtime.awaitAnswer<SyncResult>(body.groupId, (group, respond, ctx) => syncGroup(group, params, respond, ctx), syncError);
  }

  async heartbeat(body: HeartbeatRequest, apiVersion: number): Promise<HeartbeatResponse> {
    return createHeartbeatResponse({ errorCode: await this.heartbeatError(body, apiVersion) });
  }

  private async heartbeatError(body: HeartbeatRequest, apiVersion: number): Promise<ErrorCode> {
    const statusError = this.runtime.validateGroupStatus(body.groupId, false);
    // While loading, answer blindly: the member finds out at its next heartbeat.
    if (statusError === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) return ErrorCode.NONE;
    if (statusError !== undefined) return statusError;
    const params = {
      memberId: body.memberId,
      groupInstanceId: apiVersion >= HEARTBEAT_STATIC_MEMBERSHIP_SINCE_VERSION ? body.groupInstanceId : null,
      generationId: body.generationId,
    };
    return this.runtime.write(
      body.groupId,
      (group, ctx) => heartbeat(group, params, ctx),
      (error) => error,
    );
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
    const { error, members } = await this.leave(body.groupId, identities);
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

  private async leave(groupId: string, identities: MemberIdentity[]): Promise<LeaveOutcome> {
    const statusError = this.runtime.validateGroupStatus(groupId, false);
    if (statusError !== undefined) return { error: statusError, members: [] };
    return this.runtime.write(
      groupId,
      (group, ctx) => leaveGroup(group, identities, ctx),
      (error) => ({ error, members: [] }),
    );
  }

  async offsetCommit(body: OffsetCommitRequest, apiVersion: number): Promise<OffsetCommitResponse> {
    assertTopicNames('OffsetCommit', apiVersion);
    const codes = await this.commit(body, apiVersion);
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

  private async commit(body: OffsetCommitRequest, apiVersion: number): Promise<ErrorCode[]> {
    const now = this.runtime.nowMs();
    const expireTimestampMs =
      apiVersion >= OFFSET_COMMIT_RETENTION_TIME_SINCE_VERSION &&
      apiVersion <= OFFSET_COMMIT_RETENTION_TIME_UNTIL_VERSION &&
      body.retentionTimeMs !== -1n
        ? now + Number(body.retentionTimeMs)
        : null;
    const commits: PartitionCommit[] = body.topics.flatMap((topic) =>
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
    const all = (code: ErrorCode): ErrorCode[] => commits.map(() => code);
    const statusError = this.runtime.validateGroupStatus(body.groupId, true);
    if (statusError !== undefined) return all(statusError);
    const params = {
      groupId: body.groupId,
      generationId: apiVersion >= OFFSET_COMMIT_MEMBERSHIP_SINCE_VERSION ? body.generationIdOrMemberEpoch : -1,
      memberId: apiVersion >= OFFSET_COMMIT_MEMBERSHIP_SINCE_VERSION ? body.memberId : '',
      groupInstanceId: apiVersion >= OFFSET_COMMIT_STATIC_MEMBERSHIP_SINCE_VERSION ? body.groupInstanceId : null,
      commits,
    };
    return this.runtime.write(body.groupId, (group, ctx) => commitOffsets(group, params, ctx), all);
  }

  async offsetFetch(body: OffsetFetchRequest, apiVersion: number): Promise<OffsetFetchResponse> {
    assertTopicNames('OffsetFetch', apiVersion);
    // Offsets are answered from memory, whatever the group's state (it may not use group management).
    if (apiVersion >= OFFSET_FETCH_MULTIPLE_GROUPS_SINCE_VERSION) {
      const results = await Promise.all(body.groups.map((g) => this.fetchOffsets(g.groupId, g.topics)));
      return createOffsetFetchResponse({
        groups: body.groups.map((g, i) => {
          const { error, topics } = results[i] ?? { error: ErrorCode.UNKNOWN_SERVER_ERROR, topics: [] };
          return createOffsetFetchResponseGroup({
            groupId: g.groupId,
            errorCode: error,
            // A fetched partition has every field of the response's: written as it is, not copied
            // (a metrics scrape fetches every offset of every group).
            topics: topics.map((t) => createOffsetFetchResponseTopics({ name: t.name, partitions: t.partitions })),
          });
        }),
      });
    }
    const requested = apiVersion < OFFSET_FETCH_ALL_TOPICS_SINCE_VERSION ? (body.topics ?? []) : body.topics;
    const { error, topics } = await this.fetchOffsets(body.groupId, requested);
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

  private async fetchOffsets(groupId: string, requested: RequestedTopic[] | null): Promise<{ error: ErrorCode; topics: FetchedTopic[] }> {
    const statusError = this.runtime.validateGroupStatus(groupId, true);
    if (statusError !== undefined) return { error: statusError, topics: [] };
    return this.runtime.read<{ error: ErrorCode; topics: FetchedTopic[] }>(
      groupId,
      (group) => ({ error: ErrorCode.NONE, topics: fetchOffsets(group, requested) }),
      (error) => ({ error, topics: [] }),
    );
  }

  async offsetDelete(body: OffsetDeleteRequest, _apiVersion: number): Promise<OffsetDeleteResponse> {
    const statusError = this.runtime.validateGroupStatus(body.groupId, false);
    if (statusError !== undefined) return createOffsetDeleteResponse({ errorCode: statusError });
    const partitions: TopicPartitionRef[] = body.topics.flatMap((t) =>
      t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex })),
    );
    const outcome = await this.runtime.write<OffsetDeleteOutcome>(
      body.groupId,
      (group) => deleteOffsets(group, partitions),
      (error) => ({ groupError: error, partitionErrors: new Map() }),
    );
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

  /** The offsets of deleted topics leave every group (Kafka's `onPartitionsDeleted`). */
  async onTopicsDeleted(topics: readonly string[]): Promise<void> {
    if (topics.length === 0) return;
    const deleted = new Set(topics);
    await this.runtime.forEachGroup((group, ctx) => dropDeletedTopics(group, deleted, ctx));
  }

  /** Every group in memory, its state and members: what `/metrics` counts. */
  groupSummaries(): { groupId: string; state: string; members: number }[] {
    return this.runtime.groups().map((group) => ({ groupId: group.groupId, state: group.state, members: group.members.size }));
  }

  async listGroups(body: ListGroupsRequest, apiVersion: number): Promise<ListGroupsResponse> {
    const statusError = this.runtime.statusError;
    if (statusError !== undefined && statusError !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) {
      return createListGroupsResponse({ errorCode: statusError });
    }
    const groups = listGroups(
      this.runtime.groups(),
      apiVersion >= LIST_GROUPS_STATES_SINCE_VERSION ? body.statesFilter : [],
      apiVersion >= LIST_GROUPS_TYPES_SINCE_VERSION ? body.typesFilter : [],
    ).map((g) =>
      createListGroupsResponseListedGroup({
        groupId: g.groupId,
        protocolType: g.protocolType,
        groupState: apiVersion >= LIST_GROUPS_STATES_SINCE_VERSION ? g.state : '',
        groupType: apiVersion >= LIST_GROUPS_TYPES_SINCE_VERSION ? CLASSIC_GROUP_TYPE : '',
      }),
    );
    return createListGroupsResponse({ errorCode: statusError ?? ErrorCode.NONE, groups });
  }

  async describeGroups(body: DescribeGroupsRequest, apiVersion: number): Promise<DescribeGroupsResponse> {
    const withOperations = apiVersion >= DESCRIBE_GROUPS_AUTHORIZED_OPERATIONS_SINCE_VERSION && body.includeAuthorizedOperations;
    const groups = await Promise.all(body.groups.map((groupId) => this.describe(groupId, withOperations)));
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

  private async describe(groupId: string, withOperations: boolean): Promise<DescribeGroupsResponseDescribedGroup> {
    const statusError = this.runtime.validateGroupStatus(groupId, true);
    if (statusError !== undefined) return createDescribeGroupsResponseDescribedGroup({ errorCode: statusError, groupId });
    const authorizedOperations = withOperations ? this.authorizedOperations(groupId) : AUTHORIZED_OPERATIONS_OMITTED;
    return this.runtime.read(
      groupId,
      (group) => describeGroup(groupId, group, authorizedOperations),
      (errorCode) => createDescribeGroupsResponseDescribedGroup({ errorCode, groupId }),
    );
  }

  async deleteGroups(body: DeleteGroupsRequest, _apiVersion: number): Promise<DeleteGroupsResponse> {
    const results = await Promise.all(
      body.groupsNames.map(async (groupId) =>
        createDeleteGroupsResponseDeletableGroupResult({ groupId, errorCode: await this.deleteGroup(groupId) }),
      ),
    );
    return createDeleteGroupsResponse({ results });
  }

  private async deleteGroup(groupId: string): Promise<ErrorCode> {
    const statusError = this.runtime.validateGroupStatus(groupId, true);
    if (statusError !== undefined) return statusError;
    return this.runtime.write(
      groupId,
      (group) => deleteGroup(group),
      (error) => error,
    );
  }
}

function assertTopicNames(api: string, apiVersion: number): void {
  if (apiVersion >= OFFSETS_BY_TOPIC_ID_SINCE_VERSION) {
    throw new Error(`${api} v${apiVersion} names topics by id: the broker must resolve them and forward v9`);
  }
}
