import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ensureKcat } from '@strom/testing';
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStrom, type EmbeddedStrom } from './embedded-harness.js';

const execFileAsync = promisify(execFile);

describe('produce with kafkajs, consume with kcat (librdkafka), on embedded Strom', () => {
  let strom: EmbeddedStrom;
  let kafka: Kafka;
  let kcat: string;

  beforeAll(async () => {
    kcat = await ensureKcat();
    strom = await startEmbeddedStrom();
    kafka = new Kafka({ clientId: 'e2e-produce', brokers: [strom.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3 } });
  });
  afterAll(async () => strom?.stop());

  /** kcat runs as a child process; asynchronously, since the broker lives in this process's event loop. */
  async function consumeAll(topic: string): Promise<{ partition: number; offset: number; key: string; value: string }[]> {
    const { stdout } = await execFileAsync(
      kcat,
      ['-C', '-b', strom.bootstrap, '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%p\t%o\t%k\t%s\n'],
      { encoding: 'utf8', timeout: 30_000 },
    );
    return stdout
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => {
        const [partition, offset, key, value] = line.split('\t');
        return { partition: Number(partition), offset: Number(offset), key: key!, value: value! };
      });
  }

  it('delivers every produced record, in order per partition, with acks=all and acks=1, compressed and not', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'events', numPartitions: 3 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    const sent: { key: string; value: string }[] = [];
    for (let round = 0; round < 4; round++) {
      const messages = Array.from({ length: 25 }, (_, i) => ({ key: `key-${i % 7}`, value: `round-${round}-message-${i}` }));
      sent.push(...messages);
      await producer.send({
        topic: 'events',
        acks: round % 2 === 0 ? -1 : 1,
        compression: round >= 2 ? CompressionTypes.GZIP : CompressionTypes.None,
        messages,
      });
    }
    await producer.disconnect();

    const received = await consumeAll('events');
    expect(received.map((r) => r.value).sort()).toEqual(sent.map((m) => m.value).sort());
    for (const partition of [0, 1, 2]) {
      const offsets = received.filter((r) => r.partition === partition).map((r) => r.offset);
      expect(offsets).toEqual(offsets.map((_, i) => i));
    }
    const byKey = new Map<string, Set<number>>();
    for (const record of received) byKey.set(record.key, (byKey.get(record.key) ?? new Set()).add(record.partition));
    for (const partitions of byKey.values()) expect(partitions.size).toBe(1);

    const admin2 = kafka.admin();
    await admin2.connect();
    const offsets = await admin2.fetchTopicOffsets('events');
    await admin2.disconnect();
    expect(offsets.reduce((sum, p) => sum + Number(p.high), 0)).toBe(100);
    expect(offsets.every((p) => p.low === '0')).toBe(true);
  });

  it('keeps the data across a restart on the same data dir', async () => {
    const dataDir = strom.dataDir;
    await strom.running.stop('restart');
    strom = await startEmbeddedStrom([], dataDir);
    kafka = new Kafka({ clientId: 'e2e-produce', brokers: [strom.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3 } });
    expect(await consumeAll('events')).toHaveLength(100);
  });
});
