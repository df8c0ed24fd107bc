import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clientSecurity } from '@strom/broker';
import { KafkaConnection } from '@strom/kafka-client';
import { ErrorCode } from '@strom/errors';
import {
  ApiKey,
  createAlterUserScramCredentialsRequest,
  createCreateAclsRequest,
  createFetchRequest,
  createFetchRequestFetchPartition,
  createFetchRequestFetchTopic,
  createFetchRequestReplicaState,
  createMetadataRequest,
  createMetadataRequestTopic,
  type FetchResponsePartitionData,
} from '@strom/protocol';
import { TEST_STORE_PASSWORD, testTlsMaterial } from '@strom/testing';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freshDatabase, listenerPort, startApp, type AppProcess } from './app-process.js';
import { aclCreation } from './authorization-cases.js';

const TOPIC = 'secured';
const BROKER_SCRAM_PASSWORD = 'broker-scram-secret';
/** The PLAIN password of `broker`, different from its SCRAM one: only the test's bootstrap logs in with it. */
const BROKER_PLAIN_PASSWORD = 'broker-plain-bootstrap';
const USERS = { writer: 'writer-secret', intruder: 'intruder-secret' } as const;

interface BrokerProcess {
  id: number;
  port: number;
  dataDir: string;
  app: AppProcess;
}

/**
 * Replication as a Kafka user secures it: three broker processes (distributed mode on real NATS
 * and Postgres) whose only listener is SASL_SSL, brokers authenticating to each other with
 * SCRAM-SHA-512 over TLS (security.inter.broker.protocol, sasl.mechanism.inter.broker.protocol,
 * the listener's ScramLoginModule username and password, its trust store), the StandardAuthorizer
 * on and `super.users=User:broker`. Before followers could connect only in plaintext without SASL:
 * acks=all waited for followers that never fetched. A client with valid credentials but without
 * CLUSTER_ACTION cannot pose as a follower: its follower Fetch is refused as Kafka refuses it
 * (TOPIC_AUTHORIZATION_FAILED per partition) and moves neither the high watermark nor the ISR.
 */
