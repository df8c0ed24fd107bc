import { ErrorCode } from '@strom/errors';
import {
  ApiKey,
  createAlterConfigsRequest,
  createApiVersionsRequest,
  createCreateAclsRequest,
  createCreatePartitionsRequest,
  createCreateTopicsRequest,
  createCreateTopicsRequestCreatableTopic,
  createDeleteAclsRequest,
  createDeleteGroupsRequest,
  createDeleteRecordsRequest,
  createDeleteTopicsRequest,
  createDescribeAclsRequest,
  createDescribeClusterRequest,
  createDescribeConfigsRequest,
  createDescribeGroupsRequest,
  createDescribeLogDirsRequest,
  createDescribeProducersRequest,
  createDescribeClientQuotasRequest,
  createDescribeTopicPartitionsRequest,
  createDescribeUserScramCredentialsRequest,
  createAlterUserScramCredentialsRequest,
  createFetchRequest,
  createFetchRequestFetchPartition,
  createFindCoordinatorRequest,
  createHeartbeatRequest,
  createIncrementalAlterConfigsRequest,
  createInitProducerIdRequest,
  createJoinGroupRequest,
  createLeaveGroupRequest,
  createListGroupsRequest,
  createListOffsetsRequest,
  createListOffsetsRequestListOffsetsPartition,
  createMetadataRequest,
  createMetadataRequestTopic,
  createOffsetCommitRequest,
  createOffsetCommitRequestPartition,
  createOffsetDeleteRequest,
  createOffsetFetchRequest,
  createOffsetFetchRequestGroup,
  createOffsetForLeaderEpochRequest,
  createOffsetForLeaderEpochRequestOffsetForLeaderPartition,
  createProduceRequest,
  createProduceRequestPartitionProduceData,
  createProduceRequestTopicProduceData,
  createSaslAuthenticateRequest,
  createSaslHandshakeRequest,
  createSyncGroupRequest,
  encodeRecordBatch,
  type RequestBodies,
  type ResponseBodies,
} from '@strom/protocol';
import { expect } from 'vitest';

/** Kafka's ACL codes, spelled out so this file states Kafka's rules without the broker's code. */
const OPERATION = {
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
} as const;
const RESOURCE = { TOPIC: 2, GROUP: 3, CLUSTER: 4, TRANSACTIONAL_ID: 5 } as const;
const CONFIG_RESOURCE = { TOPIC: 2, BROKER: 4, GROUP: 32 } as const;

export type Operation = keyof typeof OPERATION;
export type Resource = keyof typeof RESOURCE;

/** One ALLOW ACL, LITERAL, host `*`, for the user the case runs as. */
export interface Acl {
  readonly resource: Resource;
  readonly name: string;
  readonly operation: Operation;
}

export function aclCreation(acl: Acl, principal: string) {
  return {
    resourceType: RESOURCE[acl.resource],
    resourceName: acl.name,
    resourcePatternType: 3,
    principal,
    host: '*',
    operation: OPERATION[acl.operation],
    permissionType: 3,
  };
}

/** What the cases run against: made by the test before the walk. */
export interface Fixture {
  brokerId: number;
  /** Topics with two records each, written by the super user. */
  readonly secret: string;
  readonly shared: string;
  /** A topic the walk deletes. */
  readonly doomed: string;
  /** A group with a committed offset on `shared`, and one the walk deletes. */
  readonly group: string;
  readonly doomedGroup: string;
  /** A group the membership APIs (JoinGroup, SyncGroup, Heartbeat, LeaveGroup) use. */
  readonly joinGroup: string;
}

/**
 * One API as Kafka authorizes it: a request, the ACLs Kafka needs for it, and what a user without
 * them and a user with exactly them get. `alsoAllowedBy` are other ACL sets Kafka accepts;
 * `notAllowedBy` are near misses Kafka refuses (checked like a user without ACLs).
 */
export interface AuthorizationCase<K extends ApiKey = ApiKey> {
  readonly apiKey: K;
  readonly version: number;
  readonly acls: readonly Acl[];
  readonly alsoAllowedBy?: readonly (readonly Acl[])[];
  readonly notAllowedBy?: readonly (readonly Acl[])[];
  request(fixture: Fixture): RequestBodies[K];
  denied(response: ResponseBodies[K], fixture: Fixture): void;
  allowed(response: ResponseBodies[K], fixture: Fixture): void;
}

