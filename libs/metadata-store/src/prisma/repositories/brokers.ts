import type { Prisma, PrismaClient } from '../../generated/prisma/client.js';
import { invariant } from '../../errors.js';
import type { BrokerRegistration, BrokerRepository, RegisteredBroker } from '../../model.js';
import { bumpMetadataVersion } from './tx.js';

export const WITH_ENDPOINTS = {
  endpoints: { select: { name: true, host: true, port: true, securityProtocol: true }, orderBy: { name: 'asc' } },
} as const;

/** The broker row of a (re-)registration, and its endpoints replaced, inside a transaction. */
export async function writeRegistration(
  tx: Prisma.TransactionClient,
  registration: BrokerRegistration,
  epoch: bigint,
  now: Date,
): Promise<RegisteredBroker> {
  const data = {
    epoch,
    rack: registration.rack ?? null,
    fenced: false,
    inControlledShutdown: false,
    appliedMetadataVersion: -1n,
    leaseExpiresAt: new Date(now.getTime() + registration.leaseMs),
  };
  await tx.broker.upsert({ where: { id: registration.id }, create: { id: registration.id, ...data }, update: data });
  await tx.brokerEndpoint.deleteMany({ where: { brokerId: registration.id } });
  await tx.brokerEndpoint.createMany({ data: registration.endpoints.map((endpoint) => ({ brokerId: registration.id, ...endpoint })) });
  const broker = await tx.broker.findUniqueOrThrow({ where: { id: registration.id }, include: WITH_ENDPOINTS });
  invariant(broker.endpoints.length === registration.endpoints.length, 'every endpoint of the registration is stored');
  return toRegisteredBroker(broker);
}

/** Brokers, their epochs and leases, in Postgres. */
export class PrismaBrokerRepository implements BrokerRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /**
   * Registers (or re-registers) a broker and returns its new epoch: one more than any epoch
   * it had before, so requests from an older incarnation can be fenced.
   */
  async register(registration: BrokerRegistration): Promise<RegisteredBroker> {
    return this.prisma.$transaction(async (tx) => {
      const previous = await tx.broker.findUnique({ where: { id: registration.id } });
      const epoch = (previous?.epoch ?? 0n) + 1n;
      const broker = await writeRegistration(tx, registration, epoch, new Date());
      invariant(broker.epoch > (previous?.epoch ?? -1n), 'broker epoch never goes back');
      await bumpMetadataVersion(tx);
      return broker;
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
    const rows = await this.prisma.broker.findMany({
      where: { fenced: false, leaseExpiresAt: { lt: now } },
      orderBy: { id: 'asc' },
      include: WITH_ENDPOINTS,
    });
    return rows.map(toRegisteredBroker);
  }

  /** When the first lease of an unfenced broker still running after `now` runs out (null: none), so a check can be timed for it. */
  async nextLeaseExpiry(now: Date = new Date()): Promise<Date | null> {
    const found = await this.prisma.broker.aggregate({
      where: { fenced: false, leaseExpiresAt: { gt: now } },
      _min: { leaseExpiresAt: true },
    });
    return found._min.leaseExpiresAt;
  }

  async list(): Promise<RegisteredBroker[]> {
    return (await this.prisma.broker.findMany({ orderBy: { id: 'asc' }, include: WITH_ENDPOINTS })).map(toRegisteredBroker);
  }
}

function toRegisteredBroker(row: RegisteredBroker): RegisteredBroker {
  return {
    id: row.id,
    epoch: row.epoch,
    endpoints: row.endpoints.map((endpoint) => ({ ...endpoint })),
    rack: row.rack,
    fenced: row.fenced,
    inControlledShutdown: row.inControlledShutdown,
    leaseExpiresAt: row.leaseExpiresAt,
  };
}
