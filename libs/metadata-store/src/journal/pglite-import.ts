// Reads an older embedded Strom's PGlite store, whole, into the journal store's tables. Loaded
// only when a data dir still holds one (journal/open.ts imports this module on demand).
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '../generated/prisma/client.js';
import { openPglite } from '../prisma/open.js';
import type { PartitionChange } from '../model.js';
import { keys, MetadataTables, type Writes } from './tables.js';

/** Every row of the PGlite store in `pgliteDir` (migrated first, as opening it always did), as tables. */
export async function readPgliteTables(pgliteDir: string): Promise<MetadataTables> {
  const pglite = await openPglite(pgliteDir);
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  try {
    const tables = new MetadataTables();
    const rows = await readAll(prisma);
    tables.change((writes) => writeAll(writes, rows));
    return tables;
  } finally {
    await prisma.$disconnect();
    await pglite.close();
  }
}

type AllRows = Awaited<ReturnType<typeof readAll>>;

async function readAll(prisma: PrismaClient) {
  return {
    cluster: await prisma.metadataVersion.findUnique({ where: { id: 1 } }),
    producerIds: await prisma.producerIdBlock.findUnique({ where: { id: 1 } }),
    clusterConfigs: await prisma.clusterConfig.findMany(),
    brokers: await prisma.broker.findMany({ include: { endpoints: { orderBy: { name: 'asc' } }, configs: true } }),
    topics: await prisma.topic.findMany({ include: { partitions: true, configs: true } }),
    failovers: await prisma.brokerFailover.findMany(),
    groups: await prisma.consumerGroup.findMany({ include: { offsets: true } }),
    scram: await prisma.scramCredential.findMany(),
    acls: await prisma.acl.findMany({ orderBy: { id: 'asc' } }),
    groupConfigs: await prisma.groupConfig.findMany(),
  };
}

function writeAll(writes: Writes, rows: AllRows): void {
  const acls = rows.acls;
  writes.put('cluster', keys.cluster(), {
    version: rows.cluster?.version ?? 0n,
    clusterId: rows.cluster?.clusterId ?? '',
    nextProducerId: rows.producerIds?.nextProducerId ?? 0n,
    nextAclId: acls.reduce((max, acl) => Math.max(max, acl.id), 0) + 1,
    brokerConfigs: Object.fromEntries(rows.clusterConfigs.map((config) => [config.name, config.value])),
  });
  for (const { endpoints, configs, ...broker } of rows.brokers) {
    writes.put('brokers', keys.broker(broker.id), {
      ...broker,
      endpoints: endpoints.map(({ name, host, port, securityProtocol }) => ({ name, host, port, securityProtocol })),
      configs: Object.fromEntries(configs.map((config) => [config.name, config.value])),
    });
  }
  for (const { partitions, configs, ...topic } of rows.topics) {
    writes.put('topics', topic.id, { ...topic, configs: Object.fromEntries(configs.map((config) => [config.name, config.value])) });
    for (const partition of partitions) {
      writes.put('partitions', keys.partition(partition.topicId, partition.partitionIndex), {
        ...partition,
        leaderRecoveryState: partition.leaderRecoveryState === 'RECOVERING' ? 'RECOVERING' : 'RECOVERED',
      });
    }
  }
  for (const failover of rows.failovers) {
    writes.put('failovers', keys.failover(failover.brokerId, failover.brokerEpoch), {
      ...failover,
      reason: failover.reason === 'restarted' ? 'restarted' : 'lease-expired',
      partitions: failover.partitions as unknown as PartitionChange[],
    });
  }
  for (const { offsets, ...group } of rows.groups) {
    writes.put('groups', group.groupId, { ...group, members: Array.isArray(group.members) ? (group.members as unknown[]) : [] });
    for (const offset of offsets)
      writes.put('offsets', keys.offset(offset), {
        ...offset,
        metadata: offset.metadata === null ? null : Buffer.from(offset.metadata).toString('utf8'),
      });
  }
  for (const credential of rows.scram) writes.put('scram', keys.scram(credential.user, credential.mechanism), credential);
  for (const acl of acls) writes.put('acls', keys.acl(acl.id), acl);
  const groupConfigs = new Map<string, Record<string, string>>();
  for (const { groupId, name, value } of rows.groupConfigs) {
    const configs = groupConfigs.get(groupId) ?? {};
    configs[name] = value;
    groupConfigs.set(groupId, configs);
  }
  for (const [groupId, configs] of groupConfigs) writes.put('groupConfigs', keys.groupConfig(groupId), { groupId, configs });
}
