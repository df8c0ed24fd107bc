import { API_AUTHORIZATION } from '@strom/broker';
import { ErrorCode } from '@strom/errors';
import {
  ApiKey,
  apiDefinition,
  createApiVersionsRequest,
  createCreateAclsRequest,
  createDeleteAclsRequest,
  createDeleteRecordsRequest,
  createDescribeLogDirsRequest,
  createFetchRequest,
  createFetchRequestFetchPartition,
  createFindCoordinatorRequest,
  createMetadataRequest,
  createOffsetCommitRequest,
  createOffsetCommitRequestPartition,
  createProduceRequest,
  createProduceRequestPartitionProduceData,
  createProduceRequestTopicProduceData,
  encodeRecordBatch,
} from '@strom/protocol';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { aclCreation, AUTHORIZATION_CASES, type Acl, type AuthorizationCase, type Fixture } from './authorization-cases.js';
import { startDistributedSaslBroker, type SaslBroker } from './distributed-sasl-broker.js';
import { startEmbeddedStrom } from './embedded-harness.js';
import { plainJaas, RawKafka, writeServerProperties } from './sasl-support.js';

const users = { admin: 'admin-secret', alice: 'alice-secret', bob: 'bob-secret' } as const;
type User = keyof typeof users;
const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/** Embedded Strom from a server.properties, as `strom start --config` runs it. */
async function embedded(): Promise<SaslBroker> {
  return startEmbeddedStrom([], undefined, writeServerProperties(securedProperties('127.0.0.1:9093')));
}

/** One server.properties for both modes: a SASL PLAIN listener, the users, the authorizer. */
function securedProperties(hostPort: string): string[] {
  return [
    `listeners=SASL_PLAINTEXT://${hostPort}`,
    'sasl.enabled.mechanisms=PLAIN',
    plainJaas(users),
    'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'super.users=User:admin',
  ];
}

/** The broker on its own over NATS, the metadata and coordinator services as their own processes. */
function distributed(): Promise<SaslBroker> {
  return startDistributedSaslBroker({
    natsUrl: inject('natsUrl'),
    postgresUrl: inject('postgresUrl'),
    serverProperties: securedProperties('127.0.0.1:0'),
  });
}

/**
 * Every API key the broker announces, over real SASL PLAIN connections to a real broker with
 * StandardAuthorizer and `super.users=User:admin`, embedded and distributed: `alice` has no ACLs
 * ever and gets Kafka's denial or filtered answer; `bob` gets exactly the ACLs Kafka needs for the
 * API (granted by the super user before, removed after) and gets through. The expected answers
 * are Kafka's rules as `authorization-cases.ts` writes them down, independently of the broker's table.
 */
