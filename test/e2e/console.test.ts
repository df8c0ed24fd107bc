import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { ensureAptCommand, ensureAptPackages, waitFor } from '@strom/testing';
import axe from 'axe-core';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Kafka,
  logLevel,
  Partitioners,
  ResourcePatternTypes,
  type Admin,
  type Consumer,
  type Producer,
} from 'kafkajs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStrom, type EmbeddedStrom } from './embedded-harness.js';
import { writeServerProperties } from './sasl-support.js';

/** Where the run leaves a screenshot of each page (gitignored). */
const SCREENSHOTS = new URL('../results/console/', import.meta.url);
const REPO = new URL('../../', import.meta.url);

/** Record times an hour back (inside retention), a second apart. */
const BASE_TIME_MS = Date.now() - 3_600_000;
const ORDERS = 60;
/** Records produced after the group committed, while its consumer is paused: the group's lag. */
const LATE_ORDERS = 10;

function order(n: number) {
  return {
    partition: n % 3,
    key: `order-${n}`,
    value: JSON.stringify({ n, item: n === 17 ? 'needle-lamp' : `item-${n % 5}`, amount: n * 10 }),
    headers: n === 17 ? { source: 'console-test' } : {},
    timestamp: String(BASE_TIME_MS + n * 1000),
  };
}

/**
 * The web console in Debian's Chromium (driven by playwright-core) against embedded Strom with
 * records a kafkajs producer wrote, a kafkajs consumer group and ACLs (the broker runs Kafka's
 * authorizer, with the anonymous clients as super users): every page shows that data, the
 * actions change the cluster (checked back over the Kafka protocol), axe-core finds no serious or
 * critical violation on any page, and each page is saved as a screenshot.
 */
