import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNatsServer, type NatsServerHandle } from '@strom/testing';
import { Kafka, logLevel, type Admin, type Consumer, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, listenerPort, startApp, type AppProcess } from './app-process.js';

const TOPIC = 'under-load';
const GROUP = 'survives-coordinator-kill';
const PARTITIONS = 3;

async function until(check: () => boolean, what: string, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`gave up after ${waitMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The group coordinator is its own process (distributed mode on real NATS and Postgres). Under a
 * consumer group's load, with a producer writing all the while, SIGKILL it and start it again:
 * the members rejoin, consumption goes on, every commit that was acknowledged before the kill is
 * still there, and nobody re-reads from before it (at-least-once allows re-reading from the last
 * durable commit, never from earlier).
 */
describe('SIGKILL of the coordinator process under a consumer group', () => {
  let nats: NatsServerHandle;
  let env: Record<string, string>;
  let root = '';
  const apps: AppProcess[] = [];
  let coordinator: AppProcess;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  const consumers: Consumer[] = [];

  beforeAll(async () => {
    // Its own NATS: another test file's coordinator must not answer this broker's group requests.
    nats = await startNatsServer({ jetStream: false });
    const databaseUrl = await freshDatabase(`strom_coordinator_kill_${process.pid}`);
    env = { STROM_NATS_URL: nats.url, DATABASE_URL: databaseUrl };
    apps.push(await startApp('metadata', env));
    coordinator = await startApp('coordinator', env);
    root = mkdtempSync(join(tmpdir(), 'strom-coordinator-kill-'));
    const broker = await startApp('broker', env, ['--node-id', '1', '--port', '0', '--data-dir', join(root, 'broker-1')]);
    apps.push(broker);
    const port = listenerPort(broker);
    kafka = new Kafka({ clientId: 'coordinator-kill-test', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: TOPIC, numPartitions: PARTITIONS, replicationFactor: 1 }] });
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled(consumers.map((consumer) => consumer.disconnect()));
    await producer?.disconnect().catch(() => undefined);
    await admin?.disconnect().catch(() => undefined);
    for (const app of [coordinator, ...apps].filter(Boolean)) app.child.kill('SIGKILL');
    await nats?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('the group recovers and goes on from its acknowledged commits after the coordinator restarts', async () => {
    /** The highest offset per partition whose commit the coordinator acknowledged. */
    const acknowledged = new Map<number, bigint>();
    const consumed: { partition: number; offset: bigint; value: string; atMs: number }[] = [];
    let produced = 0;
    let producing = true;
    const describeGroup = async () => {
      const { groups } = await admin.describeGroups([GROUP]);
      return { state: groups[0]!.state, members: groups[0]!.members.map((member) => member.memberId) };
    };
    const producing$ = (async () => {
      // The producer talks to the broker alone: the coordinator's death must not disturb it.
      while (producing) {
        const from = produced;
        await producer.send({
          topic: TOPIC,
          acks: -1,
          messages: Array.from({ length: 10 }, (_, i) => ({ partition: (from + i) % PARTITIONS, value: `v${from + i}` })),
        });
        produced += 10;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })().then(
      () => undefined,
      (error: unknown) => error,
    );

    const joins: number[] = [];
    const crashes: string[] = [];
    for (let member = 0; member < 2; member++) {
      const consumer = kafka.consumer({ groupId: GROUP, sessionTimeout: 10_000, heartbeatInterval: 500, retry: { retries: 50 } });
      consumers.push(consumer);
      consumer.on(consumer.events.GROUP_JOIN, () => joins.push(Date.now()));
      consumer.on(consumer.events.CRASH, ({ payload }) => crashes.push(payload.error.message));
      await consumer.connect();
      await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
      void consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch, heartbeat }) => {
          for (const message of batch.messages) {
            consumed.push({
              partition: batch.partition,
              offset: BigInt(message.offset),
              value: message.value!.toString(),
              atMs: Date.now(),
            });
          }
          const next = BigInt(batch.lastOffset()) + 1n;
          await consumer.commitOffsets([{ topic: TOPIC, partition: batch.partition, offset: String(next) }]);
          if (next > (acknowledged.get(batch.partition) ?? -1n)) acknowledged.set(batch.partition, next);
          await heartbeat();
        },
      });
    }

    await until(() => acknowledged.size === PARTITIONS && consumed.length >= 300, 'the group to consume and commit', 60_000);
    const joinsBeforeKill = joins.length;
    const generationBeforeKill = await describeGroup();
    coordinator.child.kill('SIGKILL');
    await coordinator.exited;
    const killedAtMs = Date.now();
    const atKill = new Map(acknowledged);
    // Long enough for heartbeats and commits to fail and the members to look for the coordinator.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    coordinator = await startApp('coordinator', env);

    // The committed offsets survived the kill: nothing acknowledged is missing or went back.
    const committed = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
    for (const { partition, offset } of committed[0]!.partitions) {
      expect(BigInt(offset)).toBeGreaterThanOrEqual(atKill.get(partition)!);
    }

    // The members rejoin, and consumption and commits go on past what was produced so far.
    const target = produced + 300;
    const values = new Set<string>();
    const missing = () => {
      for (const record of consumed) values.add(record.value);
      return Array.from({ length: target }, (_, i) => `v${i}`).filter((value) => !values.has(value));
    };
    await until(() => missing().length === 0, `the first ${target} records to be consumed`, 90_000);
    producing = false;
    expect(await producing$).toBeUndefined();
    // The restarted coordinator loaded the group: still both members, in the generation they
    // joined (Kafka's coordinator loads a Stable group and reschedules its members' sessions),
    // or in a later one if they had to rejoin.
    const group = await describeGroup();
    expect(group.state).toBe('Stable');
    expect(group.members).toHaveLength(2);
    if (joins.length === joinsBeforeKill) expect(group.members.sort()).toEqual(generationBeforeKill.members.sort());
    const afterRestart = new Map(acknowledged);
    for (const [partition, offset] of atKill) expect(afterRestart.get(partition)!).toBeGreaterThan(offset);

    // At-least-once from the last acknowledged commit: nothing after the kill starts earlier.
    for (const record of consumed.filter((c) => c.atMs > killedAtMs)) {
      expect(record.offset).toBeGreaterThanOrEqual(atKill.get(record.partition)!);
    }
    expect(crashes).toEqual([]);
    expect(coordinator.lines.some((line) => line.msg === 'coordinator ready')).toBe(true);
  }, 240_000);
});
