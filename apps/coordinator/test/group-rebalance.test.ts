import { ErrorCode } from '@strom/errors';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeAssignment, encodeSubscription, GroupHarness, isSettled } from './group-harness.js';

const G = 'group-1';
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let harness: GroupHarness | undefined;

async function newHarness(config: ConstructorParameters<typeof GroupHarness>[0] = {}): Promise<GroupHarness> {
  harness = await new GroupHarness(config).start();
  return harness;
}

afterEach(async () => {
  await harness?.coordinator.stop();
  expect(harness?.time.pendingTimers ?? 0).toBe(0);
  harness = undefined;
});

describe('JoinGroup: member ids and the first rebalance', () => {
  it('asks a v4+ member to rejoin with a generated id, then forms generation 1 after the initial delay', async () => {
    const h = await newHarness();
    const first = await h.join(G, { clientId: 'my-client' });
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(first.generationId).toBe(-1);
    expect(first.memberId).toMatch(/^my-client-/);
    expect(first.memberId).toMatch(UUID);
    expect(await h.state(G)).toBe('Empty');

    const join = h.join(G, { memberId: first.memberId, clientId: 'my-client', topics: ['orders'] });
    await h.time.advance(2_999);
    expect(await isSettled(join)).toBe(false);
    expect(await h.state(G)).toBe('PreparingRebalance');
    await h.time.advance(1);
    const joined = await join;
    expect(joined).toMatchObject({
      errorCode: ErrorCode.NONE,
      generationId: 1,
      protocolType: 'consumer',
      protocolName: 'range',
      leader: first.memberId,
      memberId: first.memberId,
      skipAssignment: false,
    });
    expect(joined.members).toEqual([
      expect.objectContaining({ memberId: first.memberId, groupInstanceId: null, metadata: encodeSubscription(['orders']) }),
    ]);
    expect(await h.state(G)).toBe('CompletingRebalance');
  });

  it('lets members of v0-v3 join without the member id round trip', async () => {
    const h = await newHarness();
    const join = h.join(G, { version: 3, clientId: 'old' });
    await h.time.advance(3_000);
    const joined = await join;
    expect(joined.errorCode).toBe(ErrorCode.NONE);
    expect(joined.memberId).toMatch(/^old-/);
    expect(joined.generationId).toBe(1);
    // v0-v6 have no protocol type in the response; the name is a plain string.
    expect(joined.protocolType).toBeNull();
    expect(joined.protocolName).toBe('range');
  });

  it('forgets a pending member id after the session timeout', async () => {
    const h = await newHarness();
    const memberId = await h.requestMemberId(G, { sessionTimeoutMs: 10_000 });
    await h.time.advance(10_000);
    const late = await h.join(G, { memberId });
    expect(late.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('extends the initial delay while new members keep arriving, up to the rebalance timeout', async () => {
    const h = await newHarness({ config: { initialRebalanceDelayMs: 3_000 } });
    const a = h.join(G, { version: 3, clientId: 'a', rebalanceTimeoutMs: 10_000 });
    await h.time.advance(2_000);
    const b = h.join(G, { version: 3, clientId: 'b', rebalanceTimeoutMs: 10_000 });
    await h.time.advance(1_000); // first delay ends at 3000 ms: a member came, wait another 3000 ms
    expect(await isSettled(a)).toBe(false);
    await h.time.advance(2_999);
    expect(await isSettled(a)).toBe(false);
    await h.time.advance(1);
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra.generationId).toBe(1);
    expect(rb.generationId).toBe(1);
    expect(ra.leader).toBe(ra.memberId);
    expect(ra.members).toHaveLength(2);
    expect(rb.members).toEqual([]);
  });

  it('rejects bad requests: empty group id, session timeout out of range, unknown member of an unknown group', async () => {
    const h = await newHarness({ config: { minSessionTimeoutMs: 6_000, maxSessionTimeoutMs: 60_000 } });
    expect((await h.join('')).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    expect((await h.join(G, { sessionTimeoutMs: 5_999 })).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect((await h.join(G, { sessionTimeoutMs: 60_001 })).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect((await h.join('nope', { memberId: 'ghost-1' })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await h.join(G, { protocols: [] })).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect((await h.join(G, { protocolType: '' })).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  });

  it('answers COORDINATOR_NOT_AVAILABLE before start() and after stop()', async () => {
    const h = new GroupHarness();
    expect((await h.join(G)).errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    await h.start();
    await h.coordinator.stop();
    expect((await h.join(G)).errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect(await h.heartbeat(G, 'm', 1)).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  });

  it('refuses members past group.max.size', async () => {
    const h = await newHarness({ config: { maxGroupSize: 2 } });
    await h.stableGroup(G, 2);
    const third = await h.join(G);
    expect(third.errorCode).toBe(ErrorCode.GROUP_MAX_SIZE_REACHED);
    expect(await h.state(G)).toBe('Stable');
  });
});

describe('an eager rebalance of three members', () => {
  it('gives the leader every member, the others none, and hands out the leader’s assignment', async () => {
    const h = await newHarness();
    const ids: string[] = [];
    for (const name of ['a', 'b', 'c']) ids.push(await h.requestMemberId(G, { clientId: name, topics: [`t-${name}`] }));
    const joins = ids.map((memberId, i) => h.join(G, { memberId, clientId: ['a', 'b', 'c'][i], topics: [`t-${['a', 'b', 'c'][i]}`] }));
    await h.advanceUntilSettled(joins);
    const responses = await Promise.all(joins);
    const leader = responses[0]!.leader;
    expect(leader).toBe(ids[0]);
    for (const r of responses) {
      expect(r).toMatchObject({ errorCode: 0, generationId: 1, leader, protocolName: 'range' });
      if (r.memberId === leader) {
        expect(r.members.map((m) => m.memberId)).toEqual(ids);
        expect(r.members[2]!.metadata).toEqual(encodeSubscription(['t-c']));
      } else {
        expect(r.members).toEqual([]);
      }
    }

    // Followers wait for the leader's SyncGroup.
    const followerSyncs = ids.slice(1).map((id) => h.sync(G, id, 1));
    expect(await isSettled(followerSyncs[0]!)).toBe(false);
    const assignments = Object.fromEntries(ids.map((id, i) => [id, encodeAssignment({ t: [i] })]));
    const leaderSync = await h.sync(G, leader, 1, { assignments });
    expect(leaderSync).toMatchObject({ errorCode: 0, protocolType: 'consumer', protocolName: 'range', assignment: assignments[leader] });
    const synced = await Promise.all(followerSyncs);
    expect(synced.map((s) => s.assignment)).toEqual([assignments[ids[1]!], assignments[ids[2]!]]);
    expect(await h.state(G)).toBe('Stable');

    // The assignment was persisted with the generation.
    const stored = h.memoryStore.peekGroup(G)!;
    expect(stored).toMatchObject({ protocolType: 'consumer', protocolName: 'range', generationId: 1, leader });
    expect(stored.members.map((m) => [m.memberId, m.assignment])).toEqual(ids.map((id) => [id, assignments[id]]));

    // A SyncGroup in Stable returns the current assignment; an old generation is refused.
    expect((await h.sync(G, ids[2]!, 1)).assignment).toEqual(assignments[ids[2]!]);
    expect((await h.sync(G, ids[2]!, 0)).errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect((await h.sync(G, 'stranger', 1)).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('gives members the leader left out an empty assignment', async () => {
    const h = await newHarness();
    const ids = [await h.requestMemberId(G), await h.requestMemberId(G)];
    const joins = ids.map((memberId) => h.join(G, { memberId }));
    await h.advanceUntilSettled(joins);
    const leader = (await joins[0]!).leader;
    const follower = ids.find((id) => id !== leader)!;
    const followerSync = h.sync(G, follower, 1);
    await h.sync(G, leader, 1, { assignments: { [leader]: encodeAssignment({ t: [0, 1] }) } });
    expect((await followerSync).assignment).toHaveLength(0);
  });

  it('removes members that do not send SyncGroup within the rebalance timeout', async () => {
    const h = await newHarness();
    const ids = [await h.requestMemberId(G), await h.requestMemberId(G)];
    const joins = ids.map((memberId) => h.join(G, { memberId, rebalanceTimeoutMs: 20_000, sessionTimeoutMs: 30_000 }));
    await h.advanceUntilSettled(joins);
    const leader = (await joins[0]!).leader;
    const follower = ids.find((id) => id !== leader)!;
    // Only the follower syncs; it keeps heartbeating while it waits.
    const followerSync = h.sync(G, follower, 1);
    await h.time.advance(20_000);
    expect((await followerSync).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(await h.state(G)).toBe('PreparingRebalance');
    expect(await h.heartbeat(G, leader, 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const rejoin = h.join(G, { memberId: follower });
    const r = await rejoin;
    expect(r).toMatchObject({ errorCode: 0, generationId: 2, leader: follower });
  });
});

describe('heartbeats, leaving and session expiry', () => {
  it('answers heartbeats by generation and state', async () => {
    const h = await newHarness();
    const { memberIds, generationId } = await h.stableGroup(G, 2);
    expect(await h.heartbeat(G, memberIds[0]!, generationId)).toBe(ErrorCode.NONE);
    expect(await h.heartbeat(G, memberIds[0]!, generationId - 1)).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(await h.heartbeat(G, 'unknown', generationId)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await h.heartbeat('other-group', memberIds[0]!, generationId)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await h.heartbeat('', memberIds[0]!, generationId)).toBe(ErrorCode.INVALID_GROUP_ID);
  });

  it('rebalances when a member leaves, and again when it comes back', async () => {
    const h = await newHarness();
    const {
      memberIds: [a, b, c],
    } = await h.stableGroup(G, 3);
    const left = await h.leave(G, [{ memberId: c! }]);
    expect(left.errorCode).toBe(ErrorCode.NONE);
    expect(left.members).toEqual([expect.objectContaining({ memberId: c, errorCode: ErrorCode.NONE })]);
    expect(await h.heartbeat(G, a!, 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(await h.heartbeat(G, b!, 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(await h.heartbeat(G, c!, 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);

    // Everyone still in the group rejoined: the rebalance completes at once.
    const [ja, jb] = await Promise.all([h.join(G, { memberId: a! }), h.join(G, { memberId: b! })]);
    expect(ja.generationId).toBe(2);
    expect(jb.generationId).toBe(2);
    expect(ja.members.map((m) => m.memberId).sort()).toEqual([a, b].sort());
    await Promise.all([h.sync(G, b!, 2), h.sync(G, a!, 2, { assignments: {} })]);
    expect(await h.state(G)).toBe('Stable');

    // c comes back as a new member: the others learn it from their heartbeats.
    const newC = await h.requestMemberId(G);
    const joinC = h.join(G, { memberId: newC });
    expect(await h.heartbeat(G, a!, 2)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const rejoins = [joinC, h.join(G, { memberId: a! }), h.join(G, { memberId: b! })];
    const responses = await Promise.all(rejoins);
    expect(responses.map((r) => r.generationId)).toEqual([3, 3, 3]);
    expect(responses.find((r) => r.memberId === r.leader)?.members).toHaveLength(3);
  });

  it('answers LeaveGroup v0-v2 with one error and v3+ per member', async () => {
    const h = await newHarness();
    const { memberIds } = await h.stableGroup(G, 2);
    expect((await h.leave(G, [{ memberId: 'nobody' }], 1)).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const batch = await h.leave(G, [{ memberId: 'nobody' }, { memberId: memberIds[0]! }], 3);
    expect(batch.errorCode).toBe(ErrorCode.NONE);
    expect(batch.members.map((m) => m.errorCode)).toEqual([ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.NONE]);
    expect((await h.leave(G, [{ memberId: memberIds[1]! }], 0)).errorCode).toBe(ErrorCode.NONE);
    // Everyone left: the rebalance ends with an Empty group and a new generation.
    expect(await h.state(G)).toBe('Empty');
    expect(h.memoryStore.peekGroup(G)).toMatchObject({ generationId: 2, members: [], protocolName: null });
  });

  it('removes a member whose session expires and rebalances the rest', async () => {
    const h = await newHarness();
    const {
      memberIds: [a, b],
    } = await h.stableGroup(G, 2, { sessionTimeoutMs: 10_000 });
    for (let i = 0; i < 2; i++) {
      await h.time.advance(4_000);
      expect(await h.heartbeat(G, a!, 1)).toBe(ErrorCode.NONE);
    }
    // b never heartbeated: gone 10 s after the rebalance.
    await h.time.advance(2_000);
    expect(await h.heartbeat(G, b!, 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await h.heartbeat(G, a!, 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const rejoined = await h.join(G, { memberId: a! });
    expect(rejoined).toMatchObject({ errorCode: 0, generationId: 2, leader: a });
    expect(rejoined.members.map((m) => m.memberId)).toEqual([a]);
  });

  it('drops dynamic members that do not rejoin within the rebalance timeout', async () => {
    const h = await newHarness();
    const {
      memberIds: [a, b],
    } = await h.stableGroup(G, 2, { sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 25_000 });
    // a rejoins (the leader's rejoin starts a rebalance); b keeps heartbeating but never rejoins.
    const join = h.join(G, { memberId: a!, rebalanceTimeoutMs: 25_000 });
    for (let t = 0; t < 24_000; t += 4_000) {
      await h.time.advance(4_000);
      expect(await h.heartbeat(G, b!, 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    }
    expect(await isSettled(join)).toBe(false);
    await h.time.advance(1_000);
    const r = await join;
    expect(r).toMatchObject({ errorCode: 0, generationId: 2 });
    expect(r.members.map((m) => m.memberId)).toEqual([a]);
    expect(await h.heartbeat(G, b!, 2)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('returns the current generation to a follower that rejoins unchanged, and rebalances on a leader rejoin', async () => {
    const h = await newHarness();
    const { memberIds, leader } = await h.stableGroup(G, 2);
    const follower = memberIds.find((id) => id !== leader)!;
    const same = await h.join(G, { memberId: follower });
    expect(same).toMatchObject({ errorCode: 0, generationId: 1, leader, members: [] });
    expect(await h.state(G)).toBe('Stable');
    // cooperative-sticky clients rejoin after revoking; the coordinator just rebalances.
    const leaderJoin = h.join(G, { memberId: leader });
    expect(await h.state(G)).toBe('PreparingRebalance');
    const followerJoin = h.join(G, { memberId: follower });
    expect((await leaderJoin).generationId).toBe(2);
    expect((await followerJoin).generationId).toBe(2);
  });
});

describe('protocols', () => {
  it('selects the protocol every member supports with the most votes', async () => {
    const h = await newHarness();
    const meta = Buffer.from([0, 1]);
    const prefs = [
      ['range', 'roundrobin'],
      ['roundrobin', 'range'],
      ['roundrobin', 'range', 'sticky'],
    ];
    const ids: string[] = [];
    for (let i = 0; i < prefs.length; i++) ids.push(await h.requestMemberId(G));
    const joins = ids.map((memberId, i) => h.join(G, { memberId, protocols: prefs[i]!.map((name) => ({ name, metadata: meta })) }));
    await h.advanceUntilSettled(joins);
    expect((await Promise.all(joins)).map((r) => r.protocolName)).toEqual(['roundrobin', 'roundrobin', 'roundrobin']);
  });

  it('refuses members whose protocol type or protocols do not fit the group', async () => {
    const h = await newHarness();
    const { memberIds, generationId } = await h.stableGroup(G, 1);
    expect((await h.join(G, { protocolType: 'connect' })).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const other = [{ name: 'cooperative-sticky', metadata: encodeSubscription(['topic-a']) }];
    expect((await h.join(G, { protocols: other })).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect((await h.join(G, { memberId: memberIds[0]!, protocols: other })).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    // SyncGroup v5 checks the protocol type and name.
    expect((await h.sync(G, memberIds[0]!, generationId, { protocolName: 'roundrobin' })).errorCode).toBe(
      ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
    );
    expect((await h.sync(G, memberIds[0]!, generationId, { protocolType: 'connect' })).errorCode).toBe(
      ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
    );
    expect((await h.sync(G, memberIds[0]!, generationId, { protocolType: null })).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect((await h.sync(G, memberIds[0]!, generationId)).errorCode).toBe(ErrorCode.NONE);
  });

  it('carries protocol type and name for cooperative-sticky clients (JoinGroup v7+, SyncGroup v5)', async () => {
    const h = await newHarness();
    const protocols = [{ name: 'cooperative-sticky', metadata: encodeSubscription(['a'], 3) }];
    const memberId = await h.requestMemberId(G, { protocols });
    const join = h.join(G, { memberId, protocols, version: 7 });
    await h.advanceUntilSettled([join]);
    expect(await join).toMatchObject({ protocolType: 'consumer', protocolName: 'cooperative-sticky' });
    const synced = await h.sync(G, memberId, 1, { protocolName: 'cooperative-sticky', assignments: { [memberId]: Buffer.from([1]) } });
    expect(synced).toMatchObject({ errorCode: 0, protocolType: 'consumer', protocolName: 'cooperative-sticky' });
  });
});

describe('static membership (KIP-345)', () => {
  async function staticGroup(h: GroupHarness, sessionTimeoutMs = 10_000): Promise<{ a: string; b: string }> {
    const joins = [
      h.join(G, { groupInstanceId: 'instance-a', sessionTimeoutMs }),
      h.join(G, { groupInstanceId: 'instance-b', sessionTimeoutMs }),
    ];
    await h.advanceUntilSettled(joins);
    const [ra, rb] = await Promise.all(joins);
    expect(ra!.memberId).toMatch(/^instance-a-/);
    expect(ra!.leader).toBe(ra!.memberId);
    const assignments = { [ra!.memberId]: Buffer.from('for-a'), [rb!.memberId]: Buffer.from('for-b') };
    await Promise.all([
      h.sync(G, rb!.memberId, 1, { groupInstanceId: 'instance-b' }),
      h.sync(G, ra!.memberId, 1, { groupInstanceId: 'instance-a', assignments }),
    ]);
    return { a: ra!.memberId, b: rb!.memberId };
  }

  it('replaces a restarted static member without a rebalance and fences its old member id', async () => {
    const h = await newHarness();
    const { a, b } = await staticGroup(h);
    const restarted = await h.join(G, { groupInstanceId: 'instance-b', version: 8 });
    expect(restarted.errorCode).toBe(ErrorCode.NONE);
    expect(restarted.memberId).not.toBe(b);
    expect(restarted).toMatchObject({ generationId: 1, leader: a, members: [] });
    expect(await h.state(G)).toBe('Stable');
    const newB = restarted.memberId;
    // The old id is fenced everywhere; the new one gets the old assignment.
    expect(await h.heartbeat(G, b, 1, { groupInstanceId: 'instance-b' })).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect((await h.sync(G, b, 1, { groupInstanceId: 'instance-b' })).errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect(
      (await h.commit(G, { t: { 0: 5n } }, { memberId: b, generationId: 1, groupInstanceId: 'instance-b' })).topics[0]!.partitions[0]!
        .errorCode,
    ).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect((await h.join(G, { memberId: b, groupInstanceId: 'instance-b' })).errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect((await h.sync(G, newB, 1, { groupInstanceId: 'instance-b' })).assignment.toString()).toBe('for-b');
    expect(await h.heartbeat(G, newB, 1, { groupInstanceId: 'instance-b' })).toBe(ErrorCode.NONE);
    // The new member id is persisted.
    expect(
      h.memoryStore
        .peekGroup(G)!
        .members.map((m) => m.memberId)
        .sort(),
    ).toEqual([a, newB].sort());
  });

  it('tells a replaced static leader (JoinGroup v9) that it leads but must skip the assignment', async () => {
    const h = await newHarness();
    const { a } = await staticGroup(h);
    const restarted = await h.join(G, { groupInstanceId: 'instance-a', version: 9 });
    expect(restarted.memberId).not.toBe(a);
    expect(restarted).toMatchObject({ errorCode: 0, generationId: 1, leader: restarted.memberId, skipAssignment: true });
    expect(restarted.members).toHaveLength(2);
    expect(await h.state(G)).toBe('Stable');
  });

  it('reverts the replacement when the store fails', async () => {
    const h = await newHarness();
    const { b } = await staticGroup(h);
    h.faultyStore.failNext('saveGroup');
    const restarted = await h.join(G, { groupInstanceId: 'instance-b' });
    expect(restarted.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect(await h.heartbeat(G, b, 1, { groupInstanceId: 'instance-b' })).toBe(ErrorCode.NONE);
  });

  it('keeps static members that do not rejoin in the next generation (they still have to sync in time)', async () => {
    const h = await newHarness();
    const { a, b } = await staticGroup(h, 60_000);
    const join = h.join(G, { memberId: a, groupInstanceId: 'instance-a', rebalanceTimeoutMs: 30_000, sessionTimeoutMs: 60_000 });
    await h.time.advance(29_999);
    expect(await isSettled(join)).toBe(false);
    await h.time.advance(1);
    const r = await join;
    expect(r.generationId).toBe(2);
    expect(r.members.map((m) => m.memberId).sort()).toEqual([a, b].sort());
    expect((await h.sync(G, a, 2, { groupInstanceId: 'instance-a', assignments: { [a]: Buffer.from('x') } })).errorCode).toBe(0);
    expect((await h.describe([G])).groups[0]!.members).toHaveLength(2);
    // b never sent SyncGroup for generation 2: removed after the rebalance timeout.
    await h.time.advance(30_000);
    expect(await h.heartbeat(G, a, 2, { groupInstanceId: 'instance-a' })).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(await h.heartbeat(G, b, 2, { groupInstanceId: 'instance-b' })).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('removes a static member by group.instance.id through LeaveGroup v3+', async () => {
    const h = await newHarness();
    const { a, b } = await staticGroup(h);
    const left = await h.leave(G, [
      { memberId: '', groupInstanceId: 'instance-b' },
      { memberId: '', groupInstanceId: 'instance-z' },
    ]);
    expect(left.members).toEqual([
      expect.objectContaining({ memberId: '', groupInstanceId: 'instance-b', errorCode: ErrorCode.NONE }),
      expect.objectContaining({ memberId: '', groupInstanceId: 'instance-z', errorCode: ErrorCode.UNKNOWN_MEMBER_ID }),
    ]);
    expect(await h.heartbeat(G, b, 1, { groupInstanceId: 'instance-b' })).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await h.heartbeat(G, a, 1, { groupInstanceId: 'instance-a' })).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    // A leave naming the wrong member id for an instance is fenced.
    expect((await h.leave(G, [{ memberId: 'instance-a-old', groupInstanceId: 'instance-a' }])).members[0]!.errorCode).toBe(
      ErrorCode.FENCED_INSTANCE_ID,
    );
  });
});
