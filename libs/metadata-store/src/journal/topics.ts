import { randomUUID } from 'node:crypto';
import { ErrorCode } from '@strom/errors';
import { changePartition, type BrokerLookup, type PartitionRegistration } from '@strom/replication';
import {
  assertPartitionChange,
  toBrokerRegistration,
  judgeAlterPartition,
  toRegistration,
  UNCLEAN_LEADER_ELECTION,
  uncleanElectionEnabled,
} from '../elections.js';
import { invariant, MetadataError } from '../errors.js';
import type {
  AlterPartitionInput,
  AlterPartitionOutcome,
  ElectionDefaults,
  LeadershipChange,
  NewTopic,
  PartitionChange,
  PartitionRepository,
  PartitionState,
  TopicRepository,
  TopicState,
} from '../model.js';
import { bumpMetadataVersion, compareStrings, type TableAccess } from './access.js';
import { alteredConfigs } from './brokers.js';
import { keys, type MetadataTables, type PartitionRow, type TopicRow, type Writes } from './tables.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Topics, partitions, assignments, leaders, epochs, ISR and topic configs, in the journal store's tables. */
export class JournalTopicRepository implements TopicRepository {
  constructor(private readonly access: TableAccess) {}

  async create(topic: NewTopic): Promise<TopicState> {
    invariant(topic.assignments.length > 0, 'a topic has at least one partition');
    // Postgres keeps topic ids as uuid: lower-case on the way out whatever the case on the way in.
    const id = (topic.id ?? randomUUID()).toLowerCase();
    if (!UUID.test(id)) throw new Error(`topic id ${topic.id} is not a UUID`);
    return this.access.write((tables, writes) => {
      if (topicByName(tables, topic.name) !== undefined || tables.topics.get(id) !== undefined) {
        throw new MetadataError('TOPIC_ALREADY_EXISTS', `topic '${topic.name}' already exists`);
      }
      const row: TopicRow = {
        id,
        name: topic.name,
        internal: topic.internal ?? false,
        createdAt: new Date(),
        configs: alteredConfigs({}, topic.configs ?? {}, false),
      };
      writes.put('topics', id, row);
      writePartitions(writes, id, 0, topic.assignments);
      bumpMetadataVersion(tables, writes);
      return toTopicState(tables, row);
    });
  }

  async byName(name: string): Promise<TopicState | undefined> {
    return this.access.read((tables) => {
      const row = topicByName(tables, name);
      return row && toTopicState(tables, row);
    });
  }

  async byId(id: string): Promise<TopicState | undefined> {
    return this.access.read((tables) => {
      const row = tables.topics.get(id.toLowerCase());
      return row && toTopicState(tables, row);
    });
  }

  async list(): Promise<TopicState[]> {
    return this.access.read((tables) =>
      [...tables.topics.values()].sort((a, b) => compareStrings(a.name, b.name)).map((row) => toTopicState(tables, row)),
    );
  }

  async delete(name: string): Promise<boolean> {
    return this.access.write((tables, writes) => {
      const topic = topicByName(tables, name);
      if (topic === undefined) return false;
      writes.delete('topics', topic.id);
      for (const partition of [...tables.partitions.group(topic.id)]) {
        writes.delete('partitions', keys.partition(topic.id, partition.partitionIndex));
      }
      for (const offset of [...tables.offsets.values()]) if (offset.topic === name) writes.delete('offsets', keys.offset(offset));
      bumpMetadataVersion(tables, writes);
      return true;
    });
  }

  async addPartitions(name: string, assignments: number[][]): Promise<TopicState> {
    return this.access.write((tables, writes) => {
      const topic = topicByName(tables, name);
      if (topic === undefined) throw new MetadataError('UNKNOWN_TOPIC', `topic '${name}' does not exist`);
      writePartitions(writes, topic.id, [...tables.partitions.group(topic.id)].length, assignments);
      bumpMetadataVersion(tables, writes);
      return toTopicState(tables, topic);
    });
  }

  async alterConfigs(name: string, changes: Record<string, string | null>): Promise<void> {
    await this.access.write((tables, writes) => {
      const topic = topicByName(tables, name);
      if (topic === undefined) throw new MetadataError('UNKNOWN_TOPIC', `topic '${name}' does not exist`);
      writes.put('topics', topic.id, { ...topic, configs: alteredConfigs(topic.configs, changes, false) });
      bumpMetadataVersion(tables, writes);
    });
  }

  async changeLeadership(
    topicId: string,
    partitionIndex: number,
    expectedPartitionEpoch: number,
    change: LeadershipChange,
  ): Promise<PartitionState | undefined> {
    return this.access.write((tables, writes) => {
      const key = keys.partition(topicId.toLowerCase(), partitionIndex);
      const current = tables.partitions.get(key);
      if (current === undefined) throw new MetadataError('UNKNOWN_TOPIC', `partition ${topicId}-${partitionIndex} does not exist`);
      if (current.partitionEpoch !== expectedPartitionEpoch) return undefined;
      const next: PartitionRow = {
        ...current,
        leaderId: change.leaderId,
        isr: [...change.isr],
        leaderEpoch: current.leaderId === change.leaderId ? current.leaderEpoch : current.leaderEpoch + 1,
        partitionEpoch: expectedPartitionEpoch + 1,
      };
      writes.put('partitions', key, next);
      bumpMetadataVersion(tables, writes);
      return toPartitionState(next);
    });
  }
}

