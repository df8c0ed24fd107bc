// Partition-log benchmarks (issue 5). Run from the repo root:
//   npm run bench -- storage [MiB per case, default 256]
// (builds first: this imports the built @strom/storage, so plain `node` runs it). Prints one
// line per figure. Append cases run side by side with a raw `fs` sequential-write baseline of
// the same batch sizes, in the same process, on the same disk.
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBatch, DiskLog, LogDirectory, type LogConfig } from '@strom/storage';

const MIB = 1024 * 1024;
const totalMiB = Number(process.argv[2] ?? 256);
const base = await mkdtemp(join(process.env.BENCH_DIR ?? tmpdir(), 'strom-bench-'));

function batchOf(batchBytes: number): Buffer {
  const records = Math.max(1, Math.round(batchBytes / 1024));
  return buildBatch({
    records: Array.from({ length: records }, (_, i) => ({
      key: Buffer.from(`key-${i}`),
      value: Buffer.alloc(1024 - 80 + 60, i),
      timestamp: Date.now(),
    })),
  });
}

const mbps = (bytes: number, ms: number): string => (bytes / MIB / (ms / 1000)).toFixed(0);

async function rawWrite(batch: Buffer, count: number, fsyncEach = false): Promise<number> {
  const path = join(base, `raw-${batch.length}-${fsyncEach}`);
  const handle = await open(path, 'w');
  const start = performance.now();
  for (let i = 0, position = 0; i < count; i++, position += batch.length) {
    await handle.write(batch, 0, batch.length, position);
    if (fsyncEach) await handle.sync();
  }
  const ms = performance.now() - start;
  await handle.close();
  await rm(path);
  return ms;
}

async function logAppend(batch: Buffer, count: number, config: Partial<LogConfig> = {}, inFlight = 1): Promise<number> {
  const directory = join(base, `log-${batch.length}-${Math.random().toString(36).slice(2)}`);
  const log = await DiskLog.open({ directory, topic: 'bench', partition: 0, config });
  const buffers = Array.from({ length: inFlight }, () => Buffer.from(batch));
  const start = performance.now();
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < count; i++) {
    pending.push(log.append([buffers[i % inFlight]!], { leaderEpoch: 0 }));
    if (pending.length >= inFlight) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  const ms = performance.now() - start;
  await log.close();
  await rm(directory, { recursive: true });
  return ms;
}

for (const batchBytes of process.env.BENCH_ONLY_MEMORY ? [] : [16 * 1024, MIB]) {
  const batch = batchOf(batchBytes);
  const count = Math.ceil((totalMiB * MIB) / batch.length);
  const bytes = count * batch.length;
  // Alternate to share disk/page-cache conditions; best of two rounds each.
  const raw: number[] = [];
  const log: number[] = [];
  for (let round = 0; round < 2; round++) {
    raw.push(await rawWrite(batch, count));
    log.push(await logAppend(batch, count));
  }
  const rawBest = Math.min(...raw);
  const logBest = Math.min(...log);
  process.stdout.write(
    `append ${batch.length} B batches: log ${mbps(bytes, logBest)} MB/s vs raw fs ${mbps(bytes, rawBest)} MB/s (ratio ${(rawBest / logBest).toFixed(2)}) over ${(bytes / MIB).toFixed(0)} MiB\n`,
  );
}

{
  const batch = batchOf(16 * 1024);
  const count = Math.ceil((Math.min(totalMiB, 64) * MIB) / batch.length);
  const bytes = count * batch.length;
  const group = await logAppend(batch, count, { fsyncMode: 'group' }, 64);
  const rawSync = await rawWrite(batch, Math.ceil(count / 16), true);
  process.stdout.write(
    `group-commit fsync, 16 KiB batches, 64 appends in flight: ${mbps(bytes, group)} MB/s; raw write+fsync per batch: ${mbps((count / 16) * batch.length, rawSync)} MB/s\n`,
  );
}

