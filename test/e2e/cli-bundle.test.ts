import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const execFileAsync = promisify(execFile);
const REPO = new URL('../..', import.meta.url).pathname;
const mainJs = join(REPO, 'apps', 'strom', 'dist', 'main.js');

/**
 * `apps/strom/dist/main.js`, what `npm start` runs, is a bundle (scripts/bundle-cli.mjs). These
 * are the ways a bundle breaks that the other tests spawning it would not all name: it is not a
 * bundle any more, or a module that finds a file relative to itself (the version, the web
 * console, a worker thread's script) looks beside the bundle instead.
 */
describe('the strom CLI bundle', () => {
  it('loads a handful of files, not a module per source file', async () => {
    // A module hook counts what Node loads from our apps/ and libs/ to run `strom --version`.
    const hook = `
      import { registerHooks } from 'node:module';
      const ours = new Set();
      registerHooks({
        load(url, context, next) {
          if (/\\/(apps|libs)\\/[^/]+\\/dist\\//.test(url)) ours.add(url);
          return next(url, context);
        },
      });
      process.on('exit', () => process.stderr.write(JSON.stringify([...ours]) + '\\n'));
    `;
    const { stdout, stderr } = await execFileAsync(
      process.execPath,
      ['--import', `data:text/javascript,${encodeURIComponent(hook)}`, mainJs, '--version'],
      { encoding: 'utf8', timeout: 30_000 },
    );
    const version = (JSON.parse(readFileSync(join(REPO, 'apps', 'strom', 'package.json'), 'utf8')) as { version: string }).version;
    expect(stdout).toBe(`${version}\n`);
    const loaded = (JSON.parse(stderr.trim().split('\n').pop()!) as string[]).map((url) => url.slice(url.indexOf('/apps/') + 1));
    expect(loaded[0]).toBe('apps/strom/dist/main.js');
    expect(loaded.every((path) => /^apps\/strom\/dist\/(main|chunk-[^/]+)\.js$/.test(path))).toBe(true);
    expect(loaded.length).toBeLessThanOrEqual(5);
  });

  describe('strom start from the bundle', () => {
    let child: ChildProcessWithoutNullStreams;
    let dataDir: string;
    let admin: string;
    let bootstrap: string;

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'strom-bundle-'));
      child = spawn(process.execPath, [mainJs, 'start', '--port', '0', '--admin-port', '0', '--data-dir', dataDir, '--log-level', 'info']);
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const ready = await new Promise<{ kafka: string; admin: string }>((resolve, reject) => {
        createInterface({ input: child.stdout }).on('line', (line) => {
          const entry = JSON.parse(line) as { msg: string; kafka: string; admin: string };
          if (entry.msg.includes('ready (embedded)')) resolve(entry);
        });
        child.once('exit', (code) => reject(new Error(`strom exited (${code}) before it was ready: ${stderr}`)));
      });
      bootstrap = ready.kafka;
      admin = ready.admin;
    }, 60_000);

    afterAll(async () => {
      if (child && child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    it('serves the web console from apps/admin-api/console/dist', async () => {
      const response = await fetch(`${admin}/`);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('<title>Strom console</title>');
    });

    it('runs a regex record search on its worker thread (a script found relative to its module)', async () => {
      const kafka = new Kafka({ clientId: 'strom-bundle', brokers: [bootstrap], logLevel: logLevel.NOTHING });
      const producer = kafka.producer({ allowAutoTopicCreation: true });
      await producer.connect();
      await producer.send({
        topic: 'bundled',
        messages: [
          { key: 'k1', value: 'ORDER-17' },
          { key: 'k2', value: 'invoice-3' },
        ],
      });
      await producer.disconnect();
      const response = await fetch(
        `${admin}/strom/v1/topics/bundled/records?filter=${encodeURIComponent('^ORDER-[0-9]+$')}&filter_mode=regex&fields=value`,
      );
      expect(response.status).toBe(200);
      const body = (await response.json()) as { records: { value: string }[] };
      expect(body.records.map((record) => Buffer.from(record.value, 'base64').toString())).toEqual(['ORDER-17']);
    }, 60_000);
  });
});
