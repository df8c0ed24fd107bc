import { newClusterId } from '../cluster-id.js';
import { invariant } from '../errors.js';
import type { MetadataStore, ProducerIdBlock, ProducerIdRepository } from '../model.js';
import type { TableAccess } from './access.js';
import { JournalBrokerConfigRepository, JournalBrokerRepository, JournalGroupConfigRepository } from './brokers.js';
import { JournalGroupOffsetRepository } from './groups.js';
import type { Durability } from './journal.js';
import { JournalMembershipRepository } from './membership.js';
import { JournalSecurityRepository } from './security.js';
import { keys, type MetadataTables, type RowChange, type Writes } from './tables.js';
import { JournalPartitionRepository, JournalTopicRepository } from './topics.js';

/** Where changes go to be durable: the journal in the data dir, or nowhere (a store in memory). */
export interface ChangeLog {
  /** Resolves once change `seq` is as durable as asked, every change before it at least written. */
  append(seq: number, changes: readonly RowChange[], durability?: Durability): Promise<void>;
  /** Resolves once every change appended so far is as durable as asked. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/** A store in memory only: for tests, and nothing to make durable. */
export const NO_CHANGE_LOG: ChangeLog = {
  append: async () => {},
  settled: async () => {},
  close: async () => {},
};

/**
 * The metadata store of embedded mode: every row in memory, every change journaled before its
 * call returns (see journal.ts): fdatasync'd, or for consumer groups and their offsets written
 * (Kafka's __consumer_offsets is not fsync'd either). Calls are microseconds of work on the event loop; only the
 * journal's write and fdatasync leave it (libuv's thread pool).
 */
export class JournalMetadataStore implements MetadataStore, TableAccess {
  readonly brokers = new JournalBrokerRepository(this);
  readonly brokerConfigs = new JournalBrokerConfigRepository(this);
  readonly groupConfigs = new JournalGroupConfigRepository(this);
  readonly topics = new JournalTopicRepository(this);
  readonly partitions = new JournalPartitionRepository(this);
  readonly membership = new JournalMembershipRepository(this);
  readonly offsets = new JournalGroupOffsetRepository(this);
  readonly producerIds: ProducerIdRepository = {
    allocateBlock: (size) =>
      this.write((tables, writes): ProducerIdBlock => {
        invariant(Number.isInteger(size) && size > 0, 'block size is a positive integer');
        const cluster = tables.clusterRow;
        writes.put('cluster', keys.cluster(), { ...cluster, nextProducerId: cluster.nextProducerId + BigInt(size) });
        return { firstProducerId: cluster.nextProducerId, size };
      }),
  };
  readonly security = new JournalSecurityRepository(this);
  private closed = false;

  constructor(
    readonly tables: MetadataTables,
    private readonly log: ChangeLog,
  ) {}

  async read<T>(body: (tables: MetadataTables) => T): Promise<T> {
    this.assertOpen();
    const result = body(this.tables);
    // What it read may include changes still on their way to disk.
    await this.log.settled();
    return result;
  }

  async write<T>(body: (tables: MetadataTables, writes: Writes) => T, durability: Durability = 'synced'): Promise<T> {
    this.assertOpen();
    let change: ReturnType<MetadataTables['change']>;
    try {
      change = this.tables.change((writes) => body(this.tables, writes));
    } catch (error) {
      await this.log.settled();
      throw error;
    }
    if (change.changes.length > 0) await this.log.append(change.seq, change.changes, durability);
    else await this.log.settled();
    return change.result as T;
  }

  async version(): Promise<bigint> {
    return this.read((tables) => tables.clusterRow.version);
  }

  async clusterId(): Promise<string> {
    return this.write((tables, writes) => {
      const cluster = tables.clusterRow;
      if (cluster.clusterId !== '') return cluster.clusterId;
      const clusterId = newClusterId();
      writes.put('cluster', keys.cluster(), { ...cluster, clusterId });
      return clusterId;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.log.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the metadata store is closed');
  }
}
