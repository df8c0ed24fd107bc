/**
 * The group handlers as pure functions: a group, a clock value and a request in; records,
 * answers and timer changes out. No runtime, no store, no timers: what the runtime would do
 * with a result (write, then replay; or the failure continuation) is done here by hand.
 */
import { ErrorCode } from '@strom/errors';
import { describe, expect, it } from 'vitest';
import { deleteGroup } from '../src/groups/admin.js';
import type { ClassicGroup, JoinResult, SyncResult } from '../src/groups/classic-group.js';
import { resolveGroupConfig } from '../src/groups/config.js';
import { joinGroup, type JoinParams } from '../src/groups/join-group.js';
import { heartbeat, leaveGroup, syncGroup } from '../src/groups/membership.js';
import { commitOffsets, deleteOffsets, expireOffsets, type PartitionCommit } from '../src/groups/offsets.js';
import { onTimer } from '../src/groups/rebalance.js';
import { groupMetadataRecord, loadRecords, replay } from '../src/groups/replay.js';
import { silentLogger, type CoordinatorResult, type GroupContext } from '../src/groups/result.js';
import type { PersistedGroup } from '../src/groups/store.js';
import { encodeAssignment, encodeSubscription } from './group-harness.js';

const T0 = 1_700_000_000_000;
const G = 'group';

function context(nowMs = T0): GroupContext {
  return { nowMs, config: resolveGroupConfig({}), log: silentLogger, newUuid: () => 'uuid' };
}

/** What the runtime does after a successful write: replay every record, in order. */
function applied(group: ClassicGroup | undefined, result: CoordinatorResult<unknown>, nowMs = T0): ClassicGroup | undefined {
  let current = result.newGroup ?? group;
  for (const record of result.records) current = replay(current, record, nowMs, silentLogger);
  return current;
}

/** A held JoinGroup/SyncGroup answer, as the runtime would hand one to a handler. */
function held<T>(): { respond: (result: T) => void; answers: T[] } {
  const answers: T[] = [];
  return { respond: (result) => answers.push(result), answers };
}

function answersTo<T>(result: CoordinatorResult<unknown>, respond: (r: T) => void): unknown[] {
  return result.completions.filter((c) => c.to === respond).map((c) => ('join' in c ? c.join : c.sync));
}

function joinParams(o: Partial<JoinParams> = {}): JoinParams {
  return {
    groupId: G,
    memberId: '',
    groupInstanceId: null,
    requireKnownMemberId: true,
    supportSkippingAssignment: true,
    clientId: 'client',
    clientHost: '/127.0.0.1',
    rebalanceTimeoutMs: 30_000,
    sessionTimeoutMs: 10_000,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: encodeSubscription(['t']) }],
    reason: null,
    ...o,
  };
}

function commit(topic: string, partition: number, offset: bigint, metadata = ''): PartitionCommit {
  return {
    topic,
    partition,
    tooLarge: metadata.length > 4096,
    offset: { offset, leaderEpoch: -1, metadata, commitTimestampMs: T0, expireTimestampMs: null },
  };
}

/** A one-member group in CompletingRebalance, driven through the handlers; returns the group and the leader's id. */
function completingGroup(): { group: ClassicGroup; memberId: string } {
  const ctx = context();
  const first = joinGroup(undefined, joinParams(), held<JoinResult>().respond, ctx);
  const group = applied(undefined, first)!;
  const memberId = 'client-uuid';
  const join = held<JoinResult>();
  const second = joinGroup(group, joinParams({ memberId }), join.respond, ctx);
  expect(second.timers).toContainEqual({ key: 'join', op: { kind: 'join' }, delayMs: 3_000 });
  const completed = onTimer(group, { kind: 'join' }, context(T0 + 3_000));
  expect(answersTo(completed, join.respond)).toEqual([expect.objectContaining({ error: 0, generationId: 1, leaderId: memberId })]);
  expect(group.state).toBe('CompletingRebalance');
  return { group, memberId };
}

describe('JoinGroup handler', () => {
  it('creates the group in memory, hands out a pending member id and asks for a timer, writing nothing', () => {
    const join = held<JoinResult>();
    const result = joinGroup(undefined, joinParams(), join.respond, context());
    expect(result.records).toEqual([]);
    expect(result.newGroup?.state).toBe('Empty');
    expect(result.newGroup?.pendingMembers).toEqual(new Set(['client-uuid']));
    expect(answersTo(result, join.respond)).toEqual([
      expect.objectContaining({ error: ErrorCode.MEMBER_ID_REQUIRED, memberId: 'client-uuid' }),
    ]);
    expect(result.timers).toEqual([
      { key: 'pending-member:client-uuid', op: { kind: 'pending-member', memberId: 'client-uuid' }, delayMs: 10_000 },
    ]);
  });

  it('holds the join of a known member until the initial delay ends, then answers it with generation 1', () => {
    const { group, memberId } = completingGroup();
    expect(group.generationId).toBe(1);
    expect(group.pendingSyncMembers).toEqual(new Set([memberId]));
  });

  it('answers a member id unknown to an unknown group at once, without creating it', () => {
    const join = held<JoinResult>();
    const result = joinGroup(undefined, joinParams({ memberId: 'stale' }), join.respond, context());
    expect(result.newGroup).toBeUndefined();
    expect(answersTo(result, join.respond)).toEqual([expect.objectContaining({ error: ErrorCode.UNKNOWN_MEMBER_ID })]);
  });
});

