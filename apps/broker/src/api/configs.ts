import {
  brokerConfigDef,
  ConfigSource,
  describeBrokerConfigs,
  describeGroupConfigs,
  describeTopicConfigs,
  groupConfigDef,
  groupConfigProblem,
  mergeLayers,
  topicConfigDef,
  type BrokerConfigLayers,
  type DescribedConfig,
} from '@strom/config';
import { splitRepeated, topicNameProblem } from '@strom/contracts';
import { ErrorCode } from '@strom/errors';
import {
  createAlterConfigsResponse,
  createDescribeConfigsResponse,
  createDescribeConfigsResponseDescribeConfigsResourceResult,
  createDescribeConfigsResponseDescribeConfigsResult,
  createIncrementalAlterConfigsResponse,
  type AlterConfigsRequest,
  type AlterConfigsResponse,
  type DescribeConfigsRequest,
  type DescribeConfigsResponse,
  type IncrementalAlterConfigsRequest,
  type IncrementalAlterConfigsResponse,
} from '@strom/protocol';
import type { ClusterView } from '../cluster/cluster-view.js';
import type { MetadataClient } from '../cluster/metadata-client.js';
import type { ClientContext } from '../network/request-handler.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { ALLOW_ALL, type RequestAuthorizer } from '../security/request-authorizer.js';

/** Kafka's ConfigResource types. */
const RESOURCE_TOPIC = 2;
const RESOURCE_BROKER = 4;
const RESOURCE_BROKER_LOGGER = 8;
const RESOURCE_CLIENT_METRICS = 16;
const RESOURCE_GROUP = 32;

/** IncrementalAlterConfigs operations. */
const OP_SET = 0;
const OP_DELETE = 1;
const OP_APPEND = 2;
const OP_SUBTRACT = 3;

export interface ConfigHandlerOptions {
  brokerId: number;
  /** server.properties as given (STATIC_BROKER_CONFIG). */
  staticConfig: Record<string, string>;
}

/** server.properties, then the dynamic cluster defaults, then this broker's dynamic configs. */
export function brokerConfigLayers(view: ClusterView, options: ConfigHandlerOptions): BrokerConfigLayers {
  return { static: options.staticConfig, ...view.dynamicBrokerConfigs(options.brokerId) };
}

/**
 * DescribeConfigs for topics (overrides over the broker's configs, with Kafka's sources and
 * synonyms), brokers (dynamic broker configs over server.properties over Kafka's defaults) and groups
 * (their GROUP configs over the broker's group coordinator defaults).
 */
