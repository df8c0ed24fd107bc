/**
 * Test support for the classic group coordinator: a coordinator on a manual clock and an
 * in-memory store that can be made to fail, with request builders that play the client's part,
 * and a check that every response encodes at the request's version (the encoder refuses fields a
 * version lacks).
 */
import {
  ConsumerProtocolAssignmentCodec,
  ConsumerProtocolSubscriptionCodec,
  createDeleteGroupsRequest,
  createDescribeGroupsRequest,
  createHeartbeatRequest,
  createJoinGroupRequest,
  createLeaveGroupRequest,
  createLeaveGroupRequestMemberIdentity,
  createListGroupsRequest,
  createOffsetCommitRequest,
  createOffsetCommitRequestPartition,
  createOffsetCommitRequestTopic,
  createOffsetDeleteRequest,
  createOffsetDeleteRequestPartition,
  createOffsetDeleteRequestTopic,
  createOffsetFetchRequest,
  createOffsetFetchRequestGroup,
  createOffsetFetchRequestTopic,
  createOffsetFetchRequestTopics,
  createSyncGroupRequest,
  createSyncGroupRequestAssignment,
  DeleteGroupsResponseCodec,
  DescribeGroupsResponseCodec,
  HeartbeatResponseCodec,
  JoinGroupResponseCodec,
  LeaveGroupResponseCodec,
  ListGroupsResponseCodec,
  OffsetCommitResponseCodec,
  OffsetDeleteResponseCodec,
  OffsetFetchResponseCodec,
  SyncGroupResponseCodec,
  Writer,
  type DeleteGroupsResponse,
  type DescribeGroupsRequest,
  type DescribeGroupsResponse,
  type HeartbeatResponse,
  type JoinGroupRequest,
  type JoinGroupResponse,
  type LeaveGroupResponse,
  type ListGroupsRequest,
  type ListGroupsResponse,
  type MessageCodec,
  type OffsetCommitResponse,
  type OffsetDeleteResponse,
  type OffsetFetchResponse,
  type SyncGroupResponse,
} from '@strom/protocol';
import { GroupCoordinator, type GroupClientInfo, type GroupConfig, type GroupLogger, type GroupStore } from '../src/groups/index.js';
import {
  JOIN_GROUP_MEMBER_ID_REQUIRED_SINCE_VERSION,
  JOIN_GROUP_REBALANCE_TIMEOUT_SINCE_VERSION,
  LEAVE_GROUP_BATCH_SINCE_VERSION,
  SYNC_GROUP_PROTOCOL_TYPE_SINCE_VERSION,
} from '../src/groups/versions.js';
import { FaultyGroupStore } from './faulty-group-store.js';
import { ManualTime, settle } from './manual-time.js';
import { InMemoryGroupStore } from './memory-group-store.js';

/** Whether a promise has settled (after letting pending work run). */
export async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await settle();
  return done;
}

/** A consumer's JoinGroup metadata: int16 version + ConsumerProtocolSubscription. */
export function encodeSubscription(topics: string[], version = 1): Buffer {
  const w = new Writer('ConsumerProtocolSubscription');
  w.int16(version, 'Version');
  ConsumerProtocolSubscriptionCodec.encode(w, ConsumerProtocolSubscriptionCodec.create({ topics }), version);
  return Buffer.from(w.toBuffer());
}

/** A consumer's SyncGroup assignment: int16 version + ConsumerProtocolAssignment. */
export function encodeAssignment(partitions: Record<string, number[]>, version = 1): Buffer {
  const w = new Writer('ConsumerProtocolAssignment');
  w.int16(version, 'Version');
  ConsumerProtocolAssignmentCodec.encode(
    w,
    ConsumerProtocolAssignmentCodec.create({
      assignedPartitions: Object.entries(partitions).map(([topic, ps]) => ({ topic, partitions: ps })),
    }),
    version,
  );
  return Buffer.from(w.toBuffer());
}

/** Throws if `body` cannot be encoded at `version`. */
export function assertEncodes<T>(codec: MessageCodec<T>, body: T, version: number): T {
  codec.encode(new Writer(codec.name), body, version);
  return body;
}