describe('replication between three SASL_SSL-only brokers with an authorizer', () => {
  const apps: AppProcess[] = [];
  const brokers: BrokerProcess[] = [];
  const connections: KafkaConnection[] = [];
  const tls = testTlsMaterial();
  let root = '';
  let producer: Producer;

  /** A connection to a broker as a SCRAM-SHA-512 user (or PLAIN), over TLS checked against the test CA. */
  const connectAs = async (brokerIndex: number, username: string, password: string, mechanism = 'SCRAM-SHA-512') => {
    const connection = await KafkaConnection.connect('127.0.0.1', brokers[brokerIndex]!.port, {
      clientId: 'replication-sasl-ssl-test',
      requestTimeoutMs: 10_000,
      security: clientSecurity({
        securityProtocol: 'SASL_SSL',
        ssl: { 'ssl.truststore.location': tls.truststoreJks, 'ssl.truststore.password': TEST_STORE_PASSWORD },
        sasl: { mechanism, username, password },
      }),
    });
    connections.push(connection);
    return connection;
  };

  beforeAll(async () => {
    const databaseUrl = await freshDatabase(`strom_replication_sasl_ssl_${process.pid}`);
    const env = { STROM_NATS_URL: inject('natsUrl'), DATABASE_URL: databaseUrl };
    apps.push(await startApp('metadata', env), await startApp('coordinator', env));
    root = mkdtempSync(join(tmpdir(), 'strom-replication-sasl-ssl-'));
    const properties = join(root, 'server.properties');
    writeFileSync(
      properties,
      [
        'listeners=SASL_SSL://127.0.0.1:0',
        'security.inter.broker.protocol=SASL_SSL',
        'sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512',
        'sasl.enabled.mechanisms=SCRAM-SHA-512,PLAIN',
        `listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="broker" password="${BROKER_SCRAM_PASSWORD}";`,
        `listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_broker="${BROKER_PLAIN_PASSWORD}";`,
        `ssl.keystore.location=${tls.broker.keystoreJks}`,
        `ssl.keystore.password=${TEST_STORE_PASSWORD}`,
        `ssl.key.password=${TEST_STORE_PASSWORD}`,
        `ssl.truststore.location=${tls.truststoreJks}`,
        `ssl.truststore.password=${TEST_STORE_PASSWORD}`,
        'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
        'super.users=User:broker',
        'replica.fetch.backoff.ms=200',
        // The posing test stops both followers for a few seconds: neither their lease nor their ISR place may lapse meanwhile.
        'broker.session.timeout.ms=60000',
        'replica.lag.time.max.ms=60000',
      ].join('\n') + '\n',
    );
    for (const id of [1, 2, 3]) {
      const dataDir = join(root, `broker-${id}`);
      const app = await startApp('broker', env, ['--config', properties, '--node-id', String(id), '--port', '0', '--data-dir', dataDir]);
      apps.push(app);
      const port = listenerPort(app);
      brokers.push({ id, port, dataDir, app });
    }

    // Bootstrap as Kafka users do without `kafka-storage format --add-scram`: the super user logs in
    // with PLAIN once and creates the SCRAM credentials (its own for inter-broker use) and the ACLs.
    const bootstrap = await connectAs(0, 'broker', BROKER_PLAIN_PASSWORD, 'PLAIN');
    const credentials = { broker: BROKER_SCRAM_PASSWORD, ...USERS };
    const altered = await bootstrap.request(
      ApiKey.AlterUserScramCredentials,
      createAlterUserScramCredentialsRequest({
        deletions: [],
        upsertions: Object.entries(credentials).map(([name, password]) => {
          const salt = randomBytes(24);
          return { name, mechanism: 2, iterations: 4096, salt, saltedPassword: pbkdf2Sync(password, salt, 4096, 64, 'sha512') };
        }),
      }),
    );
    expect(altered.body.results.map((result) => result.errorCode)).toEqual([0, 0, 0]);
    const acls = await bootstrap.request(
      ApiKey.CreateAcls,
      createCreateAclsRequest({
        creations: [
          aclCreation({ resource: 'TOPIC', name: TOPIC, operation: 'WRITE' }, 'User:writer'),
          aclCreation({ resource: 'TOPIC', name: TOPIC, operation: 'READ' }, 'User:intruder'),
        ],
      }),
    );
    expect(acls.body.results.map((result) => result.errorCode)).toEqual([0, 0]);
  }, 180_000);

  afterAll(async () => {
    await producer?.disconnect().catch(() => undefined);
    for (const connection of connections) connection.close();
    for (const app of apps.reverse()) {
      app.child.kill('SIGCONT');
      app.child.kill('SIGKILL');
    }
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const kafkaAs = (username: string, password: string) =>
    new Kafka({
      clientId: 'replication-sasl-ssl-test',
      brokers: [`127.0.0.1:${brokers[0]!.port}`],
      ssl: { ca: [readFileSync(tls.caPem, 'utf8')] },
      sasl: { mechanism: 'scram-sha-512', username, password },
      logLevel: logLevel.NOTHING,
    });

  /** The partition's ISR and topic id as the leader's Metadata tells them. */
  const partitionState = async (): Promise<{ isr: number[]; topicId: string }> => {
    const connection = await connectAs(0, 'broker', BROKER_SCRAM_PASSWORD);
    const { body } = await connection.request(
      ApiKey.Metadata,
      createMetadataRequest({ topics: [createMetadataRequestTopic({ name: TOPIC })], allowAutoTopicCreation: false }),
    );
    connection.close();
    const topic = body.topics[0]!;
    return { isr: [...topic.partitions[0]!.isrNodes].sort(), topicId: topic.topicId };
  };

  /**
   * A Fetch of partition 0 from `fetchOffset`: as a consumer (replica id -1), or posing as follower
   * `replicaId` in v12's replica_id or, from v15, in ReplicaState (KIP-903).
   */
  const fetch = async (
    connection: KafkaConnection,
    fetchOffset: bigint,
    as: { replicaId: number; version: 'v12' | 'latest' } | undefined,
  ): Promise<{ errorCode: number; partition: FetchResponsePartitionData; apiVersion: number }> => {
    const { topicId } = await partitionState();
    const { body, apiVersion } = await connection.requestVersioned(
      ApiKey.Fetch,
      (version) =>
        createFetchRequest({
          replicaId: version < 15 ? (as?.replicaId ?? -1) : -1,
          replicaState: createFetchRequestReplicaState({ replicaId: version >= 15 ? (as?.replicaId ?? -1) : -1, replicaEpoch: -1n }),
          maxWaitMs: 0,
          minBytes: 0,
          maxBytes: 1 << 20,
          isolationLevel: 0,
          sessionId: 0,
          sessionEpoch: -1,
          topics: [
            createFetchRequestFetchTopic({
              ...(version >= 13 ? { topicId } : { topic: TOPIC }),
              partitions: [createFetchRequestFetchPartition({ partition: 0, fetchOffset, partitionMaxBytes: 1 << 20 })],
            }),
          ],
          forgottenTopicsData: [],
          rackId: '',
        }),
      as?.version === 'v12' ? 12 : undefined,
    );
    return { errorCode: body.errorCode, partition: body.responses[0]!.partitions[0]!, apiVersion };
  };

  /** The leader's high watermark, as a consumer Fetch answers it. */
  const highWatermark = async (): Promise<bigint> =>
    (await fetch(await connectAs(0, 'broker', BROKER_SCRAM_PASSWORD), 0n, undefined)).partition.highWatermark;

  const segment = (broker: BrokerProcess): Buffer =>
    readFileSync(join(broker.dataDir, 'kafka-logs', `${TOPIC}-0`, '00000000000000000000.log'));

  it('an RF=3 topic keeps the ISR [1,2,3], acks=all succeeds for a user with WRITE, and every replica holds the same bytes', async () => {
    const admin = kafkaAs('broker', BROKER_SCRAM_PASSWORD).admin();
    await admin.connect();
    // Broker 1 leads (placement would pick any broker): the followers are stopped later.
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic: TOPIC, replicaAssignment: [{ partition: 0, replicas: [1, 2, 3] }] }],
    });
    const metadata = await admin.fetchTopicMetadata({ topics: [TOPIC] });
    await admin.disconnect();
    expect(metadata.topics[0]!.partitions[0]!.leader).toBe(1);

    producer = kafkaAs('writer', USERS.writer).producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
    await producer.connect();
    for (let batch = 0; batch < 10; batch++) {
      const [result] = await producer.send({
        topic: TOPIC,
        acks: -1,
        timeout: 20_000,
        messages: Array.from({ length: 20 }, (_, i) => ({ key: `k${batch * 20 + i}`, value: `record-${batch * 20 + i}` })),
      });
      expect(result).toMatchObject({ errorCode: 0, baseOffset: String(batch * 20) });
    }
    expect((await partitionState()).isr).toEqual([1, 2, 3]);
    // acks=all with the ISR [1,2,3]: each follower had fetched every batch over SASL_SSL before the leader answered.
    const leaderLog = segment(brokers[0]!);
    expect(leaderLog.length).toBeGreaterThan(0);
    expect(segment(brokers[1]!).equals(leaderLog)).toBe(true);
    expect(segment(brokers[2]!).equals(leaderLog)).toBe(true);
    expect(await highWatermark()).toBe(200n);
  }, 120_000);

  it('a client without CLUSTER_ACTION posing as a follower gets TOPIC_AUTHORIZATION_FAILED and moves neither the ISR nor the high watermark', async () => {
    // Both followers stop: records written now stay above the high watermark until replicas 2 and 3 fetch them.
    for (const follower of brokers.slice(1)) follower.app.child.kill('SIGSTOP');
    const [written] = await producer.send({
      topic: TOPIC,
      acks: 1,
      messages: Array.from({ length: 5 }, (_, i) => ({ value: `late-${i}` })),
    });
    expect(written).toMatchObject({ errorCode: 0, baseOffset: '200' });
    expect(await highWatermark()).toBe(200n);

    const intruder = await connectAs(0, 'intruder', USERS.intruder);
    // Its credentials and READ are good: as a consumer it reads the topic.
    const asConsumer = await fetch(intruder, 0n, undefined);
    expect(asConsumer.partition.errorCode).toBe(ErrorCode.NONE);
    expect(asConsumer.partition.records!.length).toBeGreaterThan(0);

    const posedV12 = await fetch(intruder, 205n, { replicaId: 2, version: 'v12' });
    const posedLatest = await fetch(intruder, 205n, { replicaId: 3, version: 'latest' });
    expect(posedV12.apiVersion).toBe(12);
    expect(posedLatest.apiVersion).toBeGreaterThanOrEqual(15);
    for (const posed of [posedV12, posedLatest]) {
      expect(posed.errorCode).toBe(ErrorCode.NONE);
      expect(posed.partition).toMatchObject({ errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, highWatermark: -1n });
      expect(posed.partition.records?.length ?? 0).toBe(0);
    }
    expect(await highWatermark()).toBe(200n);
    expect((await partitionState()).isr).toEqual([1, 2, 3]);

    // The same requests from the broker principal (CLUSTER_ACTION through super.users) do move the
    // high watermark: what the intruder was refused is exactly what would have advanced it.
    const broker = await connectAs(0, 'broker', BROKER_SCRAM_PASSWORD);
    expect((await fetch(broker, 205n, { replicaId: 2, version: 'v12' })).partition.errorCode).toBe(ErrorCode.NONE);
    expect((await fetch(broker, 205n, { replicaId: 3, version: 'v12' })).partition.errorCode).toBe(ErrorCode.NONE);
    expect(await highWatermark()).toBe(205n);
    for (const follower of brokers.slice(1)) follower.app.child.kill('SIGCONT');
  }, 60_000);
});