export function handleDescribeConfigs(view: ClusterView, options: ConfigHandlerOptions, authorization: RequestAuthorizer = ALLOW_ALL) {
  return (body: DescribeConfigsRequest, apiVersion: number, client?: ClientContext): DescribeConfigsResponse => {
    const describeOptions = {
      includeSynonyms: apiVersion >= 1 && body.includeSynonyms,
      includeDocumentation: apiVersion >= 3 && body.includeDocumentation,
      // As Kafka answers: retention.ms fed by log.retention.hours alone shows no synonyms.
      synonymMode: 'kafka' as const,
    };
    const layers = brokerConfigLayers(view, options);
    return createDescribeConfigsResponse({
      results: body.resources.map((resource) => {
        const result = (errorCode: ErrorCode, errorMessage: string | null, configs: DescribedConfig[] = []) =>
          createDescribeConfigsResponseDescribeConfigsResult({
            errorCode,
            errorMessage,
            resourceType: resource.resourceType,
            resourceName: resource.resourceName,
            configs: configs.map((config) =>
              createDescribeConfigsResponseDescribeConfigsResourceResult({
                name: config.name,
                value: config.value,
                readOnly: config.readOnly,
                ...(apiVersion === 0
                  ? { isDefault: config.configSource === ConfigSource.DEFAULT_CONFIG }
                  : { configSource: config.configSource }),
                isSensitive: config.isSensitive,
                ...(describeOptions.includeSynonyms ? { synonyms: config.synonyms.map((synonym) => ({ ...synonym })) } : {}),
                ...(apiVersion >= 3
                  ? { configType: config.configType, documentation: describeOptions.includeDocumentation ? config.documentation : null }
                  : {}),
              }),
            ),
          });
        const denied = configsDenied(authorization, client, AclOperation.DESCRIBE_CONFIGS, resource.resourceType, resource.resourceName);
        if (denied) return result(denied.errorCode, denied.errorMessage);
        const configNames = resource.configurationKeys;
        if (resource.resourceType === RESOURCE_TOPIC) {
          const problem = topicNameProblem(resource.resourceName);
          if (problem) return result(ErrorCode.INVALID_TOPIC_EXCEPTION, problem);
          const topic = view.topicByName(resource.resourceName);
          // Kafka 4.4 answers a topic, and a topic it does not have, with an empty message.
          if (!topic) return result(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, '');
          return result(ErrorCode.NONE, '', describeTopicConfigs(topic.configs, layers, { ...describeOptions, configNames }));
        }
        if (resource.resourceType === RESOURCE_BROKER) {
          if (resource.resourceName === '')
            return result(ErrorCode.NONE, null, describeBrokerConfigs(layers, { ...describeOptions, configNames, resource: 'default' }));
          if (resource.resourceName !== String(options.brokerId)) {
            return result(
              ErrorCode.INVALID_REQUEST,
              `Unexpected broker id, expected ${options.brokerId} or empty string, but received ${resource.resourceName}`,
            );
          }
          return result(ErrorCode.NONE, null, describeBrokerConfigs(layers, { ...describeOptions, configNames, resource: 'broker' }));
        }
        if (resource.resourceType === RESOURCE_BROKER_LOGGER) return result(ErrorCode.NONE, null, []);
        if (resource.resourceType === RESOURCE_GROUP) {
          if (resource.resourceName === '') return result(ErrorCode.INVALID_REQUEST, GROUP_NAME_EMPTY);
          const overrides = view.groupConfigs(resource.resourceName);
          return result(ErrorCode.NONE, null, describeGroupConfigs(overrides, layers, { ...describeOptions, configNames }));
        }
        return result(ErrorCode.INVALID_REQUEST, `Unsupported resource type ${resource.resourceType}`);
      }),
    });
  };
}

const GROUP_NAME_EMPTY = 'Group name must not be empty';

type Outcome = { errorCode: ErrorCode; errorMessage: string | null };

/** AlterConfigs: replaces a topic's overrides with the given set (Kafka's legacy semantics). */
export function handleAlterConfigs(
  view: ClusterView,
  metadata: MetadataClient,
  options: ConfigHandlerOptions,
  authorization: RequestAuthorizer = ALLOW_ALL,
) {
  return async (body: AlterConfigsRequest, _apiVersion?: number, client?: ClientContext): Promise<AlterConfigsResponse> => {
    const repeated = repeatedResources(body.resources);
    return createAlterConfigsResponse({
      responses: await Promise.all(
        body.resources.map(async (resource) => {
          const changes = Object.fromEntries(resource.configs.map((config) => [config.name, config.value]));
          const denied =
            repeated(resource) ??
            configsDenied(authorization, client, AclOperation.ALTER_CONFIGS, resource.resourceType, resource.resourceName);
          const outcome =
            denied ??
            (await alter(view, metadata, options, resource.resourceType, resource.resourceName, changes, true, body.validateOnly));
          return { ...outcome, resourceType: resource.resourceType, resourceName: resource.resourceName };
        }),
      ),
    });
  };
}

/**
 * Kafka (ConfigAdminManager.preprocess): every entry of a resource named more than once in one
 * AlterConfigs or IncrementalAlterConfigs request is INVALID_REQUEST, and none of them is applied.
 */
