import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LogDirectory } from '../src/log-directory.js';
import { tempDir, testBatch } from './helpers.js';

const reader = fileURLToPath(new URL('./fixtures/kafka_dump.py', import.meta.url));

describe('on-disk format', () => {
  it('is read by an independent Kafka-format reader', async () => {
    await using dir = await tempDir();
    const directory = await LogDirectory.open({ path: dir.path });
    const log = await directory.openLog('payments', 3, {
      topicId: '6ba7b810-9dad-11d1-80b4-00c04fd430c8',
      config: { segmentBytes: 1000, indexIntervalBytes: 300 },
    });
    let timestamp = 1_700_000_000_000;
    for (let i = 0; i < 30; i++) {
      const batch = testBatch({
        records: 3,
        timestamp: (timestamp += 10),
        tag: `m${i}-`,
        producerId: 42n,
        producerEpoch: 1,
        baseSequence: i * 3,
      });
      await log.append([batch], { leaderEpoch: i < 15 ? 2 : 5 });
    }
    log.setHighWatermark(80);
    await directory.close();

    const dump = JSON.parse(execFileSync('python3', [reader, join(dir.path, 'payments-3')], { encoding: 'utf8' })) as KafkaDump;
    const batches = dump.segments.flatMap((s) => s.batches);
    expect(dump.segments.length).toBeGreaterThan(2);
    expect(dump.segments.map((s) => s.baseOffset)).toEqual(dump.segments.map((s) => s.batches[0]!.baseOffset));
    expect(batches.map((b) => b.baseOffset)).toEqual(Array.from({ length: 30 }, (_, i) => i * 3));
    expect(batches.every((b) => b.count === 3 && b.producerId === 42 && b.lastOffset === b.baseOffset + 2)).toBe(true);
    expect(batches[16]!.leaderEpoch).toBe(5);
    expect(batches[7]!.records!.map((r) => [r.key, r.value, r.offsetDelta, r.timestampDelta])).toEqual([
      ['k0', 'm7-0....', 0, 0],
      ['k1', 'm7-1....', 1, 1],
      ['k2', 'm7-2....', 2, 2],
    ]);
    expect(dump.segments.some((s) => s.index.length > 0)).toBe(true);
    expect(dump.segments.every((s) => s.timeIndex.length > 0)).toBe(true);
    expect(dump.leaderEpochs).toEqual([
      [2, 0],
      [5, 45],
    ]);
    expect(dump.topicId).toBe('a6e4EJ2tEdGAtADAT9QwyA');
    // Byte for byte what Kafka 4.4's PartitionMetadataFile writes: no newline after the last line.
    expect(readFileSync(join(dir.path, 'payments-3', 'partition.metadata'), 'utf8')).toBe('version: 0\ntopic_id: a6e4EJ2tEdGAtADAT9QwyA');
    expect(dump['recovery-point-offset-checkpoint']).toEqual([['payments', 3, 90]]);
    expect(dump['replication-offset-checkpoint']).toEqual([['payments', 3, 80]]);
    expect(dump['log-start-offset-checkpoint']).toEqual([['payments', 3, 0]]);
    expect(dump.cleanShutdown).toBe(true);
    const lastSnapshot = dump.snapshots['90']!;
    expect(lastSnapshot[lastSnapshot.length - 1]).toMatchObject({
      producerId: 42,
      epoch: 1,
      lastSequence: 89,
      lastOffset: 89,
      offsetDelta: 2,
    });
  });
});

interface KafkaDump {
  segments: {
    baseOffset: number;
    batches: {
      baseOffset: number;
      lastOffset: number;
      leaderEpoch: number;
      producerId: number;
      count: number;
      records: { key: string; value: string; offsetDelta: number; timestampDelta: number }[] | null;
    }[];
    index: [number, number][];
    timeIndex: [number, number][];
  }[];
  snapshots: Record<string, { producerId: number; epoch: number; lastSequence: number; lastOffset: number; offsetDelta: number }[]>;
  leaderEpochs: [number, number][];
  topicId: string;
  cleanShutdown: boolean;
  [checkpoint: string]: unknown;
}
