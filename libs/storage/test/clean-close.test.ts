import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LogDirectory } from '../src/log-directory.js';
import { headersOf, tempDir, testBatch } from './helpers.js';
import { SimulatedDisk } from './simulated-disk.js';

const LEADER = { leaderEpoch: 0 };
const TOPIC_ID = '5d0c3f0e-2b7a-4c1e-9f3d-8a6b4c2e1f07';
const PRODUCER = 4242n;
/** Small segments and index intervals: the log has sealed segments and index entries. */
const CONFIG = { segmentBytes: 600, indexIntervalBytes: 64 };

const append = (log: Awaited<ReturnType<LogDirectory['openLog']>>, sequence: number) =>
  log.append([testBatch({ producerId: PRODUCER, producerEpoch: 0, baseSequence: sequence })], LEADER);

/**
 * Closing a log (at a broker's shutdown) writes its active segment's indexes, a producer
 * snapshot at the log end and fsyncs: ~25 file operations. A broker with thousands of idle
 * partitions spent seconds doing that for logs with nothing new. Checked on a SimulatedDisk (a
 * power loss keeps only what was fsynced): a log with nothing new writes nothing but a directory
 * fsync, and either way a power loss right after the clean close loses nothing.
 */
describe('closing a log', () => {
  it('writes nothing for a log with nothing new since it opened, and a power loss after that close keeps every record', async () => {
    await using dir = await tempDir('strom-clean-close-');
    const first = await LogDirectory.open({ path: dir.path });
    const written = await first.openLog('t', 0, { topicId: TOPIC_ID, config: CONFIG });
    for (let sequence = 0; sequence < 30; sequence++) await append(written, sequence);
    written.setHighWatermark(written.logEndOffset);
    await first.close();

    const disk = new SimulatedDisk(dir.path);
    const second = await LogDirectory.open({ path: dir.path, io: disk });
    expect(second.cleanShutdown).toBe(true);
    const idle = await second.openLog('t', 0, { topicId: TOPIC_ID, config: CONFIG });
    const files = readdirSync(join(dir.path, 't-0')).sort();
    const before = disk.operations;
    await idle.close();
    expect(disk.operations - before).toBe(1); // the directory fsync, nothing else
    expect(readdirSync(join(dir.path, 't-0')).sort()).toEqual(files);
    // A new, empty partition: its segment file's name is all there is to make durable.
    const empty = await second.openLog('t', 1, { topicId: TOPIC_ID, config: CONFIG });
    const beforeEmpty = disk.operations;
    await empty.close();
    expect(disk.operations - beforeEmpty).toBe(1);
    await second.close();
    disk.crash();

    const third = await LogDirectory.open({ path: dir.path });
    expect(third.cleanShutdown).toBe(true);
    const reopened = await third.openLog('t', 0, { topicId: TOPIC_ID, config: CONFIG });
    expect(reopened.logEndOffset).toBe(30);
    expect(reopened.producerState(PRODUCER)!.batches.map((batch) => batch.firstSequence)).toEqual([25, 26, 27, 28, 29]);
    expect(await append(reopened, 29)).toMatchObject({ kind: 'duplicate', firstOffset: 29 });
    const emptyAgain = await third.openLog('t', 1, { topicId: TOPIC_ID, config: CONFIG });
    expect(emptyAgain.logEndOffset).toBe(0);
    expect(await append(emptyAgain, 0)).toMatchObject({ kind: 'appended', firstOffset: 0 });
    await third.close();
  });

  it('makes what was appended since it opened durable: indexes, the producer snapshot at the log end and the records survive a power loss right after', async () => {
    await using dir = await tempDir('strom-clean-close-');
    const first = await LogDirectory.open({ path: dir.path });
    const log = await first.openLog('t', 0, { topicId: TOPIC_ID, config: CONFIG });
    for (let sequence = 0; sequence < 10; sequence++) await append(log, sequence);
    await first.close();

    const disk = new SimulatedDisk(dir.path);
    const second = await LogDirectory.open({ path: dir.path, io: disk });
    const appended = await second.openLog('t', 0, { topicId: TOPIC_ID, config: CONFIG });
    for (let sequence = 10; sequence < 17; sequence++) await append(appended, sequence);
    appended.setHighWatermark(appended.logEndOffset);
    await second.close();
    disk.crash();

    const third = await LogDirectory.open({ path: dir.path });
    expect(third.cleanShutdown).toBe(true);
    const reopened = await third.openLog('t', 0, { topicId: TOPIC_ID, config: CONFIG });
    expect(reopened.recovery.segmentsScanned).toBe(0);
    expect(reopened.logEndOffset).toBe(17);
    expect(readdirSync(join(dir.path, 't-0'))).toContain('00000000000000000017.snapshot');
    const offsets: number[] = [];
    for (let at = 0; at < 17;) {
      const read = await reopened.read(at, { maxBytes: 1 << 20 });
      if (read.error !== null) throw new Error(`offset ${at}: ${read.error}`);
      offsets.push(...headersOf(read.records).map((header) => header.baseOffset));
      at = read.nextOffset;
    }
    expect(offsets).toEqual(Array.from({ length: 17 }, (_, offset) => offset));
    expect(await append(reopened, 16)).toMatchObject({ kind: 'duplicate', firstOffset: 16 });
    // A log closed twice in a row without appends in between keeps the snapshot it has.
    await third.close();
    const fourth = await LogDirectory.open({ path: dir.path });
    await (await fourth.openLog('t', 0, { topicId: TOPIC_ID, config: CONFIG })).close();
    expect(readdirSync(join(dir.path, 't-0')).filter((name) => name.endsWith('.snapshot'))).toContain('00000000000000000017.snapshot');
    await fourth.close();
  });
});
