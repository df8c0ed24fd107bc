import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { ensureAptCommand, ensureAptPackages } from '@strom/testing';
import { BROKER_FAILOVER_WORKFLOW } from '@strom/workflows';
import type { Client } from '@temporalio/client';
import axe from 'axe-core';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startEmbeddedStrom, type EmbeddedStrom } from './embedded-harness.js';
import { startOperationsRig, type MetadataStandIn, type OperationsRig } from './failover-stand-in.js';
import { securedServerProperties } from './sasl-support.js';

/** Where the run leaves a screenshot of each page (gitignored), beside console.test.ts's. */
const SCREENSHOTS = new URL('../results/console/', import.meta.url);
const REPO = new URL('../../', import.meta.url);
const UI_URL = 'http://temporal-ui.example:8233';
const users = { admin: 'admin-secret' } as const;

let executablePath: string;

beforeAll(() => {
  const build = spawnSync(process.execPath, ['scripts/build-console.mjs'], { cwd: REPO, stdio: 'inherit' });
  expect(build.status).toBe(0);
  executablePath = ensureAptCommand('chromium', 'chromium');
  ensureAptPackages(['fonts-dejavu-core']);
  mkdirSync(SCREENSHOTS, { recursive: true });
});

/** A headless Chromium page on the console, with the helpers the tests read it through. */
class ConsolePage {
  private constructor(
    private readonly browser: Browser,
    readonly page: Page,
  ) {}

  static async open(options: BrowserContextOptions = {}): Promise<ConsolePage> {
    const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
    const context = await browser.newContext({ timezoneId: 'UTC', viewport: { width: 1400, height: 900 }, ...options });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    return new ConsolePage(browser, page);
  }

  close(): Promise<void> {
    return this.browser.close();
  }

  /** Runs axe-core on the page as it is; fails on violations of impact serious or critical, naming them. */
  async checkAccessibility(): Promise<void> {
    await this.page.addScriptTag({ content: axe.source });
    const violations = await this.page.evaluate(async () => {
      const result = await (globalThis as unknown as { axe: typeof axe }).axe.run({ resultTypes: ['violations'] });
      return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((node) => node.html) }));
    });
    expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
  }

  async screenshot(name: string): Promise<void> {
    await this.page.screenshot({ path: new URL(`${name}.png`, SCREENSHOTS).pathname, fullPage: true });
  }

  /** The text of the status line that starts with `start`, once it is shown. */
  async status(start: string): Promise<string> {
    const line = this.page.getByRole('status').filter({ hasText: start });
    await line.waitFor();
    return line.innerText();
  }

  /** The cells of each body row of the table labelled `label` (none when it shows no table). */
  async rows(label: string): Promise<string[][]> {
    return this.page
      .getByRole('table', { name: label })
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.innerText.trim())));
  }

  /** The value shown beside the term `term` in the page's facts. */
  fact(term: string): Promise<string> {
    return this.page.locator(`.facts div:has(dt:text-is("${term}")) dd`).innerText();
  }
}

/** Asks `probe` again until its answer passes (a page fills in as its requests answer). */
const poll = <T>(probe: () => Promise<T>, timeoutMs = 10_000) => expect.poll(probe, { timeout: timeoutMs, interval: 100 });

/**
 * The console's SCRAM users page and the embedded operations page, on embedded Strom whose only
 * listener is SASL_PLAINTEXT with an authorizer; the browser logs in to the admin API with HTTP
 * Basic as the super user. A credential saved in the page is one kafkajs logs in with; deleted in
 * the page, the login fails.
 */
