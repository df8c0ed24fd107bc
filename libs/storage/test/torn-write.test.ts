import { copyFile, mkdir, readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LogConfig } from '../src/config.js';
import { DiskLog } from '../src/disk-log.js';
import { tempDir, testBatch } from './helpers.js';

const CONFIG: Partial<LogConfig> = { indexIntervalBytes: 150 };
const SEGMENT = '00000000000000000000';
const BATCHES = 8;

async function writeLog(directory: string, batches: readonly Buffer[]): Promise<void> {
  const log = await DiskLog.open({ directory, topic: 't', partition: 0, config: CONFIG });
  for (const batch of batches) await log.append([Buffer.from(batch)], { leaderEpoch: 1 });
  await log.close();
}

/** Opens `directory` as after a crash (no clean shutdown, recovery point 0) and reports what survived. */
async function recover(
  directory: string,
): Promise<{ end: number; bytes: Buffer; fileBytes: number; index: Buffer; timeIndex: Buffer; scanned: number }> {
  const log = await DiskLog.open({ directory, topic: 't', partition: 0, config: CONFIG, cleanShutdown: false, recoveryPoint: 0 });
  const read = await log.read(0, { maxBytes: 1 << 20 });
  if (read.error) throw new Error(read.error);
  const scanned = log.recovery.segmentsScanned;
  const end = log.logEndOffset;
  await log.close();
  return {
    end,
    bytes: read.records,
    fileBytes: (await readFile(join(directory, `${SEGMENT}.log`))).length,
    index: await readFile(join(directory, `${SEGMENT}.index`)),
    timeIndex: await readFile(join(directory, `${SEGMENT}.timeindex`)),
    scanned,
  };
}

describe('torn-write recovery', () => {
  it('keeps exactly the complete valid batches for every cut and bit flip of the last batch', async () => {
    await using dir = await tempDir();
    const batches = Array.from({ length: BATCHES }, (_, i) =>
      testBatch({ records: 2, valueBytes: 10 + i * 7, timestamp: 1_000 + i * 10, tag: `b${i}` }),
    );
    const full = join(dir.path, 'full');
    const reference = join(dir.path, 'reference');
    await writeLog(full, batches);
    await writeLog(reference, batches.slice(0, -1));
    const logFile = await readFile(join(full, `${SEGMENT}.log`));
    const reference7 = {
      log: await readFile(join(reference, `${SEGMENT}.log`)),
      index: await readFile(join(reference, `${SEGMENT}.index`)),
      timeIndex: await readFile(join(reference, `${SEGMENT}.timeindex`)),
    };
    const lastStart = reference7.log.length;
    const lastBase = 2 * (BATCHES - 1);
    expect(reference7.index.length).toBeGreaterThan(8); // the test exercises real index entries

    const work = join(dir.path, 'work');
    const prepare = async (mutate: (path: string) => Promise<void>): Promise<void> => {
      await rm(work, { recursive: true, force: true });
      await mkdir(work);
      for (const name of await readdir(full)) await copyFile(join(full, name), join(work, name));
      // A crash leaves stale index files and a snapshot at the old end: recovery must not trust them.
      await mutate(join(work, `${SEGMENT}.log`));
    };

    let cases = 0;
    for (let cut = lastStart; cut < logFile.length; cut++) {
      await prepare((path) => truncate(path, cut));
      const recovered = await recover(work);
      expect(recovered.end, `cut at ${cut}`).toBe(lastBase);
      expect(recovered.bytes.equals(reference7.log), `cut at ${cut}`).toBe(true);
      expect(recovered.fileBytes, `file after cut at ${cut}`).toBe(reference7.log.length);
      expect(recovered.index.equals(reference7.index), `index after cut at ${cut}`).toBe(true);
      expect(recovered.timeIndex.equals(reference7.timeIndex), `time index after cut at ${cut}`).toBe(true);
      cases++;
    }
    // Bit flips: every CRC-covered byte, the length and the magic. baseOffset (0..7) and
    // partitionLeaderEpoch (12..15) are outside Kafka's CRC by design, as in Kafka.
    for (let at = lastStart + 8; at < logFile.length; at++) {
      const inBatch = at - lastStart;
      if (inBatch >= 12 && inBatch < 16) continue;
      await prepare(async (path) => {
        const bytes = Buffer.from(logFile);
        bytes[at] = bytes[at]! ^ (1 << (at % 8));
        await writeFile(path, bytes);
      });
      const recovered = await recover(work);
      expect(recovered.end, `flip at ${at}`).toBe(lastBase);
      expect(recovered.bytes.equals(reference7.log), `flip at ${at}`).toBe(true);
      expect(recovered.fileBytes, `file after flip at ${at}`).toBe(reference7.log.length);
      expect(recovered.index.equals(reference7.index), `index after flip at ${at}`).toBe(true);
      cases++;
    }
    // And intact: all batches kept, indexes equal the ones written while appending.
    await prepare(async () => {});
    const intact = await recover(work);
    expect(intact.end).toBe(2 * BATCHES);
    expect(intact.bytes.equals(logFile)).toBe(true);
    expect(intact.index.equals(await readFile(join(full, `${SEGMENT}.index`)))).toBe(true);
    expect(intact.timeIndex.equals(await readFile(join(full, `${SEGMENT}.timeindex`)))).toBe(true);
    expect(cases).toBeGreaterThan(150);
  });

  it('does not scan after a clean shutdown', async () => {
    await using dir = await tempDir();
    await writeLog(dir.path, [testBatch(), testBatch()]);
    const log = await DiskLog.open({
      directory: dir.path,
      topic: 't',
      partition: 0,
      config: CONFIG,
      cleanShutdown: true,
      recoveryPoint: 2,
    });
    expect(log.recovery.segmentsScanned).toBe(0);
    expect(log.logEndOffset).toBe(2);
    await log.close();
  });
});
