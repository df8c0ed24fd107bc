import { ErrorCode } from '@strom/errors';
import { afterEach, describe, expect, it } from 'vitest';
import { type PersistedOffset } from '../src/groups/index.js';
import { encodeSubscription, GroupHarness } from './group-harness.js';
import { InMemoryGroupStore } from './memory-group-store.js';

const G = 'group-1';
const DAY = 24 * 60 * 60 * 1000;

let harness: GroupHarness | undefined;

async function newHarness(options: ConstructorParameters<typeof GroupHarness>[0] = {}): Promise<GroupHarness> {
  harness = await new GroupHarness(options).start();
  return harness;
}

afterEach(async () => {
  await harness?.coordinator.stop();
  expect(harness?.time.pendingTimers ?? 0).toBe(0);
  harness = undefined;
});

function codes(response: { topics: { partitions: { errorCode: number }[] }[] }): number[] {
  return response.topics.flatMap((t) => t.partitions.map((p) => p.errorCode));
}

describe('OffsetCommit and OffsetFetch', () => {
  it('stores commits of the current generation and answers fetches for one group (v0-v7)', async () => {
    const h = await newHarness();
    const { memberIds, generationId } = await h.stableGroup(G, 2);
    const committed = await h.commit(
      G,
      { orders: { 0: { offset: 42n, metadata: 'm0', leaderEpoch: 7 }, 1: 43n }, audit: { 3: { offset: 9n, metadata: null } } },
      { memberId: memberIds[0]!, generationId },
    );
    expect(codes(committed)).toEqual([0, 0, 0]);
    expect(committed.topics.map((t) => [t.name, t.partitions.map((p) => p.partitionIndex)])).toEqual([
      ['orders', [0, 1]],
      ['audit', [3]],
    ]);

    const fetched = await h.fetch(G, { orders: [0, 1, 2], unknown: [0] }, 7);
    expect(fetched.errorCode).toBe(0);
    expect(fetched.topics).toEqual([
      {
        name: 'orders',
        partitions: [
          { partitionIndex: 0, committedOffset: 42n, committedLeaderEpoch: 7, metadata: 'm0', errorCode: 0 },
          { partitionIndex: 1, committedOffset: 43n, committedLeaderEpoch: -1, metadata: '', errorCode: 0 },
          { partitionIndex: 2, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: 0 },
        ],
      },
      { name: 'unknown', partitions: [{ partitionIndex: 0, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: 0 }] },
    ]);
    // null topics (v2+) means every committed offset, sorted.
    const all = await h.fetch(G, null, 2);
    expect(all.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.committedOffset])])).toEqual([
      ['audit', [[3, 9n]]],
      [
        'orders',
        [
          [0, 42n],
          [1, 43n],
        ],
      ],
    ]);
    // v1: no leader epoch, no top-level error.
    const v1 = await h.fetch(G, { orders: [0] }, 1);
    expect(v1.topics[0]!.partitions[0]).toMatchObject({ committedOffset: 42n, metadata: 'm0' });
    // An unknown group has no offsets.
    expect((await h.fetch('nobody', { orders: [0] })).topics[0]!.partitions[0]!.committedOffset).toBe(-1n);
    expect((await h.fetch('nobody', null)).topics).toEqual([]);
  });

  it('answers OffsetFetch v8+ for several groups at once', async () => {
    const h = await newHarness();
    await h.commit('g-a', { t: { 0: 10n } });
    await h.commit('g-b', { t: { 0: 20n, 1: 21n } });
    const response = await h.fetchGroups({ 'g-a': { t: [0, 1] }, 'g-b': null, 'g-none': { t: [0] }, '': null });
    expect(response.groups.map((g) => [g.groupId, g.errorCode, g.topics.map((t) => t.partitions.map((p) => p.committedOffset))])).toEqual([
      ['g-a', 0, [[10n, -1n]]],
      ['g-b', 0, [[20n, 21n]]],
      ['g-none', 0, [[-1n]]],
      ['', 0, []],
    ]);
  });

  it('fences commits by generation and member, and refuses them while the group awaits its assignment', async () => {
    const h = await newHarness();
    const { memberIds, generationId, leader } = await h.stableGroup(G, 2);
    const member = { memberId: memberIds[1]!, generationId };
    expect(codes(await h.commit(G, { t: { 0: 1n } }, { ...member, generationId: generationId + 1 }))).toEqual([
      ErrorCode.ILLEGAL_GENERATION,
    ]);
    expect(codes(await h.commit(G, { t: { 0: 1n } }, { memberId: 'stranger', generationId }))).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    // Simple commits (no member id, generation -1) only for groups nobody is in.
    expect(codes(await h.commit(G, { t: { 0: 1n } }))).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    // A generation for a group that does not exist comes from an older incarnation.
    expect(codes(await h.commit('gone', { t: { 0: 1n } }, member))).toEqual([ErrorCode.ILLEGAL_GENERATION]);

    // PreparingRebalance: commits of the current generation are still accepted.
    const leaderRejoin = h.join(G, { memberId: leader });
    expect(codes(await h.commit(G, { t: { 0: 5n } }, member))).toEqual([ErrorCode.NONE]);
    const otherRejoin = h.join(G, { memberId: memberIds.find((id) => id !== leader)! });
    await Promise.all([leaderRejoin, otherRejoin]);
    // CompletingRebalance: the member must finish the rebalance first.
    expect(codes(await h.commit(G, { t: { 0: 6n } }, { ...member, generationId: generationId + 1 }))).toEqual([
      ErrorCode.REBALANCE_IN_PROGRESS,
    ]);
    expect(codes(await h.commit(G, { t: { 0: 6n } }, member))).toEqual([ErrorCode.ILLEGAL_GENERATION]);
    expect((await h.fetch(G, { t: [0] })).topics[0]!.partitions[0]!.committedOffset).toBe(5n);
  });

  it('accepts simple commits for a group without members, which then lists with no protocol type', async () => {
    const h = await newHarness();
    expect(codes(await h.commit('simple', { t: { 0: 3n } }, { version: 2 }))).toEqual([0]);
    expect(codes(await h.commit('', { t: { 0: 4n } }))).toEqual([0]);
    const listed = await h.listGroups();
    expect(listed.groups).toEqual([
      expect.objectContaining({ groupId: '', protocolType: '', groupState: 'Empty' }),
      expect.objectContaining({ groupId: 'simple', protocolType: '', groupState: 'Empty', groupType: 'classic' }),
    ]);
  });

  it("drops a deleted topic's offsets from every group, and an Empty group left without any (onPartitionsDeleted)", async () => {
    const h = await newHarness();
    const { memberIds, generationId } = await h.stableGroup(G, 1);
    await h.commit(G, { gone: { 0: 5n, 1: 6n }, kept: { 0: 7n } }, { memberId: memberIds[0]!, generationId });
    await h.commit('only-gone', { gone: { 0: 3n } }, { version: 2 });
    await h.commit('only-kept', { kept: { 0: 4n } }, { version: 2 });
    await h.coordinator.onTopicsDeleted(['gone']);
    const fetched = await h.fetch(G, null);
    expect(fetched.topics.map((t) => [t.name, t.partitions.map((p) => p.committedOffset)])).toEqual([['kept', [7n]]]);
    expect((await h.fetch('only-gone', { gone: [0] })).topics[0]!.partitions[0]!.committedOffset).toBe(-1n);
    expect((await h.store.fetchOffsets(G)).map((o) => o.topic)).toEqual(['kept']);
    // The group that only had offsets for the deleted topic is gone; the others stay.
    expect((await h.listGroups()).groups.map((g) => g.groupId).sort()).toEqual([G, 'only-kept']);
  });

  it('refuses metadata longer than offset.metadata.max.bytes, partition by partition', async () => {
    const h = await newHarness({ config: { offsetMetadataMaxBytes: 8 } });
    const response = await h.commit('g', { t: { 0: { offset: 1n, metadata: '12345678' }, 1: { offset: 2n, metadata: '123456789' } } });
    expect(codes(response)).toEqual([ErrorCode.NONE, ErrorCode.OFFSET_METADATA_TOO_LARGE]);
    expect((await h.fetch('g', { t: [0, 1] })).topics[0]!.partitions.map((p) => p.committedOffset)).toEqual([1n, -1n]);
  });

  it('reports a store failure as COORDINATOR_NOT_AVAILABLE and keeps the previous offsets', async () => {
    const h = await newHarness();
    await h.commit('g', { t: { 0: 1n } });
    h.faultyStore.failNext('commitOffsets');
    expect(codes(await h.commit('g', { t: { 0: 2n } }))).toEqual([ErrorCode.COORDINATOR_NOT_AVAILABLE]);
    expect((await h.fetch('g', { t: [0] })).topics[0]!.partitions[0]!.committedOffset).toBe(1n);
  });
});

