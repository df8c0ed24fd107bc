import { invariant } from '../errors.js';
import type {
  BrokerFailoverRecord,
  BrokerRegistration,
  ControlledShutdownOutcome,
  ElectionDefaults,
  FailoverReason,
  FenceOutcome,
  MembershipRepository,
  RegistrationOutcome,
} from '../model.js';
import { bumpMetadataVersion, type TableAccess } from './access.js';
import { writeRegistration } from './brokers.js';
import { keys, type BrokerRow, type FailoverRow, type MetadataTables, type PartitionRow, type Writes } from './tables.js';
import { electPartitions } from './topics.js';

/**
 * Broker membership as it moves partitions, in the journal store's tables; the same changes as
 * the Prisma store's, each one change that bumps the metadata version once.
 */
export class JournalMembershipRepository implements MembershipRepository {
  constructor(private readonly access: TableAccess) {}

  async register(registration: BrokerRegistration, defaults: ElectionDefaults): Promise<RegistrationOutcome> {
    return this.access.write((tables, writes) => {
      const previous = tables.brokers.get(keys.broker(registration.id));
      const now = new Date();
      let fencedPrevious: BrokerFailoverRecord | undefined;
      if (previous !== undefined && !previous.fenced) {
        if (previous.inControlledShutdown) fenceAfterShutdown(tables, writes, previous, defaults);
        else fencedPrevious = fenceEpoch(tables, writes, previous, { reason: 'restarted', fencedBy: 'metadata-service', now }, defaults);
      }
      const epoch = (previous?.epoch ?? 0n) + 1n;
      const broker = writeRegistration(tables, writes, registration, epoch, now);
      invariant(broker.epoch > (previous?.epoch ?? -1n), 'broker epoch never goes back');
      const elected = electPartitions(
        tables,
        writes,
        (partition) => partition.leaderId === -1 && partition.replicas.includes(registration.id),
        defaults,
      );
      const version = bumpMetadataVersion(tables, writes);
      if (fencedPrevious) writes.put('failovers', keys.failover(previous!.id, previous!.epoch), { ...fencedPrevious, version });
      return { broker, fencedPrevious: fencedPrevious && copyRecord({ ...fencedPrevious, version }), elected };
    });
  }

  async fence(brokerId: number, brokerEpoch: bigint, fencedBy: string, defaults: ElectionDefaults): Promise<FenceOutcome> {
    return this.access.write((tables, writes): FenceOutcome => {
      const recorded = tables.failovers.get(keys.failover(brokerId, brokerEpoch));
      if (recorded) return { status: 'already-fenced', failover: copyRecord(recorded) };
      const broker = tables.brokers.get(keys.broker(brokerId));
      if (broker === undefined || broker.epoch !== brokerEpoch) return { status: 'superseded' };
      const now = new Date();
      if (!broker.fenced && broker.leaseExpiresAt > now) return { status: 'alive' };
      if (broker.inControlledShutdown) {
        fenceAfterShutdown(tables, writes, broker, defaults);
        bumpMetadataVersion(tables, writes);
        return { status: 'shut-down' };
      }
      const failover = fenceEpoch(tables, writes, broker, { reason: 'lease-expired', fencedBy, now }, defaults);
      const version = bumpMetadataVersion(tables, writes);
      const record = { ...failover, version };
      writes.put('failovers', keys.failover(brokerId, brokerEpoch), record);
      return { status: 'fenced', failover: copyRecord(record) };
    });
  }

  async controlledShutdown(brokerId: number, brokerEpoch: bigint, defaults: ElectionDefaults): Promise<ControlledShutdownOutcome> {
    return this.access.write((tables, writes) => {
      const broker = tables.brokers.get(keys.broker(brokerId));
      if (broker === undefined || broker.epoch !== brokerEpoch || broker.fenced) {
        return { accepted: false, partitions: [], version: tables.clusterRow.version };
      }
      writes.put('brokers', keys.broker(brokerId), { ...broker, inControlledShutdown: true });
      const partitions = electPartitions(tables, writes, partitionsOf(brokerId), defaults, brokerId);
      return { accepted: true, partitions, version: bumpMetadataVersion(tables, writes) };
    });
  }

