import { invariant, MetadataError } from '../errors.js';
import type {
  BrokerConfigRepository,
  BrokerRegistration,
  BrokerRepository,
  DynamicBrokerConfigs,
  DynamicGroupConfigs,
  GroupConfigRepository,
  RegisteredBroker,
} from '../model.js';
import { bumpMetadataVersion, compareStrings, copyEndpoint, toRegisteredBroker, type TableAccess } from './access.js';
import { keys, type BrokerRow, type MetadataTables, type Writes } from './tables.js';

/** The broker row of a (re-)registration, its endpoints replaced, written in a change. */
export function writeRegistration(
  tables: MetadataTables,
  writes: Writes,
  registration: BrokerRegistration,
  epoch: bigint,
  now: Date,
): RegisteredBroker {
  const names = new Set(registration.endpoints.map((endpoint) => endpoint.name));
  if (names.size !== registration.endpoints.length) throw new Error(`broker ${registration.id} names a listener twice`);
  const previous = tables.brokers.get(keys.broker(registration.id));
  const row: BrokerRow = {
    id: registration.id,
    epoch,
    rack: registration.rack ?? null,
    fenced: false,
    inControlledShutdown: false,
    appliedMetadataVersion: -1n,
    leaseExpiresAt: new Date(now.getTime() + registration.leaseMs),
    registeredAt: previous?.registeredAt ?? now,
    endpoints: registration.endpoints.map(copyEndpoint).sort((a, b) => compareStrings(a.name, b.name)),
    configs: previous?.configs ?? {},
  };
  writes.put('brokers', keys.broker(row.id), row);
  return toRegisteredBroker(row);
}

const byId = (a: BrokerRow, b: BrokerRow): number => a.id - b.id;

/** Brokers, their epochs and leases, in the journal store's tables. */
export class JournalBrokerRepository implements BrokerRepository {
  constructor(private readonly access: TableAccess) {}

  async register(registration: BrokerRegistration): Promise<RegisteredBroker> {
    return this.access.write((tables, writes) => {
      const previous = tables.brokers.get(keys.broker(registration.id));
      const epoch = (previous?.epoch ?? 0n) + 1n;
      const broker = writeRegistration(tables, writes, registration, epoch, new Date());
      invariant(broker.epoch > (previous?.epoch ?? -1n), 'broker epoch never goes back');
      bumpMetadataVersion(tables, writes);
      return broker;
    });
  }

  async renewLease(id: number, epoch: bigint, leaseMs: number, appliedVersion?: bigint): Promise<boolean> {
    return this.access.write((tables, writes) => {
      const broker = tables.brokers.get(keys.broker(id));
      if (broker === undefined || broker.epoch !== epoch || broker.fenced) return false;
      writes.put('brokers', keys.broker(id), {
        ...broker,
        leaseExpiresAt: new Date(Date.now() + leaseMs),
        appliedMetadataVersion: appliedVersion ?? broker.appliedMetadataVersion,
      });
      return true;
    });
  }

  async fence(id: number, epoch: bigint): Promise<boolean> {
    return this.access.write((tables, writes) => {
      const broker = tables.brokers.get(keys.broker(id));
      if (broker === undefined || broker.epoch !== epoch || broker.fenced) return false;
      writes.put('brokers', keys.broker(id), { ...broker, fenced: true });
      bumpMetadataVersion(tables, writes);
      return true;
    });
  }

  async expired(now: Date = new Date()): Promise<RegisteredBroker[]> {
    return this.access.read((tables) =>
      [...tables.brokers.values()]
        .filter((broker) => !broker.fenced && broker.leaseExpiresAt < now)
        .sort(byId)
        .map(toRegisteredBroker),
    );
  }

  async nextLeaseExpiry(now: Date = new Date()): Promise<Date | null> {
    return this.access.read((tables) => {
      let next: Date | null = null;
      for (const broker of tables.brokers.values()) {
        if (!broker.fenced && broker.leaseExpiresAt > now && (next === null || broker.leaseExpiresAt < next)) next = broker.leaseExpiresAt;
      }
      return next === null ? null : new Date(next);
    });
  }

  async list(): Promise<RegisteredBroker[]> {
    return this.access.read((tables) => [...tables.brokers.values()].sort(byId).map(toRegisteredBroker));
  }
}

/** Dynamic broker configs, kept by name on the broker's row and (cluster-wide) on the cluster row. */
export class JournalBrokerConfigRepository implements BrokerConfigRepository {
  constructor(private readonly access: TableAccess) {}

  async list(): Promise<DynamicBrokerConfigs> {
    return this.access.read((tables) => {
      const result: DynamicBrokerConfigs = { cluster: { ...tables.clusterRow.brokerConfigs }, brokers: {} };
      for (const broker of tables.brokers.values()) {
        if (Object.keys(broker.configs).length > 0) result.brokers[broker.id] = { ...broker.configs };
      }
      return result;
    });
  }

  async alter(brokerId: number | null, changes: Record<string, string | null>, replace: boolean): Promise<void> {
    await this.access.write((tables, writes) => {
      if (brokerId === null) {
        writes.put('cluster', keys.cluster(), {
          ...tables.clusterRow,
          brokerConfigs: alteredConfigs(tables.clusterRow.brokerConfigs, changes, replace),
        });
      } else {
        const broker = tables.brokers.get(keys.broker(brokerId));
        if (broker === undefined) throw new MetadataError('UNKNOWN_BROKER', `broker ${brokerId} is not registered`);
        writes.put('brokers', keys.broker(brokerId), { ...broker, configs: alteredConfigs(broker.configs, changes, replace) });
      }
      bumpMetadataVersion(tables, writes);
    });
  }
}

/** Group configs, one row per group that sets any. */
export class JournalGroupConfigRepository implements GroupConfigRepository {
  constructor(private readonly access: TableAccess) {}

  async list(): Promise<DynamicGroupConfigs> {
    return this.access.read((tables) => {
      const result: DynamicGroupConfigs = {};
      for (const row of tables.groupConfigs.values()) result[row.groupId] = { ...row.configs };
      return result;
    });
  }

  async alter(groupId: string, changes: Record<string, string | null>, replace: boolean): Promise<void> {
    await this.access.write((tables, writes) => {
      const key = keys.groupConfig(groupId);
      const configs = alteredConfigs(tables.groupConfigs.get(key)?.configs ?? {}, changes, replace);
      if (Object.keys(configs).length === 0) writes.delete('groupConfigs', key);
      else writes.put('groupConfigs', key, { groupId, configs });
      bumpMetadataVersion(tables, writes);
    });
  }
}

/** Configs by name after setting (value) or removing (null) some; `replace` drops every one not named. */
export function alteredConfigs(
  current: Record<string, string>,
  changes: Record<string, string | null>,
  replace: boolean,
): Record<string, string> {
  const next = new Map(replace ? [] : Object.entries(current));
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) next.delete(name);
    else next.set(name, value);
  }
  return Object.fromEntries(next);
}
