import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroupStore, PersistedGroup, PersistedMember, PersistedOffset } from '../src/groups/index.js';

export interface OpenedGroupStore {
  store: GroupStore;
  close(): Promise<void>;
}

/**
 * One suite for every GroupStore (the metadata store on Postgres and on PGlite, and the one in
 * memory): the coordinator must read back exactly what it wrote whichever backend holds it, or
 * a restart changes the groups. The suite shares one store between its tests, so each test
 * works on groups of its own and only looks at those.
 */
export function groupStoreContract(name: string, open: () => Promise<OpenedGroupStore>): void {
  describe(`GroupStore contract: ${name}`, () => {
    let opened: OpenedGroupStore;
    let store: GroupStore;
    beforeAll(async () => {
      opened = await open();
      store = opened.store;
    });
    afterAll(async () => {
      await opened?.close();
    });

    const newGroupId = (label: string) => `${label}-${randomUUID()}`;
    const loaded = async (groupId: string) => (await store.loadGroups()).find((g) => g.groupId === groupId);
    const fetchedSorted = async (groupId: string, topics?: string[]) =>
      (await store.fetchOffsets(groupId, topics)).sort((a, b) =>
        a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1,
      );

    function member(memberId: string, o: Partial<PersistedMember> = {}): PersistedMember {
      return {
        memberId,
        groupInstanceId: null,
        clientId: 'consumer-1',
        clientHost: '/127.0.0.1',
        rebalanceTimeoutMs: 300_000,
        sessionTimeoutMs: 45_000,
        subscription: Buffer.from([0, 1, 0, 0, 0, 1, 0, 7]),
        assignment: Buffer.from([0, 1, 0, 0, 0, 0]),
        ...o,
      };
    }

    function stableGroup(groupId: string, o: Partial<PersistedGroup> = {}): PersistedGroup {
      return {
        groupId,
        protocolType: 'consumer',
        generationId: 7,
        protocolName: 'cooperative-sticky',
        leader: 'member-a',
        currentStateTimestampMs: 1_700_000_123_456,
        members: [
          member('member-a', {
            groupInstanceId: 'instance-a',
            clientId: 'client-ä',
            rebalanceTimeoutMs: 600_000,
            sessionTimeoutMs: 10_000,
          }),
          // Every byte value, and an empty assignment (a member the leader gave nothing).
          member('member-b', { subscription: Buffer.from(Array.from({ length: 256 }, (_, i) => i)), assignment: Buffer.alloc(0) }),
        ],
        ...o,
      };
    }

    function offset(topic: string, partition: number, o: Partial<PersistedOffset> = {}): PersistedOffset {
      return {
        topic,
        partition,
        offset: 42n,
        leaderEpoch: -1,
        metadata: '',
        commitTimestampMs: 1_700_000_000_123,
        expireTimestampMs: null,
        ...o,
      };
    }

    describe('group metadata', () => {
      it('round-trips every field: members with their bytes, static ids, generation, protocol, leader, state timestamp', async () => {
        const groupId = newGroupId('round-trip');
        const group = stableGroup(groupId);
        await store.saveGroup(group);
        expect(await loaded(groupId)).toEqual(group);
      });

      it('round-trips an Empty group: no members, protocol or leader, and no state timestamp', async () => {
        const groupId = newGroupId('empty');
        const group: PersistedGroup = {
          groupId,
          protocolType: 'consumer',
          generationId: 3,
          protocolName: null,
          leader: null,
          currentStateTimestampMs: null,
          members: [],
        };
        await store.saveGroup(group);
        expect(await loaded(groupId)).toEqual(group);
      });

      it('keeps a protocol type of null as null', async () => {
        const groupId = newGroupId('null-type');
        await store.saveGroup({ ...stableGroup(groupId), protocolType: null, protocolName: null, leader: null, members: [] });
        expect((await loaded(groupId))?.protocolType).toBeNull();
      });

      it("reads an empty protocol type back as null, as Kafka's GroupMetadata.loadGroup does", async () => {
        const groupId = newGroupId('empty-type');
        await store.saveGroup({ ...stableGroup(groupId), protocolType: '', protocolName: null, leader: null, members: [] });
        expect((await loaded(groupId))?.protocolType).toBeNull();
      });

      it('keeps an empty protocol name and leader distinct from null', async () => {
        const groupId = newGroupId('empty-strings');
        const group = stableGroup(groupId, { protocolName: '', leader: '' });
        await store.saveGroup(group);
        const back = await loaded(groupId);
        expect(back?.protocolName).toBe('');
        expect(back?.leader).toBe('');
      });

      it('replaces the whole group on a second save, and keeps its offsets', async () => {
        const groupId = newGroupId('overwrite');
        await store.saveGroup(stableGroup(groupId));
        await store.commitOffsets(groupId, [offset('t', 0, { offset: 5n })]);
        const next = stableGroup(groupId, {
          generationId: 8,
          protocolName: 'range',
          leader: 'member-c',
          currentStateTimestampMs: 1_700_000_999_000,
          members: [member('member-c', { groupInstanceId: 'instance-c' })],
        });
        await store.saveGroup(next);
        expect(await loaded(groupId)).toEqual(next);
        expect((await store.loadGroups()).filter((g) => g.groupId === groupId)).toHaveLength(1);
        expect(await store.fetchOffsets(groupId)).toEqual([offset('t', 0, { offset: 5n })]);
      });

      it('is not changed afterwards through the object it was given', async () => {
        const groupId = newGroupId('copy');
        const group = stableGroup(groupId);
        await store.saveGroup(group);
        const first = group.members[0];
        if (first) first.subscription[0] = 0xee;
        group.members.pop();
        expect(await loaded(groupId)).toEqual(stableGroup(groupId));
      });

      it('deletes a group with all its offsets; deleting an unknown group is a no-op', async () => {
        const groupId = newGroupId('delete');
        const other = newGroupId('delete-other');
        await store.saveGroup(stableGroup(groupId));
        await store.commitOffsets(groupId, [offset('t', 0), offset('u', 1)]);
        await store.commitOffsets(other, [offset('t', 0)]);
        await store.deleteGroup(groupId);
        expect(await loaded(groupId)).toBeUndefined();
        expect(await store.fetchOffsets(groupId)).toEqual([]);
        expect(await store.fetchOffsets(other)).toEqual([offset('t', 0)]);
        await store.deleteGroup(newGroupId('never-existed'));
        await store.deleteGroup(groupId);
      });

      it('starts afresh when a deleted group is used again', async () => {
        const groupId = newGroupId('reborn');
        await store.saveGroup(stableGroup(groupId));
        await store.commitOffsets(groupId, [offset('t', 0)]);
        await store.deleteGroup(groupId);
        await store.commitOffsets(groupId, [offset('u', 3, { offset: 9n })]);
        expect(await store.fetchOffsets(groupId)).toEqual([offset('u', 3, { offset: 9n })]);
        expect(await loaded(groupId)).toEqual({
          groupId,
          protocolType: null,
          generationId: 0,
          protocolName: null,
          leader: null,
          currentStateTimestampMs: null,
          members: [],
        });
      });

      it('lists a group that only has offsets with no protocol type, generation 0 and no members', async () => {
        const groupId = newGroupId('offsets-only');
        await store.commitOffsets(groupId, [offset('t', 0)]);
        expect(await loaded(groupId)).toEqual({
          groupId,
          protocolType: null,
          generationId: 0,
          protocolName: null,
          leader: null,
          currentStateTimestampMs: null,
          members: [],
        });
      });
    });

    describe('committed offsets', () => {
      it('round-trip every field: offset, leader epoch, metadata, commit and expire timestamps', async () => {
        const groupId = newGroupId('offsets');
        const offsets = [
          offset('orders', 0, { offset: 0n, leaderEpoch: -1, metadata: '', expireTimestampMs: null }),
          offset('orders', 1, { offset: 9_007_199_254_740_993n, leaderEpoch: 0, metadata: 'from host-1' }),
          offset('orders', 2, { offset: 2n ** 63n - 1n, leaderEpoch: 2_147_483_647, metadata: 'ünïcødé ✓' }),
          offset('payments', 0, { offset: 7n, leaderEpoch: 5, commitTimestampMs: 1_600_000_000_001, expireTimestampMs: 1_600_086_400_001 }),
        ];
        await store.commitOffsets(groupId, offsets);
        expect(await fetchedSorted(groupId)).toEqual(offsets);
      });

      it('keep empty metadata empty (Kafka answers "" for an offset committed without metadata)', async () => {
        const groupId = newGroupId('metadata');
        await store.commitOffsets(groupId, [offset('t', 0, { metadata: '' })]);
        const [fetched] = await store.fetchOffsets(groupId);
        expect(fetched?.metadata).toBe('');
      });

      it('round-trip any metadata string a client sends: to Kafka it is opaque (NUL, backslashes, escapes, emoji)', async () => {
        const groupId = newGroupId('metadata-any');
        const offsets = [
          offset('t', 0, { metadata: 'before\u0000after' }),
          offset('t', 1, { metadata: '\u0000' }),
          offset('t', 2, { metadata: 'back\\slash \\x00 \\0 %s \' "' }),
          offset('t', 3, { metadata: '\u{1F600}\u0001\u007f' }),
        ];
        await store.commitOffsets(groupId, offsets);
        expect(await fetchedSorted(groupId)).toEqual(offsets);
      });

      it('replace every field of a partition committed again, and leave the others', async () => {
        const groupId = newGroupId('recommit');
        await store.commitOffsets(groupId, [
          offset('t', 0, { offset: 1n, leaderEpoch: 1, metadata: 'old', expireTimestampMs: 1_700_000_100_000 }),
          offset('t', 1, { offset: 10n }),
        ]);
        const again = offset('t', 0, {
          offset: 2n,
          leaderEpoch: 3,
          metadata: '',
          commitTimestampMs: 1_700_000_050_000,
          expireTimestampMs: null,
        });
        await store.commitOffsets(groupId, [again]);
        expect(await fetchedSorted(groupId)).toEqual([again, offset('t', 1, { offset: 10n })]);
      });

      it('keep the last of two commits for one partition in a batch', async () => {
        const groupId = newGroupId('duplicate');
        await store.commitOffsets(groupId, [offset('t', 0, { offset: 1n }), offset('t', 0, { offset: 2n })]);
        expect(await store.fetchOffsets(groupId)).toEqual([offset('t', 0, { offset: 2n })]);
      });

      it('belong to their group: the same partition in another group is separate', async () => {
        const a = newGroupId('group-a');
        const b = newGroupId('group-b');
        await store.commitOffsets(a, [offset('shared', 0, { offset: 1n })]);
        await store.commitOffsets(b, [offset('shared', 0, { offset: 2n })]);
        expect(await store.fetchOffsets(a)).toEqual([offset('shared', 0, { offset: 1n })]);
        expect(await store.fetchOffsets(b)).toEqual([offset('shared', 0, { offset: 2n })]);
      });

      it('are fetched for all topics, or only for the topics asked for', async () => {
        const groupId = newGroupId('filter');
        const all = [offset('a', 0), offset('a', 1), offset('b', 0), offset('c', 4)];
        await store.commitOffsets(groupId, all);
        expect(await fetchedSorted(groupId)).toEqual(all);
        expect(await fetchedSorted(groupId, ['a', 'c'])).toEqual([offset('a', 0), offset('a', 1), offset('c', 4)]);
        expect(await store.fetchOffsets(groupId, ['not-committed'])).toEqual([]);
        expect(await store.fetchOffsets(groupId, [])).toEqual([]);
        expect(await store.fetchOffsets(newGroupId('unknown'))).toEqual([]);
      });

      it('are deleted per partition; missing partitions are skipped and the group stays', async () => {
        const groupId = newGroupId('delete-offsets');
        const other = newGroupId('delete-offsets-other');
        await store.saveGroup(stableGroup(groupId));
        await store.commitOffsets(groupId, [offset('a', 0), offset('a', 1), offset('b', 0)]);
        await store.commitOffsets(other, [offset('a', 0)]);
        await store.deleteOffsets(groupId, [
          { topic: 'a', partition: 0 },
          { topic: 'b', partition: 0 },
          { topic: 'b', partition: 9 },
          { topic: 'never', partition: 0 },
        ]);
        expect(await store.fetchOffsets(groupId)).toEqual([offset('a', 1)]);
        expect(await store.fetchOffsets(other)).toEqual([offset('a', 0)]);
        expect(await loaded(groupId)).toEqual(stableGroup(groupId));
        await store.deleteOffsets(groupId, []);
        expect(await store.fetchOffsets(groupId)).toEqual([offset('a', 1)]);
      });

      it('of every topic can be deleted, leaving an offsets-only group known with none', async () => {
        const groupId = newGroupId('expire-all');
        await store.commitOffsets(groupId, [offset('a', 0), offset('b', 1)]);
        await store.deleteOffsets(groupId, [
          { topic: 'a', partition: 0 },
          { topic: 'b', partition: 1 },
        ]);
        expect(await store.fetchOffsets(groupId)).toEqual([]);
        expect(await loaded(groupId)).toBeDefined();
      });

      it('are not created by deleting them from an unknown group', async () => {
        const groupId = newGroupId('delete-unknown');
        await store.deleteOffsets(groupId, [{ topic: 'a', partition: 0 }]);
        expect(await loaded(groupId)).toBeUndefined();
        expect(await store.fetchOffsets(groupId)).toEqual([]);
      });
    });
  });
}
