import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ensureKcat, ensurePythonClients } from '@strom/testing';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStrom, type EmbeddedStrom } from './embedded-harness.js';
import { pollUntil } from './poll.js';

const execFileAsync = promisify(execFile);

/**
 * librdkafka (confluent-kafka-python) produces one batch of ten records, those at index 0, 3, 6 and
 * 9 without a key, and prints each record's delivery: its index and error name (or "ok").
 */
const PRODUCER = `
import sys
from confluent_kafka import Producer
bootstrap, topic = sys.argv[1], sys.argv[2]
producer = Producer({'bootstrap.servers': bootstrap, 'linger.ms': 500, 'retries': 0})
def report(index):
    return lambda err, msg: print(index, 'ok' if err is None else err.name(), flush=True)
for i in range(10):
    key = None if i % 3 == 0 else ('k%d' % i).encode()
    producer.produce(topic, key=key, value=('v%d' % i).encode(), partition=0, on_delivery=report(i))
if producer.flush(30) != 0:
    sys.exit('records left undelivered')
`;

/**
 * Compacted topics with real clients: what Kafka's LogValidator refuses on produce, and when
 * Kafka's log cleaner compacts (its own schedule, log.cleaner.backoff.ms, not retention's).
 */
describe('compacted topics', () => {
  let strom: EmbeddedStrom;
  let kafka: Kafka;

  beforeAll(async () => {
    // Retention keeps its default five-minute check: compaction must come from the cleaner's schedule.
    strom = await startEmbeddedStrom(['--cleaner-backoff-ms', '500']);
    kafka = new Kafka({ clientId: 'e2e-compacted', brokers: [strom.bootstrap], logLevel: logLevel.NOTHING });
  });
  afterAll(async () => strom?.stop());

  async function createTopic(topic: string, configs: Record<string, string>): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: 1, configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })) }],
    });
    await admin.disconnect();
  }

  it('refuses records without a key, each named in record_errors (KIP-467): librdkafka fails exactly those with INVALID_RECORD', async () => {
    await createTopic('keys-required', { 'cleanup.policy': 'compact' });
    const { stdout } = await execFileAsync(ensurePythonClients(), ['-c', PRODUCER, strom.bootstrap, 'keys-required'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    const outcomes = Object.fromEntries(
      stdout
        .trim()
        .split('\n')
        .map((line) => line.split(' ') as [string, string]),
    );
    expect(outcomes).toEqual(
      Object.fromEntries(Array.from({ length: 10 }, (_, i) => [String(i), i % 3 === 0 ? 'INVALID_RECORD' : '_INVALID_DIFFERENT_RECORD'])),
    );
    // Kafka appends nothing of a batch with a refused record.
    const admin = kafka.admin();
    await admin.connect();
    const [offsets] = await admin.fetchTopicOffsets('keys-required');
    await admin.disconnect();
    expect(offsets!.high).toBe('0');
  });

  it('compacts on the cleaner schedule; max.compaction.lag.ms rolls the segment and makes it due below min.cleanable.dirty.ratio', async () => {
    // segment.ms stays a week and the dirty ratio can never pass 1: only max.compaction.lag.ms compacts here.
    await createTopic('lagging', { 'cleanup.policy': 'compact', 'max.compaction.lag.ms': '100', 'min.cleanable.dirty.ratio': '1' });
    const producer = kafka.producer();
    await producer.connect();
    for (let round = 0; round < 3; round++) {
      await producer.send({
        topic: 'lagging',
        messages: Array.from({ length: 5 }, (_, key) => ({ key: `key-${key}`, value: `round-${round}` })),
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await producer.send({ topic: 'lagging', messages: [{ key: 'roll', value: 'closes the segment of the last round' }] });
    await producer.disconnect();
    const kcat = ensureKcat();
    const latest = await pollUntil(
      'the log cleaner',
      async () => {
        const { stdout } = await execFileAsync(
          kcat,
          ['-C', '-b', strom.bootstrap, '-t', 'lagging', '-o', 'beginning', '-e', '-q', '-f', '%k=%s\n'],
          { encoding: 'utf8', timeout: 20_000 },
        );
        const lines = stdout.trim().split('\n');
        return lines.length <= 6 ? lines : undefined;
      },
      15_000,
    );
    expect(latest).toEqual([...Array.from({ length: 5 }, (_, key) => `key-${key}=round-2`), 'roll=closes the segment of the last round']);
  });
});