function repeatedResources(resources: readonly { resourceType: number; resourceName: string }[]) {
  const key = (resource: { resourceType: number; resourceName: string }) => `${resource.resourceType}:${resource.resourceName}`;
  const { isRepeated } = splitRepeated(resources, key);
  return (resource: { resourceType: number; resourceName: string }): Outcome | undefined =>
    isRepeated(key(resource))
      ? { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Each resource must appear at most once.' }
      : undefined;
}

/** IncrementalAlterConfigs: SET, DELETE, APPEND and SUBTRACT on single configs. */
export function handleIncrementalAlterConfigs(
  view: ClusterView,
  metadata: MetadataClient,
  options: ConfigHandlerOptions,
  authorization: RequestAuthorizer = ALLOW_ALL,
) {
  return async (
    body: IncrementalAlterConfigsRequest,
    _apiVersion?: number,
    client?: ClientContext,
  ): Promise<IncrementalAlterConfigsResponse> => {
    const repeated = repeatedResources(body.resources);
    return createIncrementalAlterConfigsResponse({
      responses: await Promise.all(
        body.resources.map(async (resource) => {
          const names = resource.configs.map((config) => config.name);
          let outcome: Outcome;
          const denied =
            repeated(resource) ??
            configsDenied(authorization, client, AclOperation.ALTER_CONFIGS, resource.resourceType, resource.resourceName);
          if (denied) {
            outcome = denied;
          } else if (new Set(names).size !== names.length) {
            outcome = { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Error due to duplicate config keys' };
          } else {
            const current = currentValues(view, options, resource.resourceType, resource.resourceName);
            const changes: Record<string, string | null> = {};
            let invalid: Outcome | undefined;
            for (const config of resource.configs) {
              if (config.configOperation === OP_SET) changes[config.name] = config.value;
              else if (config.configOperation === OP_DELETE) changes[config.name] = null;
              else if (config.configOperation === OP_APPEND || config.configOperation === OP_SUBTRACT) {
                const type = configDef(resource.resourceType, config.name)?.type;
                if (type !== undefined && type !== 'LIST') {
                  const operation = config.configOperation === OP_APPEND ? 'APPEND' : 'SUBTRACT';
                  invalid ??= {
                    errorCode: ErrorCode.INVALID_CONFIG,
                    errorMessage: `Can't ${operation} to key ${config.name} because its type is not LIST.`,
                  };
                  continue;
                }
                const list = (current(config.name) ?? '').split(',').filter((entry) => entry.length > 0);
                const items = (config.value ?? '').split(',').filter((entry) => entry.length > 0);
                changes[config.name] =
                  config.configOperation === OP_APPEND
                    ? [...list, ...items.filter((item) => !list.includes(item))].join(',')
                    : list.filter((item) => !items.includes(item)).join(',');
              } else invalid = { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unknown operation type ${config.configOperation}` };
            }
            outcome =
              invalid ??
              (await alter(view, metadata, options, resource.resourceType, resource.resourceName, changes, false, body.validateOnly));
          }
          return { ...outcome, resourceType: resource.resourceType, resourceName: resource.resourceName };
        }),
      ),
    });
  };
}

/**
 * Kafka's ConfigHelper / ConfigAdminManager checks: DESCRIBE_CONFIGS or ALTER_CONFIGS on the topic
 * (TOPIC_AUTHORIZATION_FAILED), on the group (GROUP_AUTHORIZATION_FAILED) or, for brokers, broker loggers and client
 * metrics, on the cluster (CLUSTER_AUTHORIZATION_FAILED). Client-metrics resources are then unsupported here.
 */
function configsDenied(
  authorization: RequestAuthorizer,
  client: ClientContext | undefined,
  operation: number,
  resourceType: number,
  resourceName: string,
): Outcome | undefined {
  if (!client) return undefined;
  if (resourceType === RESOURCE_TOPIC) {
    return authorization.allowed(client, operation, ResourceType.TOPIC, resourceName)
      ? undefined
      : { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: 'Topic authorization failed.' };
  }
  if (resourceType === RESOURCE_BROKER || resourceType === RESOURCE_BROKER_LOGGER || resourceType === RESOURCE_CLIENT_METRICS) {
    return authorization.allowedOnCluster(client, operation)
      ? undefined
      : { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Cluster authorization failed.' };
  }
  if (resourceType === RESOURCE_GROUP) {
    return authorization.allowed(client, operation, ResourceType.GROUP, resourceName)
      ? undefined
      : { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, errorMessage: 'Group authorization failed.' };
  }
  return undefined;
}

function configDef(resourceType: number, name: string) {
  if (resourceType === RESOURCE_TOPIC) return topicConfigDef(name);
  if (resourceType === RESOURCE_GROUP) return groupConfigDef(name);
  return brokerConfigDef(name);
}

/**
 * A config's current value for APPEND and SUBTRACT: the topic's override, or the broker
 * resource's dynamic value, else Kafka's default (as the controller reads it).
 */
function currentValues(
  view: ClusterView,
  options: ConfigHandlerOptions,
  resourceType: number,
  resourceName: string,
): (name: string) => string | undefined {
  if (resourceType === RESOURCE_TOPIC) {
    const configs = view.topicByName(resourceName)?.configs ?? {};
    return (name) => configs[name] ?? topicConfigDef(name)?.default ?? undefined;
  }
  if (resourceType === RESOURCE_BROKER) {
    const { dynamicDefault, dynamicBroker } = view.dynamicBrokerConfigs(options.brokerId);
    const configs = resourceName === '' ? dynamicDefault : dynamicBroker;
    return (name) => configs[name] ?? brokerConfigDef(name)?.default ?? undefined;
  }
  if (resourceType === RESOURCE_GROUP) {
    const configs = view.groupConfigs(resourceName);
    return (name) => configs[name] ?? groupConfigDef(name)?.default ?? undefined;
  }
  return () => undefined;
}

async function alter(
  view: ClusterView,
  metadata: MetadataClient,
  options: ConfigHandlerOptions,
  resourceType: number,
  resourceName: string,
  changes: Record<string, string | null>,
  replace: boolean,
  validateOnly: boolean,
): Promise<Outcome> {
  if (resourceType === RESOURCE_TOPIC) {
    const problem = topicNameProblem(resourceName);
    if (problem) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: problem };
    if (!view.topicByName(resourceName))
      return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `The topic '${resourceName}' does not exist.` };
    const reply = await metadata.alterTopicConfigs({ topic: resourceName, changes, replace, validateOnly });
    return { errorCode: reply.errorCode, errorMessage: reply.errorMessage };
  }
  if (resourceType === RESOURCE_BROKER) {
    if (resourceName !== '' && resourceName !== String(options.brokerId)) {
      return {
        errorCode: ErrorCode.INVALID_REQUEST,
        errorMessage: `Unexpected broker id, expected ${options.brokerId} or empty string, but received ${resourceName}`,
      };
    }
    const reply = await metadata.alterBrokerConfigs({
      brokerId: resourceName === '' ? null : options.brokerId,
      changes,
      replace,
      validateOnly,
    });
    return { errorCode: reply.errorCode, errorMessage: reply.errorMessage };
  }
  if (resourceType === RESOURCE_GROUP) return alterGroup(view, metadata, options, resourceName, changes, replace, validateOnly);
  return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unsupported resource type ${resourceType}` };
}

/**
 * A GROUP resource, as Kafka's controller takes it (ControllerConfigurationValidator): the group's
 * configs after the change, validated by GroupConfig.validate against this broker's group.* bounds
 * (INVALID_CONFIG), then stored; the group need not exist.
 */
async function alterGroup(
  view: ClusterView,
  metadata: MetadataClient,
  options: ConfigHandlerOptions,
  groupId: string,
  changes: Record<string, string | null>,
  replace: boolean,
  validateOnly: boolean,
): Promise<Outcome> {
  if (groupId === '') return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: GROUP_NAME_EMPTY };
  const next = new Map(replace ? [] : Object.entries(view.groupConfigs(groupId)));
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) next.delete(name);
    else next.set(name, value);
  }
  const problem = groupConfigProblem(Object.fromEntries(next), mergeLayers(brokerConfigLayers(view, options)));
  if (problem !== undefined) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: problem };
  if (!validateOnly) await metadata.alterGroupConfigs({ groupId, changes, replace });
  return { errorCode: ErrorCode.NONE, errorMessage: null };
}
