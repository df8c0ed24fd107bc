import type { Prisma, PrismaClient } from '../../generated/prisma/client.js';
import type { CommittedOffsetRow, GroupOffsetRepository, OffsetCommit, StoredGroup } from '../../model.js';

/** Consumer groups' persisted state and committed offsets, in Postgres. */
export class PrismaGroupOffsetRepository implements GroupOffsetRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** Commits a batch of offsets for a group atomically (creating the group row if needed). */
  async commit(groupId: string, commits: OffsetCommit[]): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      await tx.consumerGroup.upsert({ where: { groupId }, create: { groupId }, update: {} });
      for (const commit of commits) {
        const data = {
          committedOffset: commit.offset,
          leaderEpoch: commit.leaderEpoch ?? -1,
          metadata: commit.metadata == null ? null : Buffer.from(commit.metadata, 'utf8'),
          commitTimestamp: commit.commitTimestamp ?? new Date(),
          expireTimestamp: commit.expireTimestamp ?? null,
        };
        await tx.committedOffset.upsert({
          where: { groupId_topic_partitionIndex: { groupId, topic: commit.topic, partitionIndex: commit.partitionIndex } },
          create: { groupId, topic: commit.topic, partitionIndex: commit.partitionIndex, ...data },
          update: data,
        });
      }
    });
  }

  /** The group's committed offsets, optionally only for some topics. */
  async fetch(groupId: string, topics?: string[]): Promise<CommittedOffsetRow[]> {
    const rows = await this.prisma.committedOffset.findMany({
      where: { groupId, ...(topics ? { topic: { in: topics } } : {}) },
      orderBy: [{ topic: 'asc' }, { partitionIndex: 'asc' }],
    });
    return rows.map((row) => ({
      topic: row.topic,
      partitionIndex: row.partitionIndex,
      offset: row.committedOffset,
      leaderEpoch: row.leaderEpoch,
      metadata: row.metadata === null ? null : Buffer.from(row.metadata).toString('utf8'),
      commitTimestamp: row.commitTimestamp,
      expireTimestamp: row.expireTimestamp,
    }));
  }

  async saveGroup(group: StoredGroup): Promise<void> {
    const { groupId, members, ...rest } = group;
    const data = { ...rest, members: (members ?? []) as Prisma.InputJsonValue };
    await this.prisma.consumerGroup.upsert({ where: { groupId }, create: { groupId, ...data }, update: data });
  }

  /** Every group with its persisted state and members. */
  async loadGroups(): Promise<Required<StoredGroup>[]> {
    const rows = await this.prisma.consumerGroup.findMany({ orderBy: { groupId: 'asc' } });
    return rows.map((row) => ({
      groupId: row.groupId,
      protocolType: row.protocolType,
      protocolName: row.protocolName,
      state: row.state,
      generationId: row.generationId,
      leaderId: row.leaderId,
      stateTimestampMs: row.stateTimestampMs,
      members: Array.isArray(row.members) ? (row.members as unknown[]) : [],
    }));
  }

  /** Deletes some committed offsets of a group (OffsetDelete, retention). */
  async deleteOffsets(groupId: string, partitions: { topic: string; partitionIndex: number }[]): Promise<void> {
    if (partitions.length === 0) return;
    await this.prisma.committedOffset.deleteMany({
      where: { groupId, OR: partitions.map((p) => ({ topic: p.topic, partitionIndex: p.partitionIndex })) },
    });
  }

  async listGroups(): Promise<{ groupId: string; protocolType: string; state: string; generationId: number }[]> {
    return this.prisma.consumerGroup.findMany({
      select: { groupId: true, protocolType: true, state: true, generationId: true },
      orderBy: { groupId: 'asc' },
    });
  }

  /** Deletes a group and its offsets; false when there was none. */
  async deleteGroup(groupId: string): Promise<boolean> {
    const deleted = await this.prisma.consumerGroup.deleteMany({ where: { groupId } });
    return deleted.count === 1;
  }
}
