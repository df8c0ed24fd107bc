// @strom/config: Kafka's configuration model as data (reference: Apache Kafka 4.1), and the one
// configuration path of every Strom process (flags > env > server.properties > defaults).
export * from './types.js';
export { TOPIC_CONFIGS, TOPIC_CONFIGS_BY_NAME, topicConfigDef, COMPRESSION_TYPES } from './topic-configs.js';
export {
  BROKER_CONFIGS,
  BROKER_CONFIGS_BY_NAME,
  parseConnectionOverrides,
  brokerConfigDef,
  OTHER_KAFKA_BROKER_CONFIGS,
  REMOVED_IN_KAFKA_4,
  SECURITY_PROTOCOLS,
  RACK_AWARE_REPLICA_SELECTOR,
} from './broker-configs.js';
export {
  ConfigValueError,
  parseValue,
  tryParseValue,
  parseType,
  renderValue,
  defaultValue,
  describeValidator,
  javaDoubleToString,
  configTypeCode,
  type ParseResult,
} from './parse.js';
export {
  validateTopicConfigs,
  validateBrokerConfig,
  dynamicBrokerConfigProblem,
  type TopicConfigError,
  type TopicValidationResult,
  type TopicValidationOptions,
  type BrokerConfigIssue,
  type BrokerConfigWarning,
  type BrokerValidationResult,
} from './validate.js';
export {
  resolveTopicConfig,
  describeTopicConfigs,
  describeBrokerConfigs,
  brokerConfigSynonyms,
  mergeLayers,
  type BrokerConfigLayers,
  type ConfigSynonymEntry,
  type DescribedConfig,
  type ResolvedTopicConfig,
  type ResolveOptions,
  type DescribeOptions,
  type DescribeBrokerOptions,
} from './resolve.js';
export {
  parseServerProperties,
  parsePropertiesEntries,
  readServerProperties,
  PropertiesSyntaxError,
  type PropertyEntry,
} from './properties.js';
export {
  STROM_CONFIGS,
  STROM_CONFIGS_BY_NAME,
  STROM_DEFAULTS_FOR_KAFKA_KEYS,
  FLAG_BINDINGS,
  CONFIG_FILE_BINDING,
  LOG_LEVELS,
  LOG_FORMATS,
  bindingsOf,
  envNames,
  describeFlags,
} from './strom-configs.js';
export {
  SUPPORTED_SASL_MECHANISMS,
  STANDARD_AUTHORIZER_CLASS,
  ListenerConfigError,
  parseJaasConfig,
  listenerPrefix,
  type SecurityProtocol,
  type Listener,
  type ListenerSasl,
  type AuthorizerSettings,
  type JaasEntry,
} from './listeners.js';
export { interBrokerSettings, type InterBrokerSasl, type InterBrokerSettings, type InterBrokerInput } from './inter-broker.js';
export {
  ServerConfig,
  ConfigError,
  loadServerConfig,
  parseFlags,
  type ConfigOrigin,
  type ConfigInput,
  type LoadOptions,
} from './server-config.js';
export {
  GROUP_CONFIGS,
  GROUP_CONFIGS_BY_NAME,
  groupConfigDef,
  groupConfigProblem,
  describeGroupConfigs,
  type GroupConfigDef,
} from './group-configs.js';