{
  // Read from page cache, then recovery of the same data as an unflushed active segment.
  const directory = join(base, 'read');
  const batch = batchOf(16 * 1024);
  const count = Math.ceil((totalMiB * MIB) / batch.length);
  const log = await DiskLog.open({ directory, topic: 'bench', partition: 0, config: { segmentBytes: 1024 * MIB } });
  for (let i = 0; i < count; i++) await log.append([Buffer.from(batch)], { leaderEpoch: 0 });
  let bytes = 0;
  const start = performance.now();
  for (let offset = 0; offset < log.logEndOffset;) {
    const read = await log.read(offset, { maxBytes: MIB });
    if (read.error) throw new Error(read.error);
    bytes += read.records.length;
    offset = read.nextOffset;
  }
  process.stdout.write(`read from page cache, 1 MiB fetches: ${mbps(bytes, performance.now() - start)} MB/s\n`);
  {
    // The client defaults' small batches (one ~100-byte record each): a read costs its bytes,
    // not a walk over some 10,000 batch headers per MiB.
    const small = join(base, 'read-small');
    const one = buildBatch({ records: [{ key: null, value: Buffer.alloc(30, 7), timestamp: Date.now() }] });
    const smallLog = await DiskLog.open({ directory: small, topic: 'bench', partition: 0, config: { segmentBytes: 1024 * MIB } });
    const perAppend = 1000;
    const appends = Math.ceil((Math.min(totalMiB, 256) * MIB) / one.length / perAppend);
    for (let i = 0; i < appends; i++)
      await smallLog.append(
        Array.from({ length: perAppend }, () => Buffer.from(one)),
        { leaderEpoch: 0 },
      );
    let smallBytes = 0;
    let fetches = 0;
    const smallStart = performance.now();
    for (let offset = 0; offset < smallLog.logEndOffset; fetches++) {
      const read = await smallLog.read(offset, { maxBytes: MIB });
      if (read.error) throw new Error(read.error);
      smallBytes += read.records.length;
      offset = read.nextOffset;
    }
    const elapsedMs = performance.now() - smallStart;
    process.stdout.write(
      `read from page cache, 1 MiB fetches of ${one.length}-byte batches: ${mbps(smallBytes, elapsedMs)} MB/s, ${((elapsedMs * 1000) / fetches).toFixed(0)} us per fetch\n`,
    );
    await smallLog.close();
  }
  // Crash: the log is abandoned without close; recovery scans and CRC-checks the whole active segment.
  await log.files.closeAll();
  const recoverStart = performance.now();
  const recovered = await DiskLog.open({ directory, topic: 'bench', partition: 0, config: { segmentBytes: 1024 * MIB }, recoveryPoint: 0 });
  const seconds = (performance.now() - recoverStart) / 1000;
  const gib = recovered.recovery.bytesScanned / (1024 * MIB);
  process.stdout.write(
    `recovery: ${seconds.toFixed(2)} s for ${(gib * 1024).toFixed(0)} MiB active segment = ${(seconds / gib).toFixed(2)} s/GiB\n`,
  );
  await recovered.close();
}

{
  const gc = (globalThis as { gc?: () => void }).gc;
  const directoryPath = join(base, 'idle');
  const directory = await LogDirectory.open({ path: directoryPath, maxOpenFiles: 256 });
  const batch = batchOf(1024);
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 4; i++) {
      gc?.();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  await settle();
  const before = process.memoryUsage();
  for (let p = 0; p < 1000; p++) {
    const log = await directory.openLog('idle', p);
    await log.append([Buffer.from(batch)], { leaderEpoch: 0 });
  }
  await settle();
  const after = process.memoryUsage();
  const kib = (after.heapUsed + after.external - before.heapUsed - before.external) / 1024;
  process.stdout.write(
    `memory for 1000 idle partitions (one batch each): ${(kib / 1024).toFixed(1)} MiB heap+external (${(kib / 1000).toFixed(1)} KiB each)${gc ? '' : ' [run with --expose-gc for exact figures]'}\n`,
  );
  await directory.close();
}

await rm(base, { recursive: true, force: true });
