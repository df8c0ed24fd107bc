import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DiskLog } from '../src/disk-log.js';
import { LogOfflineError } from '../src/errors.js';
import { CLEAN_SHUTDOWN_MARKER, RECOVERY_POINT_CHECKPOINT } from '../src/files.js';
import { LogDirectory } from '../src/log-directory.js';
import { diskError, faultyIo } from './faulty-io.js';
import { headersOf, tempDir, testBatch } from './helpers.js';

const LEADER = { leaderEpoch: 0 };
const TOPIC_ID = '0b8e7c1e-4a51-4a39-8e0c-3a0f3c7a1d01';

async function baseOffsets(log: DiskLog): Promise<number[]> {
  const bases: number[] = [];
  for (let offset = log.logStartOffset; offset < log.logEndOffset;) {
    const read = await log.read(offset, { maxBytes: 1 << 20 });
    if (read.error) throw new Error(read.error);
    bases.push(...headersOf(read.records).map((header) => header.baseOffset));
    offset = read.nextOffset;
  }
  return bases;
}

/** A disk that can fill up (ENOSPC) or fail (EIO) on demand, counting the writes it sees. */
function failingDisk() {
  const disk = {
    write: undefined as Error | undefined,
    sync: undefined as Error | undefined,
    read: undefined as Error | undefined,
    truncate: undefined as Error | undefined,
    /** Bytes the next write lands before the disk is full (then `write` fails the rest). */
    shortWriteBytes: undefined as number | undefined,
    writes: 0,
  };
  const io = faultyIo({
    beforeWrite: () => {
      disk.writes++;
      return disk.write;
    },
    shortWrite: () => {
      const landed = disk.shortWriteBytes;
      disk.shortWriteBytes = undefined;
      return landed;
    },
    beforeSync: () => disk.sync,
    beforeRead: () => disk.read,
    beforeTruncate: () => disk.truncate,
    beforeRename: () => disk.write,
  });
  return { disk, io };
}

