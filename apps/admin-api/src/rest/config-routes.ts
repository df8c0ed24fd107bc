import { clusterScope, findBroker } from './cluster-routes.js';
import {
  alterConfigs,
  brokerConfigScope,
  CLUSTER_CONFIG_SCOPE,
  configData,
  describeConfig,
  describeConfigs,
  topicConfigScope,
  type ConfigChange,
  type ConfigScope,
} from './configs.js';
import type { Links } from './links.js';
import type { Route, RouteContext } from './route.js';
import { describeTopic } from './topic-routes.js';

/** How each kind of config resource is found from a request: a topic, a broker, the cluster's defaults. */
interface ConfigFamily {
  /** Path under /v3 of the collection (`…/configs`); `/{name}` and `:alter` are added. */
  readonly path: string;
  readonly tag: string;
  readonly listSchema: string;
  readonly itemSchema: string;
  readonly listKind: string;
  /** Confluent's operation ids: list, get, update, reset, alter. */
  readonly ids: readonly [string, string, string, string, string];
  /** The scope, after checking the resource exists (a 404 otherwise). */
  scope(context: RouteContext, links: Links): Promise<ConfigScope>;
}

const FAMILIES: readonly ConfigFamily[] = [
  {
    path: '/clusters/{cluster_id}/topics/{topic_name}/configs',
    tag: 'Configs (v3)',
    listSchema: 'TopicConfigDataList',
    itemSchema: 'TopicConfigData',
    listKind: 'KafkaTopicConfigList',
    ids: [
      'listKafkaTopicConfigs',
      'getKafkaTopicConfig',
      'updateKafkaTopicConfig',
      'deleteKafkaTopicConfig',
      'updateKafkaTopicConfigBatch',
    ],
    async scope(context) {
      await describeTopic(context.client, context.params.topic_name!);
      return topicConfigScope(context.params.topic_name!);
    },
  },
  {
    path: '/clusters/{cluster_id}/brokers/{broker_id}/configs',
    tag: 'Configs (v3)',
    listSchema: 'BrokerConfigDataList',
    itemSchema: 'BrokerConfigData',
    listKind: 'KafkaBrokerConfigList',
    ids: [
      'listKafkaBrokerConfigs',
      'getKafkaBrokerConfig',
      'updateKafkaBrokerConfig',
      'deleteKafkaBrokerConfig',
      'updateKafkaBrokerConfigBatch',
    ],
    async scope(context) {
      const broker = findBroker(await context.client.metadata([]), context.params.broker_id!);
      return brokerConfigScope(broker.nodeId);
    },
  },
  {
    path: '/clusters/{cluster_id}/broker-configs',
    tag: 'Configs (v3)',
    listSchema: 'ClusterConfigDataList',
    itemSchema: 'ClusterConfigData',
    listKind: 'KafkaClusterConfigList',
    ids: [
      'listKafkaClusterConfigs',
      'getKafkaClusterConfig',
      'updateKafkaClusterConfig',
      'deleteKafkaClusterConfig',
      'updateKafkaClusterConfigs',
    ],
    scope: () => Promise.resolve(CLUSTER_CONFIG_SCOPE),
  },
];

function familyRoutes(family: ConfigFamily): Route[] {
  const [listId, getId, updateId, resetId, alterId] = family.ids;
  const scoped = async (context: RouteContext) => {
    const { links, client } = await clusterScope(context);
    return { links, client, scope: await family.scope(context, links) };
  };
  return [
    {
      method: 'get',
      path: family.path,
      operationId: listId,
      summary: 'List Configs',
      tag: family.tag,
      responses: { 200: family.listSchema },
      async handle(context) {
        const { links, client, scope } = await scoped(context);
        const configs = await describeConfigs(client, scope);
        return {
          status: 200,
          body: links.list(
            family.listKind,
            [...scope.path],
            configs.map((config) => configData(links, scope, config)),
          ),
        };
      },
    },
    {
      method: 'get',
      path: `${family.path}/{name}`,
      operationId: getId,
      summary: 'Get Config',
      tag: family.tag,
      responses: { 200: family.itemSchema },
      async handle(context) {
        const { links, client, scope } = await scoped(context);
        return { status: 200, body: configData(links, scope, await describeConfig(client, scope, links.clusterId, context.params.name!)) };
      },
    },
    {
      method: 'put',
      path: `${family.path}/{name}`,
      operationId: updateId,
      summary: 'Update Config',
      tag: family.tag,
      requestBody: 'UpdateConfigRequestData',
      responses: { 204: null },
      async handle(context) {
        const { client, scope, links } = await scoped(context);
        const { value } = context.body as { value?: string | null };
        await alterConfigs(client, scope, links.clusterId, [{ name: context.params.name!, value: value ?? null }]);
        return { status: 204 };
      },
    },
    {
      method: 'delete',
      path: `${family.path}/{name}`,
      operationId: resetId,
      summary: 'Reset Config',
      tag: family.tag,
      responses: { 204: null },
      async handle(context) {
        const { client, scope, links } = await scoped(context);
        await alterConfigs(client, scope, links.clusterId, [{ name: context.params.name!, operation: 'DELETE' }]);
        return { status: 204 };
      },
    },
    {
      method: 'post',
      path: `${family.path}:alter`,
      operationId: alterId,
      summary: 'Batch Alter Configs',
      tag: family.tag,
      requestBody: 'AlterConfigBatchRequestData',
      responses: { 204: null },
      async handle(context) {
        const { client, scope, links } = await scoped(context);
        const body = context.body as { data: ConfigChange[]; validate_only?: boolean };
        await alterConfigs(client, scope, links.clusterId, body.data, body.validate_only ?? false);
        return { status: 204 };
      },
    },
  ];
}

/** `GET …/topics/-/configs` and `GET …/brokers/-/configs`: every topic's or broker's configs in one list. */
const ALL_CONFIG_ROUTES: readonly Route[] = [
  {
    method: 'get',
    path: '/clusters/{cluster_id}/topics/-/configs',
    operationId: 'listKafkaAllTopicConfigs',
    summary: 'List All Topic Configs',
    tag: 'Configs (v3)',
    responses: { 200: 'TopicConfigDataList' },
    async handle(context) {
      const { links, client } = await clusterScope(context);
      const names = (await client.metadata(null)).topics.map((topic) => topic.name!).sort();
      const data = [];
      for (const name of names) {
        const scope = topicConfigScope(name);
        for (const config of await describeConfigs(client, scope)) data.push(configData(links, scope, config));
      }
      return { status: 200, body: links.list('KafkaTopicConfigList', ['topics', '-', 'configs'], data) };
    },
  },
  {
    method: 'get',
    path: '/clusters/{cluster_id}/brokers/-/configs',
    operationId: 'listKafkaAllBrokerConfigs',
    summary: 'List All Broker Configs',
    tag: 'Configs (v3)',
    responses: { 200: 'BrokerConfigDataList' },
    async handle(context) {
      const { links, client, metadata } = await clusterScope(context);
      const data = [];
      for (const broker of [...metadata.brokers].sort((a, b) => a.nodeId - b.nodeId)) {
        const scope = brokerConfigScope(broker.nodeId);
        for (const config of await describeConfigs(client, scope)) data.push(configData(links, scope, config));
      }
      return { status: 200, body: links.list('KafkaBrokerConfigList', ['brokers', '-', 'configs'], data) };
    },
  },
];

/** The all-configs routes first: `-` would otherwise match `{topic_name}` and `{broker_id}`. */
export const CONFIG_ROUTES: readonly Route[] = [...ALL_CONFIG_ROUTES, ...FAMILIES.flatMap(familyRoutes)];
