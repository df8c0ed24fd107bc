import type { Prisma, PrismaClient } from '../../generated/prisma/client.js';
import { invariant } from '../../errors.js';
import type {
  BrokerFailoverRecord,
  BrokerRegistration,
  ControlledShutdownOutcome,
  ElectionDefaults,
  FailoverReason,
  FenceOutcome,
  MembershipRepository,
  PartitionChange,
  RegistrationOutcome,
} from '../../model.js';
import { writeRegistration } from './brokers.js';
import { electPartitions, retryOnCasConflict } from './elections.js';
import { bumpMetadataVersion, type Db } from './tx.js';

/**
 * Broker membership as it moves partitions: registering (and fencing the previous incarnation),
 * fencing an expired broker epoch with its elections, controlled shutdown, and the failover
 * records that make each of those idempotent. Every method is one transaction that bumps the
 * metadata version once, with a compare-and-set on each partition epoch it writes.
 */
export class PrismaMembershipRepository implements MembershipRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /**
   * Registers a broker with a new epoch. A previous epoch still unfenced (the broker restarted
   * before its lease expired) is fenced first, its leaderships moved (Kafka's unclean shutdown
   * handling); then leaderless partitions this broker is a replica of elect leaders (Kafka's
   * `handleBrokerUnfenced`: cleanly from the ISR, uncleanly only where the topic allows it).
   */
  async register(registration: BrokerRegistration, defaults: ElectionDefaults): Promise<RegistrationOutcome> {
    return retryOnCasConflict(() =>
      this.prisma.$transaction(async (tx) => {
        const previous = await tx.broker.findUnique({ where: { id: registration.id } });
        const now = new Date();
        let fencedPrevious: BrokerFailoverRecord | undefined;
        if (previous !== null && !previous.fenced) {
          if (previous.inControlledShutdown) await fenceAfterShutdown(tx, previous, defaults);
          else fencedPrevious = await fenceEpoch(tx, previous, { reason: 'restarted', fencedBy: 'metadata-service', now }, defaults);
        }
        const epoch = (previous?.epoch ?? 0n) + 1n;
        const broker = await writeRegistration(tx, registration, epoch, now);
        invariant(broker.epoch > (previous?.epoch ?? -1n), 'broker epoch never goes back');
        const elected = await electPartitions(tx, { leaderId: -1, replicas: { has: registration.id } }, defaults);
        const version = await bumpMetadataVersion(tx);
        if (fencedPrevious) {
          await tx.brokerFailover.update({
            where: { brokerId_brokerEpoch: { brokerId: previous!.id, brokerEpoch: previous!.epoch } },
            data: { version },
          });
        }
        return { broker, fencedPrevious: fencedPrevious && { ...fencedPrevious, version }, elected };
      }),
    );
  }

  /**
   * Fences `brokerEpoch` of a broker and runs Kafka's partition change with it as the broker to
   * remove for every partition it leads or is in the ISR of, recording the outcome, all in one
   * transaction, if its lease has expired. Idempotent: once done, a second call answers the
   * recorded outcome.
   */
  async fence(brokerId: number, brokerEpoch: bigint, fencedBy: string, defaults: ElectionDefaults): Promise<FenceOutcome> {
    return retryOnCasConflict(() =>
      this.prisma.$transaction(async (tx): Promise<FenceOutcome> => {
        const recorded = await tx.brokerFailover.findUnique({ where: { brokerId_brokerEpoch: { brokerId, brokerEpoch } } });
        if (recorded) return { status: 'already-fenced', failover: toRecord(recorded) };
        const broker = await tx.broker.findUnique({ where: { id: brokerId } });
        if (broker === null || broker.epoch !== brokerEpoch) return { status: 'superseded' };
        const now = new Date();
        if (!broker.fenced && broker.leaseExpiresAt > now) return { status: 'alive' };
        if (broker.inControlledShutdown) {
          await fenceAfterShutdown(tx, broker, defaults);
          await bumpMetadataVersion(tx);
          return { status: 'shut-down' };
        }
        const failover = await fenceEpoch(tx, broker, { reason: 'lease-expired', fencedBy, now }, defaults);
        const version = await bumpMetadataVersion(tx);
        await tx.brokerFailover.update({ where: { brokerId_brokerEpoch: { brokerId, brokerEpoch } }, data: { version } });
        return { status: 'fenced', failover: { ...failover, version } };
      }),
    );
  }

  /**
   * Controlled shutdown (Kafka's `handleBrokerInControlledShutdown`): the broker is marked as
   * shutting down, so it may lead nothing and join no ISR, and leaves the ISR of every partition
   * (a sole member stays, leaderless, for a clean election when it returns); leaderships move
   * to other ISR members.
   */
  async controlledShutdown(brokerId: number, brokerEpoch: bigint, defaults: ElectionDefaults): Promise<ControlledShutdownOutcome> {
    return retryOnCasConflict(() =>
      this.prisma.$transaction(async (tx) => {
        const marked = await tx.broker.updateMany({
          where: { id: brokerId, epoch: brokerEpoch, fenced: false },
          data: { inControlledShutdown: true },
        });
        if (marked.count !== 1) return { accepted: false, partitions: [], version: await currentVersion(tx) };
        const partitions = await electPartitions(tx, partitionsOf(brokerId), defaults, brokerId);
        return { accepted: true, partitions, version: await bumpMetadataVersion(tx) };
      }),
    );
  }

  /** The recorded failover of a broker epoch, if it was fenced. */
  async failover(brokerId: number, brokerEpoch: bigint): Promise<BrokerFailoverRecord | undefined> {
    const row = await this.prisma.brokerFailover.findUnique({ where: { brokerId_brokerEpoch: { brokerId, brokerEpoch } } });
    return row === null ? undefined : toRecord(row);
  }

  /** Failovers fenced but not completed (published and confirmed) yet, oldest first. */
  async pendingFailovers(): Promise<BrokerFailoverRecord[]> {
    const rows = await this.prisma.brokerFailover.findMany({ where: { completedAt: null }, orderBy: { fencedAt: 'asc' } });
    return rows.map(toRecord);
  }

  /** Completes a failover (once: a later call keeps the first completion); returns the record. */
  async completeFailover(
    brokerId: number,
    brokerEpoch: bigint,
    completion: { confirmedLeaders: number[]; workflowId: string | null },
  ): Promise<BrokerFailoverRecord | undefined> {
    const key = { brokerId_brokerEpoch: { brokerId, brokerEpoch } };
    await this.prisma.brokerFailover.updateMany({
      where: { brokerId, brokerEpoch, completedAt: null },
      data: { completedAt: new Date(), confirmedLeaders: completion.confirmedLeaders, workflowId: completion.workflowId },
    });
    const row = await this.prisma.brokerFailover.findUnique({ where: key });
    return row === null ? undefined : toRecord(row);
  }

  /** Each broker's registration with the metadata version it last said it applied. */
  async appliedVersions(): Promise<{ id: number; epoch: bigint; fenced: boolean; appliedVersion: bigint }[]> {
    const rows = await this.prisma.broker.findMany({ orderBy: { id: 'asc' } });
    return rows.map((row) => ({ id: row.id, epoch: row.epoch, fenced: row.fenced, appliedVersion: row.appliedMetadataVersion }));
  }
}

