import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { NatsBus, type Bus } from '@strom/bus';
import { CoordinatorSubjects, decodeResponseBody, encodeForwardedRequest, RetentionSubjects } from '@strom/contracts';
import { ErrorCode } from '@strom/errors';
import { ApiKey, createJoinGroupRequest, createJoinGroupRequestProtocol, createMetadataRequest, encodeRequestFrame } from '@strom/protocol';
import { freePort, startNatsServer, type NatsServerHandle } from '@strom/testing';
import { Connection } from '@temporalio/client';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cleanEnv, mainOf, startApp, type AppProcess } from './app-process.js';
import { plainJaas, RawKafka } from './sasl-support.js';

const execFileAsync = promisify(execFile);
/** Not the default (strom-orchestrator): a worker polls it only if it read the file. */
const TASK_QUEUE = `strom-props-${process.pid}`;
const apps = ['broker', 'metadata', 'coordinator', 'retention', 'orchestrator', 'admin-api'] as const;

/**
 * Every app, started as its own process with nothing but `--config server.properties`: the one
 * file carries the NATS, Postgres and Temporal addresses (strom.* keys; the defaults point
 * nowhere the test runs, so an app that ignored the file would not start), a SASL_PLAINTEXT
 * listener with PLAIN users, the StandardAuthorizer with a super user, group and topic defaults,
 * the retention check interval and where the admin API finds the broker. Each check below is
 * where a setting takes effect in the app that uses it: the listener and the authorizer in the
 * broker and, through it, in the admin API; the group setting in the coordinator; num.partitions
 * in the metadata service; the check interval in retention; the Temporal address, namespace and
 * task queue in the orchestrator. The apps get a NATS server of their own, so no other test's coordinator
 * can answer the group requests sent here.
 */
