import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStromCli, STROM_MAIN, type StromCli } from './strom-cli-process.js';

const execFileAsync = promisify(execFile);
const REPO = new URL('../..', import.meta.url).pathname;

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
      ['--import', `data:text/javascript,${encodeURIComponent(hook)}`, STROM_MAIN, '--version'],
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
    let strom: StromCli;
    let dataDir: string;

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'strom-bundle-'));
      strom = await startStromCli(dataDir);
    }, 60_000);

    afterAll(async () => {
      await strom?.stop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    it('serves the web console from apps/admin-api/console/dist', async () => {
      const response = await fetch(`${strom.admin}/`);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('<title>Strom console</title>');
    });

    it('runs a regex record search on its worker thread (a script found relative to its module)', async () => {
      const kafka = new Kafka({ clientId: 'strom-bundle', brokers: [strom.bootstrap], logLevel: logLevel.NOTHING });
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
        `${strom.admin}/strom/v1/topics/bundled/records?filter=${encodeURIComponent('^ORDER-[0-9]+$')}&filter_mode=regex&fields=value`,
      );
      expect(response.status).toBe(200);
      const body = (await response.json()) as { records: { value: string }[] };
      expect(body.records.map((record) => Buffer.from(record.value, 'base64').toString())).toEqual(['ORDER-17']);
    }, 60_000);
  });
});
