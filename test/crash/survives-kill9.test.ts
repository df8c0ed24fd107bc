import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ErrorCode } from '@strom/errors';
import {
  ApiKey,
  ConsumerProtocolAssignmentCodec,
  ConsumerProtocolSubscriptionCodec,
  createCreateAclsRequest,
  createCreateTopicsRequest,
  createDescribeAclsRequest,
  createDescribeConfigsRequest,
  createDescribeGroupsRequest,
  createHeartbeatRequest,
  createIncrementalAlterConfigsRequest,
  createInitProducerIdRequest,
  createJoinGroupRequest,
  createLeaveGroupRequest,
  createMetadataRequest,
  createOffsetCommitRequest,
  createOffsetFetchRequest,
  createProduceRequest,
  createSaslAuthenticateRequest,
  createSaslHandshakeRequest,
  createSyncGroupRequest,
  decodeResponse,
  encodeRecordBatch,
  encodeRequestFrame,
  FrameReader,
  Writer,
  type RequestBodies,
  type ResponseBodies,
} from '@strom/protocol';
import { freePort } from '@strom/testing';
import { Admin as PlatformaticAdmin } from '@platformatic/kafka';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ConfigResourceTypes,
  Kafka,
  logLevel,
  ResourcePatternTypes,
  type Admin,
  type AclEntry,
  type SASLOptions,
} from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plainJaas, RawKafka, writeServerProperties } from '../e2e/sasl-support.js';
import { BrokerProcess } from './broker-process.js';

/**
 * Issue 11, point 2: every piece of broker state that must survive `kill -9`. Each write is made
 * through a client and acknowledged; then the broker (embedded Strom, a separate process) is
 * SIGKILLed, restarted on the same data dir and port, and the state is read back through a client
 * before anything else is written; then once more after a clean stop and start.
 *
 * One broker serves every item: SASL_PLAINTEXT with PLAIN (the super user `admin`) and SCRAM,
 * and the StandardAuthorizer, so ACLs are enforced. Nothing here reads records back from a
 * partition: idempotent-producer checks use the offsets the broker answers with.
 */

const ADMIN = { user: 'admin', password: 'admin-secret' } as const;
const CLIENT_ID = 'crash-audit';
const SESSION_TIMEOUT_MS = 300_000;
const REBALANCE_TIMEOUT_MS = 30_000;

// Kafka's numeric enums, as the wire carries them.
const RESOURCE_TOPIC = 2;
const PATTERN_LITERAL = 3;
const ANY = 1;
const OPERATION_READ = 3;
const PERMISSION_ALLOW = 3;
const CONFIG_SET = 0;
const CONFIG_DELETE = 1;
const DYNAMIC_TOPIC_CONFIG = 1;
const DYNAMIC_BROKER_CONFIG = 2;
const DYNAMIC_DEFAULT_BROKER_CONFIG = 3;
const CONSUMER = 'consumer';

