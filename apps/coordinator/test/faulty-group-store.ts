import { type GroupStore, type PersistedGroup, type PersistedOffset, type TopicPartitionRef } from '../src/groups/index.js';
import { InMemoryGroupStore } from './memory-group-store.js';

type StoreOperation = keyof GroupStore;

/** A GroupStore (in memory by default) whose next calls can be made to fail: the coordinator's store-failure tests. */
export class FaultyGroupStore implements GroupStore {
  private readonly failures = new Map<StoreOperation, Error[]>();

  constructor(readonly inner: GroupStore = new InMemoryGroupStore()) {}

  /** Makes the next call of `op` reject with `error` (queued: several calls queue several failures). */
  failNext(op: StoreOperation, error: Error = new Error(`injected ${op} failure`)): void {
    const queue = this.failures.get(op) ?? [];
    queue.push(error);
    this.failures.set(op, queue);
  }

  private maybeFail(op: StoreOperation): void {
    const error = this.failures.get(op)?.shift();
    if (error) throw error;
  }

  async loadGroups(): Promise<PersistedGroup[]> {
    this.maybeFail('loadGroups');
    return this.inner.loadGroups();
  }

  async saveGroup(group: PersistedGroup): Promise<void> {
    this.maybeFail('saveGroup');
    return this.inner.saveGroup(group);
  }

  async deleteGroup(groupId: string): Promise<void> {
    this.maybeFail('deleteGroup');
    return this.inner.deleteGroup(groupId);
  }

  async commitOffsets(groupId: string, offsets: PersistedOffset[]): Promise<void> {
    this.maybeFail('commitOffsets');
    return this.inner.commitOffsets(groupId, offsets);
  }

  async fetchOffsets(groupId: string, topics?: string[]): Promise<PersistedOffset[]> {
    this.maybeFail('fetchOffsets');
    return this.inner.fetchOffsets(groupId, topics);
  }

  async deleteOffsets(groupId: string, partitions: TopicPartitionRef[]): Promise<void> {
    this.maybeFail('deleteOffsets');
    return this.inner.deleteOffsets(groupId, partitions);
  }
}
