// The journal store's state: the rows of Postgres's tables (prisma/schema.prisma) held in maps,
// and changes to them as row-level puts and deletes. A change runs synchronously against the
// maps (so it reads its own writes and no other call interleaves), keeps an undo list, and is
// undone whole if it throws: one change is one transaction. There are no migrations: journals and
// snapshots hold rows as the version that wrote them shaped them, so a field added to a row type
// needs its default wherever rows of older versions are read.
import { invariant } from '../errors.js';
import type { AclBinding, BrokerEndpoint, BrokerFailoverRecord, ScramCredentialRecord } from '../model.js';

export interface BrokerRow {
  id: number;
  epoch: bigint;
  rack: string | null;
  fenced: boolean;
  leaseExpiresAt: Date;
  registeredAt: Date;
  inControlledShutdown: boolean;
  appliedMetadataVersion: bigint;
  /** Ordered by name. */
  endpoints: BrokerEndpoint[];
  /** Dynamic configs of this broker (DYNAMIC_BROKER_CONFIG), by name. */
  configs: Record<string, string>;
}

export interface TopicRow {
  id: string;
  name: string;
  internal: boolean;
  createdAt: Date;
  /** Topic config overrides, by name. */
  configs: Record<string, string>;
}

export interface PartitionRow {
  topicId: string;
  partitionIndex: number;
  replicas: number[];
  isr: number[];
  addingReplicas: number[];
  removingReplicas: number[];
  leaderId: number;
  leaderEpoch: number;
  partitionEpoch: number;
  leaderRecoveryState: 'RECOVERED' | 'RECOVERING';
}

export type FailoverRow = BrokerFailoverRecord;

export interface GroupRow {
  groupId: string;
  protocolType: string;
  protocolName: string | null;
  state: string;
  generationId: number;
  leaderId: string | null;
  stateTimestampMs: bigint | null;
  members: unknown[];
  updatedAt: Date;
}

export interface OffsetRow {
  groupId: string;
  topic: string;
  partitionIndex: number;
  committedOffset: bigint;
  leaderEpoch: number;
  metadata: string | null;
  commitTimestamp: Date;
  expireTimestamp: Date | null;
}

export type ScramRow = ScramCredentialRecord;

/** A group's dynamic configs, by name. */
export interface GroupConfigRow {
  groupId: string;
  configs: Record<string, string>;
}

export interface AclRow extends AclBinding {
  id: number;
}

/** The one row of cluster-wide state. */
export interface ClusterRow {
  /** Bumped by every metadata change. */
  version: bigint;
  /** Empty until first asked for. */
  clusterId: string;
  nextProducerId: bigint;
  nextAclId: number;
  /** Cluster-wide dynamic broker configs (DYNAMIC_DEFAULT_BROKER_CONFIG), by name. */
  brokerConfigs: Record<string, string>;
}

interface Rows {
  cluster: ClusterRow;
  brokers: BrokerRow;
  topics: TopicRow;
  partitions: PartitionRow;
  failovers: FailoverRow;
  groups: GroupRow;
  offsets: OffsetRow;
  scram: ScramRow;
  acls: AclRow;
  groupConfigs: GroupConfigRow;
}
export type TableName = keyof Rows;

/** One row written (`row`) or deleted (undefined) under its key. */
export type RowChange = { [T in TableName]: [table: T, key: string, row: Rows[T] | undefined] }[TableName];

/** Keys of rows: one string per primary key. Ids and numbers are joined with `/` (a UUID has none); keys made of free-form strings are JSON arrays. */
export const keys = {
  cluster: (): string => '',
  broker: (id: number): string => String(id),
  partition: (topicId: string, partitionIndex: number): string => `${topicId}/${partitionIndex}`,
  failover: (brokerId: number, brokerEpoch: bigint): string => `${brokerId}/${brokerEpoch}`,
  offset: (row: { groupId: string; topic: string; partitionIndex: number }): string =>
    JSON.stringify([row.groupId, row.topic, row.partitionIndex]),
  scram: (user: string, mechanism: string): string => JSON.stringify([user, mechanism]),
  acl: (id: number): string => String(id),
  groupConfig: (groupId: string): string => groupId,
};

/** A table: rows by key, and optionally grouped by a second key (a secondary index). */
export class Table<Row> {
  private readonly rows = new Map<string, Row>();
  private readonly groups = new Map<string, Map<string, Row>>();

  constructor(private readonly groupOf?: (row: Row) => string) {}

  get(key: string): Row | undefined {
    return this.rows.get(key);
  }

  values(): IterableIterator<Row> {
    return this.rows.values();
  }

  entries(): IterableIterator<[string, Row]> {
    return this.rows.entries();
  }

