import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBatchHeader } from '../src/batch.js';
import type { LogConfig } from '../src/config.js';
import { LogDirectory } from '../src/log-directory.js';
import { MemoryLog } from '../src/memory-log.js';
import type { PartitionLog } from '../src/partition-log.js';
import { headersOf, testBatch } from './helpers.js';

interface LogFactory {
  name: string;
  open(config?: Partial<LogConfig>): Promise<PartitionLog>;
  /** Close and open again (clean shutdown) — the disk log only. */
  reopen?(): Promise<PartitionLog>;
  cleanup(): Promise<void>;
}

function diskFactory(): LogFactory {
  let dir = '';
  let directory: LogDirectory | undefined;
  let config: Partial<LogConfig> | undefined;
  return {
    name: 'DiskLog',
    async open(c) {
      config = c;
      dir = await mkdtemp(join(tmpdir(), 'strom-scenario-'));
      directory = await LogDirectory.open({ path: dir });
      return directory.openLog('orders', 0, { config: c });
    },
    async reopen() {
      await directory!.close();
      directory = await LogDirectory.open({ path: dir });
      return directory.openLog('orders', 0, { config });
    },
    async cleanup() {
      await directory?.close().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function memoryFactory(): LogFactory {
  return {
    name: 'MemoryLog',
    async open() {
      return new MemoryLog({ topic: 'orders', partition: 0 });
    },
    async cleanup() {},
  };
}

const LEADER = { leaderEpoch: 0 };

describe.each([diskFactory, memoryFactory].map((make) => [make().name, make] as const))('PartitionLog scenarios: %s', (_name, make) => {
  let factory: LogFactory;
  let log: PartitionLog;
  beforeEach(async () => {
    factory = make();
    log = await factory.open();
  });
  afterEach(async () => {
    await log.close().catch(() => undefined);
    await factory.cleanup();
  });

  it('starts empty', async () => {
    expect([log.logStartOffset, log.logEndOffset, log.highWatermark]).toEqual([0, 0, 0]);
    const read = await log.read(0, { maxBytes: 1024 });
    expect(read.error).toBeNull();
    expect(read.error === null && read.records.length).toBe(0);
    expect((await log.read(1, { maxBytes: 1024 })).error).toBe('OFFSET_OUT_OF_RANGE');
    expect(await log.listOffset('earliest')).toEqual({ offset: 0, timestamp: -1 });
    expect(await log.listOffset('latest')).toEqual({ offset: 0, timestamp: -1 });
    expect(await log.listOffset({ timestampMs: 0 })).toBeNull();
  });

  it('assigns contiguous offsets, stamps the leader epoch and reads back the bytes as written', async () => {
    const a = testBatch({ records: 3 });
    const b = testBatch({ records: 2 });
    const c = testBatch({ records: 1 });
    expect(await log.append([a, b], { leaderEpoch: 4 })).toMatchObject({ kind: 'appended', firstOffset: 0, lastOffset: 4 });
    expect(await log.append([c], { leaderEpoch: 4 })).toMatchObject({ kind: 'appended', firstOffset: 5, lastOffset: 5 });
    expect(log.logEndOffset).toBe(6);
    const read = await log.read(0, { maxBytes: 1 << 20 });
    if (read.error) throw new Error(read.error);
    expect(read.records).toEqual(Buffer.concat([a, b, c]));
    expect(headersOf(read.records).map((h) => [h.baseOffset, h.lastOffset, h.partitionLeaderEpoch])).toEqual([
      [0, 2, 4],
      [3, 4, 4],
      [5, 5, 4],
    ]);
    expect(read.nextOffset).toBe(6);
    expect(readBatchHeader(b).baseOffset).toBe(3);
    expect(readBatchHeader(c).partitionLeaderEpoch).toBe(4);
  });

  it('reads whole batches within maxBytes, at least one, and below maxOffset', async () => {
    const batches = Array.from({ length: 5 }, () => testBatch({ records: 2, valueBytes: 100 }));
    for (const batch of batches) await log.append([batch], LEADER);
    const size = batches[0]!.length;
    const two = await log.read(2, { maxBytes: size * 2 + 10 });
    expect(two.error === null && headersOf(two.records).map((h) => h.baseOffset)).toEqual([2, 4]);
    expect(two.error === null && two.nextOffset).toBe(6);
    const mid = await log.read(3, { maxBytes: 1 });
    expect(mid.error === null && headersOf(mid.records).map((h) => h.baseOffset)).toEqual([2]);
    const strict = await log.read(3, { maxBytes: 1, minOneBatch: false });
    expect(strict.error === null && strict.records.length).toBe(0);
    const bounded = await log.read(0, { maxBytes: 1 << 20, maxOffset: 6 });
    expect(bounded.error === null && headersOf(bounded.records).map((h) => h.baseOffset)).toEqual([0, 2, 4]);
    const atEnd = await log.read(10, { maxBytes: 1024 });
    expect(atEnd.error === null && atEnd.records.length).toBe(0);
  });

  it('finds offsets by timestamp and the max timestamp', async () => {
    await log.append([testBatch({ records: 3, timestamp: 1000 })], LEADER); // 1000..1002 @0..2
    await log.append([testBatch({ records: 3, timestamp: 5000 })], LEADER); // 5000..5002 @3..5
    await log.append([testBatch({ records: 1, timestamp: 2000 })], LEADER); // 2000 @6
    expect(await log.listOffset({ timestampMs: 0 })).toEqual({ offset: 0, timestamp: 1000 });
    expect(await log.listOffset({ timestampMs: 1001 })).toEqual({ offset: 1, timestamp: 1001 });
    expect(await log.listOffset({ timestampMs: 1003 })).toEqual({ offset: 3, timestamp: 5000 });
    expect(await log.listOffset({ timestampMs: 5002 })).toEqual({ offset: 5, timestamp: 5002 });
    expect(await log.listOffset({ timestampMs: 5003 })).toBeNull();
    expect(await log.listOffset('max-timestamp')).toEqual({ offset: 5, timestamp: 5002 });
    const read = await log.readByTimestamp(1500, { maxBytes: 1 });
    expect(read.error === null && headersOf(read.records)[0]!.baseOffset).toBe(3);
  });

  it('truncates to an offset and continues appending from there', async () => {
    await log.append([testBatch({ records: 2 })], { leaderEpoch: 1 });
    await log.append([testBatch({ records: 2 })], { leaderEpoch: 2 });
    await log.append([testBatch({ records: 2 })], { leaderEpoch: 3 });
    log.setHighWatermark(6);
    await log.truncateTo(4);
    expect(log.logEndOffset).toBe(4);
    expect(log.highWatermark).toBe(4);
    expect(log.epochEntries()).toEqual([
      { epoch: 1, startOffset: 0 },
      { epoch: 2, startOffset: 2 },
    ]);
    expect(await log.append([testBatch({ records: 1 })], { leaderEpoch: 5 })).toMatchObject({ firstOffset: 4 });
    const read = await log.read(0, { maxBytes: 1 << 20 });
    expect(read.error === null && headersOf(read.records).map((h) => [h.baseOffset, h.partitionLeaderEpoch])).toEqual([
      [0, 1],
      [2, 2],
      [4, 5],
    ]);
    await log.truncateFullyAndStartAt(100);
    expect([log.logStartOffset, log.logEndOffset, log.highWatermark]).toEqual([100, 100, 100]);
    expect(await log.append([testBatch()], { leaderEpoch: 6 })).toMatchObject({ firstOffset: 100 });
  });

  it('deletes records before an offset up to the high watermark', async () => {
    for (let i = 0; i < 4; i++) await log.append([testBatch({ records: 2 })], { leaderEpoch: i });
    log.setHighWatermark(6);
    expect(await log.deleteRecordsBefore(3)).toBe(3);
    expect(log.logStartOffset).toBe(3);
    expect((await log.read(1, { maxBytes: 100 })).error).toBe('OFFSET_OUT_OF_RANGE');
    const read = await log.read(3, { maxBytes: 1 });
    expect(read.error === null && headersOf(read.records)[0]!.baseOffset).toBe(2);
    expect(await log.listOffset('earliest')).toEqual({ offset: 3, timestamp: -1 });
    expect(log.epochEntries()[0]).toEqual({ epoch: 1, startOffset: 3 });
    await expect(log.deleteRecordsBefore(7)).rejects.toThrow(/high watermark/);
  });

  it('answers OffsetsForLeaderEpoch from the epoch cache', async () => {
    await log.append([testBatch({ records: 2 })], { leaderEpoch: 1 });
    await log.append([testBatch({ records: 3 })], { leaderEpoch: 3 });
    await log.append([testBatch({ records: 1 })], { leaderEpoch: 4 });
    expect(log.latestEpoch()).toBe(4);
    expect(log.endOffsetForEpoch(4)).toEqual({ leaderEpoch: 4, endOffset: 6 });
    expect(log.endOffsetForEpoch(3)).toEqual({ leaderEpoch: 3, endOffset: 5 });
    expect(log.endOffsetForEpoch(2)).toEqual({ leaderEpoch: 1, endOffset: 2 });
    expect(log.endOffsetForEpoch(0)).toEqual({ leaderEpoch: 0, endOffset: 0 });
    expect(log.endOffsetForEpoch(9)).toEqual({ leaderEpoch: -1, endOffset: -1 });
    await expect(log.append([testBatch()], { leaderEpoch: 2 })).rejects.toThrow(/epoch/);
  });

  it('detects idempotent duplicates and sequence gaps', async () => {
    const pid = 7n;
    const first = await log.append([testBatch({ records: 2, producerId: pid, producerEpoch: 0, baseSequence: 0 })], LEADER);
    expect(first).toMatchObject({ kind: 'appended', firstOffset: 0, lastOffset: 1 });
    await log.append([testBatch({ records: 1 })], LEADER);
    await log.append([testBatch({ records: 3, producerId: pid, producerEpoch: 0, baseSequence: 2 })], LEADER);
    const retry = await log.append([testBatch({ records: 2, producerId: pid, producerEpoch: 0, baseSequence: 0 })], LEADER);
    expect(retry).toMatchObject({ kind: 'duplicate', firstOffset: 0, lastOffset: 1 });
    expect(log.logEndOffset).toBe(6);
    expect(await log.append([testBatch({ producerId: pid, producerEpoch: 0, baseSequence: 9 })], LEADER)).toMatchObject({
      kind: 'rejected',
      error: 'OUT_OF_ORDER_SEQUENCE_NUMBER',
    });
    expect(await log.append([testBatch({ producerId: pid, producerEpoch: 1, baseSequence: 3 })], LEADER)).toMatchObject({
      kind: 'rejected',
      error: 'OUT_OF_ORDER_SEQUENCE_NUMBER',
    });
    expect(await log.append([testBatch({ producerId: pid, producerEpoch: 1, baseSequence: 0 })], LEADER)).toMatchObject({
      kind: 'appended',
      firstOffset: 6,
    });
    expect(await log.append([testBatch({ producerId: pid, producerEpoch: 0, baseSequence: 5 })], LEADER)).toMatchObject({
      kind: 'rejected',
      error: 'INVALID_PRODUCER_EPOCH',
    });
    expect(log.producerState(pid)).toMatchObject({
      epoch: 1,
      batches: [{ firstSequence: 0, lastSequence: 0, firstOffset: 6, lastOffset: 6 }],
    });
    expect(log.logEndOffset).toBe(7);
  });

  it('keeps the last five batches per producer for duplicate answers', async () => {
    const pid = 11n;
    for (let seq = 0; seq < 7; seq++) await log.append([testBatch({ producerId: pid, producerEpoch: 0, baseSequence: seq })], LEADER);
    expect(log.producerState(pid)!.batches.map((b) => b.firstSequence)).toEqual([2, 3, 4, 5, 6]);
    expect(await log.append([testBatch({ producerId: pid, producerEpoch: 0, baseSequence: 2 })], LEADER)).toMatchObject({
      kind: 'duplicate',
      firstOffset: 2,
    });
    expect(await log.append([testBatch({ producerId: pid, producerEpoch: 0, baseSequence: 1 })], LEADER)).toMatchObject({
      kind: 'rejected',
    });
  });

  it('rejects malformed batches and writes nothing', async () => {
    const batch = testBatch({ records: 2 });
    expect(await log.append([batch.subarray(0, batch.length - 1)], LEADER)).toMatchObject({ kind: 'rejected', error: 'CORRUPT_MESSAGE' });
    const badMagic = Buffer.from(batch);
    badMagic[16] = 1;
    expect(await log.append([badMagic], LEADER)).toMatchObject({ kind: 'rejected', error: 'CORRUPT_MESSAGE' });
    expect(await log.append([], LEADER)).toMatchObject({ kind: 'rejected' });
    expect(log.logEndOffset).toBe(0);
  });

  it('appends as a follower keeping offsets and epochs', async () => {
    const leader = new MemoryLog({ topic: 'orders', partition: 0 });
    await leader.append([testBatch({ records: 2 })], { leaderEpoch: 2 });
    await leader.append([testBatch({ records: 2 })], { leaderEpoch: 5 });
    const fetched = await leader.read(0, { maxBytes: 1 << 20 });
    if (fetched.error) throw new Error(fetched.error);
    const batches = headersOf(fetched.records).map((h, i, all) => {
      const start = all.slice(0, i).reduce((sum, x) => sum + x.sizeBytes, 0);
      return fetched.records.subarray(start, start + h.sizeBytes);
    });
    expect(await log.appendAsFollower(batches)).toMatchObject({ kind: 'appended', firstOffset: 0, lastOffset: 3 });
    expect(log.epochEntries()).toEqual([
      { epoch: 2, startOffset: 0 },
      { epoch: 5, startOffset: 2 },
    ]);
    expect(await log.appendAsFollower([batches[0]!])).toMatchObject({ kind: 'rejected' });
  });

  it('starts a new leader epoch at the log end, and truncating to the log end drops it (Kafka makeLeader, truncateTo)', async () => {
    await log.append([testBatch({ records: 2 })], { leaderEpoch: 1 });
    log.assignLeaderEpoch(3);
    log.assignLeaderEpoch(2);
    expect(log.epochEntries()).toEqual([
      { epoch: 1, startOffset: 0 },
      { epoch: 3, startOffset: 2 },
    ]);
    expect(log.endOffsetForEpoch(1)).toEqual({ leaderEpoch: 1, endOffset: 2 });
    await log.truncateTo(2);
    expect(log.logEndOffset).toBe(2);
    expect(log.epochEntries()).toEqual([{ epoch: 1, startOffset: 0 }]);
    if (!factory.reopen) return;
    log = await factory.reopen();
    expect(log.epochEntries()).toEqual([{ epoch: 1, startOffset: 0 }]);
  });

  it('bounds the high watermark and last stable offset', async () => {
    await log.append([testBatch({ records: 3 })], LEADER);
    expect(() => log.setHighWatermark(4)).toThrow();
    log.setHighWatermark(2);
    expect(log.lastStableOffset).toBe(2);
    log.setLastStableOffset(1);
    expect(log.lastStableOffset).toBe(1);
  });

  it('survives a clean restart with offsets, epochs and producer state', async () => {
    if (!factory.reopen) return;
    await log.append([testBatch({ records: 2, producerId: 3n, producerEpoch: 0, baseSequence: 0 })], { leaderEpoch: 1 });
    await log.append([testBatch({ records: 2 })], { leaderEpoch: 2 });
    log.setHighWatermark(4);
    log = await factory.reopen();
    expect([log.logEndOffset, log.highWatermark]).toEqual([4, 4]);
    expect(log.epochEntries()).toEqual([
      { epoch: 1, startOffset: 0 },
      { epoch: 2, startOffset: 2 },
    ]);
    expect(
      await log.append([testBatch({ records: 2, producerId: 3n, producerEpoch: 0, baseSequence: 0 })], { leaderEpoch: 2 }),
    ).toMatchObject({ kind: 'duplicate', firstOffset: 0 });
    expect(await log.append([testBatch()], { leaderEpoch: 2 })).toMatchObject({ firstOffset: 4 });
  });
});