describe('broker state survives kill -9 (embedded Strom as a process)', () => {
  let dataDir: string;
  let propsPath: string;
  let port: number;
  let broker: BrokerProcess | undefined;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'strom-survives-kill9-'));
    propsPath = writeServerProperties([
      'listeners=SASL_PLAINTEXT://127.0.0.1:9093',
      'sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
      plainJaas({ [ADMIN.user]: ADMIN.password }),
      'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      `super.users=User:${ADMIN.user}`,
      // Members joining together land in one rebalance; the default 3 s only slows the test.
      'group.initial.rebalance.delay.ms=500',
    ]);
    port = await freePort();
    broker = await startBroker();
  });
  afterAll(async () => {
    const running = broker;
    broker = undefined;
    await running?.stop().catch(() => running.kill9());
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    if (propsPath) rmSync(dirname(propsPath), { recursive: true, force: true });
  });

  const startBroker = (): Promise<BrokerProcess> => BrokerProcess.start({ port, dataDir, args: ['--config', propsPath] });

  async function crashAndRestart(): Promise<void> {
    await broker!.kill9();
    broker = undefined;
    broker = await startBroker();
  }

  async function cleanRestart(): Promise<void> {
    await broker!.stop();
    broker = undefined;
    broker = await startBroker();
  }

  const kafka = (sasl: SASLOptions = { mechanism: 'plain', username: ADMIN.user, password: ADMIN.password }, retries = 3): Kafka =>
    new Kafka({
      clientId: CLIENT_ID,
      brokers: [`127.0.0.1:${port}`],
      sasl,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 10_000,
      requestTimeout: 30_000,
      retry: { retries, initialRetryTime: 100, maxRetryTime: 1_000 },
    });

  async function withAdmin<T>(use: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = kafka().admin();
    await admin.connect();
    try {
      return await use(admin);
    } finally {
      await admin.disconnect();
    }
  }

  const wire = (): Promise<Wire> => Wire.connect(port, ADMIN);

  // ------------------------------------------------------------------------ what was acknowledged

  /** Item 1: simple commits (@platformatic/kafka alterConsumerGroupOffsets), the last acknowledged per partition. */
  const SIMPLE_GROUP = 'offsets-simple';
  const simpleOffsets = new Map<number, string>();
  /** Item 1: 200 commits of increasing offsets pipelined on one connection, all acknowledged. */
  const BURST_GROUP = 'offsets-burst';
  const BURST_COMMITS = 200;
  /** Item 1: a group deleted (DeleteGroups) and a group with one partition's offset deleted (OffsetDelete). */
  const DELETED_GROUP = 'offsets-deleted-group';
  const PARTLY_DELETED_GROUP = 'offsets-partly-deleted';

  /** Item 2: a classic group with two static members and a dynamic one, Stable. */
  const GROUP = 'static-group';
  const GROUP_TOPIC = 'group-topic';
  interface Member {
    memberId: string;
    groupInstanceId: string | null;
    metadata: Buffer;
    assignment: Buffer;
  }
  const group = { generationId: -1, leader: '', members: new Map<string, Member>() };
  const memberKeys = ['static-a', 'static-b', 'dynamic'] as const;
  type MemberKey = (typeof memberKeys)[number];
  const memberOf = (key: MemberKey): Member => group.members.get(key)!;
  /** Item 2: a group whose last member left: Empty, in the generation after the member's. */
  const EMPTIED_GROUP = 'emptied-group';
  const emptied = { generationId: -1 };

  /** Item 3: one idempotent producer's batches on idem-topic/0, and every producer id handed out. */
  const IDEM_TOPIC = 'idem-topic';
  const producer = {
    producerId: -1n,
    epoch: 0,
    nextSequence: 0,
    batches: [] as { baseSequence: number; count: number; baseOffset: bigint }[],
  };
  const producerIdsHandedOut: bigint[] = [];

  /** Item 4: topics with their ids and partition counts; dynamic configs; a deleted topic. */
  const CONFIG_TOPIC = 'config-topic';
  const GROWN_TOPIC = 'grown-topic';
  const DELETED_TOPIC = 'deleted-topic';
  const topics = new Map<string, { topicId: string; partitions: number }>();
  const cluster = { clusterId: null as string | null, leaderEpochs: new Map<string, number>() };
  /** Dynamic broker configs: the cluster-wide default ('') and broker 1's own. */
  const brokerConfigs: Record<string, Record<string, string>> = {
    '': { 'log.retention.ms': '7200000' },
    '1': { 'log.retention.bytes': '1073741824' },
  };
  const dynamicConfigs: Record<string, Record<string, string>> = {
    [CONFIG_TOPIC]: { 'cleanup.policy': 'compact', 'max.message.bytes': '200000' },
    [GROWN_TOPIC]: { 'retention.bytes': '1048576' },
  };

  /** Item 5: SCRAM users (one deleted) and ACLs (one deleted). */
  const ACL_TOPIC = 'acl-topic';
  const REVOKED_TOPIC = 'revoked-topic';
  const scramUsers = {
    carol: { mechanism: 'SCRAM-SHA-256', password: 'carol-secret' },
    erin: { mechanism: 'SCRAM-SHA-512', password: 'erin-secret' },
    dave: { mechanism: 'SCRAM-SHA-256', password: 'dave-secret' },
  } as const;
  type ScramUser = keyof typeof scramUsers;
  const acl = (principal: string, resourceName: string, operation: AclOperationTypes, permission = AclPermissionTypes.ALLOW): AclEntry => ({
    resourceType: AclResourceTypes.TOPIC,
    resourceName,
    resourcePatternType: ResourcePatternTypes.LITERAL,
    principal,
    host: '*',
    operation,
    permissionType: permission,
  });
  const keptAcls: AclEntry[] = [
    acl('User:carol', ACL_TOPIC, AclOperationTypes.WRITE),
    acl('User:erin', ACL_TOPIC, AclOperationTypes.WRITE),
    { ...acl('User:erin', 'acl-', AclOperationTypes.WRITE, AclPermissionTypes.DENY), resourcePatternType: ResourcePatternTypes.PREFIXED },
  ];
  const revokedAcl = acl('User:carol', REVOKED_TOPIC, AclOperationTypes.WRITE);

  it('acknowledges writes of every kind', { timeout: 120_000 }, async () => {
    // Item 4: topics (with configs), partitions added, a topic deleted, configs altered incrementally.
    await withAdmin(async (admin) => {
      const created = await admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic: CONFIG_TOPIC,
            numPartitions: 3,
            configEntries: [
              { name: 'retention.ms', value: '3600000' },
              { name: 'cleanup.policy', value: 'compact' },
            ],
          },
          { topic: GROWN_TOPIC, numPartitions: 1 },
          { topic: DELETED_TOPIC, numPartitions: 2 },
          { topic: 'offsets-topic', numPartitions: 3 },
          { topic: GROUP_TOPIC, numPartitions: 2 },
          { topic: IDEM_TOPIC, numPartitions: 1 },
          { topic: ACL_TOPIC, numPartitions: 1 },
          { topic: REVOKED_TOPIC, numPartitions: 1 },
        ],
      });
      expect(created).toBe(true);
      await admin.createPartitions({ topicPartitions: [{ topic: GROWN_TOPIC, count: 4 }] });
      await admin.deleteTopics({ topics: [DELETED_TOPIC] });
    });
    const client = await wire();
    try {
      const altered = await client.call(
        ApiKey.IncrementalAlterConfigs,
        1,
        createIncrementalAlterConfigsRequest({
          resources: [
            {
              resourceType: ConfigResourceTypes.TOPIC,
              resourceName: CONFIG_TOPIC,
              configs: [
                { name: 'max.message.bytes', configOperation: CONFIG_SET, value: '200000' },
                { name: 'retention.ms', configOperation: CONFIG_DELETE, value: null },
              ],
            },
            {
              resourceType: ConfigResourceTypes.TOPIC,
              resourceName: GROWN_TOPIC,
              configs: [{ name: 'retention.bytes', configOperation: CONFIG_SET, value: '1048576' }],
            },
          ],
        }),
      );
      expect(altered.responses.map((r) => r.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.NONE]);
      const brokerAltered = await client.call(
        ApiKey.IncrementalAlterConfigs,
        1,
        createIncrementalAlterConfigsRequest({
          resources: Object.entries(brokerConfigs).map(([resourceName, configs]) => ({
            resourceType: ConfigResourceTypes.BROKER,
            resourceName,
            configs: Object.entries(configs).map(([name, value]) => ({ name, configOperation: CONFIG_SET, value })),
          })),
        }),
      );
      expect(brokerAltered.responses.map((r) => r.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.NONE]);
      const metadata = await clusterMetadata(client);
      for (const [name, topic] of metadata.topics) topics.set(name, topic);
      cluster.clusterId = metadata.clusterId;
      cluster.leaderEpochs = metadata.leaderEpochs;
    } finally {
      client.close();
    }
    expect(topics.get(GROWN_TOPIC)?.partitions).toBe(4);
    expect(topics.has(DELETED_TOPIC)).toBe(false);
    expect([...topics.keys()].sort()).toEqual([
      ACL_TOPIC,
      CONFIG_TOPIC,
      GROUP_TOPIC,
      GROWN_TOPIC,
      IDEM_TOPIC,
      'offsets-topic',
      REVOKED_TOPIC,
    ]);

    // Item 1: simple commits (@platformatic/kafka), each acknowledged before the next; then a pipelined burst.
    const platformatic = new PlatformaticAdmin({
      clientId: CLIENT_ID,
      bootstrapBrokers: [`127.0.0.1:${port}`],
      sasl: { mechanism: 'PLAIN', username: ADMIN.user, password: ADMIN.password },
      retries: 0,
    });
    try {
      const commits: Record<number, bigint>[] = [{ 0: 5n, 1: 7n, 2: 9n }, { 0: 10n }, { 0: 42n, 1: 43n }];
      for (const commit of commits) {
        const partitionOffsets = Object.entries(commit).map(([partition, offset]) => ({ partition: Number(partition), offset }));
        await platformatic.alterConsumerGroupOffsets({ groupId: SIMPLE_GROUP, topics: [{ name: 'offsets-topic', partitionOffsets }] });
        for (const { partition, offset } of partitionOffsets) simpleOffsets.set(partition, String(offset));
      }
      const partitionOffsets = [0, 1].map((partition) => ({ partition, offset: BigInt(11 + partition) }));
      for (const groupId of [DELETED_GROUP, PARTLY_DELETED_GROUP]) {
        await platformatic.alterConsumerGroupOffsets({ groupId, topics: [{ name: 'offsets-topic', partitionOffsets }] });
      }
      await platformatic.deleteConsumerGroupOffsets({
        groupId: PARTLY_DELETED_GROUP,
        topics: [{ name: 'offsets-topic', partitionIndexes: [1] }],
      });
    } finally {
      await platformatic.close();
    }
    await withAdmin(async (admin) => {
      const [deleted] = await admin.deleteGroups([DELETED_GROUP]);
      expect(deleted!.errorCode).toBe(ErrorCode.NONE);
    });
    const burst = await wire();
    try {
      const answers = await Promise.all(
        Array.from({ length: BURST_COMMITS }, (_, i) =>
          burst.call(ApiKey.OffsetCommit, 8, simpleCommit(BURST_GROUP, 'offsets-topic', 0, BigInt(i + 1))),
        ),
      );
      expect(answers.map((a) => a.topics[0]!.partitions[0]!.errorCode)).toEqual(answers.map(() => ErrorCode.NONE));
    } finally {
      burst.close();
    }

    // Item 2: two static members and a dynamic one join; the leader assigns; a member commits in its generation.
    const connections = await Promise.all(memberKeys.map(() => wire()));
    try {
      const [a, b, d] = connections as [Wire, Wire, Wire];
      const metadata = encodeSubscription([GROUP_TOPIC]);
      const required = await d.call(ApiKey.JoinGroup, 7, joinRequest('', null, metadata));
      expect(required.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
      const joined = await Promise.all([
        a.call(ApiKey.JoinGroup, 7, joinRequest('', 'static-a', metadata), 60_000),
        b.call(ApiKey.JoinGroup, 7, joinRequest('', 'static-b', metadata), 60_000),
        d.call(ApiKey.JoinGroup, 7, joinRequest(required.memberId, null, metadata), 60_000),
      ]);
      expect(joined.map((j) => j.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.NONE, ErrorCode.NONE]);
      expect(new Set(joined.map((j) => j.generationId)).size).toBe(1);
      group.generationId = joined[0]!.generationId;
      group.leader = joined[0]!.leader;
      const assignments: Record<MemberKey, Buffer> = {
        'static-a': encodeAssignment({ [GROUP_TOPIC]: [0] }),
        'static-b': encodeAssignment({ [GROUP_TOPIC]: [1] }),
        dynamic: encodeAssignment({}),
      };
      memberKeys.forEach((key, i) =>
        group.members.set(key, {
          memberId: joined[i]!.memberId,
          groupInstanceId: key === 'dynamic' ? null : key,
          metadata,
          assignment: assignments[key],
        }),
      );
      const synced = await Promise.all(
        memberKeys.map((key, i) => {
          const member = memberOf(key);
          const isLeader = member.memberId === group.leader;
          return connections[i]!.call(
            ApiKey.SyncGroup,
            5,
            createSyncGroupRequest({
              groupId: GROUP,
              generationId: group.generationId,
              memberId: member.memberId,
              groupInstanceId: member.groupInstanceId,
              protocolType: CONSUMER,
              protocolName: 'range',
              assignments: isLeader ? memberKeys.map((k) => ({ memberId: memberOf(k).memberId, assignment: assignments[k] })) : [],
            }),
            60_000,
          );
        }),
      );
      expect(synced.map((s) => [s.errorCode, s.assignment])).toEqual(memberKeys.map((key) => [ErrorCode.NONE, assignments[key]]));
      const a1 = memberOf('static-a');
      const committed = await a.call(
        ApiKey.OffsetCommit,
        8,
        createOffsetCommitRequest({
          groupId: GROUP,
          generationIdOrMemberEpoch: group.generationId,
          memberId: a1.memberId,
          groupInstanceId: a1.groupInstanceId,
          topics: [
            {
              name: GROUP_TOPIC,
              topicId: ZERO_UUID,
              partitions: [
                { partitionIndex: 0, committedOffset: 17n, committedLeaderEpoch: 0, committedMetadata: 'from-static-a' },
                { partitionIndex: 1, committedOffset: 23n, committedLeaderEpoch: 0, committedMetadata: 'also-from-static-a' },
              ],
            },
          ],
        }),
      );
      expect(committed.topics[0]!.partitions.map((p) => p.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.NONE]);
    } finally {
      for (const connection of connections) connection.close();
    }

    // Item 2: a group emptied by its only member leaving moves to the next generation (Kafka persists it).
    emptied.generationId = (await joinAndLeave(EMPTIED_GROUP)) + 1;

    // Item 3: an idempotent producer writes two batches; two more producer ids are handed out.
    const client3 = await wire();
    try {
      for (let i = 0; i < 3; i++) producerIdsHandedOut.push(await initProducerId(client3));
      producer.producerId = producerIdsHandedOut[0]!;
      for (const count of [3, 2]) {
        const answer = await produce(client3, producer.nextSequence, count);
        expect(answer.errorCode, 'idempotent produce').toBe(ErrorCode.NONE);
        producer.batches.push({ baseSequence: producer.nextSequence, count, baseOffset: answer.baseOffset });
        producer.nextSequence += count;
      }
      expect(producer.batches.map((batch) => batch.baseOffset)).toEqual([0n, 3n]);
    } finally {
      client3.close();
    }

    // Item 5: SCRAM credentials (one then deleted) and ACLs (one then deleted).
    const raw = await RawKafka.connect(port);
    try {
      expect((await raw.authenticatePlain(ADMIN.user, ADMIN.password)).errorCode).toBe(ErrorCode.NONE);
      const upserted = await raw.upsertScram(
        Object.entries(scramUsers).map(([name, { mechanism, password }]) => ({ name, mechanism, password })),
      );
      expect(upserted.results.map((r) => r.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.NONE, ErrorCode.NONE]);
      const deleted = await raw.upsertScram([], [{ name: 'dave', mechanism: 1 }]);
      expect(deleted.results.map((r) => r.errorCode)).toEqual([ErrorCode.NONE]);
    } finally {
      raw.end();
    }
    await withAdmin(async (admin) => {
      await admin.createAcls({ acl: [...keptAcls, revokedAcl] });
      const { filterResponses } = await admin.deleteAcls({ filters: [revokedAcl] });
      expect(filterResponses.map((r) => [r.errorCode, r.matchingAcls.length])).toEqual([[ErrorCode.NONE, 1]]);
    });
  });

  // -------------------------------------------------------------------------- read-only checks

  async function checkCommittedOffsets(when: string): Promise<void> {
    await withAdmin(async (admin) => {
      const [fetched] = await admin.fetchOffsets({ groupId: SIMPLE_GROUP, topics: ['offsets-topic'] });
      const offsets = Object.fromEntries(fetched!.partitions.map((p) => [p.partition, p.offset]));
      expect(offsets, `${when}: ${SIMPLE_GROUP}'s committed offsets`).toEqual(Object.fromEntries(simpleOffsets));
      const [burst] = await admin.fetchOffsets({ groupId: BURST_GROUP, topics: ['offsets-topic'] });
      expect(burst!.partitions.find((p) => p.partition === 0)?.offset, `${when}: the last of ${BURST_COMMITS} pipelined commits`).toBe(
        String(BURST_COMMITS),
      );
      const [partly] = await admin.fetchOffsets({ groupId: PARTLY_DELETED_GROUP, topics: ['offsets-topic'] });
      expect(
        Object.fromEntries(partly!.partitions.map((p) => [p.partition, p.offset])),
        `${when}: OffsetDelete of partition 1 stays deleted`,
      ).toEqual({ 0: '11', 1: '-1', 2: '-1' });
      const [deleted] = await admin.fetchOffsets({ groupId: DELETED_GROUP, topics: ['offsets-topic'] });
      expect(
        deleted!.partitions.map((p) => p.offset),
        `${when}: a deleted group's offsets stay deleted`,
      ).toEqual(['-1', '-1', '-1']);
      const { groups } = await admin.listGroups();
      expect(
        groups.map((g) => g.groupId),
        `${when}: a deleted group stays deleted`,
      ).not.toContain(DELETED_GROUP);
    });
    const client = await wire();
    try {
      const fetched = await client.call(
        ApiKey.OffsetFetch,
        7,
        createOffsetFetchRequest({ groupId: GROUP, topics: [{ name: GROUP_TOPIC, partitionIndexes: [0, 1] }] }),
      );
      expect(fetched.errorCode).toBe(ErrorCode.NONE);
      expect(
        fetched.topics[0]!.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.committedLeaderEpoch, p.metadata, p.errorCode]),
        `${when}: offsets committed by a member in its generation, with leader epoch and metadata`,
      ).toEqual([
        [0, 17n, 0, 'from-static-a', ErrorCode.NONE],
        [1, 23n, 0, 'also-from-static-a', ErrorCode.NONE],
      ]);
    } finally {
      client.close();
    }
  }

  async function checkGroupDescription(when: string): Promise<void> {
    const expected = memberKeys.map((key) => memberOf(key)).sort((x, y) => x.memberId.localeCompare(y.memberId));
    await withAdmin(async (admin) => {
      const { groups } = await admin.describeGroups([GROUP]);
      const described = groups[0]!;
      expect([described.state, described.protocolType, described.protocol], `${when}: the group's state and protocol`).toEqual([
        'Stable',
        CONSUMER,
        'range',
      ]);
      expect(
        described.members
          .map((m) => ({ memberId: m.memberId, clientId: m.clientId, metadata: m.memberMetadata, assignment: m.memberAssignment }))
          .sort((x, y) => x.memberId.localeCompare(y.memberId)),
        `${when}: the group's members and their assignments (kafkajs DescribeGroups)`,
      ).toEqual(expected.map((m) => ({ memberId: m.memberId, clientId: CLIENT_ID, metadata: m.metadata, assignment: m.assignment })));
      const [empty] = (await admin.describeGroups([EMPTIED_GROUP])).groups;
      expect([empty!.state, empty!.members], `${when}: the group its last member left is Empty`).toEqual(['Empty', []]);
    });
    const client = await wire();
    try {
      const { groups } = await client.call(ApiKey.DescribeGroups, 5, createDescribeGroupsRequest({ groups: [GROUP] }));
      expect(
        groups[0]!.members.map((m) => [m.memberId, m.groupInstanceId]).sort(([x], [y]) => x!.localeCompare(y!)),
        `${when}: static members keep their group.instance.id`,
      ).toEqual(expected.map((m) => [m.memberId, m.groupInstanceId]));
    } finally {
      client.close();
    }
  }

  async function checkTopics(when: string): Promise<void> {
    const client = await wire();
    try {
      const now = await clusterMetadata(client);
      expect(now.clusterId, `${when}: the cluster id`).toBe(cluster.clusterId);
      for (const [name, topic] of topics) expect(now.topics.get(name), `${when}: topic ${name} (id, partition count)`).toEqual(topic);
      expect(now.topics.has(DELETED_TOPIC), `${when}: a deleted topic stays deleted`).toBe(false);
      const wentBack = [...cluster.leaderEpochs].filter(([partition, epoch]) => !((now.leaderEpochs.get(partition) ?? -1) >= epoch));
      expect(wentBack, `${when}: partitions whose leader epoch went backwards`).toEqual([]);
      const described = await client.call(
        ApiKey.DescribeConfigs,
        4,
        createDescribeConfigsRequest({
          resources: Object.keys(brokerConfigs).map((resourceName) => ({
            resourceType: ConfigResourceTypes.BROKER,
            resourceName,
            configurationKeys: null,
          })),
        }),
      );
      const source = { '': DYNAMIC_DEFAULT_BROKER_CONFIG, '1': DYNAMIC_BROKER_CONFIG } as Record<string, number>;
      for (const resource of described.results) {
        const dynamic = Object.fromEntries(
          resource.configs.filter((c) => c.configSource === source[resource.resourceName]).map((c) => [c.name, c.value]),
        );
        expect(dynamic, `${when}: dynamic broker configs of '${resource.resourceName}'`).toEqual(brokerConfigs[resource.resourceName]);
      }
      expect(described.results.map((r) => r.resourceName)).toEqual(Object.keys(brokerConfigs));
    } finally {
      client.close();
    }
    await withAdmin(async (admin) => {
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: Object.keys(dynamicConfigs).map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
      });
      for (const resource of resources) {
        const dynamic = Object.fromEntries(
          resource.configEntries.filter((e) => e.configSource === DYNAMIC_TOPIC_CONFIG).map((e) => [e.configName, e.configValue]),
        );
        expect(dynamic, `${when}: ${resource.resourceName}'s topic configs`).toEqual(dynamicConfigs[resource.resourceName]);
      }
      expect(resources.map((r) => r.resourceName).sort()).toEqual(Object.keys(dynamicConfigs).sort());
    });
  }

  async function checkScramAndAcls(when: string): Promise<void> {
    for (const user of ['carol', 'erin'] as const) {
      await withScramAdmin(user, async (admin) => {
        expect(await admin.listTopics(), `${when}: ${user} authenticates with SCRAM and sees the topic it may write`).toContain(ACL_TOPIC);
      });
    }
    await expect(
      withScramAdmin('dave', async () => undefined),
      `${when}: a deleted SCRAM credential does not authenticate`,
    ).rejects.toThrow(/authentication failed/i);
    await withAdmin(async (admin) => {
      const { resources } = await admin.describeAcls({
        resourceType: AclResourceTypes.ANY,
        resourcePatternType: ResourcePatternTypes.ANY,
        operation: AclOperationTypes.ANY,
        permissionType: AclPermissionTypes.ANY,
      });
      const described = resources
        .filter((r) => r.resourceName !== STORM_ACL_TOPIC)
        .flatMap((r) =>
          r.acls.map((a) => ({
            resourceType: r.resourceType,
            resourceName: r.resourceName,
            resourcePatternType: r.resourcePatternType,
            principal: a.principal,
            host: a.host,
            operation: a.operation,
            permissionType: a.permissionType,
          })),
        );
      expect(sortAcls(described), `${when}: the ACLs (created, less the deleted one)`).toEqual(sortAcls(keptAcls));
    });
  }

  /** Enforcement of the ACLs: these produce records, so they run after the read-only checks. */
  async function checkAclEnforcement(when: string): Promise<void> {
    expect(await produceAs('carol', ACL_TOPIC), `${when}: carol may write ${ACL_TOPIC}`).toBe('ok');
    expect(await produceAs('carol', REVOKED_TOPIC), `${when}: carol's write ACL on ${REVOKED_TOPIC} was deleted`).toMatch(
      /not authorized/i,
    );
    expect(await produceAs('erin', ACL_TOPIC), `${when}: erin's prefixed DENY wins over her literal ALLOW`).toMatch(/not authorized/i);
  }

  async function withScramAdmin(user: ScramUser, use: (admin: Admin) => Promise<void>): Promise<void> {
    const { mechanism, password } = scramUsers[user];
    const admin = kafka(
      { mechanism: mechanism === 'SCRAM-SHA-256' ? 'scram-sha-256' : 'scram-sha-512', username: user, password },
      0,
    ).admin();
    await admin.connect();
    try {
      await use(admin);
    } finally {
      await admin.disconnect();
    }
  }

  async function produceAs(user: ScramUser, topic: string): Promise<string> {
    const { mechanism, password } = scramUsers[user];
    const p = kafka(
      { mechanism: mechanism === 'SCRAM-SHA-256' ? 'scram-sha-256' : 'scram-sha-512', username: user, password },
      0,
    ).producer();
    await p.connect();
    try {
      const [sent] = await p.send({ topic, acks: -1, messages: [{ value: `${user}-was-here` }] });
      return sent!.errorCode === 0 ? 'ok' : `error ${sent!.errorCode}`;
    } catch (error) {
      return String((error as Error).message);
    } finally {
      await p.disconnect();
    }
  }

  // --------------------------------------------------------------------------- after kill -9

  it('restarts after kill -9 on the same data dir and port', { timeout: 90_000 }, async () => {
    await crashAndRestart();
  });

  it('1. committed offsets are there, none went backwards', { timeout: 60_000 }, async () => {
    await checkCommittedOffsets('after kill -9');
  });

  it('2. the group has its members, static instance ids and assignments (DescribeGroups)', { timeout: 60_000 }, async () => {
    await checkGroupDescription('after kill -9');
  });

  it('4. topics keep their ids, partition counts and configs; a deleted topic stays deleted', { timeout: 60_000 }, async () => {
    await checkTopics('after kill -9');
  });

  it('5. SCRAM credentials authenticate (a deleted one does not) and the ACLs are there and enforced', { timeout: 60_000 }, async () => {
    await checkScramAndAcls('after kill -9');
    await checkAclEnforcement('after kill -9');
  });

  it('2. every member heartbeats in its generation; a static member rejoins without a new generation', { timeout: 60_000 }, async () => {
    const connections = await Promise.all(memberKeys.map(() => wire()));
    try {
      const beats = await Promise.all(memberKeys.map((key, i) => heartbeat(connections[i]!, memberOf(key))));
      expect(beats, 'heartbeats of every member in the generation before the crash').toEqual(memberKeys.map(() => ErrorCode.NONE));

      // Kafka (KIP-345): a known group.instance.id joining with an unknown member id in a Stable group
      // gets a new member id, the same generation and (SyncGroup) its old assignment: no rebalance.
      const old = memberOf('static-b');
      const rejoin = connections[1]!;
      const joined = await rejoin.call(ApiKey.JoinGroup, 7, joinRequest('', 'static-b', old.metadata), 60_000);
      expect([joined.errorCode, joined.generationId], 'the static member rejoins in the same generation').toEqual([
        ErrorCode.NONE,
        group.generationId,
      ]);
      expect(joined.memberId).not.toBe(old.memberId);
      expect(joined.members, 'the rejoining member is not asked to assign').toEqual([]);
      const synced = await rejoin.call(
        ApiKey.SyncGroup,
        5,
        createSyncGroupRequest({
          groupId: GROUP,
          generationId: group.generationId,
          memberId: joined.memberId,
          groupInstanceId: 'static-b',
          protocolType: CONSUMER,
          protocolName: 'range',
          assignments: [],
        }),
      );
      expect([synced.errorCode, synced.assignment], 'the static member gets its assignment back').toEqual([ErrorCode.NONE, old.assignment]);
      expect(await heartbeat(connections[0]!, old), 'the replaced member id is fenced').toBe(ErrorCode.FENCED_INSTANCE_ID);
      group.members.set('static-b', { ...old, memberId: joined.memberId });
      const after = await Promise.all(memberKeys.map((key, i) => heartbeat(connections[i]!, memberOf(key))));
      expect(after, 'no rebalance: every member still heartbeats in the generation').toEqual(memberKeys.map(() => ErrorCode.NONE));
    } finally {
      for (const connection of connections) connection.close();
    }
  });

  it('2. an emptied group keeps its generation: the next member joins in the one after', { timeout: 60_000 }, async () => {
    await checkEmptiedGroup('after kill -9');
  });

  async function checkEmptiedGroup(when: string): Promise<void> {
    const generationId = await joinAndLeave(EMPTIED_GROUP);
    expect(generationId, `${when}: the generation of a new member of the emptied group`).toBe(emptied.generationId + 1);
    emptied.generationId = generationId + 1;
  }

  it(
    '3. a retried idempotent batch is a duplicate, the next sequence follows, producer ids are not reused',
    { timeout: 60_000 },
    async () => {
      await checkIdempotentProducer('after kill -9');
    },
  );

  async function checkIdempotentProducer(when: string): Promise<void> {
    const client = await wire();
    try {
      for (const batch of producer.batches.slice(-2)) {
        const retried = await produce(client, batch.baseSequence, batch.count);
        expect(
          [retried.errorCode, retried.baseOffset],
          `${when}: batch ${batch.baseSequence} retried: a duplicate with its original offset`,
        ).toEqual([ErrorCode.NONE, batch.baseOffset]);
      }
      const last = producer.batches.at(-1)!;
      const next = await produce(client, producer.nextSequence, 1);
      expect(
        [next.errorCode, next.baseOffset],
        `${when}: the next sequence is accepted, right after the last batch (so no retry was appended again)`,
      ).toEqual([ErrorCode.NONE, last.baseOffset + BigInt(last.count)]);
      producer.batches.push({ baseSequence: producer.nextSequence, count: 1, baseOffset: next.baseOffset });
      producer.nextSequence += 1;

      const fresh = await initProducerId(client);
      expect(producerIdsHandedOut, `${when}: InitProducerId hands out an id never handed out before`).not.toContain(fresh);
      expect(
        fresh > maxOf(producerIdsHandedOut),
        `${when}: producer ids keep growing (${fresh} after ${maxOf(producerIdsHandedOut)})`,
      ).toBe(true);
      producerIdsHandedOut.push(fresh);
    } finally {
      client.close();
    }
  }

  // ------------------------------------------------------------------------- clean restart

  it('after a clean stop and start, everything is still there', { timeout: 120_000 }, async () => {
    await cleanRestart();
    await checkCommittedOffsets('after a clean restart');
    await checkGroupDescription('after a clean restart');
    await checkEmptiedGroup('after a clean restart');
    await checkTopics('after a clean restart');
    await checkScramAndAcls('after a clean restart');
    await checkAclEnforcement('after a clean restart');
    await checkIdempotentProducer('after a clean restart');
  });

  // ------------------------------------------------------------- item 6: SIGKILL amid writes

  const STORM_ACL_TOPIC = 'storm';
  /** STROM_KILL9_STORM_CYCLES=50 for a soak run by hand. */
  const STORM_CYCLES = Number(process.env.STROM_KILL9_STORM_CYCLES ?? 4);

  it(
    `6. SIGKILL amid a stream of metadata writes, ${STORM_CYCLES} times: restarts, nothing acknowledged is lost`,
    { timeout: 150_000 },
    async () => {
      const ackedTopics: string[] = [];
      const ackedPrincipals: string[] = [];
      /** Per group: the highest offset acknowledged, and the highest sent. */
      const commits = new Map<string, { acked: bigint; sent: bigint }>();
      const log: string[] = [];
      for (let cycle = 0; cycle < STORM_CYCLES; cycle++) {
        const storm = await metadataStorm(cycle, ackedTopics, ackedPrincipals, commits);
        log.push(`cycle ${cycle}: ${storm.acked} acknowledged, ${storm.inFlight} in flight at the kill`);
        broker = await startBroker();
        const client = await wire();
        try {
          const existing = await topicsByName(client);
          const lost = ackedTopics.filter((name) => existing.get(name)?.partitions !== 1);
          expect(lost, `cycle ${cycle}: acknowledged CreateTopics lost (${log.join('; ')})`).toEqual([]);
          for (const [groupId, { acked, sent }] of commits) {
            const fetched = await client.call(
              ApiKey.OffsetFetch,
              7,
              createOffsetFetchRequest({ groupId, topics: [{ name: 'offsets-topic', partitionIndexes: [0] }] }),
            );
            const offset = fetched.topics[0]?.partitions[0]?.committedOffset ?? -1n;
            expect(
              offset >= acked && offset <= sent,
              `cycle ${cycle}: ${groupId} committed ${offset}, acknowledged ${acked}, sent up to ${sent}`,
            ).toBe(true);
          }
          const described = await client.call(
            ApiKey.DescribeAcls,
            3,
            createDescribeAclsRequest({
              resourceTypeFilter: RESOURCE_TOPIC,
              resourceNameFilter: STORM_ACL_TOPIC,
              patternTypeFilter: PATTERN_LITERAL,
              principalFilter: null,
              hostFilter: null,
              operation: ANY,
              permissionType: ANY,
            }),
          );
          expect(described.errorCode).toBe(ErrorCode.NONE);
          const present = new Set(described.resources.flatMap((r) => r.acls.map((a) => a.principal)));
          expect(
            ackedPrincipals.filter((principal) => !present.has(principal)),
            `cycle ${cycle}: acknowledged CreateAcls lost`,
          ).toEqual([]);
        } finally {
          client.close();
        }
      }
      process.stderr.write(`[survives-kill9] ${log.join('; ')}\n`);
      // The earlier items are untouched by the storms and the crashes.
      await checkCommittedOffsets('after the storms');
      await checkTopics('after the storms');
      await checkScramAndAcls('after the storms');
    },
  );

  /**
   * Six connections write concurrently, four requests in flight each: CreateTopics, simple
   * OffsetCommits of increasing offsets, CreateAcls. Once enough are acknowledged, and a random
   * moment later, the broker is SIGKILLed with writes in flight.
   */
  async function metadataStorm(
    cycle: number,
    ackedTopics: string[],
    ackedPrincipals: string[],
    commits: Map<string, { acked: bigint; sent: bigint }>,
  ): Promise<{ acked: number; inFlight: number }> {
    const connections = await Promise.all(Array.from({ length: 6 }, () => wire()));
    let acked = 0;
    let stopped = false;
    const write = async (w: number, i: number): Promise<void> => {
      const connection = connections[w]!;
      const name = `storm-c${cycle}-w${w}-${i}`;
      switch (w % 3) {
        case 0: {
          const answer = await connection.call(
            ApiKey.CreateTopics,
            5,
            createCreateTopicsRequest({
              topics: [{ name, numPartitions: 1, replicationFactor: -1, assignments: [], configs: [] }],
              timeoutMs: 30_000,
            }),
          );
          if (answer.topics[0]?.errorCode === ErrorCode.NONE) ackedTopics.push(name);
          break;
        }
        case 1: {
          const groupId = `storm-group-${w}`;
          const offset = BigInt(cycle * 1_000_000 + i + 1);
          const state = commits.get(groupId) ?? { acked: -1n, sent: -1n };
          state.sent = offset;
          commits.set(groupId, state);
          const answer = await connection.call(ApiKey.OffsetCommit, 8, simpleCommit(groupId, 'offsets-topic', 0, offset));
          if (answer.topics[0]?.partitions[0]?.errorCode === ErrorCode.NONE && offset > state.acked) state.acked = offset;
          break;
        }
        default: {
          const principal = `User:${name}`;
          const answer = await connection.call(
            ApiKey.CreateAcls,
            3,
            createCreateAclsRequest({
              creations: [
                {
                  resourceType: RESOURCE_TOPIC,
                  resourceName: STORM_ACL_TOPIC,
                  resourcePatternType: PATTERN_LITERAL,
                  principal,
                  host: '*',
                  operation: OPERATION_READ,
                  permissionType: PERMISSION_ALLOW,
                },
              ],
            }),
          );
          if (answer.results[0]?.errorCode === ErrorCode.NONE) ackedPrincipals.push(principal);
        }
      }
      acked++;
    };
    const IN_FLIGHT = 4;
    const workers = connections.map(async (_, w) => {
      let i = 0;
      const lanes = Array.from({ length: IN_FLIGHT }, async () => {
        while (!stopped) await write(w, i++);
      });
      await Promise.allSettled(lanes);
    });
    const target = 20 + Math.floor(Math.random() * 60);
    const deadline = Date.now() + 60_000;
    while (acked < target && Date.now() < deadline) await sleep(5);
    expect(acked, `cycle ${cycle}: writes acknowledged before the kill`).toBeGreaterThanOrEqual(target);
    await sleep(Math.floor(Math.random() * 50));
    const inFlight = connections.reduce((n, c) => n + c.inFlight, 0);
    const ackedAtKill = acked;
    await broker!.kill9();
    broker = undefined;
    stopped = true;
    await Promise.all(workers);
    for (const connection of connections) connection.close();
    return { acked: ackedAtKill, inFlight };
  }

  // ------------------------------------------------------------------------------- helpers

  function joinRequest(
    memberId: string,
    groupInstanceId: string | null,
    metadata: Buffer,
    groupId = GROUP,
  ): RequestBodies[typeof ApiKey.JoinGroup] {
    return createJoinGroupRequest({
      groupId,
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      rebalanceTimeoutMs: REBALANCE_TIMEOUT_MS,
      memberId,
      groupInstanceId,
      protocolType: CONSUMER,
      protocols: [{ name: 'range', metadata }],
    });
  }

  /** A dynamic member joins `groupId` alone, syncs, and leaves; returns the generation it had. */
  async function joinAndLeave(groupId: string): Promise<number> {
    const client = await wire();
    try {
      const metadata = encodeSubscription([GROUP_TOPIC]);
      const required = await client.call(ApiKey.JoinGroup, 7, joinRequest('', null, metadata, groupId));
      expect(required.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
      const joined = await client.call(ApiKey.JoinGroup, 7, joinRequest(required.memberId, null, metadata, groupId), 60_000);
      expect([joined.errorCode, joined.leader]).toEqual([ErrorCode.NONE, required.memberId]);
      const synced = await client.call(
        ApiKey.SyncGroup,
        5,
        createSyncGroupRequest({
          groupId,
          generationId: joined.generationId,
          memberId: joined.memberId,
          groupInstanceId: null,
          protocolType: CONSUMER,
          protocolName: 'range',
          assignments: [{ memberId: joined.memberId, assignment: encodeAssignment({ [GROUP_TOPIC]: [0, 1] }) }],
        }),
      );
      expect(synced.errorCode).toBe(ErrorCode.NONE);
      const left = await client.call(
        ApiKey.LeaveGroup,
        4,
        createLeaveGroupRequest({ groupId, members: [{ memberId: joined.memberId, groupInstanceId: null, reason: null }] }),
      );
      expect([left.errorCode, left.members.map((m) => m.errorCode)]).toEqual([ErrorCode.NONE, [ErrorCode.NONE]]);
      return joined.generationId;
    } finally {
      client.close();
    }
  }

  async function heartbeat(client: Wire, member: Member): Promise<number> {
    const answer = await client.call(
      ApiKey.Heartbeat,
      4,
      createHeartbeatRequest({
        groupId: GROUP,
        generationId: group.generationId,
        memberId: member.memberId,
        groupInstanceId: member.groupInstanceId,
      }),
    );
    return answer.errorCode;
  }

  async function initProducerId(client: Wire): Promise<bigint> {
    const answer = await client.call(
      ApiKey.InitProducerId,
      4,
      createInitProducerIdRequest({ transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 }),
    );
    expect(answer.errorCode, 'InitProducerId').toBe(ErrorCode.NONE);
    return answer.producerId;
  }

  async function produce(client: Wire, baseSequence: number, count: number): Promise<{ errorCode: number; baseOffset: bigint }> {
    const records = encodeRecordBatch({
      baseTimestamp: 1_700_000_000_000n,
      producerId: producer.producerId,
      producerEpoch: producer.epoch,
      baseSequence,
      records: Array.from({ length: count }, (_, i) => ({ value: Buffer.from(`seq-${baseSequence + i}`) })),
    });
    const answer = await client.call(
      ApiKey.Produce,
      9,
      createProduceRequest({
        transactionalId: null,
        acks: -1,
        timeoutMs: 10_000,
        topicData: [{ name: IDEM_TOPIC, topicId: ZERO_UUID, partitionData: [{ index: 0, records }] }],
      }),
    );
    const partition = answer.responses[0]!.partitionResponses[0]!;
    return { errorCode: partition.errorCode, baseOffset: partition.baseOffset };
  }
});

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

