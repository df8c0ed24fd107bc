import type { CommittedOffsetRow, GroupOffsetRepository, OffsetCommit, StoredGroup } from '../model.js';
import { compareStrings, type TableAccess } from './access.js';
import type { Durability } from './journal.js';
import { keys, type GroupRow, type MetadataTables, type OffsetRow, type Writes } from './tables.js';

/**
 * Groups' changes return once written, not fdatasync'd (see {@link Durability}): Kafka keeps them
 * in __consumer_offsets, which it does not fsync either, and under a load that filled the page
 * cache an fdatasync took 0.25-2.5 s, which every commit and the group's heartbeats behind it waited.
 */
const GROUPS: Durability = 'written';

/** Consumer groups' persisted state and committed offsets, in the journal store's tables. */
export class JournalGroupOffsetRepository implements GroupOffsetRepository {
  constructor(private readonly access: TableAccess) {}

  async commit(groupId: string, commits: OffsetCommit[]): Promise<void> {
    await this.access.write((tables, writes) => {
      const now = new Date();
      if (tables.groups.get(groupId) === undefined) writes.put('groups', groupId, emptyGroup(groupId, now));
      for (const commit of commits) {
        const row: OffsetRow = {
          groupId,
          topic: commit.topic,
          partitionIndex: commit.partitionIndex,
          committedOffset: commit.offset,
          leaderEpoch: commit.leaderEpoch ?? -1,
          metadata: commit.metadata ?? null,
          commitTimestamp: new Date(commit.commitTimestamp ?? now),
          expireTimestamp: commit.expireTimestamp ? new Date(commit.expireTimestamp) : null,
        };
        writes.put('offsets', keys.offset(row), row);
      }
    }, GROUPS);
  }

  async fetch(groupId: string, topics?: string[]): Promise<CommittedOffsetRow[]> {
    return this.access.read((tables) => {
      const wanted = topics && new Set(topics);
      return [...tables.offsets.group(groupId)]
        .filter((row) => wanted === undefined || wanted.has(row.topic))
        .sort((a, b) => compareStrings(a.topic, b.topic) || a.partitionIndex - b.partitionIndex)
        .map((row) => ({
          topic: row.topic,
          partitionIndex: row.partitionIndex,
          offset: row.committedOffset,
          leaderEpoch: row.leaderEpoch,
          metadata: row.metadata,
          commitTimestamp: new Date(row.commitTimestamp),
          expireTimestamp: row.expireTimestamp && new Date(row.expireTimestamp),
        }));
    });
  }

  async saveGroup(group: StoredGroup): Promise<void> {
    await this.access.write((tables, writes) => {
      const now = new Date();
      const current = tables.groups.get(group.groupId) ?? emptyGroup(group.groupId, now);
      writes.put('groups', group.groupId, {
        ...current,
        protocolType: group.protocolType,
        protocolName: group.protocolName,
        state: group.state,
        generationId: group.generationId,
        leaderId: group.leaderId,
        // Absent: kept as it was (an update leaves out what it does not name).
        stateTimestampMs: group.stateTimestampMs === undefined ? current.stateTimestampMs : group.stateTimestampMs,
        members: structuredClone(group.members ?? []),
        updatedAt: now,
      });
    }, GROUPS);
  }

  async loadGroups(): Promise<Required<StoredGroup>[]> {
    return this.access.read((tables) =>
      sortedGroups(tables).map((row) => ({
        groupId: row.groupId,
        protocolType: row.protocolType,
        protocolName: row.protocolName,
        state: row.state,
        generationId: row.generationId,
        leaderId: row.leaderId,
        stateTimestampMs: row.stateTimestampMs,
        members: structuredClone(row.members),
      })),
    );
  }

  async deleteOffsets(groupId: string, partitions: { topic: string; partitionIndex: number }[]): Promise<void> {
    if (partitions.length === 0) return;
    await this.access.write((tables, writes) => {
      for (const partition of partitions) {
        const key = keys.offset({ groupId, ...partition });
        if (tables.offsets.get(key) !== undefined) writes.delete('offsets', key);
      }
    }, GROUPS);
  }

  async listGroups(): Promise<{ groupId: string; protocolType: string; state: string; generationId: number }[]> {
    return this.access.read((tables) =>
      sortedGroups(tables).map((row) => ({
        groupId: row.groupId,
        protocolType: row.protocolType,
        state: row.state,
        generationId: row.generationId,
      })),
    );
  }

  async deleteGroup(groupId: string): Promise<boolean> {
    return this.access.write((tables, writes) => deleteGroup(tables, writes, groupId), GROUPS);
  }
}

function deleteGroup(tables: MetadataTables, writes: Writes, groupId: string): boolean {
  if (tables.groups.get(groupId) === undefined) return false;
  for (const offset of [...tables.offsets.group(groupId)]) writes.delete('offsets', keys.offset(offset));
  writes.delete('groups', groupId);
  return true;
}

function emptyGroup(groupId: string, now: Date): GroupRow {
  return {
    groupId,
    protocolType: '',
    protocolName: null,
    state: 'Empty',
    generationId: 0,
    leaderId: null,
    stateTimestampMs: null,
    members: [],
    updatedAt: now,
  };
}

function sortedGroups(tables: MetadataTables): GroupRow[] {
  return [...tables.groups.values()].sort((a, b) => compareStrings(a.groupId, b.groupId));
}
