import { describe, expect, it } from 'vitest';
import { DiskLog } from '../src/disk-log.js';
import { FileHandlePool } from '../src/file-pool.js';
import type { FileIo, StorageFile } from '../src/file-io.js';
import { nodeFileIo } from '../src/file-io.js';
import type { ReadOptions } from '../src/partition-log.js';
import { headersOf, tempDir, testBatch } from './helpers.js';

const LEADER = { leaderEpoch: 0 };

/** A deterministic PRNG (mulberry32), so a failing case can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Appended {
  bytes: Buffer;
  baseOffset: number;
  lastOffset: number;
}

/**
 * What Kafka's LogSegment.read returns, by walking every batch: from the first batch reaching
 * `offset`, the whole batches of that one segment below `maxOffset` within `maxBytes` (the first
 * one even if larger, with minOneBatch).
 */
function expectedRead(appended: readonly Appended[], segmentBases: readonly number[], offset: number, options: ReadOptions) {
  const maxOffset = options.maxOffset ?? Number.MAX_SAFE_INTEGER;
  const first = appended.findIndex((batch) => batch.lastOffset >= offset);
  if (first < 0) return { records: Buffer.alloc(0), nextOffset: offset };
  const segmentBase = segmentBases.filter((base) => base <= appended[first]!.baseOffset).at(-1)!;
  const segmentEnd = segmentBases.find((base) => base > segmentBase) ?? Number.MAX_SAFE_INTEGER;
  const chosen: Appended[] = [];
  let bytes = 0;
  for (const batch of appended.slice(first)) {
    if (batch.baseOffset >= segmentEnd || batch.lastOffset >= maxOffset) break;
    if (bytes + batch.bytes.length > options.maxBytes && !(chosen.length === 0 && options.minOneBatch !== false)) break;
    chosen.push(batch);
    bytes += batch.bytes.length;
  }
  return { records: Buffer.concat(chosen.map((batch) => batch.bytes)), nextOffset: chosen.length ? chosen.at(-1)!.lastOffset + 1 : offset };
}

/** Counts the bytes each read call asks for. */
function countingIo(reads: number[]): FileIo {
  return {
    ...nodeFileIo,
    open: async (path, flags) => {
      const file = await nodeFileIo.open(path, flags);
      const counted: StorageFile = Object.create(file) as StorageFile;
      counted.read = (buffer, offset, length, position) => {
        reads.push(length);
        return file.read(buffer, offset, length, position);
      };
      return counted;
    },
  };
}

describe('reading a segment log by byte range', () => {
  it('returns exactly the whole batches a walk over every batch would, for any offset, byte limit and bound', async () => {
    for (const [seed, indexIntervalBytes] of [
      [1, 4096],
      [2, 256],
      [3, 1],
      [4, 100_000],
    ] as const) {
      await using dir = await tempDir();
      const next = random(seed);
      const disk = await DiskLog.open({
        directory: dir.path,
        topic: 't',
        partition: 0,
        files: new FileHandlePool(4),
        config: { segmentBytes: 48 * 1024, indexIntervalBytes },
      });
      const appended: Appended[] = [];
      for (let i = 0; i < 300; i++) {
        const batch = testBatch({ records: 1 + Math.floor(next() * 4), valueBytes: 10 + Math.floor(next() * 1500), tag: `b${i}` });
        await disk.append([batch], LEADER);
        const [header] = headersOf(batch);
        appended.push({ bytes: batch, baseOffset: header!.baseOffset, lastOffset: header!.lastOffset });
      }
      const segmentBases = disk.segmentInfos().map((segment) => segment.baseOffset);
      expect(segmentBases.length).toBeGreaterThan(3);
      const end = disk.logEndOffset;
      for (let i = 0; i < 400; i++) {
        const offset = Math.floor(next() * (end + 1));
        const options: ReadOptions = {
          maxBytes: Math.floor(next() * 20_000),
          minOneBatch: next() < 0.7,
          ...(next() < 0.5 ? { maxOffset: offset + Math.floor(next() * (end - offset + 2)) } : {}),
        };
        const fromDisk = await disk.read(offset, options);
        const expected = expectedRead(appended, segmentBases, offset, options);
        const label = `seed ${seed}, read ${i}: offset ${offset}, ${JSON.stringify(options)}`;
        expect(fromDisk.error, label).toBeNull();
        if (fromDisk.error !== null) return;
        expect(
          headersOf(fromDisk.records).map((h) => h.baseOffset),
          label,
        ).toEqual(headersOf(expected.records).map((h) => h.baseOffset));
        expect(fromDisk.records.equals(expected.records), label).toBe(true);
        expect(fromDisk.nextOffset, label).toBe(expected.nextOffset);
      }
      await disk.close();
    }
  });

  it('reads many small batches in one file read, without a read per batch header', async () => {
    await using dir = await tempDir();
    const reads: number[] = [];
    const io = countingIo(reads);
    const log = await DiskLog.open({
      directory: dir.path,
      topic: 't',
      partition: 0,
      files: new FileHandlePool(4, io),
      io,
      config: { indexIntervalBytes: 4096 },
    });
    // 5,000 batches of one ~100-byte record: the client defaults' small batches.
    for (let i = 0; i < 50; i++)
      await log.append(
        Array.from({ length: 100 }, () => testBatch({ valueBytes: 30 })),
        LEADER,
      );
    reads.length = 0;
    const read = await log.read(1234, { maxBytes: 256 * 1024 });
    if (read.error) throw new Error(read.error);
    const headers = headersOf(read.records);
    expect(headers[0]!.baseOffset).toBe(1234);
    expect(headers.length).toBeGreaterThan(2000);
    expect(read.records.length).toBeLessThanOrEqual(256 * 1024);
    expect(read.nextOffset).toBe(headers[headers.length - 1]!.lastOffset + 1);
    expect(reads.length).toBe(1);
    await log.close();
  });

  it('answers a read at the bound without touching the file', async () => {
    await using dir = await tempDir();
    const reads: number[] = [];
    const io = countingIo(reads);
    const log = await DiskLog.open({ directory: dir.path, topic: 't', partition: 0, files: new FileHandlePool(4, io), io });
    for (let i = 0; i < 10; i++) await log.append([testBatch()], LEADER);
    reads.length = 0;
    const atEnd = await log.read(10, { maxBytes: 1024 });
    const atBound = await log.read(4, { maxBytes: 1024, maxOffset: 4 });
    expect(atEnd.error === null && atEnd.records.length).toBe(0);
    expect(atBound.error === null && atBound.records.length).toBe(0);
    expect(reads).toEqual([]);
    await log.close();
  });
});