function simpleCommit(groupId: string, topic: string, partition: number, offset: bigint): RequestBodies[typeof ApiKey.OffsetCommit] {
  return createOffsetCommitRequest({
    groupId,
    generationIdOrMemberEpoch: -1,
    memberId: '',
    groupInstanceId: null,
    topics: [
      {
        name: topic,
        topicId: ZERO_UUID,
        partitions: [{ partitionIndex: partition, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: null }],
      },
    ],
  });
}

async function topicsByName(client: Wire): Promise<Map<string, { topicId: string; partitions: number }>> {
  return (await clusterMetadata(client)).topics;
}

interface ClusterMetadata {
  clusterId: string | null;
  topics: Map<string, { topicId: string; partitions: number }>;
  /** `topic/partition` → the leader epoch Metadata announces. */
  leaderEpochs: Map<string, number>;
}

async function clusterMetadata(client: Wire): Promise<ClusterMetadata> {
  const metadata = await client.call(
    ApiKey.Metadata,
    12,
    createMetadataRequest({ topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }),
  );
  const unavailable = metadata.topics.flatMap((t) =>
    t.partitions.filter((p) => p.errorCode !== ErrorCode.NONE || p.leaderId < 0).map((p) => `${t.name}/${p.partitionIndex}`),
  );
  expect(
    [metadata.topics.filter((t) => t.errorCode !== ErrorCode.NONE).map((t) => t.name), unavailable],
    'topics or partitions without a leader',
  ).toEqual([[], []]);
  return {
    clusterId: metadata.clusterId,
    topics: new Map(metadata.topics.map((t) => [t.name!, { topicId: t.topicId, partitions: t.partitions.length }])),
    leaderEpochs: new Map(
      metadata.topics.flatMap((t) => t.partitions.map((p) => [`${t.name}/${p.partitionIndex}`, p.leaderEpoch] as const)),
    ),
  };
}