const AUTHORIZATION_CODES: readonly number[] = [
  ErrorCode.TOPIC_AUTHORIZATION_FAILED,
  ErrorCode.GROUP_AUTHORIZATION_FAILED,
  ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
  ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
];

/** An error code that is not an authorization failure (the request got past authorization). */
export function notAuthorizationError(code: number): void {
  expect(AUTHORIZATION_CODES).not.toContain(code);
}

const define = <K extends ApiKey>(c: AuthorizationCase<K>) => c as unknown as AuthorizationCase;
const topic = (name: string, operation: Operation): Acl => ({ resource: 'TOPIC', name, operation });
const group = (name: string, operation: Operation): Acl => ({ resource: 'GROUP', name, operation });
const cluster = (operation: Operation): Acl => ({ resource: 'CLUSTER', name: 'kafka-cluster', operation });
const bit = (operation: Operation) => 1 << OPERATION[operation];

const records = () => encodeRecordBatch({ baseTimestamp: BigInt(Date.now()), records: [{ value: Buffer.from('authorization walk') }] });

/** Kafka's rules, one case per API key the broker announces (KafkaApis / ControllerApis / AclApis). */
export const AUTHORIZATION_CASES: readonly AuthorizationCase[] = [
  define({
    apiKey: ApiKey.Produce,
    version: 9,
    acls: [topic('shared', 'WRITE')],
    request: (f) =>
      createProduceRequest({
        acks: -1,
        timeoutMs: 5000,
        topicData: [
          createProduceRequestTopicProduceData({
            name: f.shared,
            partitionData: [createProduceRequestPartitionProduceData({ index: 0, records: records() })],
          }),
        ],
      }),
    denied: (r) => expect(r.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED),
    allowed: (r) => expect(r.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.NONE),
  }),
  define({
    apiKey: ApiKey.Fetch,
    version: 12,
    acls: [topic('shared', 'READ')],
    notAllowedBy: [[topic('shared', 'DESCRIBE'), topic('shared', 'WRITE')]],
    request: (f) =>
      createFetchRequest({
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 1 << 20,
        topics: [
          {
            topic: f.shared,
            topicId: '00000000-0000-0000-0000-000000000000',
            partitions: [createFetchRequestFetchPartition({ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 })],
          },
        ],
      }),
    denied: (r) => expect(r.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED),
    allowed: (r) => {
      expect(r.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
      expect(r.responses[0]!.partitions[0]!.highWatermark).toBeGreaterThan(0n);
    },
  }),
  define({
    apiKey: ApiKey.ListOffsets,
    version: 7,
    acls: [topic('shared', 'DESCRIBE')],
    request: (f) =>
      createListOffsetsRequest({
        replicaId: -1,
        topics: [{ name: f.shared, partitions: [createListOffsetsRequestListOffsetsPartition({ partitionIndex: 0, timestamp: -1n })] }],
      }),
    denied: (r) => expect(r.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED),
    allowed: (r) => expect(r.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE),
  }),
  define({
    apiKey: ApiKey.Metadata,
    version: 12,
    acls: [topic('shared', 'DESCRIBE')],
    request: (f) =>
      createMetadataRequest({
        topics: [createMetadataRequestTopic({ name: f.shared })],
        allowAutoTopicCreation: false,
        includeTopicAuthorizedOperations: true,
      }),
    denied: (r, f) => {
      expect(r.topics.map((t) => [t.name, t.errorCode, t.partitions.length])).toEqual([
        [f.shared, ErrorCode.TOPIC_AUTHORIZATION_FAILED, 0],
      ]);
    },
    allowed: (r, f) => {
      expect(r.topics.map((t) => [t.name, t.errorCode])).toEqual([[f.shared, ErrorCode.NONE]]);
      expect(r.topics[0]!.topicAuthorizedOperations).toBe(bit('DESCRIBE'));
    },
  }),
  define({
    apiKey: ApiKey.DescribeTopicPartitions,
    version: 0,
    acls: [topic('shared', 'DESCRIBE')],
    request: (f) => createDescribeTopicPartitionsRequest({ topics: [{ name: f.shared }] }),
    denied: (r, f) => {
      expect(r.topics.map((t) => [t.name, t.errorCode, t.partitions.length, t.topicAuthorizedOperations])).toEqual([
        [f.shared, ErrorCode.TOPIC_AUTHORIZATION_FAILED, 0, -2147483648],
      ]);
    },
    allowed: (r, f) => {
      expect(r.topics.map((t) => [t.name, t.errorCode, t.partitions.length])).toEqual([[f.shared, ErrorCode.NONE, 1]]);
      expect(r.topics[0]!.topicAuthorizedOperations).toBe(bit('DESCRIBE'));
    },
  }),
  define({
    apiKey: ApiKey.OffsetCommit,
    version: 8,
    acls: [group('g', 'READ'), topic('shared', 'READ')],
    notAllowedBy: [[group('g', 'READ')]],
    request: (f) =>
      createOffsetCommitRequest({
        groupId: f.group,
        generationIdOrMemberEpoch: -1,
        memberId: '',
        topics: [
          {
            name: f.shared,
            topicId: '00000000-0000-0000-0000-000000000000',
            partitions: [createOffsetCommitRequestPartition({ partitionIndex: 0, committedOffset: 1n })],
          },
        ],
      }),
    denied: (r) =>
      expect([ErrorCode.GROUP_AUTHORIZATION_FAILED, ErrorCode.TOPIC_AUTHORIZATION_FAILED]).toContain(r.topics[0]!.partitions[0]!.errorCode),
    allowed: (r) => expect(r.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE),
  }),
  define({
    apiKey: ApiKey.OffsetFetch,
    version: 8,
    acls: [group('g', 'DESCRIBE'), topic('shared', 'DESCRIBE')],
    notAllowedBy: [[group('g', 'DESCRIBE')]],
    request: (f) =>
      createOffsetFetchRequest({
        groups: [
          createOffsetFetchRequestGroup({
            groupId: f.group,
            topics: [{ name: f.shared, topicId: '00000000-0000-0000-0000-000000000000', partitionIndexes: [0] }],
          }),
        ],
      }),
    denied: (r) => {
      const answer = r.groups[0]!;
      if (answer.errorCode === ErrorCode.NONE) {
        expect(answer.topics[0]!.partitions[0]!).toMatchObject({ errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, committedOffset: -1n });
      } else {
        expect(answer.errorCode).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED);
      }
    },
    allowed: (r) => {
      expect(r.groups[0]!.errorCode).toBe(ErrorCode.NONE);
      expect(r.groups[0]!.topics[0]!.partitions[0]!).toMatchObject({ errorCode: ErrorCode.NONE, committedOffset: 1n });
    },
  }),
  define({
    apiKey: ApiKey.FindCoordinator,
    version: 4,
    acls: [group('g', 'DESCRIBE')],
    request: (f) => createFindCoordinatorRequest({ keyType: 0, coordinatorKeys: [f.group] }),
    denied: (r) => expect(r.coordinators[0]!).toMatchObject({ errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, nodeId: -1 }),
    allowed: (r, f) => expect(r.coordinators[0]!).toMatchObject({ errorCode: ErrorCode.NONE, nodeId: f.brokerId }),
  }),
  define({
    apiKey: ApiKey.JoinGroup,
    version: 5,
    acls: [group('g-join', 'READ')],
    request: (f) =>
      createJoinGroupRequest({
        groupId: f.joinGroup,
        sessionTimeoutMs: 10_000,
        rebalanceTimeoutMs: 10_000,
        memberId: '',
        protocolType: 'consumer',
        protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
      }),
    denied: (r) => expect(r.errorCode).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED),
    // v4+: a first JoinGroup without a member id is answered with one to rejoin with (KIP-394).
    allowed: (r) => expect(r.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED),
  }),
  define({
    apiKey: ApiKey.Heartbeat,
    version: 4,
    acls: [group('g-join', 'READ')],
    request: (f) => createHeartbeatRequest({ groupId: f.joinGroup, generationId: 1, memberId: 'nobody' }),
    denied: (r) => expect(r.errorCode).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED),
    allowed: (r) => notAuthorizationError(r.errorCode),
  }),
  define({
    apiKey: ApiKey.LeaveGroup,
    version: 3,
    acls: [group('g-join', 'READ')],
    request: (f) =>
      createLeaveGroupRequest({ groupId: f.joinGroup, members: [{ memberId: 'nobody', groupInstanceId: null, reason: null }] }),
    denied: (r) => expect(r.errorCode).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED),
    allowed: (r) => notAuthorizationError(r.errorCode),
  }),
  define({
    apiKey: ApiKey.SyncGroup,
    version: 3,
    acls: [group('g-join', 'READ')],
    request: (f) => createSyncGroupRequest({ groupId: f.joinGroup, generationId: 1, memberId: 'nobody', assignments: [] }),
    denied: (r) => expect(r.errorCode).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED),
    allowed: (r) => notAuthorizationError(r.errorCode),
  }),
  define({
    apiKey: ApiKey.DescribeGroups,
    version: 5,
    acls: [group('g', 'DESCRIBE')],
    request: (f) => createDescribeGroupsRequest({ groups: [f.group], includeAuthorizedOperations: true }),
    denied: (r) =>
      expect(r.groups[0]!).toMatchObject({ errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, authorizedOperations: -2147483648 }),
    allowed: (r) => expect(r.groups[0]!).toMatchObject({ errorCode: ErrorCode.NONE, authorizedOperations: bit('DESCRIBE') }),
  }),
  define({
    apiKey: ApiKey.ListGroups,
    version: 4,
    acls: [group('g', 'DESCRIBE')],
    alsoAllowedBy: [[cluster('DESCRIBE')]],
    request: () => createListGroupsRequest({ statesFilter: [] }),
    denied: (r) => {
      expect(r.errorCode).toBe(ErrorCode.NONE);
      expect(r.groups).toEqual([]);
    },
    allowed: (r, f) => {
      expect(r.errorCode).toBe(ErrorCode.NONE);
      expect(r.groups.map((g) => g.groupId)).toContain(f.group);
    },
  }),
  define({
    apiKey: ApiKey.SaslHandshake,
    version: 1,
    acls: [],
    // After authentication (no re-authentication configured) Kafka answers ILLEGAL_SASL_STATE, to anyone.
    request: () => createSaslHandshakeRequest({ mechanism: 'PLAIN' }),
    denied: (r) => expect(r.errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE),
    allowed: (r) => expect(r.errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE),
  }),
  define({
    apiKey: ApiKey.ApiVersions,
    version: 3,
    acls: [],
    request: () => createApiVersionsRequest({ clientSoftwareName: 'authz', clientSoftwareVersion: '1' }),
    denied: (r) => expect(r.errorCode).toBe(ErrorCode.NONE),
    allowed: (r) => expect(r.errorCode).toBe(ErrorCode.NONE),
  }),
  define({
    apiKey: ApiKey.CreateTopics,
    version: 5,
    acls: [topic('bob-new', 'CREATE')],
    request: () =>
      createCreateTopicsRequest({
        topics: [createCreateTopicsRequestCreatableTopic({ name: 'bob-new', numPartitions: 1, replicationFactor: 1 })],
        timeoutMs: 5000,
        validateOnly: true,
      }),
    denied: (r) =>
      expect(r.topics[0]!).toMatchObject({ errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: 'Authorization failed.' }),
    // Without DESCRIBE_CONFIGS on the topic, Kafka withholds its configs (ReplicationControlManager).
    allowed: (r) =>
      expect(r.topics[0]!).toMatchObject({
        errorCode: ErrorCode.NONE,
        topicConfigErrorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
        numPartitions: -1,
        configs: [],
      }),
  }),
  define({
    apiKey: ApiKey.DeleteTopics,
    version: 6,
    acls: [topic('doomed', 'DELETE')],
    request: (f) =>
      createDeleteTopicsRequest({
        topics: [
          { name: f.doomed, topicId: '00000000-0000-0000-0000-000000000000' },
          { name: 'no-such-topic', topicId: '00000000-0000-0000-0000-000000000000' },
        ],
        timeoutMs: 5000,
      }),
    // A topic without DESCRIBE is refused whether or not it exists (ControllerApis.deleteTopics).
    denied: (r, f) => {
      const byName = new Map(r.responses.map((t) => [t.name, t.errorCode]));
      expect(byName.get(f.doomed)).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
      expect(byName.get('no-such-topic')).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    },
    allowed: (r, f) => {
      const byName = new Map(r.responses.map((t) => [t.name, t.errorCode]));
      expect(byName.get(f.doomed)).toBe(ErrorCode.NONE);
      expect(byName.get('no-such-topic')).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    },
  }),
  define({
    apiKey: ApiKey.DeleteRecords,
    version: 2,
    acls: [topic('shared', 'DELETE')],
    notAllowedBy: [[topic('shared', 'READ'), topic('shared', 'WRITE')]],
    request: (f) =>
      createDeleteRecordsRequest({ topics: [{ name: f.shared, partitions: [{ partitionIndex: 0, offset: 1n }] }], timeoutMs: 5000 }),
    denied: (r) =>
      expect(r.topics[0]!.partitions[0]!).toMatchObject({ errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, lowWatermark: -1n }),
    allowed: (r) => expect(r.topics[0]!.partitions[0]!).toMatchObject({ errorCode: ErrorCode.NONE, lowWatermark: 1n }),
  }),
  define({
    apiKey: ApiKey.InitProducerId,
    version: 4,
    acls: [cluster('IDEMPOTENT_WRITE')],
    alsoAllowedBy: [[topic('shared', 'WRITE')]],
    notAllowedBy: [[topic('shared', 'READ')]],
    request: () => createInitProducerIdRequest({ transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 }),
    denied: (r) => expect(r).toMatchObject({ errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, producerId: -1n }),
    allowed: (r) => {
      expect(r.errorCode).toBe(ErrorCode.NONE);
      expect(r.producerId).toBeGreaterThanOrEqual(0n);
    },
  }),
  define({
    apiKey: ApiKey.OffsetForLeaderEpoch,
    version: 4,
    acls: [topic('shared', 'DESCRIBE')],
    alsoAllowedBy: [[cluster('CLUSTER_ACTION')]],
    request: (f) =>
      createOffsetForLeaderEpochRequest({
        replicaId: -1,
        topics: [
          {
            topic: f.shared,
            partitions: [
              createOffsetForLeaderEpochRequestOffsetForLeaderPartition({ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }),
            ],
          },
        ],
      }),
    denied: (r) => expect(r.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED),
    allowed: (r) => expect(r.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE),
  }),
  define({
    apiKey: ApiKey.DescribeAcls,
    version: 3,
    acls: [cluster('DESCRIBE')],
    request: () =>
      createDescribeAclsRequest({
        resourceTypeFilter: 1,
        resourceNameFilter: null,
        patternTypeFilter: 1,
        principalFilter: null,
        hostFilter: null,
        operation: 1,
        permissionType: 1,
      }),
    denied: (r) => expect(r.errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED),
    allowed: (r) => {
      expect(r.errorCode).toBe(ErrorCode.NONE);
      expect(r.resources.length).toBeGreaterThan(0);
    },
  }),
  define({
    apiKey: ApiKey.CreateAcls,
    version: 3,
    acls: [cluster('ALTER')],
    request: () => createCreateAclsRequest({ creations: [aclCreation(topic('carols', 'READ'), 'User:carol')] }),
    denied: (r) => expect(r.results[0]!.errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED),
    allowed: (r) => expect(r.results[0]!.errorCode).toBe(ErrorCode.NONE),
  }),
  define({
    apiKey: ApiKey.DeleteAcls,
    version: 3,
    acls: [cluster('ALTER')],
    request: () =>
      createDeleteAclsRequest({
        filters: [
          {
            resourceTypeFilter: 1,
            resourceNameFilter: null,
            patternTypeFilter: 1,
            principalFilter: 'User:carol',
            hostFilter: null,
            operation: 1,
            permissionType: 1,
          },
        ],
      }),
    denied: (r) => expect(r.filterResults[0]!.errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED),
    allowed: (r) => expect(r.filterResults[0]!.errorCode).toBe(ErrorCode.NONE),
  }),
  define({
    apiKey: ApiKey.DescribeConfigs,
    version: 4,
    // Group configs (KIP-848) want DESCRIBE_CONFIGS on the group, as Kafka's ConfigHelper checks.
    acls: [topic('shared', 'DESCRIBE_CONFIGS'), cluster('DESCRIBE_CONFIGS'), group('g', 'DESCRIBE_CONFIGS')],
    notAllowedBy: [[topic('shared', 'DESCRIBE'), cluster('DESCRIBE'), group('g', 'DESCRIBE')]],
    request: (f) =>
      createDescribeConfigsRequest({
        resources: [
          { resourceType: CONFIG_RESOURCE.TOPIC, resourceName: f.shared, configurationKeys: null },
          { resourceType: CONFIG_RESOURCE.BROKER, resourceName: String(f.brokerId), configurationKeys: null },
          { resourceType: CONFIG_RESOURCE.GROUP, resourceName: f.group, configurationKeys: null },
        ],
      }),
    denied: (r) =>
      expect(r.results.map((x) => x.errorCode)).toEqual([
        ErrorCode.TOPIC_AUTHORIZATION_FAILED,
        ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
        ErrorCode.GROUP_AUTHORIZATION_FAILED,
      ]),
    allowed: (r) => expect(r.results.map((x) => x.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.NONE, ErrorCode.NONE]),
  }),
  define({
    apiKey: ApiKey.AlterConfigs,
    version: 2,
    acls: [topic('shared', 'ALTER_CONFIGS'), cluster('ALTER_CONFIGS'), group('g', 'ALTER_CONFIGS')],
    notAllowedBy: [[topic('shared', 'ALTER'), cluster('ALTER'), group('g', 'READ')]],
    request: (f) =>
      createAlterConfigsRequest({
        resources: [
          { resourceType: CONFIG_RESOURCE.TOPIC, resourceName: f.shared, configs: [{ name: 'retention.ms', value: '600000' }] },
          { resourceType: CONFIG_RESOURCE.BROKER, resourceName: String(f.brokerId), configs: [] },
          {
            resourceType: CONFIG_RESOURCE.GROUP,
            resourceName: f.group,
            configs: [{ name: 'consumer.session.timeout.ms', value: '50000' }],
          },
        ],
        validateOnly: true,
      }),
    denied: (r) =>
      expect(r.responses.map((x) => x.errorCode)).toEqual([
        ErrorCode.TOPIC_AUTHORIZATION_FAILED,
        ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
        ErrorCode.GROUP_AUTHORIZATION_FAILED,
      ]),
    allowed: (r) => expect(r.responses.map((x) => x.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.NONE, ErrorCode.NONE]),
  }),
  define({
    apiKey: ApiKey.DescribeLogDirs,
    version: 4,
    acls: [cluster('DESCRIBE')],
    notAllowedBy: [[topic('secret', 'DESCRIBE'), topic('shared', 'DESCRIBE')]],
    request: () => createDescribeLogDirsRequest({ topics: null }),
    denied: (r) => expect(r).toMatchObject({ errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, results: [] }),
    allowed: (r, f) => {
      expect(r.errorCode).toBe(ErrorCode.NONE);
      expect(r.results[0]!.topics.map((t) => t.name)).toContain(f.secret);
    },
  }),
  define({
    apiKey: ApiKey.SaslAuthenticate,
    version: 2,
    acls: [],
    // Authenticated already and no handshake in progress: the same SASL state error for anyone.
    request: () => createSaslAuthenticateRequest({ authBytes: Buffer.from('\0bob\0whatever') }),
    denied: (r) => expect(r.errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE),
    allowed: (r) => expect(r.errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE),
  }),
  define({
    apiKey: ApiKey.CreatePartitions,
    version: 3,
    acls: [topic('shared', 'ALTER')],
    request: (f) =>
      createCreatePartitionsRequest({ topics: [{ name: f.shared, count: 2, assignments: null }], timeoutMs: 5000, validateOnly: true }),
    denied: (r) => expect(r.results[0]!.errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED),
    allowed: (r) => expect(r.results[0]!.errorCode).toBe(ErrorCode.NONE),
  }),
  define({
    apiKey: ApiKey.DeleteGroups,
    version: 2,
    acls: [group('g-del', 'DELETE')],
    notAllowedBy: [[group('g-del', 'READ'), group('g-del', 'DESCRIBE')]],
    request: (f) => createDeleteGroupsRequest({ groupsNames: [f.doomedGroup] }),
    denied: (r) => expect(r.results[0]!.errorCode).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED),
    allowed: (r) => expect(r.results[0]!.errorCode).toBe(ErrorCode.NONE),
  }),
  define({
    apiKey: ApiKey.IncrementalAlterConfigs,
    version: 1,
    acls: [topic('shared', 'ALTER_CONFIGS'), cluster('ALTER_CONFIGS'), group('g', 'ALTER_CONFIGS')],
    request: (f) =>
      createIncrementalAlterConfigsRequest({
        resources: [
          {
            resourceType: CONFIG_RESOURCE.TOPIC,
            resourceName: f.shared,
            configs: [{ name: 'retention.ms', configOperation: 0, value: '600000' }],
          },
          { resourceType: CONFIG_RESOURCE.BROKER, resourceName: String(f.brokerId), configs: [] },
          {
            resourceType: CONFIG_RESOURCE.GROUP,
            resourceName: f.group,
            configs: [{ name: 'consumer.session.timeout.ms', configOperation: 0, value: '50000' }],
          },
        ],
        validateOnly: true,
      }),
    denied: (r) =>
      expect(r.responses.map((x) => x.errorCode)).toEqual([
        ErrorCode.TOPIC_AUTHORIZATION_FAILED,
        ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
        ErrorCode.GROUP_AUTHORIZATION_FAILED,
      ]),
    allowed: (r) => expect(r.responses.map((x) => x.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.NONE, ErrorCode.NONE]),
  }),
  define({
    apiKey: ApiKey.OffsetDelete,
    version: 0,
    acls: [group('g', 'DELETE'), topic('shared', 'READ')],
    // READ on the group, which OffsetCommit needs, is not enough: Kafka wants DELETE.
    notAllowedBy: [[group('g', 'READ'), topic('shared', 'READ')]],
    request: (f) => createOffsetDeleteRequest({ groupId: f.group, topics: [{ name: f.shared, partitions: [{ partitionIndex: 0 }] }] }),
    denied: (r) => expect(r.errorCode).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED),
    allowed: (r) => {
      expect(r.errorCode).toBe(ErrorCode.NONE);
      expect(r.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
    },
  }),
  define({
    apiKey: ApiKey.DescribeClientQuotas,
    version: 1,
    acls: [cluster('DESCRIBE_CONFIGS')],
    request: () => createDescribeClientQuotasRequest({ components: [{ entityType: 'user', matchType: 2, match: null }], strict: false }),
    denied: (r) => expect(r).toMatchObject({ errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null, entries: null }),
    allowed: (r) => expect(r).toMatchObject({ errorCode: ErrorCode.NONE, entries: [] }),
  }),
  define({
    apiKey: ApiKey.DescribeUserScramCredentials,
    version: 0,
    acls: [cluster('DESCRIBE')],
    request: () => createDescribeUserScramCredentialsRequest({ users: null }),
    denied: (r) => expect(r.errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED),
    allowed: (r) => expect(r.errorCode).toBe(ErrorCode.NONE),
  }),
  define({
    apiKey: ApiKey.AlterUserScramCredentials,
    version: 0,
    acls: [cluster('ALTER')],
    request: () =>
      createAlterUserScramCredentialsRequest({
        deletions: [],
        upsertions: [{ name: 'carol', mechanism: 1, iterations: 4096, salt: Buffer.alloc(16, 1), saltedPassword: Buffer.alloc(32, 2) }],
      }),
    denied: (r) => expect(r.results[0]!.errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED),
    allowed: (r) => expect(r.results[0]!.errorCode).toBe(ErrorCode.NONE),
  }),
  define({
    apiKey: ApiKey.DescribeCluster,
    version: 1,
    acls: [cluster('DESCRIBE')],
    // Kafka's broker answers DescribeCluster to anyone; the cluster's authorized operations need DESCRIBE (0 without).
    request: () => createDescribeClusterRequest({ includeClusterAuthorizedOperations: true, endpointType: 1 }),
    denied: (r) => {
      expect(r).toMatchObject({ errorCode: ErrorCode.NONE, clusterAuthorizedOperations: 0 });
      expect(r.brokers.length).toBe(1);
    },
    allowed: (r) => expect(r).toMatchObject({ errorCode: ErrorCode.NONE, clusterAuthorizedOperations: bit('DESCRIBE') }),
  }),
  define({
    apiKey: ApiKey.DescribeProducers,
    version: 0,
    acls: [topic('shared', 'READ')],
    notAllowedBy: [[topic('shared', 'DESCRIBE')]],
    request: (f) => createDescribeProducersRequest({ topics: [{ name: f.shared, partitionIndexes: [0] }] }),
    denied: (r) =>
      expect(r.topics[0]!.partitions[0]!).toMatchObject({
        errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
        errorMessage: 'Topic authorization failed.',
      }),
    allowed: (r) => expect(r.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE),
  }),
];
