import {
  changePartition,
  type BrokerLookup,
  type BrokerRegistration,
  type ElectionOptions,
  type PartitionRegistration,
} from '@strom/replication';
import type { Prisma } from '../generated/prisma/client.js';
import { invariant } from '../errors.js';
import type { Db } from './tx.js';

/** Kafka's topic config (and cluster-wide default) that allows an out-of-sync replica to lead. */
const UNCLEAN_LEADER_ELECTION = 'unclean.leader.election.enable';

/** A partition after an election or ISR change, as failover records and replies report it. */
export interface PartitionChange {
  topicId: string;
  topic: string;
  partitionIndex: number;
  leaderId: number;
  leaderEpoch: number;
  isr: number[];
}

/** What elections need beyond the store: the static cluster default of unclean election. */
export interface ElectionDefaults {
  /** unclean.leader.election.enable of the static configuration (Kafka's default: false). */
  uncleanLeaderElection: boolean;
}

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
  const byId = new Map<number, BrokerRegistration>(
    rows.map((row) => [
      row.id,
      {
        brokerId: row.id,
        brokerEpoch: Number(row.epoch),
        fenced: row.fenced,
        inControlledShutdown: row.inControlledShutdown,
        rack: row.rack ?? undefined,
      },
    ]),
  );
  return (id) => byId.get(id);
}

type PartitionRow = Prisma.PartitionGetPayload<{ include: { topic: { select: { name: true } } } }>;

export function toRegistration(
  row: Pick<PartitionRow, 'replicas' | 'isr' | 'leaderId' | 'leaderEpoch' | 'partitionEpoch' | 'leaderRecoveryState'>,
): PartitionRegistration {
  return {
    replicas: row.replicas,
    isr: row.isr,
    leader: row.leaderId,
    leaderEpoch: row.leaderEpoch,
    partitionEpoch: row.partitionEpoch,
    leaderRecoveryState: toRecoveryState(row.leaderRecoveryState),
  };
}

export function toRecoveryState(value: string): 'RECOVERED' | 'RECOVERING' {
  invariant(value === 'RECOVERED' || value === 'RECOVERING', `leader recovery state is RECOVERED or RECOVERING, not ${value}`);
  return value;
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
  invariant(next.partitionEpoch === current.partitionEpoch + 1, 'the partition epoch grows by one per change');
  invariant(next.leaderEpoch >= current.leaderEpoch, 'the leader epoch never goes back');
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

/**
 * unclean.leader.election.enable per topic: the topic's override, else the dynamic cluster-wide
 * default, else the static one (Kafka's order of config layers).
 */
export async function uncleanElection(tx: Db, topicIds: string[], defaults: ElectionDefaults): Promise<Map<string, boolean>> {
  const overrides = await tx.topicConfig.findMany({ where: { topicId: { in: topicIds }, name: UNCLEAN_LEADER_ELECTION } });
  const cluster = await tx.clusterConfig.findUnique({ where: { name: UNCLEAN_LEADER_ELECTION } });
  const fallback = cluster === null ? defaults.uncleanLeaderElection : cluster.value.toLowerCase() === 'true';
  const result = new Map(topicIds.map((id) => [id, fallback]));
  for (const override of overrides) result.set(override.topicId, override.value.toLowerCase() === 'true');
  return result;
}