describe('each app alone honours one shared server.properties', () => {
  const dir = mkdtempSync(join(tmpdir(), 'strom-apps-props-'));
  const database = `strom_props_${process.pid}`;
  const running = new Map<string, AppProcess>();
  let path: string;
  let kafkaPort: number;
  let adminPort: number;
  let nats: NatsServerHandle;
  let bus: Bus;

  const lines = (): string[] => [
    'process.roles=broker',
    'node.id=1',
    `listeners=SASL_PLAINTEXT://127.0.0.1:${kafkaPort}`,
    'sasl.enabled.mechanisms=PLAIN',
    plainJaas({ admin: 'admin-secret', alice: 'alice-secret' }),
    'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'super.users=User:admin',
    // Kafka's default minimum is 6000 ms: a 6000 ms session timeout is refused only if the file is read.
    'group.min.session.timeout.ms=10000',
    'group.initial.rebalance.delay.ms=0',
    'num.partitions=3',
    // Kafka's default is 300000 ms: ticks 300 ms apart come only from the file.
    'log.retention.check.interval.ms=300',
    `strom.nats.url=${nats.url}`,
    `strom.database.url=${inject('postgresUrl').replace(/\/postgres$/, `/${database}`)}`,
    `strom.temporal.address=${inject('temporalAddress')}`,
    `strom.temporal.namespace=${inject('temporalNamespace')}`,
    `strom.temporal.task.queue=${TASK_QUEUE}`,
    `strom.admin.port=${adminPort}`,
    `strom.admin.bootstrap.servers=127.0.0.1:${kafkaPort}`,
    'strom.admin.security.protocol=SASL_PLAINTEXT',
    'strom.admin.sasl.mechanism=PLAIN',
    `strom.data.dir=${join(dir, 'data')}`,
  ];

  beforeAll(async () => {
    nats = await startNatsServer({ jetStream: false });
    [kafkaPort, adminPort] = [await freePort(), await freePort()];
    const admin = new pg.Client({ connectionString: inject('postgresUrl') });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    path = join(dir, 'server.properties');
    writeFileSync(path, `${lines().join('\n')}\n`);
    for (const app of ['metadata', 'coordinator', 'broker'] as const) running.set(app, await startApp(app, {}, ['--config', path]));
    bus = await NatsBus.connect({ servers: nats.url, name: 'apps-read-server-properties' });
  }, 120_000);

  afterAll(async () => {
    await bus?.close();
    for (const app of running.values()) app.child.kill('SIGKILL');
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const kafka = (sasl?: SASLOptions) =>
    new Kafka({
      clientId: 'apps-props',
      brokers: [`127.0.0.1:${kafkaPort}`],
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
      ...(sasl ? { sasl } : {}),
    });

  it('broker: a PLAIN user of the file logs in; the super user creates a topic with the file’s num.partitions (metadata)', async () => {
    const admin = kafka({ mechanism: 'plain', username: 'admin', password: 'admin-secret' }).admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: 'orders' }] });
      const metadata = await admin.fetchTopicMetadata({ topics: ['orders'] });
      expect(metadata.topics[0]!.partitions).toHaveLength(3);
    } finally {
      await admin.disconnect();
    }
  });

  it('broker: the authorizer denies a user without ACLs; a wrong password and an unauthenticated request are refused', async () => {
    const alice = kafka({ mechanism: 'plain', username: 'alice', password: 'alice-secret' }).admin();
    await alice.connect();
    try {
      await expect(alice.createTopics({ topics: [{ topic: 'alices-own' }] })).rejects.toMatchObject({
        errors: [expect.objectContaining({ type: 'TOPIC_AUTHORIZATION_FAILED' })],
      });
    } finally {
      await alice.disconnect();
    }
    await expect(kafka({ mechanism: 'plain', username: 'alice', password: 'wrong' }).admin().connect()).rejects.toThrow(
      /authentication failed/i,
    );
    const raw = await RawKafka.connect(kafkaPort);
    raw.raw.send(
      encodeRequestFrame(
        { apiKey: ApiKey.Metadata, apiVersion: 12, correlationId: 1, clientId: 'x' },
        createMetadataRequest({ topics: null }),
      ),
    );
    expect(await raw.raw.closedWithin(5000)).toBe(true);
  });

  it('coordinator: a JoinGroup below the file’s group.min.session.timeout.ms gets INVALID_SESSION_TIMEOUT', async () => {
    const VERSION = 3;
    const join = async (sessionTimeoutMs: number) => {
      const request = createJoinGroupRequest({
        groupId: `props-${sessionTimeoutMs}`,
        memberId: '',
        sessionTimeoutMs,
        rebalanceTimeoutMs: 10_000,
        protocolType: 'consumer',
        protocols: [createJoinGroupRequestProtocol({ name: 'range', metadata: Buffer.alloc(0) })],
      });
      const frame = encodeForwardedRequest(ApiKey.JoinGroup, VERSION, request, { clientId: 'props', clientHost: '127.0.0.1' });
      const reply = await bus.request(CoordinatorSubjects.kafka, frame, { timeoutMs: 10_000 });
      return decodeResponseBody(ApiKey.JoinGroup, VERSION, reply).errorCode;
    };
    expect(await join(6_000)).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect(await join(10_000)).toBe(ErrorCode.NONE);
  });

  it('retention: ticks every log.retention.check.interval.ms of the file', async () => {
    const ticks: number[] = [];
    const subscription = bus.subscribe(RetentionSubjects.tick, () => void ticks.push(Date.now()));
    const retention = await startApp('retention', {}, ['--config', path]);
    running.set('retention', retention);
    try {
      await until(() => ticks.length >= 3, 10_000);
      expect(ticks[2]! - ticks[0]!).toBeLessThan(5_000);
    } finally {
      await subscription.unsubscribe();
      retention.child.kill('SIGTERM');
      expect(await retention.exited).toBe(0);
    }
  }, 60_000);

  it('orchestrator: its worker polls the file’s task queue at the file’s Temporal address and namespace', async () => {
    const orchestrator = await startApp('orchestrator', {}, ['--config', path]);
    running.set('orchestrator', orchestrator);
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      // The SDK's worker identity is <pid>@<host>: this process's, not another test's orchestrator.
      const identity = `${orchestrator.child.pid}@${hostname()}`;
      const pollers = async () =>
        (
          await connection.workflowService.describeTaskQueue({
            namespace: inject('temporalNamespace'),
            taskQueue: { name: TASK_QUEUE },
            taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
          })
        ).pollers ?? [];
      await until(async () => (await pollers()).some((poller) => poller.identity === identity), 20_000);
    } finally {
      await connection.close();
      orchestrator.child.kill('SIGTERM');
      expect(await orchestrator.exited).toBe(0);
    }
  }, 60_000);

  it('admin-api: HTTP Basic users log in to the file’s SASL listener, under the broker’s authorizer', async () => {
    const adminApi = await startApp('admin-api', {}, ['--config', path]);
    running.set('admin-api', adminApi);
    const base = `http://127.0.0.1:${adminPort}/v3/clusters`;
    const as = (user: string, password: string) => ({
      headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` },
    });
    try {
      expect((await fetch(base)).status).toBe(401);
      expect((await fetch(base, as('alice', 'wrong'))).status).toBe(401);
      const clusters = (await (await fetch(base, as('admin', 'admin-secret'))).json()) as { data: { cluster_id: string }[] };
      const topics = `${base}/${clusters.data[0]!.cluster_id}/topics`;
      const names = async (user: string, password: string) =>
        ((await (await fetch(topics, as(user, password))).json()) as { data: { topic_name: string }[] }).data.map(
          (topic) => topic.topic_name,
        );
      expect(await names('admin', 'admin-secret')).toContain('orders');
      expect(await names('alice', 'alice-secret')).toEqual([]);
    } finally {
      adminApi.child.kill('SIGTERM');
      expect(await adminApi.exited).toBe(0);
    }
  }, 60_000);

  it.each(apps)('%s exits 2 on a bad value in the file (STROM_CONFIG), naming the key', async (app) => {
    const bad = join(dir, `bad-${app}.properties`);
    writeFileSync(bad, `${[...lines(), 'group.max.size=0'].join('\n')}\n`);
    const failure = await execFileAsync(process.execPath, [mainOf(app)], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...cleanEnv(), STROM_CONFIG: bad },
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr.trim()).toBe(
      `strom ${app}: ${bad}: group.max.size: Invalid value 0 for configuration group.max.size: Value must be at least 1`,
    );
  });
});

/** Polls `check` every 100 ms until it holds; fails after `timeoutMs`. */
async function until(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