describe('SyncGroup handler', () => {
  it("writes the leader's assignment as group metadata; replaying it makes the group Stable, then the member is answered", () => {
    const { group, memberId } = completingGroup();
    const sync = held<SyncResult>();
    const assignment = encodeAssignment({ t: [0] });
    const result = syncGroup(
      group,
      {
        groupId: G,
        generationId: 1,
        memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocolName: 'range',
        assignments: new Map([[memberId, assignment]]),
      },
      sync.respond,
      context(),
    );
    expect(result.records).toEqual([
      {
        kind: 'GroupMetadata',
        value: expect.objectContaining({
          groupId: G,
          generationId: 1,
          leader: memberId,
          protocolName: 'range',
          members: [expect.objectContaining({ memberId, assignment })],
        }),
      },
    ]);
    // Nothing changes before the record is written and applied.
    expect(group.state).toBe('CompletingRebalance');
    expect(result.completions).toEqual([]);
    applied(group, result);
    expect(group.state).toBe('Stable');
    const after = result.onAppended!();
    expect(answersTo(after, sync.respond)).toEqual([{ error: 0, protocolType: 'consumer', protocolName: 'range', assignment }]);
    expect(after.timers).toEqual([{ key: `heartbeat:${memberId}`, op: { kind: 'heartbeat', memberId }, delayMs: 10_000 }]);
  });

  it('answers the failure to write the assignment with the error and rebalances', () => {
    const { group, memberId } = completingGroup();
    const sync = held<SyncResult>();
    const result = syncGroup(
      group,
      { groupId: G, generationId: 1, memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: new Map() },
      sync.respond,
      context(),
    );
    const failed = result.onAppendFailed!(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect(answersTo(failed, sync.respond)).toEqual([expect.objectContaining({ error: ErrorCode.COORDINATOR_NOT_AVAILABLE })]);
    expect(group.state).toBe('PreparingRebalance');
    expect(failed.timers.map((t) => t.key)).toContain('join');
  });
});

describe('Heartbeat and LeaveGroup handlers', () => {
  it('a heartbeat reschedules the session timer; an unknown member gets UNKNOWN_MEMBER_ID and changes nothing', () => {
    const { group, memberId } = completingGroup();
    const ok = heartbeat(group, { memberId, groupInstanceId: null, generationId: 1 }, context());
    expect(ok.response).toBe(ErrorCode.NONE);
    expect(ok.timers).toEqual([{ key: `heartbeat:${memberId}`, op: { kind: 'heartbeat', memberId }, delayMs: 10_000 }]);
    const unknown = heartbeat(group, { memberId: 'nobody', groupInstanceId: null, generationId: 1 }, context());
    expect(unknown).toMatchObject({ response: ErrorCode.UNKNOWN_MEMBER_ID, records: [], timers: [] });
  });

  it('the last member leaving empties the group: generation 2, written without members', () => {
    const { group, memberId } = completingGroup();
    const result = leaveGroup(group, [{ memberId, groupInstanceId: null, reason: null }], context());
    expect(result.response).toEqual({ error: 0, members: [{ memberId, groupInstanceId: null, errorCode: 0 }] });
    expect(group.state).toBe('Empty');
    expect(result.records).toEqual([
      { kind: 'GroupMetadata', value: expect.objectContaining({ generationId: 2, members: [], protocolName: null, leader: null }) },
    ]);
    expect(result.timers).toContainEqual({ key: `heartbeat:${memberId}`, op: undefined });
  });
});

describe('offset handlers', () => {
  it('a simple commit to an unknown group writes OffsetCommit records; the group exists only once they are applied', () => {
    const result = commitOffsets(
      undefined,
      {
        groupId: G,
        generationId: -1,
        memberId: '',
        groupInstanceId: null,
        commits: [commit('t', 0, 5n), commit('t', 1, 6n, 'x'.repeat(4097))],
      },
      context(),
    );
    expect(result.response).toEqual([ErrorCode.NONE, ErrorCode.OFFSET_METADATA_TOO_LARGE]);
    expect(result.newGroup).toBeUndefined();
    expect(result.records).toEqual([
      {
        kind: 'OffsetCommit',
        groupId: G,
        value: { topic: 't', partition: 0, offset: 5n, leaderEpoch: -1, metadata: '', commitTimestampMs: T0, expireTimestampMs: null },
      },
    ]);
    expect(result.onAppendFailed!(ErrorCode.COORDINATOR_NOT_AVAILABLE).response).toEqual([
      ErrorCode.COORDINATOR_NOT_AVAILABLE,
      ErrorCode.OFFSET_METADATA_TOO_LARGE,
    ]);
    const group = applied(undefined, result)!;
    expect(group.state).toBe('Empty');
    expect(group.offset('t', 0)?.offset).toBe(5n);
    expect(group.offset('t', 1)).toBeUndefined();
  });

  it('a commit with a generation to an unknown group is ILLEGAL_GENERATION and writes nothing', () => {
    const result = commitOffsets(
      undefined,
      { groupId: G, generationId: 3, memberId: 'm', groupInstanceId: null, commits: [commit('t', 0, 1n)] },
      context(),
    );
    expect(result).toMatchObject({ response: [ErrorCode.ILLEGAL_GENERATION], records: [] });
  });

  it('deleting the last offsets of an Empty group writes their tombstones and leaves the group to retention, as Kafka 4 does', () => {
    const group = applied(
      undefined,
      commitOffsets(
        undefined,
        { groupId: G, generationId: -1, memberId: '', groupInstanceId: null, commits: [commit('a', 0, 1n)] },
        context(),
      ),
    )!;
    const result = deleteOffsets(group, [
      { topic: 'a', partition: 0 },
      { topic: 'a', partition: 9 },
    ]);
    expect(result.records).toEqual([{ kind: 'OffsetTombstone', groupId: G, topic: 'a', partition: 0 }]);
    expect(group.offset('a', 0)).toBeDefined();
    expect(applied(group, result)).toBe(group);
    expect(group.offset('a', 0)).toBeUndefined();
    expect(result.onAppended).toBeUndefined();
    expect(group.state).toBe('Empty');
  });

  it('retention expires offsets of a group without protocol by their commit time', () => {
    const group = applied(
      undefined,
      commitOffsets(
        undefined,
        { groupId: G, generationId: -1, memberId: '', groupInstanceId: null, commits: [commit('a', 0, 1n)] },
        context(),
      ),
    )!;
    const retentionMs = resolveGroupConfig({}).offsetsRetentionMs;
    expect(expireOffsets(group, context(T0 + retentionMs - 1)).records).toEqual([]);
    expect(expireOffsets(group, context(T0 + retentionMs)).records).toEqual([
      { kind: 'OffsetTombstone', groupId: G, topic: 'a', partition: 0 },
    ]);
  });
});

describe('DeleteGroups handler', () => {
  it('writes a tombstone for an Empty group and refuses a group with members', () => {
    const { group } = completingGroup();
    expect(deleteGroup(group)).toMatchObject({ response: ErrorCode.NON_EMPTY_GROUP, records: [] });
    expect(deleteGroup(undefined)).toMatchObject({ response: ErrorCode.GROUP_ID_NOT_FOUND, records: [] });
    const empty = applied(
      undefined,
      commitOffsets(
        undefined,
        { groupId: 'e', generationId: -1, memberId: '', groupInstanceId: null, commits: [commit('a', 0, 1n)] },
        context(),
      ),
    )!;
    const result = deleteGroup(empty);
    expect(result).toMatchObject({ response: ErrorCode.NONE, records: [{ kind: 'GroupTombstone', groupId: 'e' }] });
    expect(result.onAppendFailed!(ErrorCode.COORDINATOR_NOT_AVAILABLE).response).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  });
});

describe('replay when loading', () => {
  it('rebuilds a Stable group and its offsets from what the store holds, and writes back the same metadata', () => {
    const subscription = encodeSubscription(['t']);
    const persisted: PersistedGroup = {
      groupId: G,
      protocolType: 'consumer',
      generationId: 4,
      protocolName: 'range',
      leader: 'b',
      currentStateTimestampMs: T0,
      members: ['a', 'b'].map((memberId) => ({
        memberId,
        groupInstanceId: null,
        clientId: 'c',
        clientHost: '/h',
        rebalanceTimeoutMs: 30_000,
        sessionTimeoutMs: 10_000,
        subscription,
        assignment: Buffer.from(`for-${memberId}`),
      })),
    };
    const offsets = [
      { topic: 't', partition: 0, offset: 7n, leaderEpoch: 2, metadata: 'm', commitTimestampMs: T0, expireTimestampMs: null },
    ];
    let group: ClassicGroup | undefined;
    for (const record of loadRecords(persisted, offsets)) group = replay(group, record, T0 + 1, silentLogger);
    expect(group).toMatchObject({ state: 'Stable', generationId: 4, leaderId: 'b', protocolType: 'consumer', protocolName: 'range' });
    expect(group!.subscribedTopics).toEqual(new Set(['t']));
    expect(group!.offset('t', 0)).toMatchObject({ offset: 7n, leaderEpoch: 2, metadata: 'm' });
    const assignment = new Map([...group!.members.values()].map((m) => [m.memberId, m.assignment]));
    expect(groupMetadataRecord(group!, assignment)).toEqual({ kind: 'GroupMetadata', value: persisted });
  });
});
