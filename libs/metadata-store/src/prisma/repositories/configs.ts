import type { PrismaClient } from '../../generated/prisma/client.js';
import { MetadataError } from '../../errors.js';
import type { BrokerConfigRepository, DynamicBrokerConfigs, DynamicGroupConfigs, GroupConfigRepository } from '../../model.js';
import { bumpMetadataVersion, type Db } from './tx.js';

/** Dynamic broker configs (AlterConfigs on BROKER resources), stored as Kafka stores them: by name, in Postgres. */
export class PrismaBrokerConfigRepository implements BrokerConfigRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async list(): Promise<DynamicBrokerConfigs> {
    const [cluster, brokers] = await Promise.all([this.prisma.clusterConfig.findMany(), this.prisma.brokerConfig.findMany()]);
    const result: DynamicBrokerConfigs = { cluster: {}, brokers: {} };
    for (const row of cluster) result.cluster[row.name] = row.value;
    for (const row of brokers) (result.brokers[row.brokerId] ??= {})[row.name] = row.value;
    return result;
  }

  /**
   * Sets (value) or removes (null) configs in one change: of one broker, or cluster-wide when
   * `brokerId` is null. `replace`: every config of that resource not named in `changes` goes too
   * (AlterConfigs semantics).
   */
  async alter(brokerId: number | null, changes: Record<string, string | null>, replace: boolean): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      if (brokerId === null) await alterCluster(tx, changes, replace);
      else await alterBroker(tx, brokerId, changes, replace);
      await bumpMetadataVersion(tx);
    });
  }
}

/** Group configs (AlterConfigs on GROUP resources), by group id and name. */
export class PrismaGroupConfigRepository implements GroupConfigRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async list(): Promise<DynamicGroupConfigs> {
    const result: DynamicGroupConfigs = {};
    for (const row of await this.prisma.groupConfig.findMany()) (result[row.groupId] ??= {})[row.name] = row.value;
    return result;
  }

  async alter(groupId: string, changes: Record<string, string | null>, replace: boolean): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      if (replace) await tx.groupConfig.deleteMany({ where: { groupId, name: { notIn: Object.keys(changes) } } });
      for (const [name, value] of Object.entries(changes)) {
        if (value === null) await tx.groupConfig.deleteMany({ where: { groupId, name } });
        else
          await tx.groupConfig.upsert({
            where: { groupId_name: { groupId, name } },
            create: { groupId, name, value },
            update: { value },
          });
      }
      await bumpMetadataVersion(tx);
    });
  }
}

async function alterCluster(tx: Db, changes: Record<string, string | null>, replace: boolean): Promise<void> {
  if (replace) await tx.clusterConfig.deleteMany({ where: { name: { notIn: Object.keys(changes) } } });
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) await tx.clusterConfig.deleteMany({ where: { name } });
    else await tx.clusterConfig.upsert({ where: { name }, create: { name, value }, update: { value } });
  }
}

async function alterBroker(tx: Db, brokerId: number, changes: Record<string, string | null>, replace: boolean): Promise<void> {
  if (!(await tx.broker.findUnique({ where: { id: brokerId } })))
    throw new MetadataError('UNKNOWN_BROKER', `broker ${brokerId} is not registered`);
  if (replace) await tx.brokerConfig.deleteMany({ where: { brokerId, name: { notIn: Object.keys(changes) } } });
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) await tx.brokerConfig.deleteMany({ where: { brokerId, name } });
    else
      await tx.brokerConfig.upsert({
        where: { brokerId_name: { brokerId, name } },
        create: { brokerId, name, value },
        update: { value },
      });
  }
}
