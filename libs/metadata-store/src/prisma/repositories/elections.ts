import { changePartition, type BrokerLookup, type ElectionOptions, type PartitionRegistration } from '@strom/replication';
import type { Prisma } from '../../generated/prisma/client.js';
import {
  assertPartitionChange,
  toBrokerRegistration,
  toRegistration,
  UNCLEAN_LEADER_ELECTION,
  uncleanElectionEnabled,
} from '../../elections.js';
import type { ElectionDefaults, PartitionChange } from '../../model.js';
import type { Db } from './tx.js';

/**
 * A compare-and-set on a partition epoch lost to another writer inside a transaction: the
 * transaction is rolled back and run again on fresh reads.
 */
export class CasConflict extends Error {
  constructor(what: string) {
    super(`partition epoch of ${what} changed under this transaction`);
    this.name = 'CasConflict';
  }
}

/** Attempts of a transaction that lost compare-and-sets before the error reaches the caller. */
const MAX_CAS_ATTEMPTS = 8;

/** Runs `attempt` again (a fresh transaction) while it loses a compare-and-set, a bounded number of times. */
export async function retryOnCasConflict<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof CasConflict) || tries >= MAX_CAS_ATTEMPTS) throw error;
    }
  }
}

/** Every broker's registration, as @strom/replication looks them up. */
export async function brokerLookup(tx: Db): Promise<BrokerLookup> {
  const rows = await tx.broker.findMany();
  const byId = new Map(rows.map((row) => [row.id, toBrokerRegistration(row)]));
  return (id) => byId.get(id);
}

/**
 * Writes `next` over `current` if the partition epoch is still the one read (compare-and-set);
 * throws {@link CasConflict} when another writer changed it first.
 */
export async function writePartition(
  tx: Db,
  key: { topicId: string; partitionIndex: number },
  current: PartitionRegistration,
  next: PartitionRegistration,
): Promise<void> {
  assertPartitionChange(current, next);
  const updated = await tx.partition.updateMany({
    where: { topicId: key.topicId, partitionIndex: key.partitionIndex, partitionEpoch: current.partitionEpoch },
    data: {
      isr: [...next.isr],
      leaderId: next.leader,
      leaderEpoch: next.leaderEpoch,
      partitionEpoch: next.partitionEpoch,
      leaderRecoveryState: next.leaderRecoveryState,
    },
  });
  if (updated.count !== 1) throw new CasConflict(`${key.topicId}-${key.partitionIndex}`);
}

/**
 * Runs Kafka's partition change (fencing `brokerToRemove` out of ISRs and leaderships, electing
 * leaders where needed) over the partitions `where` selects, writing each change with a
 * compare-and-set. Returns the partitions that changed. The caller bumps the metadata version.
 */
export async function electPartitions(
  tx: Db,
  where: Prisma.PartitionWhereInput,
  defaults: ElectionDefaults,
  brokerToRemove?: number,
): Promise<PartitionChange[]> {
  const rows = await tx.partition.findMany({
    where,
    include: { topic: { select: { name: true } } },
    orderBy: [{ topicId: 'asc' }, { partitionIndex: 'asc' }],
  });
  if (rows.length === 0) return [];
  const brokers = await brokerLookup(tx);
  const unclean = await uncleanElection(tx, [...new Set(rows.map((row) => row.topicId))], defaults);
  const changes: PartitionChange[] = [];
  for (const row of rows) {
    const current = toRegistration(row);
    const options: ElectionOptions = {
      uncleanLeaderElection: unclean.get(row.topicId) ?? defaults.uncleanLeaderElection,
      ...(brokerToRemove === undefined ? {} : { brokerToRemove }),
    };
    const next = changePartition(current, brokers, options);
    if (next === current) continue;
    await writePartition(tx, { topicId: row.topicId, partitionIndex: row.partitionIndex }, current, next);
    changes.push({
      topicId: row.topicId,
      topic: row.topic.name,
      partitionIndex: row.partitionIndex,
      leaderId: next.leader,
      leaderEpoch: next.leaderEpoch,
      isr: [...next.isr],
    });
  }
  return changes;
}

/** unclean.leader.election.enable per topic (see {@link uncleanElectionEnabled}). */
async function uncleanElection(tx: Db, topicIds: string[], defaults: ElectionDefaults): Promise<Map<string, boolean>> {
  const overrides = await tx.topicConfig.findMany({ where: { topicId: { in: topicIds }, name: UNCLEAN_LEADER_ELECTION } });
  const cluster = await tx.clusterConfig.findUnique({ where: { name: UNCLEAN_LEADER_ELECTION } });
  const byTopic = new Map(overrides.map((override) => [override.topicId, override.value]));
  return new Map(topicIds.map((id) => [id, uncleanElectionEnabled(byTopic.get(id), cluster?.value, defaults.uncleanLeaderElection)]));
}