describe.each([
  ['embedded', embedded],
  ['distributed', distributed],
] as const)('authorization of every announced API, as Kafka authorizes it (%s, SASL PLAIN, StandardAuthorizer)', (_mode, start) => {
  let strom: SaslBroker;
  const fixture: Fixture = {
    brokerId: -1,
    secret: 'secret',
    shared: 'shared',
    doomed: 'doomed',
    group: 'g',
    doomedGroup: 'g-del',
    joinGroup: 'g-join',
  };

  async function as(user: User): Promise<RawKafka> {
    const connection = await RawKafka.connect(strom.port);
    const outcome = await connection.authenticatePlain(user, users[user]);
    expect(outcome.errorCode).toBe(ErrorCode.NONE);
    return connection;
  }

  async function once<T>(user: User, action: (connection: RawKafka) => Promise<T>): Promise<T> {
    const connection = await as(user);
    try {
      return await action(connection);
    } finally {
      connection.end();
    }
  }

  const grant = (acls: readonly Acl[]) =>
    once('admin', async (admin) => {
      const created = await admin.call(
        ApiKey.CreateAcls,
        3,
        createCreateAclsRequest({ creations: acls.map((acl) => aclCreation(acl, 'User:bob')) }),
      );
      expect(created.results.map((result) => result.errorCode)).toEqual(acls.map(() => ErrorCode.NONE));
    });

  const revokeAll = () =>
    once('admin', async (admin) => {
      const deleted = await admin.call(
        ApiKey.DeleteAcls,
        3,
        createDeleteAclsRequest({
          filters: [
            {
              resourceTypeFilter: 1,
              resourceNameFilter: null,
              patternTypeFilter: 1,
              principalFilter: null,
              hostFilter: null,
              operation: 1,
              permissionType: 1,
            },
          ],
        }),
      );
      expect(deleted.filterResults[0]!.errorCode).toBe(ErrorCode.NONE);
    });

  const records = (...values: string[]) =>
    encodeRecordBatch({ baseTimestamp: BigInt(Date.now()), records: values.map((value) => ({ value: Buffer.from(value) })) });

  beforeAll(async () => {
    strom = await start();
    await once('admin', async (admin) => {
      const metadata = await admin.call(ApiKey.Metadata, 12, createMetadataRequest({ topics: [] }));
      fixture.brokerId = metadata.brokers[0]!.nodeId;
      await admin.createTopics({ [fixture.secret]: 1, [fixture.shared]: 1, [fixture.doomed]: 1 });
      for (const topic of [fixture.secret, fixture.shared]) {
        const produced = await admin.call(
          ApiKey.Produce,
          9,
          createProduceRequest({
            acks: -1,
            timeoutMs: 5000,
            topicData: [
              createProduceRequestTopicProduceData({
                name: topic,
                partitionData: [createProduceRequestPartitionProduceData({ index: 0, records: records(`${topic} 1`, `${topic} 2`) })],
              }),
            ],
          }),
        );
        expect(produced.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.NONE);
      }
      for (const group of [fixture.group, fixture.doomedGroup]) {
        await admin.call(ApiKey.FindCoordinator, 4, createFindCoordinatorRequest({ keyType: 0, coordinatorKeys: [group] }));
        const committed = await admin.call(
          ApiKey.OffsetCommit,
          8,
          createOffsetCommitRequest({
            groupId: group,
            generationIdOrMemberEpoch: -1,
            memberId: '',
            topics: [
              {
                name: fixture.shared,
                topicId: ZERO_UUID,
                partitions: [createOffsetCommitRequestPartition({ partitionIndex: 0, committedOffset: 1n })],
              },
            ],
          }),
        );
        expect(committed.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
      }
    });
  });
  afterAll(async () => strom?.stop());

  it('has a case here and a rule in the broker for every API key ApiVersions announces, and for no other', async () => {
    const announced = await once('alice', (alice) =>
      alice.call(ApiKey.ApiVersions, 3, createApiVersionsRequest({ clientSoftwareName: 'authz', clientSoftwareVersion: '1' })),
    );
    const keys = announced.apiKeys.map((range) => range.apiKey).sort((a, b) => a - b);
    expect(AUTHORIZATION_CASES.map((c) => c.apiKey).sort((a, b) => a - b)).toEqual(keys);
    for (const apiKey of keys) expect(API_AUTHORIZATION[apiKey as ApiKey], apiDefinition(apiKey)!.name).toBeDefined();
    for (const c of AUTHORIZATION_CASES) {
      const range = announced.apiKeys.find((r) => r.apiKey === c.apiKey)!;
      expect(c.version, apiDefinition(c.apiKey)!.name).toBeLessThanOrEqual(range.maxVersion);
    }
  });

  const call = (user: User, c: AuthorizationCase) =>
    once(user, (connection) => connection.call(c.apiKey, c.version, c.request(fixture) as never));

  it.each(AUTHORIZATION_CASES.map((c) => [apiDefinition(c.apiKey)!.name, c] as const))(
    '%s: refused without the ACL Kafka needs, served with exactly it',
    async (_name, c) => {
      c.denied(await call('alice', c), fixture);
      for (const nearMiss of c.notAllowedBy ?? []) {
        await grant(nearMiss);
        try {
          c.denied(await call('bob', c), fixture);
        } finally {
          await revokeAll();
        }
      }
      for (const acls of [c.acls, ...(c.alsoAllowedBy ?? [])]) {
        if (acls.length > 0) await grant(acls);
        try {
          c.allowed(await call('bob', c), fixture);
        } finally {
          await revokeAll();
        }
      }
    },
  );

  it('issue 13: alice without ACLs cannot DeleteRecords on the super user’s topic, and its records stay readable', async () => {
    const deleted = await once('alice', (alice) =>
      alice.call(
        ApiKey.DeleteRecords,
        2,
        createDeleteRecordsRequest({
          topics: [{ name: fixture.secret, partitions: [{ partitionIndex: 0, offset: -1n }] }],
          timeoutMs: 5000,
        }),
      ),
    );
    expect(deleted.topics[0]!.partitions[0]!).toMatchObject({ errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, lowWatermark: -1n });
    const fetched = await once('admin', (admin) =>
      admin.call(
        ApiKey.Fetch,
        12,
        createFetchRequest({
          maxWaitMs: 0,
          maxBytes: 1 << 20,
          topics: [
            {
              topic: fixture.secret,
              topicId: ZERO_UUID,
              partitions: [createFetchRequestFetchPartition({ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 })],
            },
          ],
        }),
      ),
    );
    const partition = fetched.responses[0]!.partitions[0]!;
    expect(partition).toMatchObject({ errorCode: ErrorCode.NONE, logStartOffset: 0n, highWatermark: 2n });
    expect(partition.records?.length ?? 0).toBeGreaterThan(0);
  });

  it('issue 13: DescribeLogDirs as alice is CLUSTER_AUTHORIZATION_FAILED and shows no topic', async () => {
    const logDirs = await once('alice', (alice) => alice.call(ApiKey.DescribeLogDirs, 4, createDescribeLogDirsRequest({ topics: null })));
    expect(logDirs).toMatchObject({ errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, results: [] });
  });

  it('FindCoordinator for a transactional id needs DESCRIBE on it (TRANSACTIONAL_ID_AUTHORIZATION_FAILED), before v4 with the message', async () => {
    const batched = await once('alice', (alice) =>
      alice.call(ApiKey.FindCoordinator, 4, createFindCoordinatorRequest({ keyType: 1, coordinatorKeys: ['txn-1'] })),
    );
    expect(batched.coordinators[0]!).toMatchObject({
      errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
      errorMessage: null,
      nodeId: -1,
    });
    const single = await once('alice', (alice) =>
      alice.call(ApiKey.FindCoordinator, 3, createFindCoordinatorRequest({ keyType: 0, key: fixture.group })),
    );
    expect(single).toMatchObject({
      errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED,
      errorMessage: 'Group authorization failed.',
      nodeId: -1,
    });
  });

  it('Metadata for all topics lists only the topics the user may describe', async () => {
    const all = () => once('bob', (bob) => bob.call(ApiKey.Metadata, 12, createMetadataRequest({ topics: null })));
    expect((await all()).topics).toEqual([]);
    await grant([{ resource: 'TOPIC', name: fixture.shared, operation: 'READ' }]);
    try {
      expect((await all()).topics.map((topic) => topic.name)).toEqual([fixture.shared]);
    } finally {
      await revokeAll();
    }
  });
});
