import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ErrorCode } from '@strom/errors';
import { ensureKcat } from '@strom/testing';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ConfigResourceTypes,
  Kafka,
  logLevel,
  ResourcePatternTypes,
  type AclEntry,
} from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStrom, type EmbeddedStrom } from './embedded-harness.js';
import { plainJaas, RawKafka, writeServerProperties } from './sasl-support.js';

const execFileAsync = promisify(execFile);

const users = { admin: 'admin-secret', alice: 'alice-secret', bob: 'bob-secret' } as const;
type User = keyof typeof users;

describe('ACLs with StandardAuthorizer (deny by default, super users), kafkajs and kcat', () => {
  let strom: EmbeddedStrom;
  let kcat: string;

  beforeAll(async () => {
    kcat = ensureKcat();
    const props = writeServerProperties([
      'listeners=SASL_PLAINTEXT://127.0.0.1:9093',
      'sasl.enabled.mechanisms=PLAIN',
      plainJaas(users),
      'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'super.users=User:admin',
    ]);
    strom = await startEmbeddedStrom([], undefined, props);
    const admin = kafkaAs('admin').admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        { topic: 'orders', numPartitions: 2 },
        { topic: 'audit-log', numPartitions: 1 },
        { topic: 'secret', numPartitions: 1 },
      ],
    });
    const producer = kafkaAs('admin').producer();
    await producer.connect();
    await producer.send({ topic: 'audit-log', messages: [{ value: 'a1' }, { value: 'a2' }] });
    await producer.disconnect();
    await admin.disconnect();
  });
  afterAll(async () => strom?.stop());

  function kafkaAs(user: User, retries = 0): Kafka {
    return new Kafka({
      clientId: `acl-${user}`,
      brokers: [strom.bootstrap],
      sasl: { mechanism: 'plain', username: user, password: users[user] },
      logLevel: logLevel.NOTHING,
      retry: { retries, initialRetryTime: 50, maxRetryTime: 200 },
    });
  }

  /** kafkajs wraps protocol errors (KafkaJSNonRetriableError with the KafkaJSProtocolError as cause). */
  async function failsWith(promise: Promise<unknown>, type: string | RegExp): Promise<void> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e as { type?: string; cause?: { type?: string }; errors?: { type?: string }[] },
    );
    expect(error, `expected ${String(type)}`).toBeDefined();
    const types = [error?.type, error?.cause?.type, ...(error?.errors ?? []).map((e) => e.type)].filter((t) => t !== undefined);
    expect(types.some((t) => (typeof type === 'string' ? t === type : type.test(t)))).toBe(true);
  }

  const aliceWritesOrders: AclEntry = {
    resourceType: AclResourceTypes.TOPIC,
    resourceName: 'orders',
    resourcePatternType: ResourcePatternTypes.LITERAL,
    principal: 'User:alice',
    host: '*',
    operation: AclOperationTypes.WRITE,
    permissionType: AclPermissionTypes.ALLOW,
  };
  const aliceReadsAudit: AclEntry = {
    resourceType: AclResourceTypes.TOPIC,
    resourceName: 'audit',
    resourcePatternType: ResourcePatternTypes.PREFIXED,
    principal: 'User:alice',
    host: '*',
    operation: AclOperationTypes.READ,
    permissionType: AclPermissionTypes.ALLOW,
  };

  async function produce(user: User, topic: string): Promise<void> {
    const producer = kafkaAs(user).producer();
    await producer.connect();
    try {
      await producer.send({ topic, messages: [{ value: `${user} was here` }] });
    } finally {
      await producer.disconnect();
    }
  }

  it('denies by default: without ACLs a user gets TOPIC_AUTHORIZATION_FAILED and sees no topics', async () => {
    await failsWith(produce('alice', 'orders'), 'TOPIC_AUTHORIZATION_FAILED');
    const admin = kafkaAs('alice').admin();
    await admin.connect();
    try {
      expect(await admin.listTopics()).toEqual([]);
      await expect(admin.createTopics({ topics: [{ topic: 'alices-own' }] })).rejects.toMatchObject({
        errors: [expect.objectContaining({ type: 'TOPIC_AUTHORIZATION_FAILED' })],
      });
      await failsWith(admin.createAcls({ acl: [aliceWritesOrders] }), 'CLUSTER_AUTHORIZATION_FAILED');
      await failsWith(
        admin.describeAcls({
          resourceType: AclResourceTypes.ANY,
          resourcePatternType: ResourcePatternTypes.ANY,
          operation: AclOperationTypes.ANY,
          permissionType: AclPermissionTypes.ANY,
        }),
        'CLUSTER_AUTHORIZATION_FAILED',
      );
    } finally {
      await admin.disconnect();
    }
  });

  it('CreateAcls by the super user grants exactly what the ACLs say', async () => {
    const admin = kafkaAs('admin').admin();
    await admin.connect();
    try {
      expect(await admin.createAcls({ acl: [aliceWritesOrders, aliceReadsAudit] })).toBe(true);
    } finally {
      await admin.disconnect();
    }
    await produce('alice', 'orders');
    // READ (prefixed audit*) implies DESCRIBE, not WRITE.
    await failsWith(produce('alice', 'audit-log'), 'TOPIC_AUTHORIZATION_FAILED');
    await failsWith(produce('bob', 'orders'), 'TOPIC_AUTHORIZATION_FAILED');
    const alice = kafkaAs('alice').admin();
    await alice.connect();
    try {
      expect((await alice.listTopics()).sort()).toEqual(['audit-log', 'orders']);
      await failsWith(
        alice.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: 'secret' }], includeSynonyms: false }),
        'TOPIC_AUTHORIZATION_FAILED',
      );
    } finally {
      await alice.disconnect();
    }
  });

  it('idempotent producers need IDEMPOTENT_WRITE on the cluster or WRITE on some topic (InitProducerId)', async () => {
    const producer = kafkaAs('alice', 1).producer({ idempotent: true });
    await producer.connect();
    await producer.send({ topic: 'orders', messages: [{ value: 'idempotent' }] });
    await producer.disconnect();
    const bobs = kafkaAs('bob', 1).producer({ idempotent: true });
    await failsWith(
      (async () => {
        await bobs.connect();
        await bobs.send({ topic: 'orders', messages: [{ value: 'x' }] });
      })(),
      /CLUSTER_AUTHORIZATION_FAILED|TOPIC_AUTHORIZATION_FAILED/,
    );
    await bobs.disconnect();
  });

  it('kcat (librdkafka): Fetch needs READ on the topic', async () => {
    const args = (user: User, topic: string) => [
      '-C',
      '-b',
      strom.bootstrap,
      '-t',
      topic,
      '-o',
      'beginning',
      '-e',
      '-q',
      '-X',
      'security.protocol=SASL_PLAINTEXT',
      '-X',
      'sasl.mechanisms=PLAIN',
      '-X',
      `sasl.username=${user}`,
      '-X',
      `sasl.password=${users[user]}`,
    ];
    const { stdout } = await execFileAsync(kcat, args('alice', 'audit-log'), { encoding: 'utf8', timeout: 20_000 });
    expect(stdout.trim().split('\n')).toEqual(['a1', 'a2']);
    const denied = await execFileAsync(kcat, args('alice', 'orders'), { encoding: 'utf8', timeout: 20_000 }).then(
      () => undefined,
      (error: { stderr?: string }) => error,
    );
    expect(denied?.stderr ?? '').toMatch(/authoriz/i);
  });

  it('DescribeAcls and DeleteAcls filters (kafkajs admin)', async () => {
    const admin = kafkaAs('admin').admin();
    await admin.connect();
    try {
      const all = await admin.describeAcls({
        resourceType: AclResourceTypes.ANY,
        resourcePatternType: ResourcePatternTypes.ANY,
        principal: 'User:alice',
        operation: AclOperationTypes.ANY,
        permissionType: AclPermissionTypes.ANY,
      });
      expect(all.resources.map((r) => [r.resourceName, r.resourcePatternType]).sort()).toEqual([
        ['audit', ResourcePatternTypes.PREFIXED],
        ['orders', ResourcePatternTypes.LITERAL],
      ]);
      // MATCH: the ACLs that would apply to the topic "audit-log".
      const matching = await admin.describeAcls({
        resourceType: AclResourceTypes.TOPIC,
        resourceName: 'audit-log',
        resourcePatternType: ResourcePatternTypes.MATCH,
        operation: AclOperationTypes.ANY,
        permissionType: AclPermissionTypes.ANY,
      });
      expect(matching.resources).toEqual([
        expect.objectContaining({
          resourceName: 'audit',
          acls: [expect.objectContaining({ principal: 'User:alice', operation: AclOperationTypes.READ })],
        }),
      ]);

      const deleted = await admin.deleteAcls({
        filters: [
          {
            resourceType: AclResourceTypes.TOPIC,
            resourceName: 'orders',
            resourcePatternType: ResourcePatternTypes.LITERAL,
            principal: 'User:alice',
            operation: AclOperationTypes.ANY,
            permissionType: AclPermissionTypes.ALLOW,
          },
          {
            resourceType: AclResourceTypes.GROUP,
            resourcePatternType: ResourcePatternTypes.ANY,
            operation: AclOperationTypes.ANY,
            permissionType: AclPermissionTypes.ANY,
          },
        ],
      });
      expect(deleted.filterResponses.map((r) => [r.errorCode, r.matchingAcls.length])).toEqual([
        [0, 1],
        [0, 0],
      ]);
      expect(deleted.filterResponses[0]!.matchingAcls[0]).toMatchObject({ resourceName: 'orders', operation: AclOperationTypes.WRITE });
    } finally {
      await admin.disconnect();
    }
    await failsWith(produce('alice', 'orders'), 'TOPIC_AUTHORIZATION_FAILED');
  });

  it('super users may do everything, and SCRAM credential APIs need the cluster permission', async () => {
    await produce('admin', 'secret');
    const raw = await RawKafka.connect(strom.port);
    try {
      expect((await raw.authenticatePlain('bob', users.bob)).errorCode).toBe(0);
      const altered = await raw.upsertScram([{ name: 'bob', mechanism: 'SCRAM-SHA-256', password: 'x' }]);
      expect(altered.results).toEqual([expect.objectContaining({ user: 'bob', errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED })]);
      expect((await raw.describeScram(null)).errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    } finally {
      raw.end();
    }
  });
  it('guards consumer groups: DESCRIBE on the group to find its coordinator, READ (and on the topic) to join and commit', async () => {
    const admin = kafkaAs('admin').admin();
    await admin.connect();
    const bobReads = (resourceType: AclResourceTypes, resourceName: string): AclEntry => ({
      resourceType,
      resourceName,
      resourcePatternType: ResourcePatternTypes.LITERAL,
      principal: 'User:bob',
      host: '*',
      operation: AclOperationTypes.READ,
      permissionType: AclPermissionTypes.ALLOW,
    });
    await admin.createAcls({ acl: [bobReads(AclResourceTypes.TOPIC, 'audit-log')] });
    const bob = kafkaAs('bob');
    const crashOf = async () => {
      const denied = bob.consumer({ groupId: 'bobs-group', retry: { retries: 0 } });
      await denied.connect();
      await denied.subscribe({ topic: 'audit-log', fromBeginning: true });
      const crashed = new Promise<unknown>((resolve) => denied.on(denied.events.CRASH, (event) => resolve(event.payload.error)));
      await denied.run({ eachMessage: async () => undefined });
      const crash = (await crashed) as { name?: string; type?: string };
      await denied.disconnect();
      return crash;
    };
    // Kafka's FindCoordinator needs DESCRIBE on the group: kafkajs then finds no coordinator.
    expect((await crashOf()).name).toBe('KafkaJSGroupCoordinatorNotFound');
    await admin.createAcls({ acl: [{ ...bobReads(AclResourceTypes.GROUP, 'bobs-group'), operation: AclOperationTypes.DESCRIBE }] });
    expect((await crashOf()).type).toBe('GROUP_AUTHORIZATION_FAILED');

    await admin.createAcls({ acl: [bobReads(AclResourceTypes.GROUP, 'bobs-group')] });
    const allowed = bob.consumer({ groupId: 'bobs-group' });
    await allowed.connect();
    await allowed.subscribe({ topic: 'audit-log', fromBeginning: true });
    const values: string[] = [];
    await allowed.run({ eachMessage: async ({ message }) => void values.push(message.value!.toString()) });
    const deadline = Date.now() + 30_000;
    while (values.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(values.sort()).toEqual(['a1', 'a2']);
    await allowed.disconnect();

    const bobAdmin = bob.admin();
    await bobAdmin.connect();
    expect((await bobAdmin.listGroups()).groups.map((group) => group.groupId)).toEqual(['bobs-group']);
    // kafkajs reports per-group failures in KafkaJSDeleteGroupsError.groups[].error.
    const deletion = (await bobAdmin.deleteGroups(['bobs-group']).catch((error: unknown) => error)) as {
      groups?: { error?: { type?: string } }[];
    };
    expect(deletion.groups?.[0]?.error?.type).toBe('GROUP_AUTHORIZATION_FAILED');
    await bobAdmin.disconnect();
    await admin.disconnect();
  }, 60_000);
});
