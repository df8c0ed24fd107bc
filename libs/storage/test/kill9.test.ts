import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkBatch } from '../src/batch.js';
import { LogDirectory } from '../src/log-directory.js';
import { headersOf, tempDir } from './helpers.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** Runs the appender until it has acknowledged `minAcked` appends, then SIGKILLs it. */
async function runAndKill(path: string, minAcked: number): Promise<number> {
  const child = spawn(
    process.execPath,
    ['--conditions=strom-source', '--import', `${fixtures}ts-hooks.mjs`, `${fixtures}appender.ts`, path, 'policy'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let lastAcked = -1;
  let acked = 0;
  let pending = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`appender exited ${code}: ${stderr}`))));
    child.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('ready')) continue;
        lastAcked = Number(line);
        if (++acked === minAcked) child.kill('SIGKILL');
      }
    });
  });
  return lastAcked;
}

describe('kill -9', () => {
  it('keeps every acknowledged append, offsets contiguous, across repeated crashes', async () => {
    await using dir = await tempDir();
    for (const round of [1, 2, 3]) {
      const lastAcked = await runAndKill(dir.path, 1500 * round);
      const directory = await LogDirectory.open({ path: dir.path });
      expect(directory.cleanShutdown).toBe(false);
      const log = await directory.openLog('crash', 0, { config: { segmentBytes: 256 * 1024 } });
      expect(log.logEndOffset).toBeGreaterThan(lastAcked);
      let offset = 0;
      let batches = 0;
      while (offset < log.logEndOffset) {
        const read = await log.read(offset, { maxBytes: 1 << 20 });
        if (read.error) throw new Error(read.error);
        let at = 0;
        for (const header of headersOf(read.records)) {
          expect(header.baseOffset).toBe(offset);
          expect(checkBatch(read.records, at, header.sizeBytes)).toBeNull();
          at += header.sizeBytes;
          offset = header.lastOffset + 1;
          batches++;
        }
      }
      expect(offset).toBe(log.logEndOffset);
      expect(batches).toBeGreaterThan(1500 * round - 1);
      await directory.close();
    }
  }, 60_000);
});