describe('DiskLog on a failing disk', () => {
  it('refuses writes after ENOSPC, keeps serving what was written, and recovery cuts the torn write', async () => {
    await using dir = await tempDir();
    const { disk, io } = failingDisk();
    const log = await DiskLog.open({ directory: dir.path, topic: 't', partition: 0, io });
    for (let i = 0; i < 3; i++) await log.append([testBatch({ records: 2 })], LEADER);
    const committedBytes = log.sizeBytes;

    // Half the batch lands, then the disk is full; the cleanup truncation fails too (EIO), so
    // the torn bytes stay in the file for recovery to find.
    disk.shortWriteBytes = 40;
    disk.write = diskError('ENOSPC');
    disk.truncate = diskError('EIO', 'ftruncate');
    const error = await log.append([testBatch({ records: 2 })], LEADER).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LogOfflineError);
    expect((error as LogOfflineError).errorName).toBe('KAFKA_STORAGE_ERROR');
    expect(((error as LogOfflineError).cause as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect(log.isOffline).toBe(true);
    expect(log.logEndOffset).toBe(6);

    const writesBefore = disk.writes;
    await expect(log.append([testBatch()], LEADER)).rejects.toBe(error);
    await expect(log.flush()).rejects.toBe(error);
    await expect(log.truncateTo(2)).rejects.toBe(error);
    expect(disk.writes).toBe(writesBefore);
    expect(await baseOffsets(log)).toEqual([0, 2, 4]);
    expect(await log.listOffset('latest')).toEqual({ offset: 6, timestamp: -1 });
    const segment = join(dir.path, '00000000000000000000.log');
    expect((await stat(segment)).size).toBe(committedBytes + 40);
    await log.close();

    const reopened = await DiskLog.open({ directory: dir.path, topic: 't', partition: 0 });
    expect(reopened.recovery.bytesTruncated).toBe(40);
    expect((await stat(segment)).size).toBe(committedBytes);
    expect(reopened.logEndOffset).toBe(6);
    expect(await baseOffsets(reopened)).toEqual([0, 2, 4]);
    await reopened.close();

    // Closed cleanly with nothing appended: the next start trusts the files and finds them whole.
    const clean = await DiskLog.open({ directory: dir.path, topic: 't', partition: 0, cleanShutdown: true });
    expect(await baseOffsets(clean)).toEqual([0, 2, 4]);
    expect(await clean.append([testBatch()], LEADER)).toMatchObject({ kind: 'appended', firstOffset: 6 });
    await clean.close();
  });

  it('takes back a torn write itself when the file can still be truncated', async () => {
    await using dir = await tempDir();
    const { disk, io } = failingDisk();
    const log = await DiskLog.open({ directory: dir.path, topic: 't', partition: 0, io });
    await log.append([testBatch({ records: 2 })], LEADER);
    const committedBytes = log.sizeBytes;
    disk.shortWriteBytes = 25;
    disk.write = diskError('ENOSPC');
    await expect(log.append([testBatch()], LEADER)).rejects.toBeInstanceOf(LogOfflineError);
    expect((await stat(join(dir.path, '00000000000000000000.log'))).size).toBe(committedBytes);
    await log.close();
  });

  it('goes offline when an fsync fails (EIO), keeping the acknowledged records readable', async () => {
    await using dir = await tempDir();
    const { disk, io } = failingDisk();
    const log = await DiskLog.open({ directory: dir.path, topic: 't', partition: 0, io, config: { flushMessages: 1 } });
    await log.append([testBatch({ records: 3 })], LEADER);
    disk.sync = diskError('EIO', 'fsync');
    await expect(log.append([testBatch()], LEADER)).rejects.toBeInstanceOf(LogOfflineError);
    expect(log.isOffline).toBe(true);
    expect((await baseOffsets(log)).slice(0, 1)).toEqual([0]);
    await log.close();

    const reopened = await DiskLog.open({ directory: dir.path, topic: 't', partition: 0 });
    expect(reopened.logEndOffset).toBeGreaterThanOrEqual(3);
    expect((await baseOffsets(reopened))[0]).toBe(0);
    await reopened.close();
  });

  it('answers a failed read with LogOfflineError and serves reads again once they succeed', async () => {
    await using dir = await tempDir();
    const { disk, io } = failingDisk();
    const offline: LogOfflineError[] = [];
    const log = await DiskLog.open({ directory: dir.path, topic: 't', partition: 0, io, onOffline: (e) => offline.push(e) });
    await log.append([testBatch({ records: 2 })], LEADER);
    disk.read = diskError('EIO', 'read');
    await expect(log.read(0, { maxBytes: 1 << 20 })).rejects.toBeInstanceOf(LogOfflineError);
    expect(offline).toHaveLength(1);
    await expect(log.append([testBatch()], LEADER)).rejects.toBe(offline[0]);
    disk.read = undefined;
    expect(await baseOffsets(log)).toEqual([0]);
    expect(offline).toHaveLength(1);
    await log.close();
  });
});

describe('LogDirectory on a failing disk', () => {
  it("takes the whole directory offline on one log's ENOSPC: no writes, no checkpoints, reads go on", async () => {
    await using dir = await tempDir();
    const { disk, io } = failingDisk();
    const failures: LogOfflineError[] = [];
    const directory = await LogDirectory.open({ path: dir.path, io, onOffline: (error) => failures.push(error) });
    const a = await directory.openLog('a', 0, { topicId: TOPIC_ID });
    const b = await directory.openLog('b', 0, { topicId: TOPIC_ID });
    for (let i = 0; i < 4; i++) {
      await a.append([testBatch()], LEADER);
      await b.append([testBatch({ records: 2 })], LEADER);
    }
    await directory.checkpoint();
    const checkpointed = await stat(join(dir.path, RECOVERY_POINT_CHECKPOINT));

    disk.write = diskError('ENOSPC');
    await expect(a.append([testBatch()], LEADER)).rejects.toBeInstanceOf(LogOfflineError);
    expect(failures).toHaveLength(1);
    expect(directory.offline).toBe(failures[0]);
    expect(b.isOffline).toBe(true);

    // Space is back, yet the directory stays offline until a restart: its state may not match its files.
    disk.write = undefined;
    const writesBefore = disk.writes;
    await expect(b.append([testBatch()], LEADER)).rejects.toBeInstanceOf(LogOfflineError);
    await directory.checkpoint();
    await expect(directory.openLog('c', 0, { topicId: TOPIC_ID })).rejects.toBe(failures[0]);
    expect(disk.writes).toBe(writesBefore);
    expect((await stat(join(dir.path, RECOVERY_POINT_CHECKPOINT))).mtimeMs).toBe(checkpointed.mtimeMs);
    expect(await baseOffsets(a)).toEqual([0, 1, 2, 3]);
    expect(await baseOffsets(b)).toEqual([0, 2, 4, 6]);
    expect(failures).toHaveLength(1);

    await directory.close();
    expect(await readdir(dir.path)).not.toContain(CLEAN_SHUTDOWN_MARKER);
    expect(await readdir(dir.path)).not.toContain('c-0');

    const restarted = await LogDirectory.open({ path: dir.path });
    expect(restarted.cleanShutdown).toBe(false);
    expect(await baseOffsets(await restarted.openLog('a', 0, { topicId: TOPIC_ID }))).toEqual([0, 1, 2, 3]);
    const reopenedB = await restarted.openLog('b', 0, { topicId: TOPIC_ID });
    expect(await baseOffsets(reopenedB)).toEqual([0, 2, 4, 6]);
    expect(await reopenedB.append([testBatch()], LEADER)).toMatchObject({ kind: 'appended', firstOffset: 8 });
    await restarted.close();
    expect(await readdir(dir.path)).toContain(CLEAN_SHUTDOWN_MARKER);
  });

  it('goes offline when a checkpoint cannot be written, and leaves no temporary file behind', async () => {
    await using dir = await tempDir();
    const { disk, io } = failingDisk();
    const directory = await LogDirectory.open({ path: dir.path, io });
    const log = await directory.openLog('a', 0, { topicId: TOPIC_ID });
    await log.append([testBatch()], LEADER);
    disk.write = diskError('ENOSPC');
    await expect(directory.checkpoint()).rejects.toBeInstanceOf(LogOfflineError);
    expect(directory.offline).not.toBeNull();
    expect(log.isOffline).toBe(true);
    expect((await readdir(dir.path)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    expect(await baseOffsets(log)).toEqual([0]);
    await directory.close();
  });
});
