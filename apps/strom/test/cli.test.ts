import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';

const mainJs = new URL('../dist/main.js', import.meta.url).pathname;
const packageVersion = (await import('../package.json', { with: { type: 'json' } })).default.version;

function strom(args: string[]) {
  return spawnSync(process.execPath, [mainJs, ...args], { encoding: 'utf8', timeout: 30_000 });
}

interface LogLine {
  msg: string;
  admin?: string;
  kafka?: string;
  [key: string]: unknown;
}

/** Starts `strom start`, resolving once it logs its ready line. */
async function startStrom(
  args: string[],
): Promise<{ child: ChildProcessWithoutNullStreams; ready: LogLine; lines: LogLine[]; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [mainJs, 'start', ...args], { stdio: 'pipe' });
  const lines: LogLine[] = [];
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = await new Promise<LogLine>((resolve, reject) => {
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    createInterface({ input: child.stdout }).on('line', (text) => {
      const line = JSON.parse(text) as LogLine;
      lines.push(line);
      if (/^Strom .* ready/.test(line.msg)) resolve(line);
    });
    void exited.then((code) => reject(new Error(`strom exited (${code}) before it was ready: ${stderr}`)));
  });
  return { child, ready, lines, exited };
}

describe('the strom CLI', () => {
  it('was built (npm test runs tsc -b first)', () => {
    expect(existsSync(mainJs)).toBe(true);
  });

  it('prints its version', () => {
    const result = strom(['--version']);
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe(packageVersion);
  });

  it('prints help naming the start command and its flags and env names', () => {
    const result = strom(['--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('strom start');
    expect(result.stdout).toMatch(/--port <int>\s+STROM_PORT/);
    expect(result.stdout).toMatch(/--data-dir <string>\s+STROM_DATA_DIR/);
  });

  it('refuses an unknown command and a bad flag with one clear line and exit code 2', () => {
    const unknown = strom(['frobnicate']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    const badFlag = strom(['start', '--port', 'ninety']);
    expect(badFlag.status).toBe(2);
    expect(badFlag.stderr.trim()).toBe(
      'strom start: --port: strom.listener.port: Invalid value ninety for configuration strom.listener.port: Not a number of type INT',
    );
  });

  describe('strom start (embedded mode)', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'strom-cli-'));
    afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

    it('starts, serves health, stops cleanly on SIGTERM and starts again on the same data dir', async () => {
      for (let round = 0; round < 2; round++) {
        const { child, ready, lines, exited } = await startStrom([
          '--port',
          '0',
          '--admin-port',
          '0',
          '--data-dir',
          dataDir,
          '--log-level',
          'info',
        ]);
        expect(ready.msg).toMatch(/^Strom .* ready \(embedded\)$/);
        expect(lines.filter((line) => /^Strom .* ready/.test(line.msg))).toHaveLength(1);
        expect(ready.kafka).toMatch(/^127.0.0.1:[1-9][0-9]*$/);
        const health = await fetch(`${ready.admin}/health`);
        expect(await health.json()).toEqual({ status: 'ok' });
        const readiness = await fetch(`${ready.admin}/ready`);
        expect(readiness.status).toBe(200);
        child.kill('SIGTERM');
        expect(await exited).toBe(0);
        expect(lines.at(-1)?.msg).toBe('strom stopped');
        expect(existsSync(join(dataDir, 'metadata.journal'))).toBe(true);
      }
    }, 90_000);

    it('prints pretty, coloured lines, not JSON, when its stdout is a terminal (a pseudo-terminal from script(1))', async () => {
      const command = [process.execPath, mainJs, 'start', '--port', '0', '--admin-port', '0', '--data-dir', dataDir]
        .map((word) => `'${word}'`)
        .join(' ');
      const child = spawn('script', ['-qfec', command, '/dev/null'], { stdio: 'pipe', env: { ...process.env, NO_COLOR: undefined } });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      let output = '';
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (/ready \(embedded\)/.test(output)) resolve();
        });
        void exited.then((code) => reject(new Error(`script exited (${code}) before strom was ready: ${output}`)));
      });
      child.kill('SIGTERM');
      await exited;
      const escape = '\u001b';
      const lines = output.split(/\r?\n/).map((line) => line.replaceAll(new RegExp(`${escape}\\[[0-9;]*m`, 'g'), ''));
      expect(output).toContain(`${escape}[32mINFO${escape}[39m`);
      expect(lines).toContainEqual(
        expect.stringMatching(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(strom\): Strom .* ready \(embedded\) \{"kafka":"127\.0\.0\.1:\d+"/),
      );
      expect(lines.filter((line) => line.startsWith('{'))).toEqual([]);
    }, 60_000);
  });
});
