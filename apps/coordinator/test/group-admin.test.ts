import { ErrorCode } from '@strom/errors';
import { createHeartbeatRequest, createJoinGroupRequest, createSyncGroupRequest } from '@strom/protocol';
import { createLogger } from '@strom/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import {
  GROUP_AUTHORIZED_OPERATIONS_ALL,
  GroupCoordinator,
  Mailbox,
  MailboxFullError,
  resolveGroupConfig,
  subscriptionTopics,
  type GroupLogger,
  type PersistedOffset,
} from '../src/groups/index.js';
import { encodeAssignment, encodeSubscription, GroupHarness, isSettled } from './group-harness.js';
import { InMemoryGroupStore } from './memory-group-store.js';

const G = 'group-1';

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

describe('ListGroups', () => {
  it('lists groups with their protocol type, state (v4+) and type (v5), filtered by state and type', async () => {
    const h = await newHarness();
    await h.stableGroup('stable', 1);
    await h.commit('simple', { t: { 0: 1n } });
    const memberId = await h.requestMemberId('joining');
    const pending = h.join('joining', { memberId });
    expect(await isSettled(pending)).toBe(false); // ListGroups reads across groups, outside their mailboxes

    expect((await h.listGroups({}, 0)).groups).toEqual([
      expect.objectContaining({ groupId: 'joining', protocolType: 'consumer', groupState: '' }),
      expect.objectContaining({ groupId: 'simple', protocolType: '' }),
      expect.objectContaining({ groupId: 'stable', protocolType: 'consumer' }),
    ]);
    const v5 = await h.listGroups({}, 5);
    expect(v5.groups.map((g) => [g.groupId, g.groupState, g.groupType])).toEqual([
      ['joining', 'PreparingRebalance', 'classic'],
      ['simple', 'Empty', 'classic'],
      ['stable', 'Stable', 'classic'],
    ]);
    expect((await h.listGroups({ statesFilter: ['Stable', 'empty'] }, 4)).groups.map((g) => g.groupId)).toEqual(['simple', 'stable']);
    expect((await h.listGroups({ typesFilter: ['Classic'] }, 5)).groups).toHaveLength(3);
    expect((await h.listGroups({ typesFilter: ['consumer'] }, 5)).groups).toEqual([]);
    await h.advanceUntilSettled([pending]);
  });

  it('answers COORDINATOR_NOT_AVAILABLE when not started', async () => {
    const h = new GroupHarness();
    expect((await h.listGroups()).errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  });
});

describe('DescribeGroups', () => {
  it('describes a Stable group with member metadata, assignments and authorized operations', async () => {
    const h = await newHarness();
    const joins = [
      h.join(G, { groupInstanceId: 'i-1', clientId: 'c1', topics: ['a'] }),
      h.join(G, { clientId: 'c2', version: 3, topics: ['b'] }),
    ];
    await h.advanceUntilSettled(joins);
    const [r1, r2] = await Promise.all(joins);
    const assignments = { [r1!.memberId]: encodeAssignment({ a: [0] }), [r2!.memberId]: encodeAssignment({ b: [0] }) };
    await Promise.all([h.sync(G, r2!.memberId, 1), h.sync(G, r1!.memberId, 1, { assignments, groupInstanceId: 'i-1' })]);

    const described = await h.describe([G, 'unknown'], { includeAuthorizedOperations: true });
    expect(described.groups[0]).toMatchObject({
      errorCode: 0,
      groupId: G,
      groupState: 'Stable',
      protocolType: 'consumer',
      protocolData: 'range',
      authorizedOperations: GROUP_AUTHORIZED_OPERATIONS_ALL,
    });
    expect(described.groups[0]!.members).toEqual([
      expect.objectContaining({
        memberId: r1!.memberId,
        groupInstanceId: 'i-1',
        clientId: 'c1',
        clientHost: '/127.0.0.1',
        memberMetadata: encodeSubscription(['a']),
        memberAssignment: assignments[r1!.memberId],
      }),
      expect.objectContaining({ memberId: r2!.memberId, groupInstanceId: null, clientId: 'c2', memberMetadata: encodeSubscription(['b']) }),
    ]);
    expect(described.groups[1]).toMatchObject({ errorCode: 0, groupId: 'unknown', groupState: 'Dead', members: [] });
    // Authorized operations only when asked for, and only from v3.
    expect((await h.describe([G], {}, 5)).groups[0]!.authorizedOperations).toBe(-2147483648);
    expect((await h.describe([G], { includeAuthorizedOperations: true }, 2)).groups[0]!.authorizedOperations).toBe(-2147483648);
    // v0-v3 have no group instance id.
    expect((await h.describe([G], {}, 3)).groups[0]!.members[0]!.groupInstanceId).toBe('i-1');
  });

  it('shows members without metadata while the group rebalances', async () => {
    const h = await newHarness();
    const { leader } = await h.stableGroup(G, 2);
    const rejoin = h.join(G, { memberId: leader });
    const described = (await h.describe([G])).groups[0]!;
    expect(described).toMatchObject({ groupState: 'PreparingRebalance', protocolData: '' });
    expect(described.members.map((m) => [m.memberMetadata.length, m.memberAssignment.length])).toEqual([
      [0, 0],
      [0, 0],
    ]);
    await h.time.advance(30_000);
    expect((await rejoin).generationId).toBe(2);
  });
});

describe('DeleteGroups', () => {
  it('deletes Empty groups with their offsets and refuses the others', async () => {
    const h = await newHarness();
    await h.stableGroup('busy', 1);
    await h.commit('idle', { t: { 0: 1n } });
    const response = await h.deleteGroups(['idle', 'busy', 'missing', '']);
    expect(response.results.map((r) => [r.groupId, r.errorCode])).toEqual([
      ['idle', ErrorCode.NONE],
      ['busy', ErrorCode.NON_EMPTY_GROUP],
      ['missing', ErrorCode.GROUP_ID_NOT_FOUND],
      ['', ErrorCode.GROUP_ID_NOT_FOUND],
    ]);
    expect(h.memoryStore.hasGroup('idle')).toBe(false);
    expect((await h.fetch('idle', { t: [0] })).topics[0]!.partitions[0]!.committedOffset).toBe(-1n);
    expect((await h.listGroups()).groups.map((g) => g.groupId)).toEqual(['busy']);
    // Deleted groups start over from generation 0.
    expect((await h.deleteGroups(['idle'])).results[0]!.errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
  });

  it('reports a store failure and keeps the group', async () => {
    const h = await newHarness();
    await h.commit('idle', { t: { 0: 1n } });
    h.faultyStore.failNext('deleteGroup');
    expect((await h.deleteGroups(['idle'])).results[0]!.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect(await h.state('idle')).toBe('Empty');
  });
});

describe('lifecycle and bounds', () => {
  it('answers requests waiting on a rebalance with NOT_COORDINATOR on stop() and cancels every timer', async () => {
    const h = await newHarness();
    await h.stableGroup('stable', 2);
    const memberId = await h.requestMemberId(G);
    const join = h.join(G, { memberId });
    await h.time.advance(100);
    expect(await isSettled(join)).toBe(false);
    expect(h.time.pendingTimers).toBeGreaterThan(0);
    await h.coordinator.stop();
    expect((await join).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(h.time.pendingTimers).toBe(0);
  });

  it('answers COORDINATOR_LOAD_IN_PROGRESS while loading (heartbeats blindly NONE, SyncGroup REBALANCE_IN_PROGRESS)', async () => {
    const gate = Promise.withResolvers<void>();
    class SlowStore extends InMemoryGroupStore {
      override async loadGroups() {
        await gate.promise;
        return super.loadGroups();
      }
    }
    harness = new GroupHarness({ store: new SlowStore() });
    const h = harness;
    const starting = h.coordinator.start();
    expect((await h.join(G)).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    expect(await h.heartbeat(G, 'm', 1)).toBe(ErrorCode.NONE);
    expect((await h.sync(G, 'm', 1)).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect((await h.fetch(G, null)).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    expect((await h.listGroups()).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    gate.resolve();
    await starting;
    expect((await h.join(G)).errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
  });

  it('bounds each group’s mailbox and rejects the excess with COORDINATOR_NOT_AVAILABLE', async () => {
    const gate = Promise.withResolvers<void>();
    class BlockingStore extends InMemoryGroupStore {
      override async commitOffsets(groupId: string, offsets: PersistedOffset[]) {
        await gate.promise;
        return super.commitOffsets(groupId, offsets);
      }
    }
    const h = await newHarness({ store: new BlockingStore(), config: { maxQueuedOperationsPerGroup: 3 } });
    const commit = h.commit('g', { t: { 0: 1n } });
    await isSettled(commit);
    const heartbeats = Array.from({ length: 5 }, () => h.heartbeat('g', 'm', 0));
    const early = await Promise.all(heartbeats.slice(2));
    expect(early).toEqual([ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.COORDINATOR_NOT_AVAILABLE]);
    // Other groups are not affected.
    expect(await h.heartbeat('other', 'm', 0)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    gate.resolve();
    expect((await commit).topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    expect(await Promise.all(heartbeats.slice(0, 2))).toEqual([ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.UNKNOWN_MEMBER_ID]);
  });

  it('shapes every response for every version of its API', async () => {
    const h = await newHarness();
    for (let v = 0; v <= 9; v++) {
      const memberId = v >= 4 ? await h.requestMemberId(`g${v}`) : '';
      const join = h.join(`g${v}`, { memberId, version: v });
      await h.advanceUntilSettled([join]);
      const joined = await join;
      expect(joined.errorCode).toBe(0);
      const syncVersion = Math.min(v, 5);
      const assignments = { [joined.memberId]: Buffer.from([v]) };
      expect((await h.sync(`g${v}`, joined.memberId, 1, { version: syncVersion, assignments })).assignment).toEqual(Buffer.from([v]));
      expect(await h.heartbeat(`g${v}`, joined.memberId, 1, { version: Math.min(v, 4) })).toBe(0);
      // Kafka 4 takes OffsetCommit from v2 and OffsetFetch from v1 (KIP-896); v10 of both names
      // topics by id, which the broker resolves before it forwards v9 (broker tests).
      const commitVersion = Math.max(v, 2);
      const committed = await h.commit(
        `g${v}`,
        { t: { 0: BigInt(v) } },
        { memberId: joined.memberId, generationId: 1, version: commitVersion },
      );
      expect(codes(committed)).toEqual([0]);
      const fetchVersion = Math.max(v, 1);
      if (v <= 7) expect((await h.fetch(`g${v}`, { t: [0] }, fetchVersion)).topics[0]!.partitions[0]!.committedOffset).toBe(BigInt(v));
      else expect((await h.fetchGroups({ [`g${v}`]: { t: [0] } }, v)).groups[0]!.topics[0]!.partitions[0]!.committedOffset).toBe(BigInt(v));
      if (v <= 5) {
        await h.describe([`g${v}`], { includeAuthorizedOperations: v >= 3 }, v);
        await h.listGroups({ statesFilter: v >= 4 ? ['Stable'] : [] }, v);
        expect((await h.leave(`g${v}`, [{ memberId: joined.memberId }], v)).errorCode).toBe(0);
      }
      if (v <= 2) await h.deleteGroups([`g${v}`], v);
    }
    // Errors too: v0 JoinGroup and v0-1 OffsetFetch have no top-level fields for some of them.
    expect((await h.join('', { version: 0 })).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    await h.coordinator.stop();
    const v1 = await h.fetch('g', { t: [0] }, 1);
    expect(v1.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect((await h.fetch('g', { t: [0] }, 3)).errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect((await h.describe(['g'])).groups[0]!.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  });

  it('runs on real timers (short timeouts)', async () => {
    const coordinator = new GroupCoordinator({
      store: new InMemoryGroupStore(),
      config: { initialRebalanceDelayMs: 20, minSessionTimeoutMs: 10 },
      logger: createLogger('groups-test', 'silent') satisfies GroupLogger,
    });
    await coordinator.start();
    try {
      const client = { clientId: 'rt', clientHost: '/127.0.0.1' };
      const join = (memberId: string) =>
        coordinator.joinGroup(
          createJoinGroupRequest({
            groupId: 'rt',
            memberId,
            sessionTimeoutMs: 150,
            rebalanceTimeoutMs: 1_000,
            protocolType: 'consumer',
            protocols: [{ name: 'range', metadata: encodeSubscription(['t']) }],
          }),
          3,
          client,
        );
      const [a, b] = await Promise.all([join(''), join('')]);
      expect([a!.errorCode, b!.errorCode]).toEqual([0, 0]);
      const sync = (memberId: string) => coordinator.syncGroup(createSyncGroupRequest({ groupId: 'rt', memberId, generationId: 1 }), 3);
      await Promise.all([sync(a!.memberId), sync(b!.memberId)]);
      // Only a heartbeats: b's session (150 ms) expires and a is told to rejoin.
      const deadline = Date.now() + 5_000;
      let code = 0;
      while (code === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 40));
        code = (await coordinator.heartbeat(createHeartbeatRequest({ groupId: 'rt', memberId: a!.memberId, generationId: 1 }), 1))
          .errorCode;
      }
      expect(code).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
      const rejoined = await join(a!.memberId);
      expect(rejoined).toMatchObject({ errorCode: 0, generationId: 2, leader: a!.memberId });
    } finally {
      await coordinator.stop();
    }
  });
});

describe('pieces', () => {
  it('reads the topics of every ConsumerProtocolSubscription version, later versions as the highest', () => {
    for (let v = 0; v <= 3; v++) expect(subscriptionTopics(encodeSubscription(['a', 'b'], v))).toEqual(['a', 'b']);
    const future = encodeSubscription(['x'], 3);
    future.writeInt16BE(9, 0);
    expect(subscriptionTopics(future)).toEqual(['x']);
    expect(subscriptionTopics(Buffer.from([0, 0, 0, 0, 0, 9]))).toBeUndefined();
    expect(subscriptionTopics(Buffer.alloc(0))).toBeUndefined();
  });

  it('validates the config', () => {
    expect(resolveGroupConfig().initialRebalanceDelayMs).toBe(3_000);
    expect(() => resolveGroupConfig({ minSessionTimeoutMs: 10, maxSessionTimeoutMs: 5 })).toThrow(RangeError);
    expect(() => resolveGroupConfig({ maxGroupSize: 0 })).toThrow(RangeError);
    expect(() => resolveGroupConfig({ offsetsRetentionMs: Number.NaN })).toThrow(RangeError);
  });

  it('runs mailbox operations one at a time, in order, isolating failures', async () => {
    const mailbox = new Mailbox(2);
    const order: string[] = [];
    const gate = Promise.withResolvers<void>();
    const first = mailbox.run(async () => {
      await gate.promise;
      order.push('first');
    });
    const second = mailbox.run(() => {
      order.push('second');
      throw new Error('boom');
    });
    await expect(mailbox.run(() => 'third')).rejects.toBeInstanceOf(MailboxFullError);
    const internal = mailbox.run(() => 'internal', true);
    gate.resolve();
    await first;
    expect(await internal).toBe('internal');
    await expect(second).rejects.toThrow('boom');
    expect(order).toEqual(['first', 'second']);
    expect(await mailbox.run(() => 'after')).toBe('after');
  });
});

function codes(response: { topics: { partitions: { errorCode: number }[] }[] }): number[] {
  return response.topics.flatMap((t) => t.partitions.map((p) => p.errorCode));
}
