/**
 * The JSON schemas of REST v3's resources and requests, in OpenAPI 3.0's dialect (`nullable`), as
 * Confluent's api/v3/openapi.yaml defines them: the served OpenAPI document is made of these and
 * the route table (openapi.ts), and request bodies are validated against them (route-table.ts).
 * A test checks real responses against Confluent's own published schemas.
 */
type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const string: Schema = { type: 'string' };
const nullableString: Schema = { type: 'string', nullable: true };
const integer: Schema = { type: 'integer' };
const int64: Schema = { type: 'integer', format: 'int64' };
const boolean: Schema = { type: 'boolean' };
const relationship = ref('Relationship');

/** A single resource: `kind`, `metadata.self` and the given required properties. */
function resource(properties: Record<string, Schema>, required: readonly string[] = Object.keys(properties)): Schema {
  return { allOf: [ref('Resource'), { type: 'object', required: [...required], properties }] };
}

/** A list resource whose `data` holds `item`s. */
function collection(item: string): Schema {
  return {
    allOf: [ref('ResourceCollection'), { type: 'object', required: ['data'], properties: { data: { type: 'array', items: ref(item) } } }],
  };
}

const CONFIG_SOURCES = [
  'DYNAMIC_CLUSTER_LINK_CONFIG',
  'DYNAMIC_TOPIC_CONFIG',
  'DYNAMIC_BROKER_LOGGER_CONFIG',
  'DYNAMIC_BROKER_CONFIG',
  'DYNAMIC_DEFAULT_BROKER_CONFIG',
  'STATIC_BROKER_CONFIG',
  'DEFAULT_CONFIG',
  'UNKNOWN',
];

const DATA_TYPES = ['BINARY', 'JSON', 'STRING', 'AVRO', 'JSONSCHEMA', 'PROTOBUF'];

