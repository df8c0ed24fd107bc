import {
  ApiKey,
  createCreateTopicsRequestCreatableTopic,
  createDeleteTopicsRequestDeleteTopicState,
  createDescribeConfigsRequestDescribeConfigsResource,
  createListOffsetsRequestListOffsetsPartition,
  createMetadataRequest,
  createMetadataRequestTopic,
  createOffsetFetchRequest,
  ZERO_UUID,
} from '@strom/protocol';
import type { KafkaConnection as KafkaClient } from '@strom/kafka-client';
import { connectCli, kafkaError } from './kafka-client.js';

type Out = (line: string) => void;

export const adminUsage = `Topics and groups (through the Kafka protocol, against --bootstrap-server, default 127.0.0.1:9092):
  strom topics list
  strom topics create <topic> [--partitions N] [--replication-factor N] [--config key=value ...]
  strom topics describe <topic>
  strom topics delete <topic>
  strom groups list
  strom groups describe <group>          committed offsets, log end offsets and lag per partition
`;

interface Parsed {
  positional: string[];
  options: Map<string, string[]>;
}

function parseArgs(args: readonly string[], known: readonly string[]): Parsed {
  const positional: string[] = [];
  const options = new Map<string, string[]>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    if (!known.includes(name)) throw new UsageError(`unknown option --${name}`);
    const value = inline ?? args[++i];
    if (value === undefined) throw new UsageError(`option --${name} needs a value`);
    options.set(name, [...(options.get(name) ?? []), value]);
  }
  return { positional, options };
}

export class UsageError extends Error {}

/** Runs `strom topics …` or `strom groups …`; returns the exit code. */
export async function runAdminCommand(group: 'topics' | 'groups', args: readonly string[], out: Out, err: Out): Promise<number> {
  const parsed = parseArgs(args, ['bootstrap-server', 'partitions', 'replication-factor', 'config']);
  const [action, name] = parsed.positional;
  const bootstrap = parsed.options.get('bootstrap-server')?.at(-1) ?? '127.0.0.1:9092';
  const client = await connectCli(bootstrap);
  try {
    if (group === 'topics') {
      if (action === 'list') return await listTopics(client, out);
      if (action === 'create' && name) return await createTopic(client, name, parsed, out, err);
      if (action === 'describe' && name) return await describeTopic(client, name, out, err);
      if (action === 'delete' && name) return await deleteTopic(client, name, out, err);
    } else {
      if (action === 'list') return await listGroups(client, out, err);
      if (action === 'describe' && name) return await describeGroup(client, name, out, err);
    }
    throw new UsageError(`strom ${group} ${action ?? ''}: unknown or incomplete command`);
  } finally {
    client.close();
  }
}

async function listTopics(client: KafkaClient, out: Out): Promise<number> {
  const { body } = await client.request(ApiKey.Metadata, {
    topics: null,
    allowAutoTopicCreation: false,
    includeClusterAuthorizedOperations: false,
    includeTopicAuthorizedOperations: false,
  });
  for (const name of body.topics.map((topic) => topic.name ?? '').sort()) out(name);
  return 0;
}

async function createTopic(client: KafkaClient, name: string, parsed: Parsed, out: Out, err: Out): Promise<number> {
  const configs = (parsed.options.get('config') ?? []).map((entry) => {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new UsageError(`--config ${entry}: expected key=value`);
    return { name: entry.slice(0, eq), value: entry.slice(eq + 1) };
  });
  const { body } = await client.request(ApiKey.CreateTopics, {
    topics: [
      createCreateTopicsRequestCreatableTopic({
        name,
        numPartitions: Number(parsed.options.get('partitions')?.at(-1) ?? -1),
        replicationFactor: Number(parsed.options.get('replication-factor')?.at(-1) ?? -1),
        configs,
      }),
    ],
    timeoutMs: 30_000,
    validateOnly: false,
  });
  const result = body.topics[0]!;
  const problem = kafkaError(result.errorCode, result.errorMessage);
  if (problem) {
    err(`Error while creating topic ${name}: ${problem}`);
    return 1;
  }
  out(`Created topic ${name}.`);
  return 0;
}

async function describeTopic(client: KafkaClient, name: string, out: Out, err: Out): Promise<number> {
  const { body } = await client.request(ApiKey.Metadata, {
    topics: [createMetadataRequestTopic({ name })],
    allowAutoTopicCreation: false,
    includeClusterAuthorizedOperations: false,
    includeTopicAuthorizedOperations: false,
  });
  const topic = body.topics[0]!;
  const problem = kafkaError(topic.errorCode);
  if (problem) {
    err(`Error describing topic ${name}: ${problem}`);
    return 1;
  }
  const configs = await client.request(ApiKey.DescribeConfigs, {
    resources: [createDescribeConfigsRequestDescribeConfigsResource({ resourceType: 2, resourceName: name, configurationKeys: null })],
    includeSynonyms: false,
    includeDocumentation: false,
  });
  const overrides = configs.body.results[0]!.configs.filter((config) => config.configSource === 1)
    .map((config) => `${config.name}=${config.value}`)
    .join(',');
  const replicationFactor = topic.partitions[0]?.replicaNodes.length ?? 0;
  out(
    `Topic: ${name}\tTopicId: ${topic.topicId}\tPartitionCount: ${topic.partitions.length}\tReplicationFactor: ${replicationFactor}\tConfigs: ${overrides}`,
  );
  for (const partition of [...topic.partitions].sort((a, b) => a.partitionIndex - b.partitionIndex)) {
    out(
      `\tTopic: ${name}\tPartition: ${partition.partitionIndex}\tLeader: ${partition.leaderId}\tReplicas: ${partition.replicaNodes.join(',')}\tIsr: ${partition.isrNodes.join(',')}`,
    );
  }
  return 0;
}