describe('web console', () => {
  let strom: EmbeddedStrom;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let consumer: Consumer;
  let browser: Browser;
  let page: Page;
  let base: string;

  beforeAll(async () => {
    const build = spawnSync(process.execPath, ['scripts/build-console.mjs'], { cwd: REPO, stdio: 'inherit' });
    expect(build.status).toBe(0);
    const executablePath = ensureAptCommand('chromium', 'chromium');
    // A font for the pages' text in the screenshots (Chromium only recommends one).
    ensureAptPackages(['fonts-dejavu-core']);
    mkdirSync(SCREENSHOTS, { recursive: true });
    strom = await startEmbeddedStrom(
      [],
      undefined,
      writeServerProperties([
        'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
        'super.users=User:ANONYMOUS',
      ]),
    );
    base = `http://127.0.0.1:${strom.running.httpPort}`;
    kafka = new Kafka({ clientId: 'console-test', brokers: [strom.bootstrap], logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 3 }] });
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic: 'orders', messages: Array.from({ length: ORDERS }, (_, n) => order(n)) });
    consumer = kafka.consumer({ groupId: 'billing', heartbeatInterval: 500 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'orders', fromBeginning: true });
    let consumed = 0;
    await new Promise<void>((resolve) => {
      void consumer.run({
        autoCommitThreshold: 1,
        eachMessage: async () => {
          if (++consumed === ORDERS) resolve();
        },
      });
    });
    await consumer.commitOffsets([]);
    consumer.pause([{ topic: 'orders' }]);
    await waitForCommitted(admin, 'billing', ORDERS);
    await producer.send({ topic: 'orders', messages: Array.from({ length: LATE_ORDERS }, (_, i) => order(ORDERS + i)) });
    browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
    const context = await browser.newContext({ acceptDownloads: true, timezoneId: 'UTC', viewport: { width: 1400, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
  });
  afterAll(async () => {
    await browser?.close();
    await consumer?.disconnect();
    await producer?.disconnect();
    await admin?.disconnect();
    await strom?.stop();
  });

  /** Runs axe-core on the page as it is; fails on violations of impact serious or critical, naming them. */
  async function checkAccessibility(): Promise<void> {
    await page.addScriptTag({ content: axe.source });
    const violations = await page.evaluate(async () => {
      const result = await (globalThis as unknown as { axe: typeof axe }).axe.run({ resultTypes: ['violations'] });
      return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((node) => node.html) }));
    });
    expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
  }

  async function screenshot(name: string): Promise<void> {
    await page.screenshot({ path: new URL(`${name}.png`, SCREENSHOTS).pathname, fullPage: true });
  }

  /** Asks `probe` again until its answer passes (a page fills in as its requests answer). */
  const poll = <T>(probe: () => Promise<T>) => expect.poll(probe, { timeout: 10_000, interval: 100 });

  /** The text of the status line that starts with `start`, once it is shown. */
  async function status(start: string): Promise<string> {
    const line = page.getByRole('status').filter({ hasText: start });
    await line.waitFor();
    return line.innerText();
  }

  /** The cells of each body row of the table labelled `label`. */
  async function rows(label: string): Promise<string[][]> {
    const table = page.getByRole('table', { name: label });
    await table.locator('tbody tr').first().waitFor();
    return table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.innerText.trim())));
  }

  it('overview: brokers and partition counts of the running broker, and the throughput it reports over the bus', async () => {
    await admin.createTopics({ topics: [{ topic: 'traffic', numPartitions: 1 }] });
    const before = await scrapeBytes(base);
    // Steady traffic while the page measures: a 1,000-byte record every 50 ms.
    let sending = true;
    const traffic = (async () => {
      while (sending) {
        await producer.send({ topic: 'traffic', messages: [{ value: 'x'.repeat(1000) }] });
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    await page.goto(`${base}/`);
    const card = (name: string) => page.locator(`.cards div:has(dt:text-is("${name}")) dd`).innerText();
    const perSecond = async (name: string) => {
      const text = await card(name);
      expect(text).toMatch(/^[\d,]+ B\/s$/);
      return Number(text.replace(/[^\d]/g, ''));
    };
    // The page asks again every 2 s; the broker reports every second: the traffic shows within a few seconds.
    await poll(
      async () => (await page.locator('.cards dt', { hasText: 'Bytes in' }).count()) > 0 && (await perSecond('Bytes in')),
    ).toBeGreaterThan(1000);
    const bytesIn = await perSecond('Bytes in');
    const bytesOut = await perSecond('Bytes out');
    const note = await page.getByRole('note').filter({ hasText: 'Throughput of all topics' }).innerText();
    const brokerRow = (await rows('Brokers'))[0]!;
    sending = false;
    await traffic;
    const after = await scrapeBytes(base);

    const metadata = await admin.fetchTopicMetadata();
    const partitions = metadata.topics.reduce((sum, topic) => sum + topic.partitions.length, 0);
    expect(await card('Brokers')).toBe('1');
    expect(await card('Partitions')).toBe(String(partitions));
    expect(await card('Under-replicated partitions')).toBe('0');
    expect(await card('Offline partitions')).toBe('0');
    expect(await card('Messages in')).toMatch(/^[\d,]+\/s$/);
    expect(note).toContain('(1 of 1 brokers reporting)');
    expect(brokerRow.slice(0, 4)).toEqual(['1', '127.0.0.1', String(strom.port), '—']);
    expect(brokerRow.slice(4)).toEqual([expect.stringMatching(/^[\d,]+ B\/s$/), expect.stringMatching(/^[\d,]+ B\/s$/)]);

    // A rate is the bytes counted between two of the broker's reports at least a second apart, all inside the test's two scrapes.
    expect(bytesIn).toBeLessThanOrEqual((after.bytesIn - before.bytesIn) * 1.01 + 2);
    expect(bytesOut).toBeLessThanOrEqual((after.bytesOut - before.bytesOut) * 1.01 + 2);
    await checkAccessibility();
    await screenshot('overview');
  });

  it('overview: a stated gap for throughput while no broker has reported its traffic twice', async () => {
    const reason = 'Brokers report their traffic totals every second; a rate needs two reports, and none has come twice yet.';
    await page.route('**/strom/v1/overview', async (route) => {
      const response = await route.fetch();
      const answer = (await response.json()) as Record<string, unknown>;
      await route.fulfill({ response, json: { ...answer, throughput: null, throughput_unavailable_reason: reason } });
    });
    await page.goto(`${base}/`);
    await page.reload();
    expect(await page.locator('.cards div:has(dt:text-is("Throughput")) dd').innerText()).toBe(`Not available: ${reason}`);
    expect(await page.locator('.cards dt', { hasText: 'Bytes in' }).count()).toBe(0);
    expect((await rows('Brokers'))[0]!.slice(4)).toEqual(['—', '—']);
    await checkAccessibility();
    await screenshot('overview-no-throughput');
    await page.unroute('**/strom/v1/overview');
  });

  it('may not be framed by another site, and its files are taken only for their own types', async () => {
    for (const path of ['/', '/index.html']) {
      const response = await fetch(`${base}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('x-frame-options'), path).toBe('DENY');
      expect(response.headers.get('content-security-policy'), path).toBe("frame-ancestors 'none'");
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
    }
    expect((await fetch(`${base}/assets/..%2f..%2fpackage.json`)).status).toBe(404);
  });

  it('topics: lists them and creates one with its configs', async () => {
    await page.goto(`${base}/#/topics`);
    expect((await rows('Topics')).find((row) => row[0] === 'orders')).toEqual(['orders', '3', '1', 'Browse']);
    await page.getByLabel('Name', { exact: true }).fill('replayed');
    await page.getByLabel('Partitions').fill('2');
    await page.getByLabel('Retention (ms, empty for the default)').fill('86400000');
    await page.getByRole('button', { name: 'Create topic' }).click();
    expect(await status('Created topic')).toBe('Created topic replayed.');
    const created = await admin.fetchTopicMetadata({ topics: ['replayed'] });
    expect(created.topics[0]!.partitions).toHaveLength(2);
    const configs = await admin.describeConfigs({
      resources: [{ type: 2, name: 'replayed', configNames: ['retention.ms'] }],
      includeSynonyms: false,
    });
    expect(configs.resources[0]!.configEntries[0]!.configValue).toBe('86400000');
    await poll(async () => (await rows('Topics')).some((row) => row[0] === 'replayed')).toBe(true);
    await checkAccessibility();
    await screenshot('topics');
  });

  it('topic: partitions with leader, replicas and ISR; configs, and setting one', async () => {
    await page.goto(`${base}/#/topics/orders`);
    expect(await rows('Partitions')).toEqual([
      ['0', '1', '1', '1'],
      ['1', '1', '1', '1'],
      ['2', '1', '1', '1'],
    ]);
    expect((await rows('Configs')).find((row) => row[0] === 'cleanup.policy')).toEqual(['cleanup.policy', 'delete', 'DEFAULT_CONFIG']);
    await page.getByLabel('Config name').fill('retention.ms');
    await page.getByLabel('Value').fill('3600000');
    await page.getByRole('button', { name: 'Set config' }).click();
    expect(await status('Set ')).toBe('Set retention.ms to 3600000.');
    await poll(async () => (await rows('Configs')).find((row) => row[0] === 'retention.ms')).toEqual([
      'retention.ms',
      '3600000',
      'DYNAMIC_TOPIC_CONFIG',
    ]);
    await checkAccessibility();
    await screenshot('topic');
  });

  it('message browser: filters on the server, shows JSON and hex, exports JSON and CSV, replays to a topic', async () => {
    await page.goto(`${base}/#/browse/orders`);
    await page.getByLabel('Text').fill('needle');
    await page.getByRole('button', { name: 'Search' }).click();
    expect(await status('1 record found')).toMatch(/^1 record found, 70 scanned in \d+ ms \(read to the end of every partition\)\.$/);
    const [found] = await rows('Records');
    expect(found!.slice(1, 3)).toEqual(['2', '5']);
    expect(JSON.parse(found![5]!)).toEqual({ n: 17, item: 'needle-lamp', amount: 170 });
    expect(found![6]).toBe('source: console-test');
    await page.getByLabel('Show keys and values as').selectOption('hex');
    expect((await rows('Records'))[0]![4]).toBe(
      Buffer.from('order-17')
        .toString('hex')
        .replace(/(..)(?!$)/g, '$1 '),
    );
    await checkAccessibility();
    await screenshot('browser');

    const exported = async (button: string) => {
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: button }).click()]);
      return readFileSync((await download.path())!, 'utf8');
    };
    expect(JSON.parse(await exported('Export JSON'))).toEqual([
      {
        partition: 2,
        offset: 5,
        timestamp: new Date(BASE_TIME_MS + 17_000).toISOString(),
        key: 'order-17',
        value: order(17).value,
        headers: { source: 'console-test' },
        key_base64: Buffer.from('order-17').toString('base64'),
        value_base64: Buffer.from(order(17).value).toString('base64'),
      },
    ]);
    expect(await exported('Export CSV')).toBe(
      'partition,offset,timestamp,key,value,headers\r\n' +
        `2,5,${new Date(BASE_TIME_MS + 17_000).toISOString()},order-17,"${order(17).value.replaceAll('"', '""')}","{""source"":""console-test""}"\r\n`,
    );

    await page.getByLabel('Select record 2/5').check();
    await page.getByLabel('Replay to topic').selectOption('replayed');
    await page.getByRole('button', { name: 'Replay 1 selected' }).click();
    expect(await status('Replayed')).toBe('Replayed 1 record to replayed.');
    const reader = kafka.consumer({ groupId: 'console-test-reader' });
    await reader.connect();
    await reader.subscribe({ topic: 'replayed', fromBeginning: true });
    const replayed = await new Promise<{ key: string; value: string; headers: Record<string, string> }>((resolve) => {
      void reader.run({
        eachMessage: async ({ message }) =>
          resolve({
            key: message.key!.toString(),
            value: message.value!.toString(),
            headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
          }),
      });
    });
    await reader.disconnect();
    expect(replayed).toEqual({ key: 'order-17', value: order(17).value, headers: { source: 'console-test' } });
  });

  it('message browser: from the end, from a time and from an offset, paging on', async () => {
    await page.goto(`${base}/#/browse/orders`);
    // The same URL as the test before: a fresh page, not its form.
    await page.reload();
    await page.getByLabel('From').selectOption('end');
    await page.getByLabel('Most records').fill('3');
    await page.getByRole('button', { name: 'Search' }).click();
    await poll(async () => (await rows('Records')).map((row) => row[4])).toEqual(['order-67', 'order-68', 'order-69']);

    await page.getByLabel('From').selectOption('timestamp');
    await page.getByLabel('Time', { exact: true }).fill(new Date(BASE_TIME_MS + 65_000).toISOString().slice(0, 19));
    await page.getByLabel('Partition').fill('2');
    await page.getByRole('button', { name: 'Search' }).click();
    await poll(async () => (await rows('Records')).map((row) => row[4])).toEqual(['order-65', 'order-68']);

    await page.getByLabel('From').selectOption('offset');
    await page.getByLabel('Offset', { exact: true }).fill('10');
    await page.getByLabel('Most records').fill('5');
    await page.getByRole('button', { name: 'Search' }).click();
    await poll(async () => (await rows('Records')).map((row) => row[2])).toEqual(['10', '11', '12', '13', '14']);
    await page.getByRole('button', { name: 'Next page' }).click();
    await poll(async () => (await rows('Records')).map((row) => row[2])).toEqual(['15', '16', '17', '18', '19']);
  });

  it("consumer groups: the group's state and total lag, its member's assignment and the lag per partition", async () => {
    await page.goto(`${base}/#/groups`);
    expect(await rows('Consumer groups')).toEqual([
      ['billing', 'STABLE', 'RoundRobinAssigner', String(LATE_ORDERS), expect.stringMatching(/^orders-\d \(\d+\)$/)],
      // The group the replay test read with, gone when its consumer left.
      ['console-test-reader', 'EMPTY', '—', '0', expect.stringMatching(/^replayed-\d \(0\)$/)],
    ]);
    await checkAccessibility();
    await screenshot('groups');

    await page.getByRole('link', { name: 'billing' }).click();
    const members = await rows('Members');
    expect(members).toHaveLength(1);
    expect(members[0]!.slice(1)).toEqual(['console-test', '—', 'orders-0, orders-1, orders-2']);
    const lags = await rows('Lag per partition');
    expect(lags.map((row) => row.slice(0, 2))).toEqual([
      ['orders', '0'],
      ['orders', '1'],
      ['orders', '2'],
    ]);
    expect(lags.map((row) => Number(row[3]) - Number(row[2]))).toEqual(lags.map((row) => Number(row[4])));
    expect(lags.reduce((sum, row) => sum + Number(row[4]), 0)).toBe(LATE_ORDERS);
    expect(lags.map((row) => row[5])).toEqual(['console-test', 'console-test', 'console-test']);
    await checkAccessibility();
    await screenshot('group');
  });

  it("consumer group: an offset reset is refused with the server's message while the group is active, then planned by a dry run and applied", async () => {
    const committed = async () =>
      (await admin.fetchOffsets({ groupId: 'billing', topics: ['orders'] }))[0]!.partitions.map((p) => p.offset);
    await page.goto(`${base}/#/groups/billing`);
    await page.reload();
    await page.getByRole('button', { name: 'Dry run' }).click();
    expect(await status('Could not plan')).toBe(
      "Could not plan the reset: Assignments can only be reset if the group 'billing' is inactive, but the current state is Stable.",
    );
    expect(await committed()).toEqual(['20', '20', '20']);

    await consumer.disconnect();
    await waitFor('group billing to be empty', async () => (await admin.describeGroups(['billing'])).groups[0]!.state === 'Empty', 10_000);
    await page.reload();
    const resetTimeMs = BASE_TIME_MS + 30_000;
    await page.getByLabel('Reset to').selectOption('TIMESTAMP');
    await page.getByLabel('Reset time').fill(new Date(resetTimeMs).toISOString().slice(0, 19));
    await page.getByLabel('Topics to reset').selectOption('orders');
    await page.getByRole('button', { name: 'Dry run' }).click();
    // Records 30, 31 and 32 are the first at that time, the 11th of each partition.
    const atTime = await admin.fetchTopicOffsetsByTimestamp('orders', resetTimeMs);
    expect(atTime.map((p) => p.offset)).toEqual(['10', '10', '10']);
    expect(await rows('New offsets')).toEqual(atTime.map((p) => ['orders', String(p.partition), '20', p.offset]));
    expect(await committed()).toEqual(['20', '20', '20']);
    await checkAccessibility();
    await screenshot('offset-reset');

    await page.getByRole('button', { name: 'Apply the reset' }).click();
    expect(await status('Reset the offsets')).toBe('Reset the offsets of 3 partitions of group billing.');
    expect(await committed()).toEqual(['10', '10', '10']);
    await poll(async () => (await rows('Lag per partition')).map((row) => row[2])).toEqual(['10', '10', '10']);
    await expect(page.getByRole('table', { name: 'New offsets' }).count()).resolves.toBe(0);

    // An offset past the log end is moved to the log end, as Kafka's tool does; a dry run commits nothing.
    await page.getByLabel('Reset to').selectOption('OFFSET');
    await page.getByLabel('Reset offset', { exact: true }).fill('1000');
    await page.getByRole('button', { name: 'Dry run' }).click();
    const ends = await admin.fetchTopicOffsets('orders');
    expect(await rows('New offsets')).toEqual(ends.map((p) => ['orders', String(p.partition), '10', p.high]));
    expect(await committed()).toEqual(['10', '10', '10']);
  });

  it('ACLs: lists the bindings, filters them on the server, creates one and deletes one', async () => {
    const binding = (
      resourceName: string,
      pattern: ResourcePatternTypes,
      principal: string,
      operation: AclOperationTypes,
      allow = true,
    ) => ({
      resourceType: resourceName === 'billing' ? AclResourceTypes.GROUP : AclResourceTypes.TOPIC,
      resourceName,
      resourcePatternType: pattern,
      principal,
      host: '*',
      operation,
      permissionType: allow ? AclPermissionTypes.ALLOW : AclPermissionTypes.DENY,
    });
    await admin.createAcls({
      acl: [
        binding('orders', ResourcePatternTypes.LITERAL, 'User:alice', AclOperationTypes.READ),
        binding('orders', ResourcePatternTypes.LITERAL, 'User:bob', AclOperationTypes.WRITE),
        binding('ord', ResourcePatternTypes.PREFIXED, 'User:carol', AclOperationTypes.DESCRIBE, false),
        binding('billing', ResourcePatternTypes.LITERAL, 'User:alice', AclOperationTypes.READ),
      ],
    });
    await page.goto(`${base}/#/acls`);
    const aclRows = async () => (await rows('ACL bindings')).map((row) => row.slice(0, 7));
    expect(await aclRows()).toEqual([
      ['TOPIC', 'ord', 'PREFIXED', 'User:carol', '*', 'DESCRIBE', 'DENY'],
      ['TOPIC', 'orders', 'LITERAL', 'User:alice', '*', 'READ', 'ALLOW'],
      ['TOPIC', 'orders', 'LITERAL', 'User:bob', '*', 'WRITE', 'ALLOW'],
      ['GROUP', 'billing', 'LITERAL', 'User:alice', '*', 'READ', 'ALLOW'],
    ]);

    const filter = page.getByRole('form', { name: 'Filter ACL bindings' });
    await filter.getByLabel('Principal').fill('User:alice');
    await filter.getByRole('button', { name: 'Filter' }).click();
    await poll(aclRows).toEqual([
      ['TOPIC', 'orders', 'LITERAL', 'User:alice', '*', 'READ', 'ALLOW'],
      ['GROUP', 'billing', 'LITERAL', 'User:alice', '*', 'READ', 'ALLOW'],
    ]);
    // MATCH: the bindings that apply to the topic "orders", the prefixed one among them.
    await filter.getByLabel('Principal').fill('');
    await filter.getByLabel('Resource type').selectOption('TOPIC');
    await filter.getByLabel('Resource name').fill('orders');
    await filter.getByLabel('Pattern type').selectOption('MATCH');
    await filter.getByRole('button', { name: 'Filter' }).click();
    await poll(aclRows).toEqual([
      ['TOPIC', 'ord', 'PREFIXED', 'User:carol', '*', 'DESCRIBE', 'DENY'],
      ['TOPIC', 'orders', 'LITERAL', 'User:alice', '*', 'READ', 'ALLOW'],
      ['TOPIC', 'orders', 'LITERAL', 'User:bob', '*', 'WRITE', 'ALLOW'],
    ]);

    const create = page.getByRole('form', { name: 'Create an ACL binding' });
    await create.getByLabel('Resource name').fill('replayed');
    await create.getByLabel('Pattern type').selectOption('PREFIXED');
    await create.getByLabel('Principal').fill('User:dave');
    await create.getByLabel('Operation').selectOption('WRITE');
    await create.getByRole('button', { name: 'Create ACL binding' }).click();
    expect(await status('Created the ACL')).toBe('Created the ACL binding ALLOW User:dave WRITE on TOPIC PREFIXED replayed from *.');
    const daves = async () =>
      (
        await admin.describeAcls({
          resourceType: AclResourceTypes.ANY,
          resourcePatternType: ResourcePatternTypes.ANY,
          principal: 'User:dave',
          operation: AclOperationTypes.ANY,
          permissionType: AclPermissionTypes.ANY,
        })
      ).resources.flatMap((resource) =>
        resource.acls.map((acl) => [
          resource.resourceType,
          resource.resourceName,
          resource.resourcePatternType,
          acl.operation,
          acl.permissionType,
        ]),
      );
    expect(await daves()).toEqual([
      [AclResourceTypes.TOPIC, 'replayed', ResourcePatternTypes.PREFIXED, AclOperationTypes.WRITE, AclPermissionTypes.ALLOW],
    ]);
    await filter.getByLabel('Resource type').selectOption('ANY');
    await filter.getByLabel('Resource name').fill('');
    await filter.getByLabel('Pattern type').selectOption('ANY');
    await filter.getByLabel('Principal').fill('User:dave');
    await filter.getByRole('button', { name: 'Filter' }).click();
    await poll(aclRows).toEqual([['TOPIC', 'replayed', 'PREFIXED', 'User:dave', '*', 'WRITE', 'ALLOW']]);
    await checkAccessibility();
    await screenshot('acls');

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Delete ALLOW User:dave WRITE on TOPIC PREFIXED replayed from *' }).click();
    expect(await status('Deleted')).toBe('Deleted 1 ACL binding.');
    expect(await daves()).toEqual([]);
    await page.getByText('No ACL bindings match.').waitFor();
    // The others are still there.
    await filter.getByLabel('Principal').fill('');
    await filter.getByRole('button', { name: 'Filter' }).click();
    await poll(async () => (await aclRows()).length).toBe(4);
  });
});

/** The broker's bytes in and out over all topics, from the samples of /metrics without a topic label. */
async function scrapeBytes(base: string): Promise<{ bytesIn: number; bytesOut: number }> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const total = (family: string) => Number(new RegExp(`^${family} (\\S+)$`, 'm').exec(text)![1]);
  return {
    bytesIn: total('kafka_server_brokertopicmetrics_bytesin_total'),
    bytesOut: total('kafka_server_brokertopicmetrics_bytesout_total'),
  };
}

/** Waits until the group's committed offsets on `orders` add up to `count`. */
async function waitForCommitted(admin: Admin, groupId: string, count: number): Promise<void> {
  await waitFor(
    `group ${groupId} to commit ${count} offsets`,
    async () => {
      const [topic] = await admin.fetchOffsets({ groupId, topics: ['orders'] });
      return topic!.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0) === count;
    },
    15_000,
  );
}
