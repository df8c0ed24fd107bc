import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ensureKcat } from '@strom/testing';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStrom, type EmbeddedStrom } from './embedded-harness.js';
import { pollUntil } from './poll.js';

const execFileAsync = promisify(execFile);

describe('retention and compaction, scheduled by apps/retention over the bus', () => {
  let strom: EmbeddedStrom;
  let kafka: Kafka;
  let kcat: string;

  beforeAll(async () => {
    kcat = await ensureKcat();
    strom = await startEmbeddedStrom(['--retention-check-interval-ms', '1000', '--cleaner-backoff-ms', '1000']);
    kafka = new Kafka({ clientId: 'e2e-retention', brokers: [strom.bootstrap], logLevel: logLevel.NOTHING });
  });
  afterAll(async () => strom?.stop());

  it('deletes records older than retention.ms', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic: 'short-lived', numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '1500' }] }],
    });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'short-lived', messages: Array.from({ length: 20 }, (_, i) => ({ value: `old-${i}` })) });
    await producer.disconnect();
    const low = await pollUntil('retention to delete the old records', async () => {
      const [offsets] = await admin.fetchTopicOffsets('short-lived');
      return offsets!.low === '20' ? offsets!.low : undefined;
    });
    expect(low).toBe('20');
    await admin.disconnect();
  });

  it('compacts a cleanup.policy=compact topic down to the latest value per key', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        {
          topic: 'latest',
          numPartitions: 1,
          configEntries: [
            { name: 'cleanup.policy', value: 'compact' },
            { name: 'segment.ms', value: '200' },
            { name: 'min.cleanable.dirty.ratio', value: '0.01' },
          ],
        },
      ],
    });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    for (let round = 0; round < 3; round++) {
      await producer.send({
        topic: 'latest',
        messages: Array.from({ length: 5 }, (_, key) => ({ key: `key-${key}`, value: `round-${round}` })),
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    await producer.send({ topic: 'latest', messages: [{ key: 'roll', value: 'makes the last round a closed segment' }] });
    await producer.disconnect();
    const latest = await pollUntil('compaction', async () => {
      const { stdout } = await execFileAsync(
        kcat,
        ['-C', '-b', strom.bootstrap, '-t', 'latest', '-o', 'beginning', '-e', '-q', '-f', '%k=%s\n'],
        { encoding: 'utf8', timeout: 20_000 },
      );
      const lines = stdout.trim().split('\n');
      return lines.length <= 6 ? lines : undefined;
    });
    const byKey = Object.fromEntries(latest.map((line) => line.split('=') as [string, string]));
    for (let key = 0; key < 5; key++) expect(byKey[`key-${key}`]).toBe('round-2');
  });
});