/** ISR changes proposed by partition leaders, in the journal store's tables. */
export class JournalPartitionRepository implements PartitionRepository {
  constructor(private readonly access: TableAccess) {}

  async alter(input: AlterPartitionInput): Promise<AlterPartitionOutcome> {
    return this.access.write((tables, writes) => {
      const key = keys.partition(input.topicId.toLowerCase(), input.partitionIndex);
      const row = tables.partitions.get(key);
      const current = row === undefined ? undefined : toRegistration(row);
      const result = judgeAlterPartition(current, input, brokerLookup(tables));
      if ('errorCode' in result) return { errorCode: result.errorCode, partition: undefined, changed: false };
      const next = result.registration;
      const state: PartitionState = {
        partitionIndex: input.partitionIndex,
        replicas: [...next.replicas],
        isr: [...next.isr],
        leaderId: next.leader,
        leaderEpoch: next.leaderEpoch,
        partitionEpoch: next.partitionEpoch,
        leaderRecoveryState: next.leaderRecoveryState,
      };
      if (row === undefined || current === undefined || next === current)
        return { errorCode: ErrorCode.NONE, partition: state, changed: false };
      writePartition(writes, row, current, next);
      bumpMetadataVersion(tables, writes);
      return { errorCode: ErrorCode.NONE, partition: state, changed: true };
    });
  }
}

/**
 * Runs Kafka's partition change (fencing `brokerToRemove` out of ISRs and leaderships, electing
 * leaders where needed) over the partitions `select` picks, in topic id and partition order.
 * Returns the partitions that changed. The caller bumps the metadata version.
 */
export function electPartitions(
  tables: MetadataTables,
  writes: Writes,
  select: (partition: PartitionRow) => boolean,
  defaults: ElectionDefaults,
  brokerToRemove?: number,
): PartitionChange[] {
  const rows = [...tables.partitions.values()]
    .filter(select)
    .sort((a, b) => compareStrings(a.topicId, b.topicId) || a.partitionIndex - b.partitionIndex);
  if (rows.length === 0) return [];
  const brokers = brokerLookup(tables);
  const clusterUnclean = tables.clusterRow.brokerConfigs[UNCLEAN_LEADER_ELECTION];
  const changes: PartitionChange[] = [];
  for (const row of rows) {
    const topic = tables.topics.get(row.topicId);
    invariant(topic, 'a partition belongs to a topic');
    const current = toRegistration(row);
    const next = changePartition(current, brokers, {
      uncleanLeaderElection: uncleanElectionEnabled(topic.configs[UNCLEAN_LEADER_ELECTION], clusterUnclean, defaults.uncleanLeaderElection),
      ...(brokerToRemove === undefined ? {} : { brokerToRemove }),
    });
    if (next === current) continue;
    writePartition(writes, row, current, next);
    changes.push({
      topicId: row.topicId,
      topic: topic.name,
      partitionIndex: row.partitionIndex,
      leaderId: next.leader,
      leaderEpoch: next.leaderEpoch,
      isr: [...next.isr],
    });
  }
  return changes;
}

function brokerLookup(tables: MetadataTables): BrokerLookup {
  return (id) => {
    const row = tables.brokers.get(keys.broker(id));
    return row && toBrokerRegistration(row);
  };
}

function writePartition(writes: Writes, row: PartitionRow, current: PartitionRegistration, next: PartitionRegistration): void {
  assertPartitionChange(current, next);
  writes.put('partitions', keys.partition(row.topicId, row.partitionIndex), {
    ...row,
    isr: [...next.isr],
    leaderId: next.leader,
    leaderEpoch: next.leaderEpoch,
    partitionEpoch: next.partitionEpoch,
    leaderRecoveryState: next.leaderRecoveryState,
  });
}

function writePartitions(writes: Writes, topicId: string, firstIndex: number, assignments: number[][]): void {
  assignments.forEach((replicas, offset) => {
    const partitionIndex = firstIndex + offset;
    writes.put('partitions', keys.partition(topicId, partitionIndex), {
      topicId,
      partitionIndex,
      replicas: [...replicas],
      isr: [...replicas],
      addingReplicas: [],
      removingReplicas: [],
      leaderId: replicas[0] ?? -1,
      leaderEpoch: 0,
      partitionEpoch: 0,
      leaderRecoveryState: 'RECOVERED',
    });
  });
}

function topicByName(tables: MetadataTables, name: string): TopicRow | undefined {
  for (const row of tables.topics.group(name)) return row;
  return undefined;
}

function toTopicState(tables: MetadataTables, row: TopicRow): TopicState {
  return {
    id: row.id,
    name: row.name,
    internal: row.internal,
    partitions: [...tables.partitions.group(row.id)].sort((a, b) => a.partitionIndex - b.partitionIndex).map(toPartitionState),
    configs: { ...row.configs },
  };
}

function toPartitionState(row: PartitionRow): PartitionState {
  return {
    partitionIndex: row.partitionIndex,
    replicas: [...row.replicas],
    isr: [...row.isr],
    leaderId: row.leaderId,
    leaderEpoch: row.leaderEpoch,
    partitionEpoch: row.partitionEpoch,
    leaderRecoveryState: row.leaderRecoveryState,
  };
}
