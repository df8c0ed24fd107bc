import type { MetadataStore } from '@strom/metadata-store';
import type { GroupStore, PersistedGroup, PersistedMember, PersistedOffset, TopicPartitionRef } from './groups/index.js';

interface MemberJson {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  subscription: string;
  assignment: string;
}

/** The group coordinator's persistence over the metadata store (Postgres, or the journal store when embedded). */
export class MetadataGroupStore implements GroupStore {
  constructor(private readonly store: MetadataStore) {}

  async loadGroups(): Promise<PersistedGroup[]> {
    const rows = await this.store.offsets.loadGroups();
    return rows.map((row) => ({
      groupId: row.groupId,
      protocolType: row.protocolType === '' ? null : row.protocolType,
      generationId: row.generationId,
      protocolName: row.protocolName,
      leader: row.leaderId,
      currentStateTimestampMs: row.stateTimestampMs === null ? null : Number(row.stateTimestampMs),
      members: (row.members as MemberJson[]).map((member): PersistedMember => ({
        ...member,
        subscription: Buffer.from(member.subscription, 'base64'),
        assignment: Buffer.from(member.assignment, 'base64'),
      })),
    }));
  }

  async saveGroup(group: PersistedGroup): Promise<void> {
    await this.store.offsets.saveGroup({
      groupId: group.groupId,
      protocolType: group.protocolType ?? '',
      protocolName: group.protocolName,
      state: group.members.length > 0 ? 'Stable' : 'Empty',
      generationId: group.generationId,
      leaderId: group.leader,
      stateTimestampMs: group.currentStateTimestampMs === null ? null : BigInt(group.currentStateTimestampMs),
      members: group.members.map((member): MemberJson => ({
        ...member,
        subscription: member.subscription.toString('base64'),
        assignment: member.assignment.toString('base64'),
      })),
    });
  }

  async deleteGroup(groupId: string): Promise<void> {
    await this.store.offsets.deleteGroup(groupId);
  }

  async commitOffsets(groupId: string, offsets: PersistedOffset[]): Promise<void> {
    await this.store.offsets.commit(
      groupId,
      offsets.map((offset) => ({
        topic: offset.topic,
        partitionIndex: offset.partition,
        offset: offset.offset,
        leaderEpoch: offset.leaderEpoch,
        metadata: offset.metadata,
        commitTimestamp: new Date(offset.commitTimestampMs),
        expireTimestamp: offset.expireTimestampMs === null ? null : new Date(offset.expireTimestampMs),
      })),
    );
  }

  async fetchOffsets(groupId: string, topics?: string[]): Promise<PersistedOffset[]> {
    const rows = await this.store.offsets.fetch(groupId, topics);
    return rows.map((row) => ({
      topic: row.topic,
      partition: row.partitionIndex,
      offset: row.offset,
      leaderEpoch: row.leaderEpoch,
      metadata: row.metadata ?? '',
      commitTimestampMs: row.commitTimestamp.getTime(),
      expireTimestampMs: row.expireTimestamp === null ? null : row.expireTimestamp.getTime(),
    }));
  }

  async deleteOffsets(groupId: string, partitions: TopicPartitionRef[]): Promise<void> {
    await this.store.offsets.deleteOffsets(
      groupId,
      partitions.map((p) => ({ topic: p.topic, partitionIndex: p.partition })),
    );
  }
}
