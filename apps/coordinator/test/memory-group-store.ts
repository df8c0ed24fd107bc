import type { GroupStore, PersistedGroup, PersistedOffset, TopicPartitionRef } from '../src/groups/index.js';

function copyGroup(group: PersistedGroup): PersistedGroup {
  return {
    ...group,
    members: group.members.map((m) => ({ ...m, subscription: Buffer.from(m.subscription), assignment: Buffer.from(m.assignment) })),
  };
}

function offsetKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/**
 * A GroupStore in memory for the coordinator's tests (production runs on the metadata store:
 * Postgres, or the journal store when embedded). Copies everything in and out; the GroupStore
 * contract suite holds it to the same behaviour as the real stores.
 */
export class InMemoryGroupStore implements GroupStore {
  private readonly groups = new Map<string, { metadata: PersistedGroup | null; offsets: Map<string, PersistedOffset> }>();

  private entry(groupId: string): { metadata: PersistedGroup | null; offsets: Map<string, PersistedOffset> } {
    let entry = this.groups.get(groupId);
    if (!entry) {
      entry = { metadata: null, offsets: new Map() };
      this.groups.set(groupId, entry);
    }
    return entry;
  }

  async loadGroups(): Promise<PersistedGroup[]> {
    return [...this.groups.entries()].map(([groupId, entry]) =>
      entry.metadata
        ? copyGroup(entry.metadata)
        : { groupId, protocolType: null, generationId: 0, protocolName: null, leader: null, currentStateTimestampMs: null, members: [] },
    );
  }

  async saveGroup(group: PersistedGroup): Promise<void> {
    // As the database stores do (and Kafka): no protocol type and an empty one are the same.
    this.entry(group.groupId).metadata = copyGroup({ ...group, protocolType: group.protocolType === '' ? null : group.protocolType });
  }

  async deleteGroup(groupId: string): Promise<void> {
    this.groups.delete(groupId);
  }

  async commitOffsets(groupId: string, offsets: PersistedOffset[]): Promise<void> {
    const entry = this.entry(groupId);
    for (const offset of offsets) entry.offsets.set(offsetKey(offset.topic, offset.partition), { ...offset });
  }

  async fetchOffsets(groupId: string, topics?: string[]): Promise<PersistedOffset[]> {
    const entry = this.groups.get(groupId);
    if (!entry) return [];
    return [...entry.offsets.values()]
      .filter((o) => topics === undefined || topics.includes(o.topic))
      .map((o) => ({ ...o }))
      .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  }

  async deleteOffsets(groupId: string, partitions: TopicPartitionRef[]): Promise<void> {
    const entry = this.groups.get(groupId);
    if (!entry) return;
    for (const p of partitions) entry.offsets.delete(offsetKey(p.topic, p.partition));
  }

  /** The stored metadata of a group (a copy), or undefined. */
  peekGroup(groupId: string): PersistedGroup | undefined {
    const metadata = this.groups.get(groupId)?.metadata;
    return metadata ? copyGroup(metadata) : undefined;
  }

  /** Whether the store has anything (metadata or offsets) for the group. */
  hasGroup(groupId: string): boolean {
    return this.groups.has(groupId);
  }
}