describe('offset retention', () => {
  it('expires the offsets of an Empty group a retention period after it became Empty, then forgets the group', async () => {
    const h = await newHarness({ config: { offsetsRetentionMs: 7 * DAY, offsetsRetentionCheckIntervalMs: 60_000 } });
    const { memberIds, generationId } = await h.stableGroup(G, 1);
    await h.commit(G, { t: { 0: 1n } }, { memberId: memberIds[0]!, generationId });
    await h.time.advance(3 * DAY);
    await h.leave(G, [{ memberId: memberIds[0]! }]);
    expect(await h.state(G)).toBe('Empty');
    // 7 days after the commit, but only 4 since the group became Empty: kept.
    await h.time.advance(4 * DAY);
    expect((await h.fetch(G, { t: [0] })).topics[0]!.partitions[0]!.committedOffset).toBe(1n);
    await h.time.advance(3 * DAY + 60_000);
    expect((await h.fetch(G, { t: [0] })).topics[0]!.partitions[0]!.committedOffset).toBe(-1n);
    expect(await h.state(G)).toBe('Dead');
    expect(h.memoryStore.hasGroup(G)).toBe(false);
  });

  it('expires simple-consumer offsets by commit time, and explicit v2-v4 retention by its own deadline', async () => {
    const h = await newHarness({ config: { offsetsRetentionMs: DAY, offsetsRetentionCheckIntervalMs: 60_000 } });
    await h.commit('simple', { t: { 0: 1n } });
    await h.commit('explicit', { t: { 0: 1n } }, { version: 2, retentionTimeMs: 5n * BigInt(DAY) });
    await h.time.advance(12 * 60 * 60 * 1000);
    await h.commit('simple', { t: { 1: 2n } });
    await h.time.advance(12 * 60 * 60 * 1000 + 60_000);
    expect((await h.fetch('simple', null)).topics[0]!.partitions.map((p) => p.partitionIndex)).toEqual([1]);
    expect((await h.fetch('explicit', null)).topics).toHaveLength(1);
    await h.time.advance(4 * DAY);
    expect((await h.fetch('explicit', null)).topics).toEqual([]);
    expect((await h.listGroups()).groups.map((g) => g.groupId)).toEqual([]);
  });

  it('expires offsets of topics a Stable consumer group no longer subscribes to', async () => {
    const h = await newHarness({
      config: { offsetsRetentionMs: DAY, offsetsRetentionCheckIntervalMs: 60_000, maxSessionTimeoutMs: 2 * DAY },
    });
    const { memberIds, generationId } = await h.stableGroup(G, 1, { topics: ['kept'], sessionTimeoutMs: 2 * 60 * 60 * 1000 });
    await h.commit(G, { kept: { 0: 1n }, dropped: { 0: 2n } }, { memberId: memberIds[0]!, generationId });
    for (let i = 0; i < 25; i++) {
      await h.time.advance(60 * 60 * 1000);
      expect(await h.heartbeat(G, memberIds[0]!, generationId)).toBe(0);
    }
    expect((await h.fetch(G, null)).topics.map((t) => t.name)).toEqual(['kept']);
  });
});