export interface JoinOptions {
  memberId?: string;
  groupInstanceId?: string | null;
  protocolType?: string;
  /** Protocol names with their metadata; default `range` subscribing to `topics`. */
  protocols?: { name: string; metadata: Buffer }[];
  topics?: string[];
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  clientId?: string;
  version?: number;
}

export interface HarnessOptions {
  config?: Partial<GroupConfig>;
  store?: GroupStore;
  time?: ManualTime;
  logger?: GroupLogger;
}

/** A coordinator on a {@link ManualTime} and a {@link FaultyGroupStore} (or the store given), with client-side helpers. */
export class GroupHarness {
  readonly time: ManualTime;
  readonly store: GroupStore;
  coordinator: GroupCoordinator;
  private readonly options: HarnessOptions;

  constructor(options: HarnessOptions = {}) {
    this.options = options;
    this.time = options.time ?? new ManualTime();
    this.store = options.store ?? new FaultyGroupStore();
    this.coordinator = this.create();
  }

  private create(): GroupCoordinator {
    return new GroupCoordinator({ store: this.store, time: this.time, config: this.options.config, logger: this.options.logger });
  }

  get faultyStore(): FaultyGroupStore {
    if (!(this.store instanceof FaultyGroupStore)) throw new Error('not a FaultyGroupStore');
    return this.store;
  }

  /** The in-memory store under the faults, to look at what was persisted. */
  get memoryStore(): InMemoryGroupStore {
    const inner = this.faultyStore.inner;
    if (!(inner instanceof InMemoryGroupStore)) throw new Error('not an InMemoryGroupStore');
    return inner;
  }

  async start(): Promise<this> {
    await this.coordinator.start();
    return this;
  }

  /** Stops the coordinator and starts a new one over the same store and clock. */
  async restart(): Promise<void> {
    await this.coordinator.stop();
    this.coordinator = this.create();
    await this.coordinator.start();
  }

  async join(groupId: string, o: JoinOptions = {}): Promise<JoinGroupResponse> {
    const version = o.version ?? 9;
    const body: JoinGroupRequest = createJoinGroupRequest({
      groupId,
      memberId: o.memberId ?? '',
      groupInstanceId: o.groupInstanceId ?? null,
      sessionTimeoutMs: o.sessionTimeoutMs ?? 10_000,
      rebalanceTimeoutMs: version >= JOIN_GROUP_REBALANCE_TIMEOUT_SINCE_VERSION ? (o.rebalanceTimeoutMs ?? 30_000) : -1,
      protocolType: o.protocolType ?? 'consumer',
      protocols: o.protocols ?? [{ name: 'range', metadata: encodeSubscription(o.topics ?? ['topic-a']) }],
    });
    const client: GroupClientInfo = { clientId: o.clientId ?? 'client', clientHost: '/127.0.0.1' };
    return assertEncodes(JoinGroupResponseCodec, await this.coordinator.joinGroup(body, version, client), version);
  }

  /** JoinGroup v4+ as a real client does it: a first request for a member id, then the real join. */
  async requestMemberId(groupId: string, o: JoinOptions = {}): Promise<string> {
    const response = await this.join(groupId, { ...o, memberId: '' });
    if (response.errorCode !== 79) throw new Error(`expected MEMBER_ID_REQUIRED, got ${response.errorCode}`);
    return response.memberId;
  }

  async sync(
    groupId: string,
    memberId: string,
    generationId: number,
    o: {
      assignments?: Record<string, Buffer>;
      groupInstanceId?: string | null;
      protocolType?: string | null;
      protocolName?: string | null;
      version?: number;
    } = {},
  ): Promise<SyncGroupResponse> {
    const version = o.version ?? 5;
    const body = createSyncGroupRequest({
      groupId,
      memberId,
      generationId,
      groupInstanceId: o.groupInstanceId ?? null,
      protocolType: version >= SYNC_GROUP_PROTOCOL_TYPE_SINCE_VERSION ? (o.protocolType === undefined ? 'consumer' : o.protocolType) : null,
      protocolName: version >= SYNC_GROUP_PROTOCOL_TYPE_SINCE_VERSION ? (o.protocolName === undefined ? 'range' : o.protocolName) : null,
      assignments: Object.entries(o.assignments ?? {}).map(([id, assignment]) =>
        createSyncGroupRequestAssignment({ memberId: id, assignment }),
      ),
    });
    return assertEncodes(SyncGroupResponseCodec, await this.coordinator.syncGroup(body, version), version);
  }

