import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DiskLog } from '../src/disk-log.js';
import { LogOfflineError } from '../src/errors.js';
import { FileHandlePool } from '../src/file-pool.js';
import { LogDirectory } from '../src/log-directory.js';
import { faultyIo } from './faulty-io.js';
import { headersOf, tempDir, testBatch } from './helpers.js';

const LEADER = { leaderEpoch: 0 };

async function readAll(log: DiskLog, from = log.logStartOffset): Promise<number[]> {
  const bases: number[] = [];
  for (let offset = from; offset < log.logEndOffset;) {
    const read = await log.read(offset, { maxBytes: 700 });
    if (read.error) throw new Error(read.error);
    for (const header of headersOf(read.records)) bases.push(header.baseOffset);
    offset = read.nextOffset;
  }
  return bases;
}

describe('DiskLog', () => {
  it('rolls segments on segment.bytes and reads across them with few open files', async () => {
    await using dir = await tempDir();
    const files = new FileHandlePool(2);
    const log = await DiskLog.open({
      directory: dir.path,
      topic: 't',
      partition: 0,
      files,
      config: { segmentBytes: 1024, indexIntervalBytes: 128 },
    });
    for (let i = 0; i < 60; i++) await log.append([testBatch({ records: 2, valueBytes: 40 })], LEADER);
    const segments = log.segmentInfos();
    expect(segments.length).toBeGreaterThan(5);
    expect(segments.every((s) => s.sizeBytes <= 1024)).toBe(true);
    expect(await readAll(log)).toEqual(Array.from({ length: 60 }, (_, i) => i * 2));
    expect(files.openFiles).toBeLessThanOrEqual(2);
    const names = await readdir(dir.path);
    expect(names.filter((n) => n.endsWith('.log'))).toHaveLength(segments.length);
    expect(names).toContain('00000000000000000000.index');
    expect(names.filter((n) => n.endsWith('.snapshot')).length).toBeGreaterThan(0);
    // Inactive segments' indexes are loaded on demand and bounded.
    expect(log.indexMemoryBytes).toBeLessThan(6 * 2 * 16 * 12 + 1);
    expect(await log.listOffset({ timestampMs: 1_700_000_000_001 })).toEqual({ offset: 1, timestamp: 1_700_000_000_001 });
    await log.close();
  });

  it('rolls on offset overflow and on index full', async () => {
    await using dir = await tempDir();
    const log = await DiskLog.open({
      directory: dir.path,
      topic: 't',
      partition: 0,
      config: { segmentIndexBytes: 24, indexIntervalBytes: 0 },
    });
    for (let i = 0; i < 10; i++) await log.append([testBatch()], LEADER);
    expect(log.segmentInfos().length).toBeGreaterThan(2);
    await log.truncateFullyAndStartAt(0x7fffff00);
    await log.append([testBatch({ records: 1 })], LEADER);
    expect(log.segmentInfos()).toHaveLength(1);
    await log.close();
  });

  it('goes offline on a disk error without damaging what was written', async () => {
    await using dir = await tempDir();
    const disk: { error?: Error } = {};
    const log = await DiskLog.open({ directory: dir.path, topic: 't', partition: 0, io: faultyIo({ beforeWrite: () => disk.error }) });
    await log.append([testBatch({ records: 2 })], LEADER);
    disk.error = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    const error = await log.append([testBatch()], LEADER).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LogOfflineError);
    expect((error as LogOfflineError).errorName).toBe('KAFKA_STORAGE_ERROR');
    expect(log.isOffline).toBe(true);
    // Offline refuses writes only: what was written is still served.
    expect(await readAll(log)).toEqual([0]);
    await log.close();
    const reopened = await DiskLog.open({ directory: dir.path, topic: 't', partition: 0 });
    expect(reopened.logEndOffset).toBe(2);
    expect(await readAll(reopened)).toEqual([0]);
    await reopened.close();
  });

  it('group-commit fsync resolves appends after one shared fsync', async () => {
    await using dir = await tempDir();
    let syncs = 0;
    const log = await DiskLog.open({
      directory: dir.path,
      topic: 't',
      partition: 0,
      config: { fsyncMode: 'group' },
      io: faultyIo({ beforeSync: (path) => void (path.endsWith('.log') && syncs++) }),
    });
    const results = await Promise.all(Array.from({ length: 50 }, () => log.append([testBatch()], LEADER)));
    expect(results.map((r) => r.kind === 'appended' && r.firstOffset)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(syncs).toBeLessThan(50);
    expect(log.recoveryPoint).toBe(50);
    await log.close();
  });

  it('flushes by flush.messages and advances the recovery point', async () => {
    await using dir = await tempDir();
    const log = await DiskLog.open({ directory: dir.path, topic: 't', partition: 0, config: { flushMessages: 4 } });
    await log.append([testBatch({ records: 2 })], LEADER);
    expect(log.recoveryPoint).toBe(0);
    await log.append([testBatch({ records: 2 })], LEADER);
    expect(log.recoveryPoint).toBe(4);
    await log.close();
  });

  it('recovers from the recovery point, rebuilding producer state from snapshot + log', async () => {
    await using dir = await tempDir();
    const directory = await LogDirectory.open({ path: dir.path });
    const log = await directory.openLog('t', 0, { config: { segmentBytes: 600 } });
    for (let seq = 0; seq < 20; seq++) await log.append([testBatch({ producerId: 9n, producerEpoch: 0, baseSequence: seq })], LEADER);
    await directory.checkpoint();
    // Crash: no close, no marker.
    const again = await LogDirectory.open({ path: dir.path });
    expect(again.cleanShutdown).toBe(false);
    const recovered = await again.openLog('t', 0, { config: { segmentBytes: 600 } });
    expect(recovered.recovery.segmentsScanned).toBeGreaterThan(0);
    expect(recovered.recovery.segmentsScanned).toBeLessThan(recovered.segmentInfos().length + 1);
    expect(recovered.logEndOffset).toBe(20);
    expect(recovered.producerState(9n)!.batches.map((b) => b.firstSequence)).toEqual([15, 16, 17, 18, 19]);
    expect(await recovered.append([testBatch({ producerId: 9n, producerEpoch: 0, baseSequence: 17 })], LEADER)).toMatchObject({
      kind: 'duplicate',
      firstOffset: 17,
    });
    await again.close();
    await log.close().catch(() => undefined);
  });

  it('applies retention by time, size and log start offset', async () => {
    await using dir = await tempDir();
    const now = 1_700_000_100_000;
    const log = await DiskLog.open({
      directory: dir.path,
      topic: 't',
      partition: 0,
      clock: () => now,
      config: { segmentBytes: 500, retentionMs: 50_000, retentionBytes: -1, fileDeleteDelayMs: 0 },
    });
    for (let i = 0; i < 40; i++) await log.append([testBatch({ timestamp: now - 100_000 + i * 2_000 })], LEADER);
    log.setHighWatermark(40);
    const before = log.segmentInfos();
    expect(await log.enforceRetention(now)).toBeGreaterThan(0);
    const after = log.segmentInfos();
    expect(after.every((s) => s.maxTimestamp < 0 || now - s.maxTimestamp <= 50_000 || s.isActive)).toBe(true);
    expect(log.logStartOffset).toBe(after[0]!.baseOffset);
    expect(after.length).toBeLessThan(before.length);
    expect((await log.read(0, { maxBytes: 100 })).error).toBe('OFFSET_OUT_OF_RANGE');
    expect(await readAll(log)).toEqual(Array.from({ length: 40 - log.logStartOffset }, (_, i) => i + log.logStartOffset));
    const files = (await readdir(dir.path)).filter((n) => n.endsWith('.log'));
    expect(files).toHaveLength(after.length);
    await log.close();

    await using dir2 = await tempDir();
    const sized = await DiskLog.open({
      directory: dir2.path,
      topic: 't',
      partition: 0,
      config: { segmentBytes: 500, retentionMs: -1, retentionBytes: 1000, fileDeleteDelayMs: 0 },
    });
    for (let i = 0; i < 40; i++) await sized.append([testBatch()], LEADER);
    sized.setHighWatermark(40);
    await sized.enforceRetention();
    expect(sized.sizeBytes - sized.segmentInfos().at(-1)!.sizeBytes).toBeLessThanOrEqual(1000);
    await sized.deleteRecordsBefore(35);
    await sized.enforceRetention();
    expect(sized.segmentInfos()[0]!.nextOffset).toBeGreaterThan(35);
    await sized.close();
  });

  it('writes leader-epoch-checkpoint in Kafka text format', async () => {
    await using dir = await tempDir();
    const log = await DiskLog.open({ directory: dir.path, topic: 't', partition: 0 });
    await log.append([testBatch({ records: 3 })], { leaderEpoch: 1 });
    await log.append([testBatch()], { leaderEpoch: 4 });
    await log.close();
    expect(await readFile(join(dir.path, 'leader-epoch-checkpoint'), 'utf8')).toBe('0\n2\n1 0\n4 3\n');
  });

  it('holds little memory per idle partition', async () => {
    await using dir = await tempDir();
    const directory = await LogDirectory.open({ path: dir.path, maxOpenFiles: 64 });
    for (let p = 0; p < 200; p++) {
      const log = await directory.openLog('many', p);
      await log.append([testBatch()], LEADER);
    }
    expect(directory.files.openFiles).toBeLessThanOrEqual(64);
    expect(directory.log('many', 17)!.indexMemoryBytes).toBeLessThan(1024);
    await directory.close();
    const reopened = await LogDirectory.open({ path: dir.path });
    expect(reopened.cleanShutdown).toBe(true);
    expect((await reopened.partitionsOnDisk()).length).toBe(200);
    // Closed side by side, every log was closed cleanly: each reopens at its end without a scan.
    for (let p = 0; p < 200; p++) {
      const log = await reopened.openLog('many', p);
      expect([log.logEndOffset, log.recovery.segmentsScanned]).toEqual([1, 0]);
    }
    await reopened.close();
  });

  it('answers a read that can return no batch without reading a file', async () => {
    await using dir = await tempDir();
    let reads = 0;
    const io = faultyIo({ beforeRead: () => void reads++ });
    const log = await DiskLog.open({ directory: dir.path, topic: 't', partition: 0, io });
    for (let i = 0; i < 3; i++) await log.append([testBatch({ records: 2, valueBytes: 100 })], LEADER);
    log.setHighWatermark(4);
    reads = 0;
    // At the high watermark, past it, and with no bytes to spare (a fetch whose budget is spent).
    const empty = [
      await log.read(4, { maxBytes: 1 << 20, maxOffset: 4 }),
      await log.read(5, { maxBytes: 1 << 20, maxOffset: 4 }),
      await log.read(0, { maxBytes: 0, minOneBatch: false }),
    ];
    expect(reads).toBe(0);
    for (const [i, read] of empty.entries()) {
      expect(read).toEqual({
        error: null,
        records: Buffer.alloc(0),
        nextOffset: [4, 5, 0][i],
        logStartOffset: 0,
        logEndOffset: 6,
        highWatermark: 4,
      });
    }
    // Out of range stays out of range, and a read with room still reads.
    expect(await log.read(7, { maxBytes: 0, minOneBatch: false })).toEqual({
      error: 'OFFSET_OUT_OF_RANGE',
      logStartOffset: 0,
      logEndOffset: 6,
    });
    const some = await log.read(0, { maxBytes: 1 << 20, maxOffset: 4 });
    expect(reads).toBeGreaterThan(0);
    expect(headersOf(some.error === null ? some.records : Buffer.alloc(0)).map((h) => h.baseOffset)).toEqual([0, 2]);
    await log.close();
  });
});