describe('OffsetDelete', () => {
  it('deletes offsets of an Empty group; the group stays until the next retention pass, as in Kafka 4', async () => {
    const h = await newHarness({ config: { offsetsRetentionCheckIntervalMs: 60_000 } });
    await h.commit('g', { a: { 0: 1n, 1: 2n }, b: { 0: 3n } });
    const response = await h.offsetDelete('g', { a: [0, 1, 9] });
    expect(response.errorCode).toBe(0);
    expect(codes(response)).toEqual([0, 0, 0]);
    expect((await h.fetch('g', null)).topics.map((t) => t.name)).toEqual(['b']);
    await h.offsetDelete('g', { b: [0] });
    expect((await h.fetch('g', null)).topics).toEqual([]);
    // Kafka 4.4 still lists the group (Empty) and DeleteGroups still deletes it.
    expect(await h.state('g')).toBe('Empty');
    expect(h.memoryStore.hasGroup('g')).toBe(true);
    await h.time.advance(60_000);
    expect(await h.state('g')).toBe('Dead');
    expect(h.memoryStore.hasGroup('g')).toBe(false);
  });

  it('refuses topics a consumer group subscribes to, and unknown or non-consumer groups', async () => {
    const h = await newHarness();
    const { memberIds, generationId } = await h.stableGroup(G, 1, { topics: ['subscribed'] });
    await h.commit(G, { subscribed: { 0: 1n }, other: { 0: 2n } }, { memberId: memberIds[0]!, generationId });
    const response = await h.offsetDelete(G, { subscribed: [0], other: [0] });
    expect(response.topics.map((t) => [t.name, t.partitions[0]!.errorCode])).toEqual([
      ['subscribed', ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC],
      ['other', ErrorCode.NONE],
    ]);
    expect((await h.fetch(G, null)).topics.map((t) => t.name)).toEqual(['subscribed']);
    expect((await h.offsetDelete('nobody', { t: [0] })).errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
    expect((await h.offsetDelete('', { t: [0] })).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);

    await h.stableGroup('connect-group', 1, { protocolType: 'connect', protocols: [{ name: 'v1', metadata: Buffer.from('x') }] });
    expect((await h.offsetDelete('connect-group', { t: [0] })).errorCode).toBe(ErrorCode.NON_EMPTY_GROUP);
  });
});

describe('restart', () => {
  it('a new coordinator over the same store has the group, its members, assignment and offsets', async () => {
    const store = new InMemoryGroupStore();
    const h = await newHarness({ store });
    const { memberIds, generationId, leader } = await h.stableGroup(G, 2, { topics: ['orders'], sessionTimeoutMs: 30_000 });
    await h.commit(G, { orders: { 0: { offset: 100n, metadata: 'meta', leaderEpoch: 3 } } }, { memberId: memberIds[0]!, generationId });
    await h.commit('simple', { orders: { 1: 5n } });
    const assignmentBefore = (await h.describe([G])).groups[0]!.members.map((m) => m.memberAssignment);

    await h.restart();
    const described = (await h.describe([G])).groups[0]!;
    expect(described).toMatchObject({ groupState: 'Stable', protocolType: 'consumer', protocolData: 'range' });
    expect(described.members.map((m) => m.memberId)).toEqual(memberIds);
    expect(described.members.map((m) => m.memberAssignment)).toEqual(assignmentBefore);
    expect(described.members[0]!.memberMetadata).toEqual(encodeSubscription(['orders']));
    expect((await h.fetch(G, { orders: [0] })).topics[0]!.partitions[0]).toMatchObject({
      committedOffset: 100n,
      committedLeaderEpoch: 3,
      metadata: 'meta',
    });
    expect((await h.fetch('simple', null)).topics[0]!.partitions[0]!.committedOffset).toBe(5n);

    // Members carry on with the same ids and generation; the leader is the same.
    expect(await h.heartbeat(G, memberIds[0]!, generationId)).toBe(0);
    expect((await h.sync(G, memberIds[1]!, generationId)).assignment).toEqual(assignmentBefore[1]);
    const rejoin = await h.join(G, { memberId: memberIds.find((id) => id !== leader)!, topics: ['orders'] });
    expect(rejoin).toMatchObject({ errorCode: 0, generationId, leader });
    // The subscription survived: OffsetDelete still protects the subscribed topic.
    expect((await h.offsetDelete(G, { orders: [0] })).topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC);

    // Members that do not heartbeat after the restart expire as usual.
    await h.time.advance(20_000);
    expect(await h.heartbeat(G, memberIds[0]!, generationId)).toBe(0);
    await h.time.advance(10_000);
    expect(await h.state(G)).toBe('PreparingRebalance');
  });

  it('loads what a store adapter returns (offsets-only groups, empty groups)', async () => {
    const store = new InMemoryGroupStore();
    const offset: PersistedOffset = {
      topic: 't',
      partition: 0,
      offset: 7n,
      leaderEpoch: -1,
      metadata: '',
      commitTimestampMs: 0,
      expireTimestampMs: null,
    };
    await store.commitOffsets('offsets-only', [offset]);
    await store.saveGroup({
      groupId: 'empty',
      protocolType: 'consumer',
      generationId: 4,
      protocolName: null,
      leader: null,
      currentStateTimestampMs: 0,
      members: [],
    });
    const h = await newHarness({ store });
    expect((await h.listGroups()).groups.map((g) => [g.groupId, g.protocolType, g.groupState])).toEqual([
      ['empty', 'consumer', 'Empty'],
      ['offsets-only', '', 'Empty'],
    ]);
    expect((await h.fetch('offsets-only', null)).topics[0]!.partitions[0]!.committedOffset).toBe(7n);
    // The next rebalance of the empty group continues its generations.
    const memberId = await h.requestMemberId('empty');
    const join = h.join('empty', { memberId });
    await h.advanceUntilSettled([join]);
    expect((await join).generationId).toBe(5);
  });
});