export const SCHEMAS: Readonly<Record<string, Schema>> = {
  Error: {
    type: 'object',
    required: ['error_code', 'message'],
    properties: { error_code: { type: 'integer', format: 'int32' }, message: nullableString },
  },
  Relationship: { type: 'object', required: ['related'], properties: { related: string } },
  ResourceMetadata: { type: 'object', required: ['self'], properties: { self: string, resource_name: nullableString } },
  ResourceCollectionMetadata: { type: 'object', required: ['self'], properties: { self: string, next: nullableString } },
  Resource: { type: 'object', required: ['kind', 'metadata'], properties: { kind: string, metadata: ref('ResourceMetadata') } },
  ResourceCollection: {
    type: 'object',
    required: ['kind', 'metadata'],
    properties: { kind: string, metadata: ref('ResourceCollectionMetadata') },
  },

  ClusterData: resource(
    {
      cluster_id: string,
      controller: relationship,
      acls: relationship,
      brokers: relationship,
      broker_configs: relationship,
      consumer_groups: relationship,
      topics: relationship,
      partition_reassignments: relationship,
    },
    ['cluster_id', 'acls', 'brokers', 'broker_configs', 'consumer_groups', 'topics', 'partition_reassignments'],
  ),
  ClusterDataList: collection('ClusterData'),

  BrokerData: resource(
    {
      cluster_id: string,
      broker_id: integer,
      host: nullableString,
      port: { type: 'integer', nullable: true },
      rack: nullableString,
      configs: relationship,
      partition_replicas: relationship,
    },
    ['cluster_id', 'broker_id', 'configs', 'partition_replicas'],
  ),
  BrokerDataList: collection('BrokerData'),

  ConfigSource: { type: 'string', enum: CONFIG_SOURCES },
  ConfigSynonymData: {
    type: 'object',
    required: ['name', 'source'],
    properties: { name: string, value: nullableString, source: ref('ConfigSource') },
  },
  AbstractConfigData: resource(
    {
      cluster_id: string,
      name: string,
      value: nullableString,
      is_default: boolean,
      is_read_only: boolean,
      is_sensitive: boolean,
      source: ref('ConfigSource'),
      synonyms: { type: 'array', items: ref('ConfigSynonymData') },
    },
    ['cluster_id', 'name', 'is_default', 'is_read_only', 'is_sensitive', 'source', 'synonyms'],
  ),
  BrokerConfigData: { allOf: [ref('AbstractConfigData'), { type: 'object', required: ['broker_id'], properties: { broker_id: integer } }] },
  BrokerConfigDataList: collection('BrokerConfigData'),
  ClusterConfigData: {
    allOf: [
      ref('AbstractConfigData'),
      { type: 'object', required: ['config_type'], properties: { config_type: { type: 'string', enum: ['BROKER'] } } },
    ],
  },
  ClusterConfigDataList: collection('ClusterConfigData'),
  TopicConfigData: { allOf: [ref('AbstractConfigData'), { type: 'object', required: ['topic_name'], properties: { topic_name: string } }] },
  TopicConfigDataList: collection('TopicConfigData'),

  TopicData: resource(
    {
      cluster_id: string,
      topic_name: string,
      is_internal: boolean,
      replication_factor: integer,
      partitions_count: integer,
      partitions: relationship,
      configs: relationship,
      partition_reassignments: relationship,
    },
    [
      'cluster_id',
      'topic_name',
      'is_internal',
      'replication_factor',
      'partitions_count',
      'partitions',
      'configs',
      'partition_reassignments',
    ],
  ),
  TopicDataList: collection('TopicData'),

  PartitionData: resource(
    {
      cluster_id: string,
      topic_name: string,
      partition_id: integer,
      leader: relationship,
      replicas: relationship,
      reassignment: relationship,
    },
    ['cluster_id', 'topic_name', 'partition_id', 'replicas', 'reassignment'],
  ),
  PartitionDataList: collection('PartitionData'),
  ReplicaData: resource({
    cluster_id: string,
    topic_name: string,
    partition_id: integer,
    broker_id: integer,
    is_leader: boolean,
    is_in_sync: boolean,
    broker: relationship,
  }),
  ReplicaDataList: collection('ReplicaData'),

  ConsumerGroupData: resource({
    cluster_id: string,
    consumer_group_id: string,
    is_simple: boolean,
    partition_assignor: string,
    state: {
      type: 'string',
      enum: ['UNKNOWN', 'PREPARING_REBALANCE', 'COMPLETING_REBALANCE', 'ASSIGNING', 'RECONCILING', 'STABLE', 'DEAD', 'EMPTY'],
    },
    type: { type: 'string', enum: ['UNKNOWN', 'CLASSIC', 'CONSUMER', 'SHARE'] },
    is_mixed_consumer_group: boolean,
    coordinator: relationship,
    consumers: relationship,
    lag_summary: relationship,
  }),
  ConsumerGroupDataList: collection('ConsumerGroupData'),
  ConsumerData: resource(
    {
      cluster_id: string,
      consumer_group_id: string,
      consumer_id: string,
      instance_id: nullableString,
      client_id: string,
      assignments: relationship,
    },
    ['cluster_id', 'consumer_group_id', 'consumer_id', 'client_id', 'assignments'],
  ),
  ConsumerDataList: collection('ConsumerData'),
  ConsumerAssignmentData: resource({
    cluster_id: string,
    consumer_group_id: string,
    consumer_id: string,
    topic_name: string,
    partition_id: integer,
    partition: relationship,
    lag: relationship,
  }),
  ConsumerAssignmentDataList: collection('ConsumerAssignmentData'),
  ConsumerLagData: resource(
    {
      cluster_id: string,
      consumer_group_id: string,
      topic_name: string,
      partition_id: integer,
      current_offset: int64,
      log_end_offset: int64,
      lag: int64,
      consumer_id: string,
      instance_id: nullableString,
      client_id: string,
    },
    [
      'cluster_id',
      'consumer_group_id',
      'topic_name',
      'partition_id',
      'current_offset',
      'log_end_offset',
      'lag',
      'consumer_id',
      'client_id',
    ],
  ),
  ConsumerLagDataList: collection('ConsumerLagData'),
  ConsumerGroupLagSummaryData: resource(
    {
      cluster_id: string,
      consumer_group_id: string,
      max_lag_consumer_id: string,
      max_lag_instance_id: nullableString,
      max_lag_client_id: string,
      max_lag_topic_name: string,
      max_lag_partition_id: integer,
      max_lag: int64,
      total_lag: int64,
      max_lag_consumer: relationship,
      max_lag_partition: relationship,
    },
    [
      'cluster_id',
      'consumer_group_id',
      'max_lag_consumer_id',
      'max_lag_client_id',
      'max_lag_topic_name',
      'max_lag_partition_id',
      'max_lag',
      'total_lag',
      'max_lag_consumer',
      'max_lag_partition',
    ],
  ),

  AclData: resource({
    cluster_id: string,
    resource_type: { type: 'string', enum: ['UNKNOWN', 'ANY', 'TOPIC', 'GROUP', 'CLUSTER', 'TRANSACTIONAL_ID', 'DELEGATION_TOKEN'] },
    resource_name: string,
    pattern_type: string,
    principal: string,
    host: string,
    operation: string,
    permission: string,
  }),
  AclDataList: collection('AclData'),
  /** DELETE …/acls answers the deleted ACLs without `kind` or `metadata` (Confluent's DeleteAclsResponse). */
  DeleteAclsResponseData: { type: 'object', required: ['data'], properties: { data: { type: 'array', items: ref('AclData') } } },
  CreateAclRequestData: {
    type: 'object',
    required: ['resource_type', 'resource_name', 'pattern_type', 'principal', 'host', 'operation', 'permission'],
    properties: {
      resource_type: string,
      resource_name: string,
      pattern_type: string,
      principal: string,
      host: string,
      operation: string,
      permission: string,
    },
  },
  CreateAclRequestDataList: {
    type: 'object',
    required: ['data'],
    properties: { data: { type: 'array', items: ref('CreateAclRequestData') } },
  },

  StromOffsetResetRequestData: {
    type: 'object',
    required: ['to'],
    properties: {
      to: { type: 'string', enum: ['EARLIEST', 'LATEST', 'TIMESTAMP', 'OFFSET'] },
      timestamp: { type: 'string', format: 'date-time' },
      offset: { type: 'integer', format: 'int64', minimum: 0 },
      topics: {
        type: 'array',
        items: {
          type: 'object',
          required: ['topic_name'],
          properties: { topic_name: string, partitions: { type: 'array', items: integer } },
        },
      },
      validate_only: boolean,
    },
  },
  StromOffsetResetData: {
    type: 'object',
    required: ['kind', 'metadata', 'cluster_id', 'consumer_group_id', 'validate_only', 'data'],
    properties: {
      kind: string,
      metadata: ref('ResourceCollectionMetadata'),
      cluster_id: string,
      consumer_group_id: string,
      validate_only: boolean,
      data: {
        type: 'array',
        items: {
          type: 'object',
          required: ['topic_name', 'partition_id', 'offset'],
          properties: { topic_name: string, partition_id: integer, offset: int64 },
        },
      },
    },
  },
  StromScramUserData: resource({
    cluster_id: string,
    user_name: string,
    credentials: {
      type: 'array',
      items: {
        type: 'object',
        required: ['mechanism', 'iterations'],
        properties: { mechanism: { type: 'string', enum: ['SCRAM-SHA-256', 'SCRAM-SHA-512', 'UNKNOWN'] }, iterations: integer },
      },
    },
  }),
  StromScramUserDataList: collection('StromScramUserData'),
  StromScramCredentialRequestData: {
    type: 'object',
    required: ['password'],
    additionalProperties: false,
    properties: {
      password: { type: 'string', minLength: 1 },
      iterations: {
        type: 'integer',
        format: 'int32',
        description: "Default 4096, as kafka-configs.sh's; the broker accepts 4096 to 16384.",
      },
    },
  },
  StromClusterOperationData: resource(
    {
      cluster_id: string,
      operation_id: string,
      run_id: string,
      type: string,
      status: { type: 'string', enum: ['RUNNING', 'COMPLETED', 'FAILED', 'CANCELED', 'TERMINATED', 'CONTINUED_AS_NEW', 'TIMED_OUT'] },
      start_time: { type: 'string', format: 'date-time' },
      close_time: { type: 'string', format: 'date-time', nullable: true },
      input: { type: 'array', items: {}, description: "The workflow's arguments." },
      broker_id: { type: 'integer', nullable: true, description: 'The broker a BrokerFailover fences.' },
      broker_epoch: { type: 'string', nullable: true, description: 'The broker epoch a BrokerFailover fences.' },
      steps: {
        type: 'array',
        items: {
          type: 'object',
          required: ['name', 'status', 'scheduled_time', 'close_time', 'attempt', 'failure'],
          properties: {
            name: string,
            status: { type: 'string', enum: ['SCHEDULED', 'RUNNING', 'COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELED'] },
            scheduled_time: { type: 'string', format: 'date-time' },
            close_time: { type: 'string', format: 'date-time', nullable: true },
            attempt: integer,
            failure: nullableString,
          },
        },
      },
      result: { description: "The workflow's result once it completed (any JSON), else null." },
      failure: nullableString,
      temporal_ui: { type: 'string', nullable: true, description: 'The workflow in the Temporal Web UI (strom.admin.temporal.ui.url).' },
    },
    ['cluster_id', 'operation_id', 'run_id', 'type', 'status', 'start_time', 'close_time'],
  ),
  StromClusterOperationDataList: collection('StromClusterOperationData'),

  CreateTopicRequestData: {
    type: 'object',
    required: ['topic_name'],
    properties: {
      topic_name: string,
      partitions_count: integer,
      replication_factor: integer,
      replicas_assignments: { type: 'object', additionalProperties: { type: 'array', items: integer } },
      configs: { type: 'array', items: { type: 'object', required: ['name'], properties: { name: string, value: nullableString } } },
      validate_only: boolean,
    },
  },
  UpdatePartitionCountRequestData: {
    type: 'object',
    required: ['partitions_count'],
    properties: { partitions_count: { type: 'integer', format: 'int32' } },
  },
  UpdateConfigRequestData: { type: 'object', properties: { value: nullableString } },
  AlterConfigBatchRequestData: {
    type: 'object',
    required: ['data'],
    properties: {
      data: {
        type: 'array',
        items: {
          type: 'object',
          required: ['name'],
          properties: {
            name: string,
            value: nullableString,
            operation: { type: 'string', enum: ['SET', 'DELETE', 'set', 'delete'], nullable: true },
          },
        },
      },
      validate_only: boolean,
    },
  },

  ProduceRequestHeader: {
    type: 'object',
    required: ['name'],
    properties: { name: string, value: { type: 'string', format: 'byte', nullable: true } },
  },
  ProduceRequestData: {
    type: 'object',
    nullable: true,
    properties: {
      type: { type: 'string', enum: DATA_TYPES },
      subject: nullableString,
      subject_name_strategy: { type: 'string', nullable: true },
      schema_id: { type: 'integer', nullable: true },
      schema_version: { type: 'integer', nullable: true },
      schema: nullableString,
      data: {},
    },
  },
  ProduceRequest: {
    type: 'object',
    properties: {
      partition_id: { type: 'integer', format: 'int32', nullable: true },
      headers: { type: 'array', items: ref('ProduceRequestHeader') },
      key: ref('ProduceRequestData'),
      value: ref('ProduceRequestData'),
      timestamp: { type: 'string', format: 'date-time', nullable: true },
    },
  },
  ProduceBatchRequestEntry: {
    type: 'object',
    required: ['id'],
    properties: {
      id: { type: 'string', minLength: 1, maxLength: 80 },
      partition_id: { type: 'integer', format: 'int32', nullable: true },
      headers: { type: 'array', items: ref('ProduceRequestHeader') },
      key: ref('ProduceRequestData'),
      value: ref('ProduceRequestData'),
      timestamp: { type: 'string', format: 'date-time', nullable: true },
    },
  },
  ProduceBatchRequest: {
    type: 'object',
    required: ['entries'],
    properties: { entries: { type: 'array', items: ref('ProduceBatchRequestEntry') } },
  },
  ProduceBatchResponseSuccessEntry: {
    type: 'object',
    required: ['id'],
    properties: {
      id: { type: 'string', minLength: 1, maxLength: 80 },
      cluster_id: string,
      topic_name: string,
      partition_id: { type: 'integer', format: 'int32' },
      offset: int64,
      timestamp: { type: 'string', format: 'date-time', nullable: true },
      key: ref('ProduceResponseData'),
      value: ref('ProduceResponseData'),
    },
  },
  ProduceBatchResponseFailureEntry: {
    type: 'object',
    required: ['id', 'error_code'],
    properties: { id: { type: 'string', minLength: 1, maxLength: 80 }, error_code: { type: 'integer', format: 'int32' }, message: string },
  },
  ProduceBatchResponse: {
    type: 'object',
    properties: {
      successes: { type: 'array', items: ref('ProduceBatchResponseSuccessEntry') },
      failures: { type: 'array', items: ref('ProduceBatchResponseFailureEntry') },
    },
  },
  ProduceResponseData: {
    type: 'object',
    nullable: true,
    required: ['size', 'type'],
    properties: {
      size: int64,
      type: { type: 'string', enum: DATA_TYPES, nullable: true },
      subject: nullableString,
      schema_id: { type: 'integer', nullable: true },
      schema_version: { type: 'integer', nullable: true },
    },
  },
  ProduceResponse: {
    type: 'object',
    required: ['error_code'],
    properties: {
      error_code: { type: 'integer', format: 'int32' },
      message: string,
      cluster_id: string,
      topic_name: string,
      partition_id: { type: 'integer', format: 'int32' },
      offset: int64,
      timestamp: { type: 'string', format: 'date-time', nullable: true },
      key: ref('ProduceResponseData'),
      value: ref('ProduceResponseData'),
    },
  },
};
