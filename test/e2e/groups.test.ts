import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  ApiKey,
  createOffsetCommitRequest,
  createOffsetCommitRequestPartition,
  createOffsetCommitRequestTopic,
  decodeResponse,
  encodeRequestFrame,
} from '@strom/protocol';
import { Kafka, logLevel, type EachMessagePayload } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStrom, type EmbeddedStrom } from './embedded-harness.js';
import { RawClient } from './raw-client.js';

const execFileAsync = promisify(execFile);
const mainJs = new URL('../../apps/strom/dist/main.js', import.meta.url).pathname;

async function until(what: string, condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('consumer groups with kafkajs on embedded Strom', () => {
  let strom: EmbeddedStrom;
  let kafka: Kafka;

  beforeAll(async () => {
    strom = await startEmbeddedStrom();
    kafka = new Kafka({ clientId: 'e2e-groups', brokers: [strom.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'work', numPartitions: 3 }] });
    await admin.disconnect();
  });
  afterAll(async () => strom?.stop());

  it("forgets a deleted topic's committed offsets: a topic created again under its name starts with none", async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: 'ephemeral', numPartitions: 2 }, { topic: 'lasting' }] });
      // Simple commits (no group membership), as a tool that moves offsets sends them.
      const raw = await RawClient.connect(strom.port);
      const commit = async (groupId: string, topics: [string, number][]) => {
        raw.send(
          encodeRequestFrame(
            { apiKey: ApiKey.OffsetCommit, apiVersion: 9, correlationId: 1, clientId: 'e2e' },
            createOffsetCommitRequest({
              groupId,
              generationIdOrMemberEpoch: -1,
              topics: topics.map(([name, partitionIndex]) =>
                createOffsetCommitRequestTopic({
                  name,
                  partitions: [createOffsetCommitRequestPartition({ partitionIndex, committedOffset: 0n })],
                }),
              ),
            }),
          ),
        );
        const response = decodeResponse(ApiKey.OffsetCommit, 9, await raw.nextFrame()).body;
        expect(response.topics.flatMap((t) => t.partitions.map((p) => p.errorCode))).toEqual(topics.map(() => 0));
      };
      await commit('short-lived', [['ephemeral', 0]]);
      await commit('mixed', [
        ['ephemeral', 1],
        ['lasting', 0],
      ]);
      raw.end();
      const committed = async (groupId: string, topic: string) =>
        (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]!.partitions.map((p) => [p.partition, p.offset]).sort();
      expect(await committed('mixed', 'ephemeral')).toEqual([
        [0, '-1'],
        [1, '0'],
      ]);
      await admin.deleteTopics({ topics: ['ephemeral'] });
      await admin.createTopics({ topics: [{ topic: 'ephemeral', numPartitions: 2 }] });
      // The coordinator hears of the deletion on the bus: give it a moment, not forever.
      const none = [
        [0, '-1'],
        [1, '-1'],
      ];
      for (const groupId of ['short-lived', 'mixed']) {
        const deadline = Date.now() + 10_000;
        while (JSON.stringify(await committed(groupId, 'ephemeral')) !== JSON.stringify(none) && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        expect(await committed(groupId, 'ephemeral')).toEqual(none);
      }
      expect(await committed('mixed', 'lasting')).toEqual([[0, '0']]);
      // A group whose only offsets were the deleted topic's is gone, as in Kafka; the other stays.
      const groups = (await admin.listGroups()).groups.map((g) => g.groupId);
      expect(groups).toContain('mixed');
      expect(groups).not.toContain('short-lived');
      // The next test lists the broker's groups: leave only its own.
      await admin.deleteGroups(['mixed']);
    } finally {
      await admin.disconnect();
    }
  });

  it('two members share the partitions, consume every record once, commit, and a restart resumes after the commits', async () => {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'work', messages: Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `first-${i}` })) });

    const seen: string[] = [];
    const assigned = new Map<string, number[]>();
    const consumers = ['a', 'b'].map((name) => {
      const consumer = kafka.consumer({ groupId: 'workers', sessionTimeout: 10_000, heartbeatInterval: 500 });
      consumer.on(consumer.events.GROUP_JOIN, (event) => assigned.set(name, event.payload.memberAssignment['work'] ?? []));
      return consumer;
    });
    for (const consumer of consumers) {
      await consumer.connect();
      await consumer.subscribe({ topic: 'work', fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }: EachMessagePayload) => void seen.push(message.value!.toString()) });
    }
    await until('both members to be assigned', () => assigned.size === 2 && [...assigned.values()].flat().length === 3);
    await until('30 records', () => seen.length >= 30);
    expect([...seen].sort()).toEqual(Array.from({ length: 30 }, (_, i) => `first-${i}`).sort());
    expect(new Set([...assigned.values()].flat())).toEqual(new Set([0, 1, 2]));
    for (const consumer of consumers) await consumer.disconnect();

    const admin = kafka.admin();
    await admin.connect();
    const committed = await admin.fetchOffsets({ groupId: 'workers', topics: ['work'] });
    const total = committed[0]!.partitions.reduce((sum, p) => sum + Number(p.offset), 0);
    expect(total).toBe(30);
    const groups = await admin.listGroups();
    expect(groups.groups).toContainEqual(expect.objectContaining({ groupId: 'workers', protocolType: 'consumer' }));
    await admin.disconnect();

    await producer.send({ topic: 'work', messages: Array.from({ length: 6 }, (_, i) => ({ key: `k${i}`, value: `second-${i}` })) });
    await producer.disconnect();
    const resumed: string[] = [];
    const again = kafka.consumer({ groupId: 'workers', sessionTimeout: 10_000, heartbeatInterval: 500 });
    await again.connect();
    await again.subscribe({ topic: 'work', fromBeginning: true });
    await again.run({ eachMessage: async ({ message }) => void resumed.push(message.value!.toString()) });
    await until('the 6 new records', () => resumed.length >= 6);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect([...resumed].sort()).toEqual(Array.from({ length: 6 }, (_, i) => `second-${i}`).sort());
    await again.disconnect();

    const { stdout } = await execFileAsync(
      process.execPath,
      [mainJs, 'groups', 'describe', 'workers', '--bootstrap-server', strom.bootstrap],
      { encoding: 'utf8', timeout: 30_000 },
    );
    const rows = stdout
      .trim()
      .split('\n')
      .slice(4)
      .map((line) => line.split('\t'));
    expect(rows.map((row) => [row[0], row[1], row[4]])).toEqual([
      ['work', '0', '0'],
      ['work', '1', '0'],
      ['work', '2', '0'],
    ]);
    const listed = await execFileAsync(process.execPath, [mainJs, 'groups', 'list', '--bootstrap-server', strom.bootstrap], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(listed.stdout).toBe('workers\n');
  }, 120_000);
});
