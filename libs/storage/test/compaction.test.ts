import { readdir } from 'node:fs/promises';
import { BatchField, Compression, compressionOf, decodeRecords, verifyBatchCrc } from '@strom/protocol';
import { describe, expect, it } from 'vitest';
import { buildBatch, readRecords, readBatchHeader } from '../src/batch.js';
import type { LogConfig } from '../src/config.js';
import { DiskLog } from '../src/disk-log.js';
import { faultyIo, SimulatedCrash } from './faulty-io.js';
import { tempDir } from './helpers.js';

const NOW = 1_700_000_000_000;
const CONFIG: Partial<LogConfig> = {
  segmentBytes: 1500,
  cleanupPolicy: ['compact'],
  minCompactionLagMs: 0,
  deleteRetentionMs: 60_000,
  fileDeleteDelayMs: 0,
};

/** mulberry32: the same seed replays the same run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Model = Map<string, { offset: number; value: string | null }>;

async function appendRandom(
  log: DiskLog,
  model: Model,
  next: () => number,
  batches: number,
  timestamp: number,
  compression: Compression = Compression.None,
): Promise<void> {
  for (let b = 0; b < batches; b++) {
    const count = 1 + Math.floor(next() * 5);
    const records = Array.from({ length: count }, () => {
      const key = `key-${Math.floor(next() * 25)}`;
      const value = next() < 0.1 ? null : `value-${Math.floor(next() * 1e9)}`;
      return { key, value };
    });
    const result = await log.append(
      [
        buildBatch({
          attributes: compression,
          records: records.map((r) => ({
            key: Buffer.from(r.key),
            value: r.value === null ? null : Buffer.from(r.value),
            timestamp,
            headers: [{ key: 'origin', value: Buffer.from(r.key) }],
          })),
        }),
      ],
      { leaderEpoch: 0 },
    );
    if (result.kind !== 'appended') throw new Error(JSON.stringify(result));
    records.forEach((r, i) => model.set(r.key, { offset: result.firstOffset + i, value: r.value }));
  }
  log.setHighWatermark(log.logEndOffset);
}

/** Reads the whole log: asserts offsets strictly increase, returns the latest record per key. */
async function latestPerKey(log: DiskLog): Promise<{ latest: Model; records: number }> {
  const latest: Model = new Map();
  let records = 0;
  let previous = -1;
  for (let offset = log.logStartOffset; offset < log.logEndOffset;) {
    const read = await log.read(offset, { maxBytes: 1 << 16 });
    if (read.error) throw new Error(read.error);
    if (read.records.length === 0) break;
    for (let at = 0; at < read.records.length;) {
      const header = readBatchHeader(read.records, at);
      const batch = read.records.subarray(at, at + header.sizeBytes);
      for (const record of readRecords(batch)) {
        expect(record.offset).toBeGreaterThan(previous);
        previous = record.offset;
        records++;
        latest.set(record.key!.toString(), { offset: record.offset, value: record.value?.toString() ?? null });
      }
      at += header.sizeBytes;
    }
    offset = read.nextOffset;
  }
  return { latest, records };
}

function expectMatchesModel(latest: Model, model: Model): void {
  for (const [key, expected] of model) {
    const actual = latest.get(key);
    if (expected.value === null) {
      // A tombstone may be gone (after delete.retention.ms) but no older value may resurface.
      if (actual) expect(actual).toEqual(expected);
    } else expect(actual, key).toEqual(expected);
  }
  for (const key of latest.keys()) expect(model.has(key)).toBe(true);
}