async function deleteTopic(client: KafkaClient, name: string, out: Out, err: Out): Promise<number> {
  const { body } = await client.request(ApiKey.DeleteTopics, {
    topics: [createDeleteTopicsRequestDeleteTopicState({ name, topicId: ZERO_UUID })],
    topicNames: [name],
    timeoutMs: 30_000,
  });
  const result = body.responses[0]!;
  const problem = kafkaError(result.errorCode, result.errorMessage);
  if (problem) {
    err(`Error while deleting topic ${name}: ${problem}`);
    return 1;
  }
  out(`Deleted topic ${name}.`);
  return 0;
}

async function listGroups(client: KafkaClient, out: Out, err: Out): Promise<number> {
  const { body } = await client.request(ApiKey.ListGroups, { statesFilter: [], typesFilter: [] });
  const problem = kafkaError(body.errorCode);
  if (problem) {
    err(`Error listing groups: ${problem}`);
    return 1;
  }
  for (const group of [...body.groups].sort((a, b) => a.groupId.localeCompare(b.groupId))) out(group.groupId);
  return 0;
}

/** OffsetFetch v10 names topics by id instead of by name. */
const OFFSET_FETCH_TOPIC_ID_MIN_VERSION = 10;

async function describeGroup(client: KafkaClient, groupId: string, out: Out, err: Out): Promise<number> {
  const described = await client.request(ApiKey.DescribeGroups, { groups: [groupId], includeAuthorizedOperations: false });
  const group = described.body.groups[0]!;
  const problem = kafkaError(group.errorCode);
  if (problem) {
    err(`Error describing group ${groupId}: ${problem}`);
    return 1;
  }
  const offsets = await client.requestVersioned(ApiKey.OffsetFetch, (apiVersion) =>
    apiVersion >= 8
      ? createOffsetFetchRequest({ groups: [{ groupId, memberId: null, memberEpoch: -1, topics: null }] })
      : createOffsetFetchRequest({ groupId, topics: null }),
  );
  // OffsetFetch v10 names topics by id only: Metadata gives their names.
  const topicNames = new Map<string, string>();
  if (offsets.apiVersion >= OFFSET_FETCH_TOPIC_ID_MIN_VERSION) {
    const metadata = await client.request(ApiKey.Metadata, createMetadataRequest({ topics: null }));
    for (const topic of metadata.body.topics) if (topic.name !== null) topicNames.set(topic.topicId, topic.name);
  }
  const committed =
    offsets.apiVersion >= 8
      ? (offsets.body.groups[0]?.topics ?? []).flatMap((topic) => {
          const name = offsets.apiVersion >= OFFSET_FETCH_TOPIC_ID_MIN_VERSION ? topicNames.get(topic.topicId) : topic.name;
          if (name === undefined) return [];
          return topic.partitions.map((p) => ({ topic: name, partition: p.partitionIndex, offset: p.committedOffset }));
        })
      : offsets.body.topics.flatMap((topic) =>
          topic.partitions.map((p) => ({ topic: topic.name, partition: p.partitionIndex, offset: p.committedOffset })),
        );
  const byTopic = new Map<string, number[]>();
  for (const entry of committed) byTopic.set(entry.topic, [...(byTopic.get(entry.topic) ?? []), entry.partition]);
  const ends = new Map<string, bigint>();
  if (byTopic.size > 0) {
    const listed = await client.request(ApiKey.ListOffsets, {
      replicaId: -1,
      isolationLevel: 0,
      timeoutMs: 30_000,
      topics: [...byTopic].map(([name, partitions]) => ({
        name,
        partitions: partitions.map((partitionIndex) => createListOffsetsRequestListOffsetsPartition({ partitionIndex, timestamp: -1n })),
      })),
    });
    for (const topic of listed.body.topics)
      for (const partition of topic.partitions) ends.set(`${topic.name}:${partition.partitionIndex}`, partition.offset);
  }
  out(`GROUP\tSTATE\tPROTOCOL\tMEMBERS`);
  out(`${groupId}\t${group.groupState}\t${group.protocolData}\t${group.members.length}`);
  out('');
  out(`TOPIC\tPARTITION\tCURRENT-OFFSET\tLOG-END-OFFSET\tLAG`);
  for (const entry of committed.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)) {
    const end = ends.get(`${entry.topic}:${entry.partition}`);
    const lag = end === undefined || entry.offset < 0n ? '-' : String(end - entry.offset);
    out(`${entry.topic}\t${entry.partition}\t${entry.offset < 0n ? '-' : entry.offset}\t${end ?? '-'}\t${lag}`);
  }
  return 0;
}