describe('web console: SCRAM users, and cluster operations in embedded mode', () => {
  let strom: EmbeddedStrom;
  let browser: ConsolePage;
  let base: string;

  beforeAll(async () => {
    const props = securedServerProperties(users, ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']);
    strom = await startEmbeddedStrom([], undefined, props);
    base = `http://127.0.0.1:${strom.running.httpPort}`;
    browser = await ConsolePage.open({ httpCredentials: { username: 'admin', password: users.admin } });
  });
  afterAll(async () => {
    await browser?.close();
    await strom?.stop();
  });

  async function logsIn(sasl: SASLOptions): Promise<boolean> {
    const client = new Kafka({
      clientId: 'console-scram',
      brokers: [strom.bootstrap],
      sasl,
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    }).admin();
    try {
      await client.connect();
      await client.disconnect();
      return true;
    } catch {
      return false;
    }
  }

  it('creates a credential kafkajs logs in with, lists it with its iterations, and deleting it ends the login', async () => {
    const { page } = browser;
    await page.goto(`${base}/#/scram-users`);
    await page.getByText('No SCRAM users.').waitFor();
    await page.getByLabel('User').fill('carol');
    await page.getByLabel('Mechanism').selectOption('SCRAM-SHA-512');
    await page.getByLabel('Password').fill('carol-pw');
    await page.getByLabel('Iterations').fill('8192');
    await page.getByRole('button', { name: 'Save credential' }).click();
    expect(await browser.status('Saved')).toBe('Saved the SCRAM-SHA-512 credential of carol.');
    await poll(() => browser.rows('SCRAM credentials')).toEqual([['carol', 'SCRAM-SHA-512', '8192', 'Delete']]);
    expect(await logsIn({ mechanism: 'scram-sha-512', username: 'carol', password: 'carol-pw' })).toBe(true);
    expect(await logsIn({ mechanism: 'scram-sha-512', username: 'carol', password: 'wrong' })).toBe(false);

    // An update of the same mechanism replaces the password; a second mechanism sits beside it.
    await page.getByLabel('User').fill('carol');
    await page.getByLabel('Password').fill('carol-new');
    await page.getByLabel('Iterations').fill('4096');
    await page.getByRole('button', { name: 'Save credential' }).click();
    // The form clears its password once saved: the next credential is typed after that.
    await poll(() => browser.rows('SCRAM credentials')).toEqual([['carol', 'SCRAM-SHA-512', '4096', 'Delete']]);
    await page.getByLabel('User').fill('carol');
    await page.getByLabel('Mechanism').selectOption('SCRAM-SHA-256');
    await page.getByLabel('Password').fill('carol-256');
    await page.getByRole('button', { name: 'Save credential' }).click();
    await poll(() => browser.rows('SCRAM credentials')).toEqual([
      ['carol', 'SCRAM-SHA-256', '4096', 'Delete'],
      ['carol', 'SCRAM-SHA-512', '4096', 'Delete'],
    ]);
    expect(await logsIn({ mechanism: 'scram-sha-512', username: 'carol', password: 'carol-pw' })).toBe(false);
    expect(await logsIn({ mechanism: 'scram-sha-512', username: 'carol', password: 'carol-new' })).toBe(true);
    expect(await logsIn({ mechanism: 'scram-sha-256', username: 'carol', password: 'carol-256' })).toBe(true);
    await browser.checkAccessibility();
    await browser.screenshot('scram-users');

    await page.getByRole('button', { name: 'Delete SCRAM-SHA-512 credential of carol' }).click();
    expect(await browser.status('Deleted')).toBe('Deleted the SCRAM-SHA-512 credential of carol.');
    await poll(() => browser.rows('SCRAM credentials')).toEqual([['carol', 'SCRAM-SHA-256', '4096', 'Delete']]);
    expect(await logsIn({ mechanism: 'scram-sha-512', username: 'carol', password: 'carol-new' })).toBe(false);
    expect(await logsIn({ mechanism: 'scram-sha-256', username: 'carol', password: 'carol-256' })).toBe(true);
  });

  it('refuses an iteration count the broker does not accept, saying why', async () => {
    const { page } = browser;
    await page.goto(`${base}/#/scram-users`);
    await page.reload();
    await page.getByLabel('User').fill('dave');
    await page.getByLabel('Password').fill('dave-pw');
    // Above the form's maximum: the browser's own check would stop it, so the field's limit is lifted to reach the broker.
    await page.getByLabel('Iterations').evaluate((input) => input.removeAttribute('max'));
    await page.getByLabel('Iterations').fill('20000');
    await page.getByRole('button', { name: 'Save credential' }).click();
    expect(await browser.status('Could not save')).toBe('Could not save the SCRAM-SHA-512 credential of dave: Too many iterations');
    expect(await logsIn({ mechanism: 'scram-sha-512', username: 'dave', password: 'dave-pw' })).toBe(false);
  });

  it('operations: embedded Strom runs none, and the page says they run in distributed mode', async () => {
    const { page } = browser;
    await page.goto(`${base}/#/operations`);
    expect(await page.getByRole('note').innerText()).toBe(
      'No cluster operations. Cluster operations (Temporal workflows such as a broker failover) run in distributed mode; embedded Strom runs none.',
    );
    expect(await page.getByRole('button', { name: 'Next page' }).isDisabled()).toBe(true);
    await page.getByLabel('Status').selectOption('FAILED');
    await poll(() => page.getByRole('note').innerText()).toBe('No FAILED operations.');
    await browser.checkAccessibility();
    await browser.screenshot('operations-embedded');
  });
});

/**
 * The operations pages in distributed mode: a real BrokerFailover run by the real orchestrator
 * worker (a stand-in metadata service on its bus holds it in awaitLeaders) on the tests' Temporal
 * dev server, read by an admin-api process: the detail page shows it running with its steps, then,
 * polling on its own, completed with its result; the list filters by status and pages.
 */
describe('web console: cluster operations of a distributed cluster', () => {
  let rig: OperationsRig;
  let base: string;
  let temporal: Client;
  let metadata: MetadataStandIn;
  let browser: ConsolePage;
  const taskQueue = `strom-orchestrator-console-${process.pid}`;
  const runTag = String(Date.now());

  beforeAll(async () => {
    rig = await startOperationsRig(taskQueue, UI_URL);
    ({ base, metadata, temporal } = rig);
    browser = await ConsolePage.open();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await rig?.stop();
  });

  function startFailover(brokerId: number, epoch: string) {
    return temporal.workflow.start(BROKER_FAILOVER_WORKFLOW, {
      taskQueue,
      workflowId: `console-broker-failover-${brokerId}-${epoch}`,
      args: [{ brokerId, brokerEpoch: epoch }],
      workflowExecutionTimeout: '2 minutes',
    });
  }

  it('shows a held failover running with its steps, then completed with its result, without a reload', async () => {
    const { page } = browser;
    metadata.appliedVersion = '6';
    const handle = await startFailover(2, `${runTag}1`);
    await page.goto(`${base}/#/operations`);
    // Temporal's visibility lists a workflow shortly after it starts: the page's Refresh asks again.
    await poll(async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      return (await browser.rows('Cluster operations')).find((row) => row[0] === handle.workflowId)?.slice(0, 3);
    }, 20_000).toEqual([handle.workflowId, BROKER_FAILOVER_WORKFLOW, 'RUNNING']);
    await page.getByLabel('Status').selectOption('COMPLETED');
    await poll(async () => (await browser.rows('Cluster operations')).some((row) => row[0] === handle.workflowId)).toBe(false);
    await page.getByLabel('Status').selectOption('RUNNING');
    await poll(async () => (await browser.rows('Cluster operations')).some((row) => row[0] === handle.workflowId)).toBe(true);
    await browser.checkAccessibility();
    await browser.screenshot('operations');

    await page.getByRole('link', { name: handle.workflowId }).click();
    await poll(async () => (await browser.rows('Steps')).map((row) => row.slice(0, 2)), 20_000).toEqual([
      ['fenceBroker', 'COMPLETED'],
      ['publishMetadataVersion', 'COMPLETED'],
      ['awaitLeaders', 'RUNNING'],
    ]);
    expect(await browser.fact('Status')).toBe('RUNNING');
    expect(await browser.fact('Broker')).toBe(`2 (epoch ${runTag}1)`);
    expect(await browser.fact('Closed')).toBe('—');
    expect(await page.getByRole('link', { name: 'Open in the Temporal Web UI' }).getAttribute('href')).toBe(
      `${UI_URL}/namespaces/${inject('temporalNamespace')}/workflows/${handle.workflowId}/${handle.firstExecutionRunId}/history`,
    );
    await browser.checkAccessibility();
    await browser.screenshot('operation-running');

    metadata.appliedVersion = '7';
    await handle.result();
    await poll(() => browser.fact('Status'), 20_000).toBe('COMPLETED');
    await poll(async () => (await browser.rows('Steps')).map((row) => row.slice(0, 2))).toEqual([
      ['fenceBroker', 'COMPLETED'],
      ['publishMetadataVersion', 'COMPLETED'],
      ['awaitLeaders', 'COMPLETED'],
      ['completeFailover', 'COMPLETED'],
    ]);
    expect(await browser.fact('Closed')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
    const result = JSON.parse(await page.locator('h2:text-is("Result") + pre').innerText()) as unknown;
    expect(result).toMatchObject({
      status: 'fenced',
      confirmation: { confirmed: [1], unconfirmed: [] },
      failover: { brokerId: 2, confirmedLeaders: [1], workflowId: handle.workflowId },
    });
    await browser.checkAccessibility();
    await browser.screenshot('operation-completed');
  }, 90_000);

  it('shows a step that keeps failing with its attempts and failure, and stops asking once the operation is terminated', async () => {
    const { page } = browser;
    const handle = await startFailover(5, `${runTag}2`);
    await page.goto(`${base}/#/operations/${encodeURIComponent(handle.workflowId)}`);
    await poll(async () => Number((await browser.rows('Steps'))[0]?.[2] ?? 0), 30_000).toBeGreaterThanOrEqual(2);
    const [step] = await browser.rows('Steps');
    expect(step!.slice(0, 2)).toEqual(['fenceBroker', expect.stringMatching(/^(SCHEDULED|RUNNING)$/)]);
    expect(step![5]).toContain('the metadata store is unavailable');
    expect(await browser.fact('Status')).toBe('RUNNING');
    await handle.terminate('test done');
    await poll(() => browser.fact('Status'), 20_000).toBe('TERMINATED');
    expect(await page.locator('h2:text-is("Result")').count()).toBe(0);
  }, 90_000);

  it('pages through the list a page at a time and back', async () => {
    const { page } = browser;
    for (const n of [3, 4]) await (await startFailover(9, `${runTag}${n}`)).result();
    const newest = [`console-broker-failover-9-${runTag}4`, `console-broker-failover-9-${runTag}3`];
    await page.goto(`${base}/#/operations`);
    await page.getByLabel('Status').selectOption('COMPLETED');
    await page.getByLabel('Per page').fill('1');
    // Visibility lists a closed workflow shortly after it closes.
    await poll(async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      return (await browser.rows('Cluster operations')).map((row) => row[0]);
    }, 20_000).toEqual([newest[0]]);
    expect(await page.getByRole('button', { name: 'Previous page' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Next page' }).click();
    await poll(async () => (await browser.rows('Cluster operations')).map((row) => row[0])).toEqual([newest[1]]);
    expect(await page.getByRole('button', { name: 'Previous page' }).isDisabled()).toBe(false);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await poll(async () => (await browser.rows('Cluster operations')).map((row) => row[0])).toEqual([newest[0]]);
    expect((await browser.rows('Cluster operations'))[0]!.slice(1, 3)).toEqual([BROKER_FAILOVER_WORKFLOW, 'COMPLETED']);
  }, 60_000);
});