  async heartbeat(
    groupId: string,
    memberId: string,
    generationId: number,
    o: { groupInstanceId?: string | null; version?: number } = {},
  ): Promise<number> {
    const version = o.version ?? 4;
    const body = createHeartbeatRequest({ groupId, memberId, generationId, groupInstanceId: o.groupInstanceId ?? null });
    const response: HeartbeatResponse = await this.coordinator.heartbeat(body, version);
    return assertEncodes(HeartbeatResponseCodec, response, version).errorCode;
  }

  async leave(groupId: string, members: { memberId: string; groupInstanceId?: string | null }[], version = 5): Promise<LeaveGroupResponse> {
    const body =
      version >= LEAVE_GROUP_BATCH_SINCE_VERSION
        ? createLeaveGroupRequest({
            groupId,
            members: members.map((m) =>
              createLeaveGroupRequestMemberIdentity({ memberId: m.memberId, groupInstanceId: m.groupInstanceId ?? null }),
            ),
          })
        : createLeaveGroupRequest({ groupId, memberId: members[0]?.memberId ?? '' });
    return assertEncodes(LeaveGroupResponseCodec, await this.coordinator.leaveGroup(body, version), version);
  }

  async commit(
    groupId: string,
    offsets: Record<string, Record<number, bigint | { offset: bigint; metadata?: string | null; leaderEpoch?: number }>>,
    o: { memberId?: string; generationId?: number; groupInstanceId?: string | null; retentionTimeMs?: bigint; version?: number } = {},
  ): Promise<OffsetCommitResponse> {
    const version = o.version ?? 9;
    const body = createOffsetCommitRequest({
      groupId,
      memberId: o.memberId ?? '',
      generationIdOrMemberEpoch: o.generationId ?? -1,
      groupInstanceId: o.groupInstanceId ?? null,
      retentionTimeMs: o.retentionTimeMs ?? -1n,
      topics: Object.entries(offsets).map(([name, partitions]) =>
        createOffsetCommitRequestTopic({
          name,
          partitions: Object.entries(partitions).map(([partition, value]) => {
            const v = typeof value === 'bigint' ? { offset: value } : value;
            return createOffsetCommitRequestPartition({
              partitionIndex: Number(partition),
              committedOffset: v.offset,
              committedMetadata: v.metadata === undefined ? '' : v.metadata,
              committedLeaderEpoch: v.leaderEpoch ?? -1,
            });
          }),
        }),
      ),
    });
    return assertEncodes(OffsetCommitResponseCodec, await this.coordinator.offsetCommit(body, version), version);
  }

  /** OffsetFetch v0-7 for one group; `topics` null means all (v2+). */
  async fetch(groupId: string, topics: Record<string, number[]> | null, version = 7): Promise<OffsetFetchResponse> {
    const body = createOffsetFetchRequest({
      groupId,
      topics:
        topics === null
          ? null
          : Object.entries(topics).map(([name, partitionIndexes]) => createOffsetFetchRequestTopic({ name, partitionIndexes })),
    });
    return assertEncodes(OffsetFetchResponseCodec, await this.coordinator.offsetFetch(body, version), version);
  }

  /** OffsetFetch v8+ for several groups. */
  async fetchGroups(groups: Record<string, Record<string, number[]> | null>, version = 9): Promise<OffsetFetchResponse> {
    const body = createOffsetFetchRequest({
      groups: Object.entries(groups).map(([groupId, topics]) =>
        createOffsetFetchRequestGroup({
          groupId,
          topics:
            topics === null
              ? null
              : Object.entries(topics).map(([name, partitionIndexes]) => createOffsetFetchRequestTopics({ name, partitionIndexes })),
        }),
      ),
    });
    return assertEncodes(OffsetFetchResponseCodec, await this.coordinator.offsetFetch(body, version), version);
  }