  async failover(brokerId: number, brokerEpoch: bigint): Promise<BrokerFailoverRecord | undefined> {
    return this.access.read((tables) => {
      const row = tables.failovers.get(keys.failover(brokerId, brokerEpoch));
      return row && copyRecord(row);
    });
  }

  async pendingFailovers(): Promise<BrokerFailoverRecord[]> {
    return this.access.read((tables) =>
      [...tables.failovers.values()]
        .filter((row) => row.completedAt === null)
        .sort((a, b) => a.fencedAt.getTime() - b.fencedAt.getTime())
        .map(copyRecord),
    );
  }

  async completeFailover(
    brokerId: number,
    brokerEpoch: bigint,
    completion: { confirmedLeaders: number[]; workflowId: string | null },
  ): Promise<BrokerFailoverRecord | undefined> {
    return this.access.write((tables, writes) => {
      const key = keys.failover(brokerId, brokerEpoch);
      const row = tables.failovers.get(key);
      if (row === undefined) return undefined;
      if (row.completedAt !== null) return copyRecord(row);
      const completed: FailoverRow = {
        ...row,
        completedAt: new Date(),
        confirmedLeaders: [...completion.confirmedLeaders],
        workflowId: completion.workflowId,
      };
      writes.put('failovers', key, completed);
      return copyRecord(completed);
    });
  }

  async appliedVersions(): Promise<{ id: number; epoch: bigint; fenced: boolean; appliedVersion: bigint }[]> {
    return this.access.read((tables) =>
      [...tables.brokers.values()]
        .sort((a, b) => a.id - b.id)
        .map((row) => ({ id: row.id, epoch: row.epoch, fenced: row.fenced, appliedVersion: row.appliedMetadataVersion })),
    );
  }
}

/** The partitions a broker leads or is in the ISR of. */
function partitionsOf(brokerId: number): (partition: PartitionRow) => boolean {
  return (partition) => partition.leaderId === brokerId || partition.isr.includes(brokerId);
}

/** Fences a broker that left by controlled shutdown (its leaderships already moved). */
function fenceAfterShutdown(tables: MetadataTables, writes: Writes, broker: BrokerRow, defaults: ElectionDefaults): void {
  writes.put('brokers', keys.broker(broker.id), { ...broker, fenced: true });
  electPartitions(tables, writes, partitionsOf(broker.id), defaults, broker.id);
}

/**
 * Fences the broker's current epoch, moves its leaderships and ISR memberships, and writes the
 * failover row (its version is set by the caller, after the one version bump of the change).
 */
function fenceEpoch(
  tables: MetadataTables,
  writes: Writes,
  broker: BrokerRow,
  how: { reason: FailoverReason; fencedBy: string; now: Date },
  defaults: ElectionDefaults,
): FailoverRow {
  writes.put('brokers', keys.broker(broker.id), { ...broker, fenced: true });
  const partitions = electPartitions(tables, writes, partitionsOf(broker.id), defaults, broker.id);
  const row: FailoverRow = {
    brokerId: broker.id,
    brokerEpoch: broker.epoch,
    reason: how.reason,
    leaseExpiredAt: how.reason === 'lease-expired' ? broker.leaseExpiresAt : how.now,
    fencedAt: how.now,
    version: 0n,
    partitions,
    fencedBy: how.fencedBy,
    completedAt: null,
    confirmedLeaders: [],
    workflowId: null,
  };
  writes.put('failovers', keys.failover(broker.id, broker.epoch), row);
  return row;
}

function copyRecord(row: FailoverRow): BrokerFailoverRecord {
  return {
    ...row,
    leaseExpiredAt: new Date(row.leaseExpiredAt),
    fencedAt: new Date(row.fencedAt),
    partitions: row.partitions.map((partition) => ({ ...partition, isr: [...partition.isr] })),
    completedAt: row.completedAt && new Date(row.completedAt),
    confirmedLeaders: [...row.confirmedLeaders],
  };
}
