import type { BrokerEndpoint, RegisteredBroker } from '../model.js';
import type { Durability } from './journal.js';
import { keys, type BrokerRow, type MetadataTables, type Writes } from './tables.js';

/**
 * How the journal store's repositories reach the tables. Each call is a read or one change,
 * computed synchronously on the tables; it resolves once what it saw or wrote is on disk, so no
 * caller learns of a change a crash could still take back.
 */
export interface TableAccess {
  readonly tables: MetadataTables;
  read<T>(body: (tables: MetadataTables) => T): Promise<T>;
  /**
   * Runs `body` as one change (undone whole if it throws); resolves once the change is as durable
   * as `durability` (default 'synced') asks.
   */
  write<T>(body: (tables: MetadataTables, writes: Writes) => T, durability?: Durability): Promise<T>;
}

/** Bumps the global metadata version in the change; every metadata change calls it once. */
export function bumpMetadataVersion(tables: MetadataTables, writes: Writes): bigint {
  const cluster = tables.clusterRow;
  const version = cluster.version + 1n;
  writes.put('cluster', keys.cluster(), { ...cluster, version });
  return version;
}

export function toRegisteredBroker(row: BrokerRow): RegisteredBroker {
  return {
    id: row.id,
    epoch: row.epoch,
    endpoints: row.endpoints.map(copyEndpoint),
    rack: row.rack,
    fenced: row.fenced,
    inControlledShutdown: row.inControlledShutdown,
    leaseExpiresAt: new Date(row.leaseExpiresAt),
  };
}

export function copyEndpoint(endpoint: BrokerEndpoint): BrokerEndpoint {
  return { name: endpoint.name, host: endpoint.host, port: endpoint.port, securityProtocol: endpoint.securityProtocol };
}

/** Code-unit order, as the stores sort names and ids. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