function sortAcls<
  T extends { principal: string; resourceName: string; resourcePatternType: number; operation: number; permissionType: number },
>(acls: T[]): T[] {
  const key = (a: T): string => `${a.principal}|${a.resourceName}|${a.resourcePatternType}|${a.operation}|${a.permissionType}`;
  return [...acls].sort((x, y) => key(x).localeCompare(key(y)));
}

function maxOf(values: bigint[]): bigint {
  return values.reduce((max, v) => (v > max ? v : max), -1n);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A consumer's JoinGroup metadata: int16 version + ConsumerProtocolSubscription. */
function encodeSubscription(topicNames: string[]): Buffer {
  const w = new Writer('ConsumerProtocolSubscription');
  w.int16(1, 'Version');
  ConsumerProtocolSubscriptionCodec.encode(w, ConsumerProtocolSubscriptionCodec.create({ topics: topicNames }), 1);
  return Buffer.from(w.toBuffer());
}

/** A consumer's SyncGroup assignment: int16 version + ConsumerProtocolAssignment. */
function encodeAssignment(partitions: Record<string, number[]>): Buffer {
  const w = new Writer('ConsumerProtocolAssignment');
  w.int16(1, 'Version');
  ConsumerProtocolAssignmentCodec.encode(
    w,
    ConsumerProtocolAssignmentCodec.create({
      assignedPartitions: Object.entries(partitions).map(([topic, ps]) => ({ topic, partitions: ps })),
    }),
    1,
  );
  return Buffer.from(w.toBuffer());
}

/**
 * A wire-level Kafka client authenticated with SASL PLAIN that pipelines: any number of requests
 * in flight on one connection, each answered by correlation id. When the connection closes (the
 * broker was killed) every waiting call rejects at once.
 */
class Wire {
  private readonly reader = new FrameReader({ maxFrameBytes: 64 * 1024 * 1024 });
  private readonly pending = new Map<
    number,
    { apiKey: ApiKey; apiVersion: number; resolve: (frame: Buffer) => void; reject: (error: Error) => void }
  >();
  private nextCorrelationId = 1;
  private failure: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.reader.push(chunk)) {
        const correlationId = frame.readInt32BE(0);
        const call = this.pending.get(correlationId);
        this.pending.delete(correlationId);
        call?.resolve(frame);
      }
    });
    socket.on('close', () => this.fail(new Error('connection closed')));
    socket.on('error', (error) => this.fail(error));
  }

  static async connect(port: number, sasl: { user: string; password: string }): Promise<Wire> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    const client = new Wire(socket);
    try {
      await client.authenticatePlain(sasl);
    } catch (error) {
      client.close();
      throw error;
    }
    return client;
  }

  private async authenticatePlain(sasl: { user: string; password: string }): Promise<void> {
    const handshake = await this.call(ApiKey.SaslHandshake, 1, createSaslHandshakeRequest({ mechanism: 'PLAIN' }));
    if (handshake.errorCode !== ErrorCode.NONE) throw new Error(`SaslHandshake: error ${handshake.errorCode}`);
    const authenticated = await this.call(
      ApiKey.SaslAuthenticate,
      2,
      createSaslAuthenticateRequest({ authBytes: Buffer.from(`\0${sasl.user}\0${sasl.password}`, 'utf8') }),
    );
    if (authenticated.errorCode !== ErrorCode.NONE) throw new Error(`SaslAuthenticate: error ${authenticated.errorCode}`);
  }

  get inFlight(): number {
    return this.pending.size;
  }

  async call<K extends ApiKey>(apiKey: K, apiVersion: number, body: RequestBodies[K], timeoutMs = 30_000): Promise<ResponseBodies[K]> {
    if (this.failure) throw this.failure;
    const correlationId = this.nextCorrelationId++;
    const frame = await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(new Error(`no answer to API ${apiKey} v${apiVersion} in ${timeoutMs} ms`));
      }, timeoutMs);
      const settle =
        <T>(then: (value: T) => void) =>
        (value: T): void => {
          clearTimeout(timer);
          then(value);
        };
      this.pending.set(correlationId, { apiKey, apiVersion, resolve: settle(resolve), reject: settle(reject) });
      this.socket.write(encodeRequestFrame({ apiKey, apiVersion, correlationId, clientId: CLIENT_ID }, body));
    });
    return decodeResponse(apiKey, apiVersion, frame).body;
  }

  close(): void {
    this.socket.destroy();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const call of this.pending.values()) call.reject(this.failure);
    this.pending.clear();
  }
}