/** The partitions a broker leads or is in the ISR of. */
function partitionsOf(brokerId: number): Prisma.PartitionWhereInput {
  return { OR: [{ leaderId: brokerId }, { isr: { has: brokerId } }] };
}

async function currentVersion(tx: Db): Promise<bigint> {
  return (await tx.metadataVersion.findUniqueOrThrow({ where: { id: 1 } })).version;
}

/** Fences a broker that left by controlled shutdown (its leaderships already moved). */
async function fenceAfterShutdown(tx: Db, broker: { id: number; epoch: bigint }, defaults: ElectionDefaults): Promise<void> {
  await tx.broker.updateMany({ where: { id: broker.id, epoch: broker.epoch }, data: { fenced: true } });
  await electPartitions(tx, partitionsOf(broker.id), defaults, broker.id);
}

/**
 * Fences the broker's current epoch, moves its leaderships and ISR memberships, and writes the
 * failover row (its version is set by the caller, after the one version bump of the transaction).
 */
async function fenceEpoch(
  tx: Db,
  broker: { id: number; epoch: bigint; leaseExpiresAt: Date },
  how: { reason: FailoverReason; fencedBy: string; now: Date },
  defaults: ElectionDefaults,
): Promise<BrokerFailoverRecord> {
  await tx.broker.updateMany({ where: { id: broker.id, epoch: broker.epoch }, data: { fenced: true } });
  const partitions = await electPartitions(tx, partitionsOf(broker.id), defaults, broker.id);
  const row = await tx.brokerFailover.create({
    data: {
      brokerId: broker.id,
      brokerEpoch: broker.epoch,
      reason: how.reason,
      leaseExpiredAt: how.reason === 'lease-expired' ? broker.leaseExpiresAt : how.now,
      fencedAt: how.now,
      version: 0n,
      partitions: partitions as unknown as Prisma.InputJsonValue,
      fencedBy: how.fencedBy,
    },
  });
  return toRecord(row);
}

type FailoverRow = Prisma.BrokerFailoverGetPayload<object>;

function toRecord(row: FailoverRow): BrokerFailoverRecord {
  return {
    brokerId: row.brokerId,
    brokerEpoch: row.brokerEpoch,
    reason: row.reason as FailoverReason,
    leaseExpiredAt: row.leaseExpiredAt,
    fencedAt: row.fencedAt,
    version: row.version,
    partitions: row.partitions as unknown as PartitionChange[],
    fencedBy: row.fencedBy,
    completedAt: row.completedAt,
    confirmedLeaders: row.confirmedLeaders,
    workflowId: row.workflowId,
  };
}
