import type { PrismaClient } from '../generated/prisma/client.js';
import { invariant } from '../errors.js';
import { bumpMetadataVersion } from './tx.js';

export interface BrokerRegistration {
  id: number;
  host: string;
  port: number;
  rack?: string | null;
  leaseMs: number;
}

export interface RegisteredBroker {
  id: number;
  epoch: bigint;
  host: string;
  port: number;
  rack: string | null;
  fenced: boolean;
  /** Moving its leaderships away before it stops (controlled shutdown). */
  inControlledShutdown: boolean;
  leaseExpiresAt: Date;
}

/** Brokers, their epochs and leases. */
export class BrokerRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /**
   * Registers (or re-registers) a broker and returns its new epoch: one more than any epoch
   * it had before, so requests from an older incarnation can be fenced.
   */
  async register(registration: BrokerRegistration): Promise<RegisteredBroker> {
    return this.prisma.$transaction(async (tx) => {
      const previous = await tx.broker.findUnique({ where: { id: registration.id } });
      const epoch = (previous?.epoch ?? 0n) + 1n;
      const data = {
        epoch,
        host: registration.host,
        port: registration.port,
        rack: registration.rack ?? null,
        fenced: false,
        inControlledShutdown: false,
        appliedMetadataVersion: -1n,
        leaseExpiresAt: new Date(Date.now() + registration.leaseMs),
      };
      const broker = await tx.broker.upsert({ where: { id: registration.id }, create: { id: registration.id, ...data }, update: data });
      invariant(broker.epoch > (previous?.epoch ?? -1n), 'broker epoch never goes back');
      await bumpMetadataVersion(tx);
      return toRegisteredBroker(broker);
    });
  }

  /**
   * Extends the lease if `epoch` is still the broker's current one; false when fenced. With
   * `appliedVersion`, records the metadata version the broker has applied (failover waits for
   * new leaders to confirm by it).
   */
  async renewLease(id: number, epoch: bigint, leaseMs: number, appliedVersion?: bigint): Promise<boolean> {
    const updated = await this.prisma.broker.updateMany({
      where: { id, epoch, fenced: false },
      data: {
        leaseExpiresAt: new Date(Date.now() + leaseMs),
        ...(appliedVersion === undefined ? {} : { appliedMetadataVersion: appliedVersion }),
      },
    });
    return updated.count === 1;
  }

  /** Fences the broker's given epoch (failover); false if it already moved on or is fenced. */
  async fence(id: number, epoch: bigint): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      const updated = await tx.broker.updateMany({ where: { id, epoch, fenced: false }, data: { fenced: true } });
      if (updated.count === 1) await bumpMetadataVersion(tx);
      return updated.count === 1;
    });
  }

  /** Brokers whose lease has run out and are not fenced yet. */
  async expired(now: Date = new Date()): Promise<RegisteredBroker[]> {
    const rows = await this.prisma.broker.findMany({ where: { fenced: false, leaseExpiresAt: { lt: now } }, orderBy: { id: 'asc' } });
    return rows.map(toRegisteredBroker);
  }

  async list(): Promise<RegisteredBroker[]> {
    return (await this.prisma.broker.findMany({ orderBy: { id: 'asc' } })).map(toRegisteredBroker);
  }
}

function toRegisteredBroker(row: RegisteredBroker): RegisteredBroker {
  return {
    id: row.id,
    epoch: row.epoch,
    host: row.host,
    port: row.port,
    rack: row.rack,
    fenced: row.fenced,
    inControlledShutdown: row.inControlledShutdown,
    leaseExpiresAt: row.leaseExpiresAt,
  };
}
