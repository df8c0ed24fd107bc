import { randomUUID } from 'node:crypto';
import { Prisma, type PrismaClient } from '../../generated/prisma/client.js';
import { invariant, MetadataError } from '../../errors.js';
import { toRecoveryState } from '../../elections.js';
import type { LeadershipChange, NewTopic, PartitionState, TopicRepository, TopicState } from '../../model.js';
import { bumpMetadataVersion } from './tx.js';

/** Topics, partitions, assignments, leaders, epochs, ISR and topic configs, in Postgres. */
export class PrismaTopicRepository implements TopicRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async create(topic: NewTopic): Promise<TopicState> {
    invariant(topic.assignments.length > 0, 'a topic has at least one partition');
    const id = topic.id ?? randomUUID();
    try {
      await this.prisma.$transaction(async (tx) => {
        await tx.topic.create({
          data: {
            id,
            name: topic.name,
            internal: topic.internal ?? false,
            partitions: {
              create: topic.assignments.map((replicas, partitionIndex) => ({
                partitionIndex,
                replicas,
                isr: replicas,
                leaderId: replicas[0] ?? -1,
              })),
            },
            configs: { create: Object.entries(topic.configs ?? {}).map(([name, value]) => ({ name, value })) },
          },
        });
        await bumpMetadataVersion(tx);
      });
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
        throw new MetadataError('TOPIC_ALREADY_EXISTS', `topic '${topic.name}' already exists`);
      }
      throw error;
    }
    const created = await this.byName(topic.name);
    invariant(created, 'a created topic can be read back');
    return created;
  }

  async byName(name: string): Promise<TopicState | undefined> {
    const row = await this.prisma.topic.findUnique({ where: { name }, include: includeAll });
    return row ? toTopicState(row) : undefined;
  }

  async byId(id: string): Promise<TopicState | undefined> {
    const row = await this.prisma.topic.findUnique({ where: { id }, include: includeAll });
    return row ? toTopicState(row) : undefined;
  }

  async list(): Promise<TopicState[]> {
    const rows = await this.prisma.topic.findMany({ include: includeAll, orderBy: { name: 'asc' } });
    return rows.map(toTopicState);
  }

  /**
   * Deletes a topic (and its partitions and configs) and every group's committed offsets for it,
   * as Kafka's coordinator drops the offsets of deleted partitions; false when there was none.
   */
  async delete(name: string): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      const deleted = await tx.topic.deleteMany({ where: { name } });
      if (deleted.count === 1) {
        await tx.committedOffset.deleteMany({ where: { topic: name } });
        await bumpMetadataVersion(tx);
      }
      return deleted.count === 1;
    });
  }

  /**
   * Adds partitions to a topic (CreatePartitions): `assignments` are the replica lists of the
   * new partitions, numbered after the existing ones. Partitions are never removed.
   */
  async addPartitions(name: string, assignments: number[][]): Promise<TopicState> {
    await this.prisma.$transaction(async (tx) => {
      const topic = await tx.topic.findUnique({ where: { name }, include: { partitions: true } });
      if (!topic) throw new MetadataError('UNKNOWN_TOPIC', `topic '${name}' does not exist`);
      const first = topic.partitions.length;
      await tx.partition.createMany({
        data: assignments.map((replicas, offset) => ({
          topicId: topic.id,
          partitionIndex: first + offset,
          replicas,
          isr: replicas,
          leaderId: replicas[0] ?? -1,
        })),
      });
      await bumpMetadataVersion(tx);
    });
    const updated = await this.byName(name);
    invariant(updated, 'a topic with added partitions can be read back');
    return updated;
  }

  /** Sets (value) or removes (null) topic config overrides in one change. */
  async alterConfigs(name: string, changes: Record<string, string | null>): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      const topic = await tx.topic.findUnique({ where: { name } });
      if (!topic) throw new MetadataError('UNKNOWN_TOPIC', `topic '${name}' does not exist`);
      for (const [key, value] of Object.entries(changes)) {
        if (value === null) await tx.topicConfig.deleteMany({ where: { topicId: topic.id, name: key } });
        else
          await tx.topicConfig.upsert({
            where: { topicId_name: { topicId: topic.id, name: key } },
            create: { topicId: topic.id, name: key, value },
            update: { value },
          });
      }
      await bumpMetadataVersion(tx);
    });
  }

  /**
   * Changes a partition's leader and ISR if its partition epoch is still `expectedPartitionEpoch`
   * (compare-and-set: of two writers, only one wins). The partition epoch grows by one on every
   * change, the leader epoch when the leader changes. Returns the new state, or undefined when
   * the caller's view was stale.
   */
  async changeLeadership(
    topicId: string,
    partitionIndex: number,
    expectedPartitionEpoch: number,
    change: LeadershipChange,
  ): Promise<PartitionState | undefined> {
    return this.prisma.$transaction(async (tx) => {
      const current = await tx.partition.findUnique({ where: { topicId_partitionIndex: { topicId, partitionIndex } } });
      if (!current) throw new MetadataError('UNKNOWN_TOPIC', `partition ${topicId}-${partitionIndex} does not exist`);
      if (current.partitionEpoch !== expectedPartitionEpoch) return undefined;
      const leaderEpoch = current.leaderId === change.leaderId ? current.leaderEpoch : current.leaderEpoch + 1;
      const updated = await tx.partition.updateMany({
        where: { topicId, partitionIndex, partitionEpoch: expectedPartitionEpoch },
        data: { leaderId: change.leaderId, isr: change.isr, leaderEpoch, partitionEpoch: expectedPartitionEpoch + 1 },
      });
      if (updated.count !== 1) return undefined;
      await bumpMetadataVersion(tx);
      const after = await tx.partition.findUniqueOrThrow({ where: { topicId_partitionIndex: { topicId, partitionIndex } } });
      invariant(after.leaderEpoch >= current.leaderEpoch, 'leader epoch never goes back');
      invariant(after.partitionEpoch === current.partitionEpoch + 1, 'partition epoch grows by one per change');
      return toPartitionState(after);
    });
  }
}

const includeAll = { partitions: { orderBy: { partitionIndex: 'asc' as const } }, configs: true } as const;

type TopicRow = Prisma.TopicGetPayload<{ include: typeof includeAll }>;

function toTopicState(row: TopicRow): TopicState {
  return {
    id: row.id,
    name: row.name,
    internal: row.internal,
    partitions: row.partitions.map(toPartitionState),
    configs: Object.fromEntries(row.configs.map((config) => [config.name, config.value])),
  };
}

function toPartitionState(row: TopicRow['partitions'][number]): PartitionState {
  return {
    partitionIndex: row.partitionIndex,
    replicas: row.replicas,
    isr: row.isr,
    leaderId: row.leaderId,
    leaderEpoch: row.leaderEpoch,
    partitionEpoch: row.partitionEpoch,
    leaderRecoveryState: toRecoveryState(row.leaderRecoveryState),
  };
}
