import {
  CLUSTER_METADATA_TOPIC,
  collisionKey,
  INTERNAL_TOPICS,
  topicNameProblem,
  type AlterTopicConfigsCommand,
  type CreatableTopic,
  type CreatePartitionsCommand,
  type CreatePartitionsReply,
  type CreateTopicResult,
  type CreateTopicsReply,
  EXCESSIVE_ADDED_PARTITIONS_MESSAGE,
  EXCESSIVE_BATCH_MESSAGE,
  EXCESSIVE_PARTITIONS_MESSAGE,
  MAX_PARTITIONS_PER_CREATE_TOPICS,
  MAX_RECORDS_PER_USER_OP,
  type DeleteTopicResult,
  type DeleteTopicsCommand,
  splitRepeated,
} from '@strom/contracts';
import { ErrorCode } from '@strom/errors';
import type { MetadataStore, RegisteredBroker, TopicState } from '@strom/metadata-store';
import { MetadataError } from '@strom/metadata-store';
import type { MetadataOptions } from './metadata.options.js';
import { placeReplicas, type PlacementBroker } from './placement.js';

/** Most partitions CreatePartitions may grow a topic to: a bound, not a Kafka config (CreateTopics stops at 10,000 a request). */
export const MAX_PARTITIONS_PER_TOPIC = 100_000;

type Plan =
  { ok: true; assignments: number[][]; configs: Record<string, string> } | { ok: false; errorCode: ErrorCode; errorMessage: string };

/**
 * CreateTopics with Kafka's checks and error codes, one result per requested topic, in order.
 * Creation happens only when `validateOnly` is false and the checks pass. A request for more than
 * {@link MAX_PARTITIONS_PER_CREATE_TOPICS} partitions in all creates nothing and fails as a whole.
 */