  async offsetDelete(groupId: string, topics: Record<string, number[]>): Promise<OffsetDeleteResponse> {
    const body = createOffsetDeleteRequest({
      groupId,
      topics: Object.entries(topics).map(([name, ps]) =>
        createOffsetDeleteRequestTopic({
          name,
          partitions: ps.map((partitionIndex) => createOffsetDeleteRequestPartition({ partitionIndex })),
        }),
      ),
    });
    return assertEncodes(OffsetDeleteResponseCodec, await this.coordinator.offsetDelete(body, 0), 0);
  }

  async listGroups(o: Partial<ListGroupsRequest> = {}, version = 5): Promise<ListGroupsResponse> {
    return assertEncodes(ListGroupsResponseCodec, await this.coordinator.listGroups(createListGroupsRequest(o), version), version);
  }

  async describe(groups: string[], o: Partial<DescribeGroupsRequest> = {}, version = 5): Promise<DescribeGroupsResponse> {
    const body = createDescribeGroupsRequest({ ...o, groups });
    return assertEncodes(DescribeGroupsResponseCodec, await this.coordinator.describeGroups(body, version), version);
  }

  async deleteGroups(groupsNames: string[], version = 2): Promise<DeleteGroupsResponse> {
    return assertEncodes(
      DeleteGroupsResponseCodec,
      await this.coordinator.deleteGroups(createDeleteGroupsRequest({ groupsNames }), version),
      version,
    );
  }

  /** Advances the clock in steps of the initial rebalance delay until every promise has settled. */
  async advanceUntilSettled(
    promises: Promise<unknown>[],
    stepMs = this.coordinator.config.initialRebalanceDelayMs,
    maxSteps = 50,
  ): Promise<void> {
    for (let i = 0; i < maxSteps; i++) {
      if ((await Promise.all(promises.map(isSettled))).every(Boolean)) return;
      await this.time.advance(stepMs);
    }
    throw new Error('promises did not settle');
  }

  /**
   * Forms a Stable group of dynamic members the way clients do (member id round trip, join,
   * SyncGroup with the leader's assignment); returns the member ids in join order.
   */
  async stableGroup(
    groupId: string,
    count: number,
    o: JoinOptions = {},
  ): Promise<{ memberIds: string[]; generationId: number; leader: string }> {
    const version = o.version ?? 9;
    const memberIds: string[] = [];
    for (let i = 0; i < count; i++) {
      memberIds.push(
        version >= JOIN_GROUP_MEMBER_ID_REQUIRED_SINCE_VERSION
          ? await this.requestMemberId(groupId, { ...o, clientId: `client-${i}` })
          : '',
      );
    }
    const joins = memberIds.map((memberId, i) => this.join(groupId, { ...o, memberId, clientId: `client-${i}` }));
    await this.advanceUntilSettled(joins);
    const responses = await Promise.all(joins);
    for (const r of responses) if (r.errorCode !== 0) throw new Error(`join failed with ${r.errorCode}`);
    const ids = responses.map((r) => r.memberId);
    const first = responses[0];
    if (!first) throw new Error('no members');
    const { generationId, leader } = first;
    const assignments = Object.fromEntries(ids.map((id, i) => [id, encodeAssignment({ 'topic-a': [i] })]));
    const protocol = { protocolType: o.protocolType ?? 'consumer', protocolName: first.protocolName };
    const syncs = ids.map((id) => this.sync(groupId, id, generationId, id === leader ? { ...protocol, assignments } : protocol));
    for (const s of await Promise.all(syncs)) if (s.errorCode !== 0) throw new Error(`sync failed with ${s.errorCode}`);
    return { memberIds: ids, generationId, leader };
  }

  /** The state DescribeGroups reports for a group. */
  async state(groupId: string): Promise<string> {
    return (await this.describe([groupId])).groups[0]?.groupState ?? '';
  }
}
