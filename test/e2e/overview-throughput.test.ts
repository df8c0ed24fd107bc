import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureAptCommand, freePort } from '@strom/testing';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freshDatabase, listenerPort, startApp, type AppProcess } from './app-process.js';

const REPO = new URL('../../', import.meta.url);
const TOPIC = 'traffic';
const RECORD_BYTES = 1_000;

interface Rates {
  bytes_in_per_sec: number;
  bytes_out_per_sec: number;
  messages_in_per_sec: number;
}

interface Overview {
  brokers: { broker_id: number }[];
  throughput: (Rates & { brokers: (Rates & { broker_id: number; window_ms: number })[] }) | null;
  throughput_unavailable_reason?: string;
}

/**
 * The console overview's throughput in a distributed cluster: two broker processes, the metadata
 * and coordinator apps on real NATS and Postgres, and the admin API as its own process, whose
 * /metrics holds none of the brokers' counters. The brokers publish their traffic totals on the
 * bus; the admin API's /strom/v1/overview answers each broker's rates and their sums while a
 * kafkajs producer writes to a partition led by each, the console shows them, and a killed
 * broker leaves the figures within a few of its report intervals.
 */
describe('throughput in the overview of a distributed cluster', () => {
  const apps: AppProcess[] = [];
  const brokers = new Map<number, AppProcess>();
  let root = '';
  let base = '';
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let browser: Browser | undefined;
  let ajv: Ajv;

  beforeAll(async () => {
    const databaseUrl = await freshDatabase(`strom_overview_throughput_${process.pid}`);
    const env = { STROM_NATS_URL: inject('natsUrl'), DATABASE_URL: databaseUrl };
    apps.push(await startApp('metadata', env), await startApp('coordinator', env));
    root = mkdtempSync(join(tmpdir(), 'strom-overview-throughput-'));
    for (const id of [1, 2]) {
      const broker = await startApp('broker', env, ['--node-id', String(id), '--port', '0', '--data-dir', join(root, `broker-${id}`)]);
      apps.push(broker);
      brokers.set(id, broker);
    }
    const bootstrap = `127.0.0.1:${listenerPort(brokers.get(1)!)}`;
    const adminPort = await freePort();
    base = `http://127.0.0.1:${adminPort}`;
    apps.push(
      await startApp('admin-api', {
        STROM_NATS_URL: inject('natsUrl'),
        STROM_ADMIN_PORT: String(adminPort),
        STROM_ADMIN_BOOTSTRAP_SERVERS: bootstrap,
      }),
    );
    const document = (await (await fetch(`${base}/strom/v1/openapi.json`)).json()) as { components: unknown };
    ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema({ components: document.components }, 'strom');
    kafka = new Kafka({ clientId: 'overview-throughput-test', brokers: [bootstrap], logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: TOPIC,
          replicaAssignment: [
            { partition: 0, replicas: [1] },
            { partition: 1, replicas: [2] },
          ],
        },
      ],
    });
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await producer?.disconnect().catch(() => undefined);
    await admin?.disconnect().catch(() => undefined);
    for (const app of apps.reverse()) app.child.kill('SIGKILL');
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** The overview, checked against the admin API's own OpenAPI document. */
  async function overview(): Promise<Overview> {
    const response = await fetch(`${base}/strom/v1/overview`);
    expect(response.status).toBe(200);
    const answer = (await response.json()) as Overview;
    const validate = ajv.getSchema('strom#/components/schemas/Overview')!;
    if (!validate(answer)) throw new Error(`not a valid Overview: ${ajv.errorsText(validate.errors)}`);
    return answer;
  }

  /** Sends a record to each partition every 50 ms until the returned function is called. */
  function steadyTraffic(): () => Promise<void> {
    let sending = true;
    const loop = (async () => {
      while (sending) {
        await producer.send({
          topic: TOPIC,
          messages: [0, 1].map((partition) => ({ partition, value: 'x'.repeat(RECORD_BYTES) })),
        });
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    return async () => {
      sending = false;
      await loop;
    };
  }

  it("answers each broker's bytes in and their sum while a producer writes to both, though this process has no broker counters", async () => {
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).not.toContain('kafka_server_brokertopicmetrics_bytesin_total');
    const stop = steadyTraffic();
    try {
      await expect
        .poll(async () => (await overview()).throughput?.brokers.filter((broker) => broker.bytes_in_per_sec > RECORD_BYTES).length, {
          timeout: 15_000,
          interval: 250,
        })
        .toBe(2);
      const answer = await overview();
      const throughput = answer.throughput!;
      expect(throughput.brokers.map((broker) => broker.broker_id)).toEqual([1, 2]);
      for (const broker of throughput.brokers) {
        // Within the producer's pace: at most a record per partition every 50 ms, and a batch is a little larger than its record.
        expect(broker.bytes_in_per_sec).toBeLessThan(2 * 20 * RECORD_BYTES);
        expect(broker.messages_in_per_sec).toBeGreaterThan(0);
        expect(broker.window_ms).toBeGreaterThanOrEqual(990);
      }
      const sum = (rate: keyof Rates) => throughput.brokers.reduce((total, broker) => total + broker[rate], 0);
      expect(throughput.bytes_in_per_sec).toBeCloseTo(sum('bytes_in_per_sec'), 6);
      expect(throughput.messages_in_per_sec).toBeCloseTo(sum('messages_in_per_sec'), 6);
      expect(answer.throughput_unavailable_reason).toBeUndefined();
    } finally {
      await stop();
    }
  }, 60_000);

  it('shows the throughput on the console it serves', async () => {
    const build = spawnSync(process.execPath, ['scripts/build-console.mjs'], { cwd: REPO, stdio: 'inherit' });
    expect(build.status).toBe(0);
    browser = await chromium.launch({ executablePath: ensureAptCommand('chromium', 'chromium'), headless: true, args: ['--no-sandbox'] });
    const page = await browser.newPage();
    page.setDefaultTimeout(10_000);
    const stop = steadyTraffic();
    try {
      await page.goto(`${base}/`);
      const bytesIn = page.locator('.cards div:has(dt:text-is("Bytes in")) dd');
      await expect
        .poll(async () => ((await bytesIn.count()) > 0 ? Number((await bytesIn.innerText()).replace(/[^\d]/g, '')) : 0), {
          timeout: 15_000,
          interval: 250,
        })
        .toBeGreaterThan(RECORD_BYTES);
      await expect
        .poll(async () => page.getByRole('note').filter({ hasText: 'Throughput of all topics' }).innerText(), { timeout: 10_000 })
        .toContain('(2 of 2 brokers reporting)');
      const rows = await page
        .getByRole('table', { name: 'Brokers' })
        .locator('tbody tr')
        .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.innerText.trim())));
      expect(rows.map((row) => [row[0], /^[\d,]+ B\/s$/.test(row[4] ?? '')])).toEqual([
        ['1', true],
        ['2', true],
      ]);
    } finally {
      await stop();
    }
  }, 60_000);

  it('leaves out a broker that stopped reporting, within a few of its intervals', async () => {
    const stopped = brokers.get(2)!;
    stopped.child.kill('SIGKILL');
    await stopped.exited;
    const killedAtMs = Date.now();
    await expect
      .poll(async () => (await overview()).throughput?.brokers.map((broker) => broker.broker_id), { timeout: 10_000, interval: 200 })
      .toEqual([1]);
    // Three missed 1-second reports, and the poll's own step.
    expect(Date.now() - killedAtMs).toBeLessThan(5_000);
  }, 30_000);
});
