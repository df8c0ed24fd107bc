import {
  ApiKey,
  createDescribeConfigsRequest,
  createDescribeConfigsRequestDescribeConfigsResource,
  createIncrementalAlterConfigsRequest,
  type DescribeConfigsResponseDescribeConfigsResourceResult as DescribedConfig,
} from '@strom/protocol';
import type { ClusterClient } from './cluster-client.js';
import { RestError, throwIfKafkaError } from './errors.js';
import type { Links } from './links.js';

/** Kafka's ConfigResource types. */
export const ConfigResourceType = { TOPIC: 2, BROKER: 4 } as const;

/** Kafka's DescribeConfigs config sources, by their wire value, as v3 names them. */
const CONFIG_SOURCES = [
  'UNKNOWN',
  'DYNAMIC_TOPIC_CONFIG',
  'DYNAMIC_BROKER_CONFIG',
  'DYNAMIC_DEFAULT_BROKER_CONFIG',
  'STATIC_BROKER_CONFIG',
  'DEFAULT_CONFIG',
  'DYNAMIC_BROKER_LOGGER_CONFIG',
];

/** IncrementalAlterConfigs operations. */
const OP_SET = 0;
const OP_DELETE = 1;

/**
 * One configurable resource as v3 shows it: a topic (`/topics/{t}/configs`), a broker
 * (`/brokers/{id}/configs`) or the cluster-wide broker defaults (`/broker-configs`).
 */
export interface ConfigScope {
  readonly resourceType: number;
  /** The topic name, the broker id, or '' for the cluster-wide default. */
  readonly resourceName: string;
  /** The broker that must answer (a broker's own configs), else any. */
  readonly node?: number;
  readonly kind: string;
  /** The collection's path under the cluster: `['topics', t, 'configs']`, `['broker-configs']`. */
  readonly path: readonly (string | number)[];
  /** CRN parts before `config=<name>`. */
  readonly crn: readonly [string, string | number][];
  /** The resource's own fields: `topic_name`, `broker_id` or `config_type`. */
  readonly fields: Readonly<Record<string, unknown>>;
  /** Kafka's ConfigResource type name, for v3's 404 of an unknown config. */
  readonly typeName: 'TOPIC' | 'BROKER';
  /**
   * Whether changes check that the config exists first (a 404 otherwise), as kafka-rest's
   * `safe*Config` do for topics and brokers; the cluster-wide defaults list only what is set, so
   * kafka-rest changes them unchecked.
   */
  readonly checked: boolean;
}

export function topicConfigScope(topicName: string): ConfigScope {
  return {
    resourceType: ConfigResourceType.TOPIC,
    resourceName: topicName,
    kind: 'KafkaTopicConfig',
    path: ['topics', topicName, 'configs'],
    crn: [['topic', topicName]],
    fields: { topic_name: topicName },
    typeName: 'TOPIC',
    checked: true,
  };
}

export function brokerConfigScope(brokerId: number): ConfigScope {
  return {
    resourceType: ConfigResourceType.BROKER,
    resourceName: String(brokerId),
    node: brokerId,
    kind: 'KafkaBrokerConfig',
    path: ['brokers', brokerId, 'configs'],
    crn: [['broker', brokerId]],
    fields: { broker_id: brokerId },
    typeName: 'BROKER',
    checked: true,
  };
}

export const CLUSTER_CONFIG_SCOPE: ConfigScope = {
  resourceType: ConfigResourceType.BROKER,
  resourceName: '',
  kind: 'KafkaClusterConfig',
  path: ['broker-configs'],
  crn: [],
  fields: { config_type: 'BROKER' },
  typeName: 'BROKER',
  checked: false,
};

/** DescribeConfigs for the scope (every config, or those `names`), with synonyms. */
export async function describeConfigs(
  client: ClusterClient,
  scope: ConfigScope,
  names: string[] | null = null,
): Promise<DescribedConfig[]> {
  const request = createDescribeConfigsRequest({
    resources: [
      createDescribeConfigsRequestDescribeConfigsResource({
        resourceType: scope.resourceType,
        resourceName: scope.resourceName,
        configurationKeys: names,
      }),
    ],
    includeSynonyms: true,
  });
  const response =
    scope.node === undefined
      ? await client.request(ApiKey.DescribeConfigs, request)
      : await client.requestNode(scope.node, ApiKey.DescribeConfigs, request);
  const result = response.results[0]!;
  throwIfKafkaError(result.errorCode, result.errorMessage);
  return [...result.configs].sort((a, b) => a.name.localeCompare(b.name));
}

/** One config as v3's `*ConfigData`. */
export function configData(links: Links, scope: ConfigScope, config: DescribedConfig) {
  const source = CONFIG_SOURCES[config.configSource] ?? 'UNKNOWN';
  return {
    ...links.resource(
      scope.kind,
      [...scope.path, config.name],
      [...scope.crn, [scope.kind === 'KafkaClusterConfig' ? 'broker-config' : 'config', config.name]],
    ),
    cluster_id: links.clusterId,
    ...scope.fields,
    name: config.name,
    value: config.isSensitive ? null : config.value,
    is_default: source === 'DEFAULT_CONFIG',
    is_read_only: config.readOnly,
    is_sensitive: config.isSensitive,
    source,
    synonyms: config.synonyms.map((synonym) => ({
      name: synonym.name,
      value: config.isSensitive ? null : synonym.value,
      source: CONFIG_SOURCES[synonym.source] ?? 'UNKNOWN',
    })),
  };
}

/** The named config, or v3's 404. */
export async function describeConfig(client: ClusterClient, scope: ConfigScope, clusterId: string, name: string): Promise<DescribedConfig> {
  const config = (await describeConfigs(client, scope, [name])).find((candidate) => candidate.name === name);
  if (!config) throw unknownConfig(scope, clusterId, name);
  return config;
}

function unknownConfig(scope: ConfigScope, clusterId: string, name: string): RestError {
  return RestError.notFound(`Config ${name} cannot be found for ${scope.typeName} ${scope.resourceName} in cluster ${clusterId}.`);
}

export interface ConfigChange {
  readonly name: string;
  readonly value?: string | null;
  /** SET (the default) or DELETE (reset to the default). */
  readonly operation?: string | null;
}

/**
 * IncrementalAlterConfigs: SET or DELETE each change, all or none (Kafka validates the whole
 * request first); for a checked scope, a 404 first when a config is unknown.
 */
export async function alterConfigs(
  client: ClusterClient,
  scope: ConfigScope,
  clusterId: string,
  changes: readonly ConfigChange[],
  validateOnly = false,
): Promise<void> {
  if (scope.checked) {
    const known = new Set((await describeConfigs(client, scope)).map((config) => config.name));
    const unknown = changes.find((change) => !known.has(change.name));
    if (unknown) throw unknownConfig(scope, clusterId, unknown.name);
  }
  const request = createIncrementalAlterConfigsRequest({
    resources: [
      {
        resourceType: scope.resourceType,
        resourceName: scope.resourceName,
        configs: changes.map((change) => {
          const remove = (change.operation ?? 'SET').toUpperCase() === 'DELETE';
          return { name: change.name, configOperation: remove ? OP_DELETE : OP_SET, value: remove ? null : (change.value ?? null) };
        }),
      },
    ],
    validateOnly,
  });
  const response =
    scope.node === undefined
      ? await client.request(ApiKey.IncrementalAlterConfigs, request)
      : await client.requestNode(scope.node, ApiKey.IncrementalAlterConfigs, request);
  const result = response.responses[0]!;
  throwIfKafkaError(result.errorCode, result.errorMessage);
}