  /** The rows whose group key is `group` (the table must be grouped). */
  group(group: string): Iterable<Row> {
    invariant(this.groupOf, 'only a grouped table is read by group');
    return this.groups.get(group)?.values() ?? [];
  }

  get size(): number {
    return this.rows.size;
  }

  /** Writes or deletes a row; returns the row it replaced. Only MetadataTables calls it. */
  set(key: string, row: Row | undefined): Row | undefined {
    const previous = this.rows.get(key);
    if (previous !== undefined && this.groupOf) this.removeFromGroup(this.groupOf(previous), key);
    if (row === undefined) this.rows.delete(key);
    else {
      this.rows.set(key, row);
      if (this.groupOf) {
        const group = this.groupOf(row);
        let members = this.groups.get(group);
        if (!members) this.groups.set(group, (members = new Map()));
        members.set(key, row);
      }
    }
    return previous;
  }

  private removeFromGroup(group: string, key: string): void {
    const members = this.groups.get(group);
    members?.delete(key);
    if (members?.size === 0) this.groups.delete(group);
  }
}

/** The first state of a store: version 0, no cluster id yet, producer ids from 0. */
export function initialCluster(): ClusterRow {
  return { version: 0n, clusterId: '', nextProducerId: 0n, nextAclId: 1, brokerConfigs: {} };
}

/** The writes of one change; rows put are never mutated afterwards (a change puts new objects). */
export interface Writes {
  put<T extends TableName>(table: T, key: string, row: Rows[T]): void;
  delete(table: TableName, key: string): void;
}

/** Every table of the store, and the changes to them. */
export class MetadataTables {
  readonly cluster = new Table<ClusterRow>();
  readonly brokers = new Table<BrokerRow>();
  /** Grouped by name: names are unique, so a group has at most one topic. */
  readonly topics = new Table<TopicRow>((row) => row.name);
  /** Grouped by topic id. */
  readonly partitions = new Table<PartitionRow>((row) => row.topicId);
  readonly failovers = new Table<FailoverRow>();
  readonly groups = new Table<GroupRow>();
  /** Grouped by group id. */
  readonly offsets = new Table<OffsetRow>((row) => row.groupId);
  readonly scram = new Table<ScramRow>();
  readonly acls = new Table<AclRow>();
  readonly groupConfigs = new Table<GroupConfigRow>();
  /** The sequence number of the last change applied (0: none). */
  seq = 0;

  constructor() {
    this.cluster.set(keys.cluster(), initialCluster());
  }

  get clusterRow(): ClusterRow {
    const row = this.cluster.get(keys.cluster());
    invariant(row, 'the cluster row always exists');
    return row;
  }

  /**
   * Runs `body` as one change: its writes apply to the tables at once (later reads in `body` see
   * them); if it throws, every write is undone and the error goes on. Returns the result and the
   * row changes, numbered `seq` (unchanged when nothing was written).
   */
  change<T>(body: (writes: Writes) => T): { result: T; changes: RowChange[]; seq: number } {
    const changes: RowChange[] = [];
    const undo: [TableName, string, unknown][] = [];
    const writes: Writes = {
      put: (table, key, row) => {
        undo.push([table, key, this.table(table).set(key, row as never)]);
        changes.push([table, key, row] as RowChange);
      },
      delete: (table, key) => {
        undo.push([table, key, this.table(table).set(key, undefined)]);
        changes.push([table, key, undefined] as RowChange);
      },
    };
    try {
      const result = body(writes);
      if (changes.length > 0) this.seq++;
      return { result, changes, seq: this.seq };
    } catch (error) {
      for (let i = undo.length - 1; i >= 0; i--) {
        const [table, key, previous] = undo[i]!;
        this.table(table).set(key, previous as never);
      }
      throw error;
    }
  }

  /** Applies changes read back from the journal or a snapshot. */
  apply(changes: readonly RowChange[]): void {
    for (const [table, key, row] of changes) this.table(table).set(key, row as never);
  }

  /** Every row as a change that writes it: what a snapshot holds. */
  dump(): RowChange[] {
    const rows: RowChange[] = [];
    for (const name of TABLE_NAMES) {
      for (const [key, row] of this.table(name).entries()) rows.push([name, key, row] as RowChange);
    }
    return rows;
  }

  private table(name: TableName): Table<unknown> {
    const table = (this as unknown as Record<TableName, Table<unknown> | undefined>)[name];
    invariant(table instanceof Table, `a table named ${name}`);
    return table;
  }
}

const TABLE_NAMES: readonly TableName[] = [
  'cluster',
  'brokers',
  'topics',
  'partitions',
  'failovers',
  'groups',
  'offsets',
  'scram',
  'acls',
  'groupConfigs',
];