export async function createTopics(
  store: MetadataStore,
  options: MetadataOptions,
  topics: CreatableTopic[],
  validateOnly: boolean,
): Promise<Pick<CreateTopicsReply, 'results' | 'requestError'>> {
  const { unique, isRepeated } = splitRepeated(topics, (topic) => topic.name);
  const refuseAll = (errorMessage: string) => {
    const requestError = { errorCode: ErrorCode.POLICY_VIOLATION, errorMessage };
    return { requestError, results: topics.map((topic) => failedTopic(topic.name, requestError.errorCode, errorMessage)) };
  };
  if (partitionsRequested(unique, options.numPartitions) > MAX_PARTITIONS_PER_CREATE_TOPICS) return refuseAll(EXCESSIVE_PARTITIONS_MESSAGE);
  const brokers = await store.brokers.list();
  const liveBrokers = brokers.filter((broker) => !broker.fenced).map((broker) => broker.id);
  const usable = usableBrokers(brokers);
  const existing = await store.topics.list();
  const taken = new Map(existing.map((topic) => [collisionKey(topic.name), topic.name]));

  // Every topic is checked before any is created: Kafka's controller builds the records of the
  // whole request first and refuses it whole when they are too many.
  const plans = topics.map((topic): Plan => {
    if (isRepeated(topic.name)) {
      return {
        ok: false,
        errorCode: ErrorCode.INVALID_REQUEST,
        errorMessage: `Create topics request from client contains multiple entries for the topic ${topic.name}`,
      };
    }
    const plan = planTopic(topic, options, liveBrokers, usable, taken);
    if (plan.ok && !validateOnly) taken.set(collisionKey(topic.name), topic.name);
    return plan;
  });
  const records = plans.reduce((sum, plan) => (plan.ok ? sum + 1 + Object.keys(plan.configs).length + plan.assignments.length : sum), 0);
  if (records > MAX_RECORDS_PER_USER_OP) return refuseAll(EXCESSIVE_BATCH_MESSAGE);

  const results: CreateTopicResult[] = [];
  for (const [i, topic] of topics.entries()) {
    const plan = plans[i]!;
    if (!plan.ok) {
      results.push(failedTopic(topic.name, plan.errorCode, plan.errorMessage));
      continue;
    }
    const replicationFactor = plan.assignments[0]!.length;
    if (validateOnly) {
      results.push({
        name: topic.name,
        errorCode: 0,
        errorMessage: null,
        topicId: null,
        numPartitions: plan.assignments.length,
        replicationFactor,
        configs: plan.configs,
      });
      continue;
    }
    try {
      const created = await store.topics.create({
        name: topic.name,
        assignments: plan.assignments,
        configs: plan.configs,
        internal: INTERNAL_TOPICS.has(topic.name),
      });
      results.push({
        name: topic.name,
        errorCode: 0,
        errorMessage: null,
        topicId: created.id,
        numPartitions: created.partitions.length,
        replicationFactor,
        configs: created.configs,
      });
    } catch (error) {
      if (error instanceof MetadataError && error.code === 'TOPIC_ALREADY_EXISTS') {
        results.push(failedTopic(topic.name, ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${topic.name}' already exists.`));
      } else throw error;
    }
  }
  return { results };
}

function failedTopic(name: string, errorCode: ErrorCode, errorMessage: string): CreateTopicResult {
  return { name, errorCode, errorMessage, topicId: null, numPartitions: -1, replicationFactor: -1, configs: {} };
}

/**
 * The partitions a CreateTopics request asks for, counted as Kafka's
 * ReplicationControlManager.validateTotalNumberOfPartitions does, before any other check: the
 * assignments when given, else the count (-1: the broker's default; other counts below 1: none).
 * Duplicated names are left out, as Kafka's ControllerApis drops them before this check.
 */
export function partitionsRequested(topics: readonly CreatableTopic[], defaultPartitions: number): number {
  let total = 0;
  for (const topic of topics) {
    if (topic.assignments.length > 0) total += topic.assignments.length;
    else if (topic.numPartitions === -1) total += defaultPartitions;
    else if (topic.numPartitions > 0) total += topic.numPartitions;
  }
  return total;
}

function planTopic(
  topic: CreatableTopic,
  options: MetadataOptions,
  liveBrokers: number[],
  usable: PlacementBroker[],
  taken: Map<string, string>,
): Plan {
  const nameProblem = topicNameProblem(topic.name);
  if (nameProblem) return { ok: false, errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: nameProblem };
  if (topic.name === CLUSTER_METADATA_TOPIC)
    return { ok: false, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Creation of internal topic ${topic.name} is prohibited.` };
  const existing = taken.get(collisionKey(topic.name));
  if (existing === topic.name)
    return { ok: false, errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, errorMessage: `Topic '${topic.name}' already exists.` };
  if (existing !== undefined)
    return {
      ok: false,
      errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION,
      errorMessage: `Topic '${topic.name}' collides with existing topic: ${existing}`,
    };

  const configErrors = options.validateTopicConfigs?.(topic.configs, 'reject') ?? {};
  const firstConfigError = Object.values(configErrors)[0];
  if (firstConfigError !== undefined) return { ok: false, errorCode: ErrorCode.INVALID_CONFIG, errorMessage: firstConfigError };
  const configs = Object.fromEntries(Object.entries(topic.configs).filter((entry): entry is [string, string] => entry[1] !== null));

  if (topic.assignments.length > 0) {
    if (topic.numPartitions !== -1 || topic.replicationFactor !== -1) {
      return {
        ok: false,
        errorCode: ErrorCode.INVALID_REQUEST,
        errorMessage: 'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.',
      };
    }
    return planExplicit(topic, liveBrokers, configs);
  }
  const numPartitions = topic.numPartitions === -1 ? options.numPartitions : topic.numPartitions;
  const replicationFactor = topic.replicationFactor === -1 ? options.defaultReplicationFactor : topic.replicationFactor;
  if (numPartitions <= 0)
    return {
      ok: false,
      errorCode: ErrorCode.INVALID_PARTITIONS,
      errorMessage: 'Number of partitions was set to an invalid non-positive value.',
    };
  if (replicationFactor <= 0)
    return {
      ok: false,
      errorCode: ErrorCode.INVALID_REPLICATION_FACTOR,
      errorMessage: 'Replication factor must be larger than 0, or -1 to use the default value.',
    };
  const placement = placeReplicas(usable, numPartitions, replicationFactor);
  if (!placement.ok) {
    return {
      ok: false,
      errorCode: ErrorCode.INVALID_REPLICATION_FACTOR,
      errorMessage: `Unable to replicate the partition ${replicationFactor} time(s): ${placement.message}`,
    };
  }
  return { ok: true, assignments: placement.assignments, configs };
}

function planExplicit(topic: CreatableTopic, liveBrokers: number[], configs: Record<string, string>): Plan {
  const sorted = [...topic.assignments].sort((a, b) => a.partitionIndex - b.partitionIndex);
  const live = new Set(liveBrokers);
  const replicationFactor = sorted[0]!.brokerIds.length;
  for (let i = 0; i < sorted.length; i++) {
    const { partitionIndex, brokerIds } = sorted[i]!;
    if (partitionIndex !== i)
      return {
        ok: false,
        errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        errorMessage: 'Partitions should be a consecutive 0-based integer sequence',
      };
    if (brokerIds.length === 0)
      return { ok: false, errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: `Partition ${partitionIndex} has no replicas` };
    if (new Set(brokerIds).size !== brokerIds.length)
      return {
        ok: false,
        errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        errorMessage: `Duplicate brokers not allowed in replica assignment: ${brokerIds.join(', ')} for partition id ${partitionIndex}.`,
      };
    if (brokerIds.length !== replicationFactor)
      return {
        ok: false,
        errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        errorMessage: 'All partitions should have the same number of replicas',
      };
    const unknown = brokerIds.filter((id) => !live.has(id));
    if (unknown.length > 0)
      return {
        ok: false,
        errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        errorMessage: `The manual partition assignment includes broker(s) ${unknown.join(', ')} that are not registered or fenced.`,
      };
  }
  return { ok: true, assignments: sorted.map((entry) => entry.brokerIds), configs };
}

/**
 * The brokers new replicas may go to, with their racks: registered, not fenced and not in
 * controlled shutdown (Kafka's usable brokers, less the fenced ones: here those are brokers whose
 * lease ran out, and a new partition's ISR is its whole replica list).
 */
function usableBrokers(brokers: readonly RegisteredBroker[]): PlacementBroker[] {
  return brokers.filter((broker) => !broker.fenced && !broker.inControlledShutdown).map((broker) => ({ id: broker.id, rack: broker.rack }));
}

/** DeleteTopics by name or id; one result per entry, in order. */
export async function deleteTopics(store: MetadataStore, command: DeleteTopicsCommand): Promise<DeleteTopicResult[]> {
  const results: DeleteTopicResult[] = [];
  for (const entry of command.topics) {
    let topic: TopicState | undefined;
    if (entry.topicId !== null && entry.topicId !== '00000000-0000-0000-0000-000000000000') topic = await store.topics.byId(entry.topicId);
    else if (entry.name !== null) topic = await store.topics.byName(entry.name);
    if (!topic) {
      const byId = entry.topicId !== null && entry.name === null;
      results.push({
        name: entry.name,
        topicId: entry.topicId,
        errorCode: byId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        errorMessage: byId ? 'This server does not host this topic ID.' : 'This server does not host this topic-partition.',
      });
      continue;
    }
    await store.topics.delete(topic.name);
    results.push({ name: topic.name, topicId: topic.id, errorCode: 0, errorMessage: null });
  }
  return results;
}

/** AlterConfigs / IncrementalAlterConfigs on one topic: validated, then applied in one change. */
export async function alterTopicConfigs(
  store: MetadataStore,
  options: MetadataOptions,
  command: AlterTopicConfigsCommand,
): Promise<{ errorCode: ErrorCode; errorMessage: string | null; changed: boolean }> {
  const topic = await store.topics.byName(command.topic);
  if (!topic)
    return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Topic ${command.topic} does not exist`, changed: false };
  const problems = options.validateTopicConfigs?.(command.changes, 'allow') ?? {};
  const first = Object.values(problems)[0];
  if (first !== undefined) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: first, changed: false };
  if (command.validateOnly) return { errorCode: ErrorCode.NONE, errorMessage: null, changed: false };
  const changes: Record<string, string | null> = { ...command.changes };
  if (command.replace) for (const name of Object.keys(topic.configs)) if (!(name in changes)) changes[name] = null;
  await store.topics.alterConfigs(command.topic, changes);
  return { errorCode: ErrorCode.NONE, errorMessage: null, changed: true };
}

/**
 * CreatePartitions with Kafka 4.4's checks and messages: a request adding more than
 * {@link MAX_PARTITIONS_PER_CREATE_TOPICS} partitions in all fails as a whole (POLICY_VIOLATION);
 * a name given twice is answered once, first, with INVALID_REQUEST; topics that do not exist come
 * next (UNKNOWN_TOPIC_OR_PARTITION, no message), then the others in order. The new count must
 * exceed the current one (INVALID_PARTITIONS); explicit assignments must name one replica list per
 * new partition with the topic's replication factor and live brokers (INVALID_REPLICA_ASSIGNMENT).
 */
export async function createPartitions(
  store: MetadataStore,
  command: CreatePartitionsCommand,
): Promise<Pick<CreatePartitionsReply, 'results' | 'requestError'> & { changed: boolean }> {
  const brokers = await store.brokers.list();
  const liveBrokers = brokers.filter((broker) => !broker.fenced).map((broker) => broker.id);
  const usable = usableBrokers(brokers);
  const requested = splitRepeated(command.topics, (topic) => topic.name);
  const duplicated = requested.repeated;
  const unique: { request: CreatePartitionsCommand['topics'][number]; topic: TopicState | undefined }[] = [];
  for (const request of requested.unique) unique.push({ request, topic: await store.topics.byName(request.name) });
  const added = unique.reduce((sum, { request, topic }) => sum + (topic ? Math.max(0, request.count - topic.partitions.length) : 0), 0);
  if (added > MAX_PARTITIONS_PER_CREATE_TOPICS) {
    const requestError = { errorCode: ErrorCode.POLICY_VIOLATION, errorMessage: EXCESSIVE_ADDED_PARTITIONS_MESSAGE };
    return { requestError, results: command.topics.map((topic) => ({ name: topic.name, ...requestError })), changed: false };
  }

  const results: CreatePartitionsReply['results'] = [
    ...duplicated.map((name) => ({ name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic name.' })),
    ...unique
      .filter(({ topic }) => !topic)
      .map(({ request }) => ({ name: request.name, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null })),
  ];
  const planned: { name: string; assignments: number[][] }[] = [];
  for (const { request, topic } of unique) {
    if (!topic) continue;
    const fail = (errorCode: ErrorCode, errorMessage: string) => results.push({ name: request.name, errorCode, errorMessage });
    const current = topic.partitions.length;
    if (request.count < current) {
      fail(
        ErrorCode.INVALID_PARTITIONS,
        `The topic ${request.name} currently has ${current} partition(s); ${request.count} would not be an increase.`,
      );
      continue;
    }
    if (request.count === current) {
      fail(ErrorCode.INVALID_PARTITIONS, `Topic already has ${current} partition(s).`);
      continue;
    }
    if (request.count > MAX_PARTITIONS_PER_TOPIC) {
      fail(ErrorCode.INVALID_PARTITIONS, `Number of partitions ${request.count} exceeds the limit of ${MAX_PARTITIONS_PER_TOPIC}.`);
      continue;
    }
    const replicationFactor = topic.partitions[0]?.replicas.length ?? 1;
    const added = request.count - current;
    let assignments: number[][];
    if (request.assignments !== null) {
      if (request.assignments.length !== added) {
        fail(
          ErrorCode.INVALID_REPLICA_ASSIGNMENT,
          `Increasing the number of partitions by ${added} but ${request.assignments.length} assignments provided.`,
        );
        continue;
      }
      const bad = request.assignments.find(
        (replicas) =>
          replicas.length !== replicationFactor ||
          new Set(replicas).size !== replicas.length ||
          replicas.some((id) => !liveBrokers.includes(id)),
      );
      if (bad) {
        fail(
          ErrorCode.INVALID_REPLICA_ASSIGNMENT,
          `Invalid replica assignment ${JSON.stringify(bad)}: it must name ${replicationFactor} distinct registered brokers.`,
        );
        continue;
      }
      assignments = request.assignments;
    } else {
      // Kafka places the new partitions as a topic of their own (PlacementSpec from the current count).
      const placement = placeReplicas(usable, added, replicationFactor);
      if (!placement.ok) {
        fail(ErrorCode.INVALID_REPLICATION_FACTOR, `Unable to replicate the partition ${replicationFactor} time(s): ${placement.message}`);
        continue;
      }
      assignments = placement.assignments;
    }
    planned.push({ name: request.name, assignments });
    results.push({ name: request.name, errorCode: ErrorCode.NONE, errorMessage: null });
  }
  if (command.validateOnly) return { results, changed: false };
  for (const plan of planned) await store.topics.addPartitions(plan.name, plan.assignments);
  return { results, changed: planned.length > 0 };
}