describe('compaction', () => {
  it.each([1, 2, 3])('keeps the latest value per key (seed %i)', async (seed) => {
    await using dir = await tempDir();
    const next = random(seed);
    const model: Model = new Map();
    const log = await DiskLog.open({ directory: dir.path, topic: 'c', partition: 0, config: CONFIG, clock: () => NOW });
    for (let round = 0; round < 4; round++) {
      await appendRandom(log, model, next, 40, NOW - 120_000 + round * 30_000);
      const before = await latestPerKey(log);
      const result = await log.compact({ force: true, nowMs: NOW, inWorker: round === 0 });
      expect(result.compacted).toBe(true);
      const after = await latestPerKey(log);
      expect(after.records).toBeLessThan(before.records);
      expectMatchesModel(after.latest, model);
    }
    await log.close();
    const reopened = await DiskLog.open({
      directory: dir.path,
      topic: 'c',
      partition: 0,
      config: CONFIG,
      cleanShutdown: true,
      recoveryPoint: log.logEndOffset,
    });
    expectMatchesModel((await latestPerKey(reopened)).latest, model);
    await reopened.close();
  });

  it('respects min.cleanable.dirty.ratio and removes old tombstones', async () => {
    await using dir = await tempDir();
    const log = await DiskLog.open({
      directory: dir.path,
      topic: 'c',
      partition: 0,
      config: { ...CONFIG, deleteRetentionMs: 1000 },
      clock: () => NOW,
    });
    const model: Model = new Map();
    await appendRandom(log, model, random(9), 60, NOW - 10_000);
    expect((await log.compact({ nowMs: NOW })).compacted).toBe(true);
    expect((await log.compact({ nowMs: NOW })).reason).toBe('below min.cleanable.dirty.ratio');
    const { latest } = await latestPerKey(log);
    const { firstUncleanableOffset } = await log.compactionStats(NOW);
    const tombstonesCleaned = [...latest.entries()].filter(([, v]) => v.value === null && v.offset < firstUncleanableOffset);
    expect(tombstonesCleaned).toEqual([]);
    expectMatchesModel(latest, model);
    await log.close();
  });

  it.each([
    ['gzip', Compression.Gzip],
    ['snappy', Compression.Snappy],
    ['lz4', Compression.Lz4],
    ['zstd', Compression.Zstd],
  ] as const)('cleans %s batches and re-encodes them with the same codec, keeping record headers', async (_, codec) => {
    await using dir = await tempDir();
    const model: Model = new Map();
    const log = await DiskLog.open({ directory: dir.path, topic: 'c', partition: 0, config: CONFIG, clock: () => NOW });
    for (let round = 0; round < 2; round++) {
      await appendRandom(log, model, random(100 + codec), 60, NOW - 120_000 + round * 30_000, codec);
      const before = await latestPerKey(log);
      const result = await log.compact({ force: true, nowMs: NOW, inWorker: round === 0 });
      expect(result.output!.batchesKeptWhole).toBe(0);
      const after = await latestPerKey(log);
      expect(after.records).toBeLessThan(before.records);
      expectMatchesModel(after.latest, model);
    }
    let batches = 0;
    for (let offset = log.logStartOffset; offset < log.logEndOffset;) {
      const read = await log.read(offset, { maxBytes: 1 << 20 });
      if (read.error) throw new Error(read.error);
      for (let at = 0; at < read.records.length; batches++) {
        const header = readBatchHeader(read.records, at);
        const batch = read.records.subarray(at, at + header.sizeBytes);
        expect(verifyBatchCrc(batch)).toBe(true);
        expect(compressionOf(batch.readInt16BE(BatchField.Attributes))).toBe(codec);
        for (const record of decodeRecords(batch)) expect(record.headers).toEqual([{ key: 'origin', value: record.key }]);
        at += header.sizeBytes;
      }
      offset = read.nextOffset;
    }
    expect(batches).toBeGreaterThan(10);
    await log.close();
  });

  /** Appends one batch of `records` (key, value; null key = none) at `timestamp`; returns its first offset. */
  async function appendBatch(log: DiskLog, timestamp: number, records: [string | null, string | null][]): Promise<number> {
    const result = await log.append(
      [
        buildBatch({
          records: records.map(([key, value]) => ({
            key: key === null ? null : Buffer.from(key),
            value: value === null ? null : Buffer.from(value),
            timestamp,
          })),
        }),
      ],
      { leaderEpoch: 0 },
    );
    if (result.kind !== 'appended') throw new Error(JSON.stringify(result));
    log.setHighWatermark(log.logEndOffset);
    return result.firstOffset;
  }

  async function allRecords(log: DiskLog): Promise<{ offset: number; key: string | null }[]> {
    const out: { offset: number; key: string | null }[] = [];
    for (let offset = log.logStartOffset; offset < log.logEndOffset;) {
      const read = await log.read(offset, { maxBytes: 1 << 20 });
      if (read.error) throw new Error(read.error);
      if (read.records.length === 0) break;
      for (let at = 0; at < read.records.length;) {
        const header = readBatchHeader(read.records, at);
        for (const record of decodeRecords(read.records.subarray(at, at + header.sizeBytes)))
          out.push({ offset: Number(record.offset), key: record.key?.toString() ?? null });
        at += header.sizeBytes;
      }
      offset = read.nextOffset;
    }
    return out;
  }

  it("drops records without a key, as Kafka's cleaner does, and keeps those past the last keyed offset it mapped", async () => {
    await using dir = await tempDir();
    const config = { ...CONFIG, segmentBytes: 1 << 20, segmentMs: 1000 };
    const log = await DiskLog.open({ directory: dir.path, topic: 'c', partition: 0, config, clock: () => NOW });
    // Written before the topic became compacted (the produce path refuses them on a compacted topic).
    await appendBatch(log, NOW - 2000, [
      [null, 'a'],
      ['k', '1'],
      [null, 'b'],
      ['k', '2'],
      [null, 'c'],
    ]);
    await appendBatch(log, NOW, [['active', 'x']]);
    expect(log.segmentCount).toBe(2);
    expect((await log.compact({ force: true, nowMs: NOW, inWorker: false })).compacted).toBe(true);
    expect(await allRecords(log)).toEqual([
      { offset: 3, key: 'k' },
      { offset: 4, key: null },
      { offset: 5, key: 'active' },
    ]);
    await log.close();
  });

  it("max.compaction.lag.ms makes a log due below min.cleanable.dirty.ratio (Kafka's maxCompactionDelay), to the millisecond", async () => {
    await using dir = await tempDir();
    const config = { ...CONFIG, segmentBytes: 1 << 20, minCleanableDirtyRatio: 1, maxCompactionLagMs: 60_000 };
    const log = await DiskLog.open({ directory: dir.path, topic: 'c', partition: 0, config, clock: () => NOW });
    const written = NOW - 10_000;
    await appendBatch(log, written, [['k', '1']]);
    await appendBatch(log, written + 5, [['k', '2']]);
    await appendBatch(log, written + 60_001, [['other', 'x']]);
    expect(log.segmentCount).toBe(2);
    const due = written + 60_000 + 1;
    const early = await log.compact({ nowMs: due - 1, inWorker: false });
    expect(early).toMatchObject({
      compacted: false,
      reason: 'below min.cleanable.dirty.ratio',
      stats: { dirtyRatio: 1, compactionDelayMs: 0 },
    });
    const late = await log.compact({ nowMs: due, inWorker: false });
    expect(late).toMatchObject({ compacted: true, stats: { compactionDelayMs: 1 } });
    expect((await allRecords(log)).map((r) => r.offset)).toEqual([1, 2]);
    await log.close();
  });

  it.each([
    ['compact', ['compact'] as const, 2],
    ['delete', ['delete'] as const, 1],
  ])(
    "a %s log rolls by max.compaction.lag.ms when it is shorter than segment.ms (Kafka's maxSegmentMs)",
    async (_, cleanupPolicy, segments) => {
      await using dir = await tempDir();
      const config = { ...CONFIG, segmentBytes: 1 << 20, segmentMs: 86_400_000, cleanupPolicy, maxCompactionLagMs: 100 };
      const log = await DiskLog.open({ directory: dir.path, topic: 'c', partition: 0, config, clock: () => NOW });
      await appendBatch(log, NOW, [['k', '1']]);
      await appendBatch(log, NOW + 100, [['k', '2']]);
      expect(log.segmentCount).toBe(1);
      await appendBatch(log, NOW + 101, [['k', '3']]);
      expect(log.segmentCount).toBe(segments);
      await log.close();
    },
  );

  // Each swap step ends where the next one's first rename begins: the process dies just before it.
  const nextStepStarts = {
    cleaned: (_from: string, to: string) => to.endsWith('.swap'),
    swap: (_from: string, to: string) => to.endsWith('.deleted'),
    deleted: (from: string) => from.endsWith('.swap'),
  };

  it.each(['cleaned', 'swap', 'deleted'] as const)('loses nothing when the process dies after the %s step', async (step) => {
    await using dir = await tempDir();
    const model: Model = new Map();
    let crashed = false;
    const io = faultyIo({
      beforeRename: (from, to) => {
        crashed ||= nextStepStarts[step](from, to);
        return crashed ? new SimulatedCrash(`after the ${step} step`) : undefined;
      },
    });
    const log = await DiskLog.open({ directory: dir.path, topic: 'c', partition: 0, config: CONFIG, clock: () => NOW, io });
    await appendRandom(log, model, random(42), 80, NOW - 1000);
    await expect(log.compact({ force: true, nowMs: NOW, inWorker: false })).rejects.toBeInstanceOf(SimulatedCrash);
    const names = await readdir(dir.path);
    expect(names.some((n) => n.endsWith(step === 'cleaned' ? '.cleaned' : '.swap'))).toBe(true);
    const reopened = await DiskLog.open({
      directory: dir.path,
      topic: 'c',
      partition: 0,
      config: CONFIG,
      clock: () => NOW,
      recoveryPoint: 0,
    });
    await log.files.closeAll(); // the crashed instance's descriptors
    reopened.setHighWatermark(reopened.logEndOffset);
    expect(reopened.logEndOffset).toBe(log.logEndOffset);
    expectMatchesModel((await latestPerKey(reopened)).latest, model);
    expect((await readdir(dir.path)).filter((n) => /\.(cleaned|swap|deleted)$/.test(n))).toEqual([]);
    await reopened.compact({ force: true, nowMs: NOW, inWorker: false });
    expectMatchesModel((await latestPerKey(reopened)).latest, model);
    await reopened.close();
  });
});
