// The /metrics scrape of an embedded broker with 10,000 partitions (issue 16, point 3). Run from
// the repo root:
//   npm run bench -- metrics [--topics 100] [--partitions 100] [--groups 2] [--batches 1] [--scrapes 20] [--profile]
// Starts the embedded broker as `npm start` does, creates --topics × --partitions partitions
// (10,000 by default), puts --batches records in each, a batch each, and commits offset 0 for --groups groups on every
// partition (so every partition has consumer lag rows, and time lags to read), waits
// for the broker to go quiet, then scrapes http://<admin>/metrics --scrapes times one after
// another: the first scrape apart (it starts Node's default metrics), then median, p95 and max
// of the rest (wall time to the last byte, as Prometheus sees it). The groups sit on each
// partition's last batch, whose timestamp the broker keeps in memory; with --batches 10 they sit
// ten batches back, and the time lags are read from the logs 1,000 at a time beside the scrapes
// (as they are while consumers far behind move every scrape), so the first ten or so scrapes
// carry those reads too. Also printed: the
// broker's CPU per scrape (its cost, whatever else shares the machine), the exposition's size
// and series, and the broker's RSS before and after. --profile: the broker runs with V8's CPU
// profiler (bench/results/profiles/metrics-*.cpuprofile, for bench/lib/profile-summary.ts);
// its figures are then not comparable.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { waitUntilEveryBrokerListsAll } from '@strom/broker';
import { freePort, parseExposition } from '@strom/testing';
import {
  ApiKey,
  FrameReader,
  createOffsetCommitRequest,
  createOffsetCommitRequestPartition,
  createOffsetCommitRequestTopic,
  decodeResponse,
  encodeRequestFrame,
} from '@strom/protocol';
import { Kafka, logLevel } from 'kafkajs';
import { STROM_MAIN, npmStartNodeFlags } from '../lib/brokers.ts';
import { installCleanup, RESULTS, scratchDirs, ServerProcess } from '../lib/proc.ts';
import { fmt, machine, markdownTable } from '../lib/report.ts';

const { values: args } = parseArgs({
  options: {
    topics: { type: 'string', default: '100' },
    partitions: { type: 'string', default: '100' },
    groups: { type: 'string', default: '2' },
    batches: { type: 'string', default: '1' },
    scrapes: { type: 'string', default: '20' },
    profile: { type: 'boolean', default: false },
  },
});
const TOPICS = Number(args.topics);
const PARTITIONS = Number(args.partitions);
const GROUPS = Number(args.groups);
const BATCHES = Number(args.batches);
const SCRAPES = Number(args.scrapes);
const TARGET_MS = 200;
const say = (message: string): void => void process.stderr.write(`[metrics] ${message}\n`);
installCleanup(say, 30 * 60_000);

/**
 * One GET, timed until its last byte arrives, as Prometheus times a scrape: the bytes are kept as
 * they come (Prometheus parses them as a stream), not decoded into one string first, which would
 * time this process's own decoding of 17 MiB.
 */
const scrapeBytes = (url: string): Promise<{ status: number; body: Buffer }> =>
  new Promise((resolve, reject) => {
    get(url, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    }).on('error', reject);
  });

const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
};

const dataDir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'strom-metrics-'));
scratchDirs.add(dataDir);
const kafkaPort = await freePort();
const adminPort = await freePort();
const profileDir = join(RESULTS, 'profiles');
if (args.profile) mkdirSync(profileDir, { recursive: true });
const broker = new ServerProcess(process.execPath, [
  ...npmStartNodeFlags(),
  ...(args.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=metrics-${Date.now()}.cpuprofile`] : []),
  STROM_MAIN,
  'start',
  '--data-dir',
  dataDir,
  '--port',
  String(kafkaPort),
  '--admin-port',
  String(adminPort),
  '--log-level',
  'warn',
]);
try {
  await waitUntilEveryBrokerListsAll('127.0.0.1', [kafkaPort], { clientId: 'metrics-bench', timeoutMs: 120_000, pollMs: 20 });
  const kafka = new Kafka({ clientId: 'metrics-bench', brokers: [`127.0.0.1:${kafkaPort}`], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topics = Array.from({ length: TOPICS }, (_, i) => `bench-${String(i).padStart(4, '0')}`);
  say(`creating ${TOPICS} topics × ${PARTITIONS} partitions`);
  for (let i = 0; i < topics.length; i += 10) {
    await admin.createTopics({
      timeout: 120_000,
      waitForLeaders: false,
      topics: topics.slice(i, i + 10).map((topic) => ({ topic, numPartitions: PARTITIONS })),
    });
  }
  say(`broker settled after ${fmt(await broker.settle(), 1)} s`);
  // The logs are made after CreateTopics answers: wait until the broker hosts every partition.
  const deadline = Date.now() + 300_000;
  for (;;) {
    const scraped = parseExposition(await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text());
    if (scraped.value('kafka_server_replicamanager_partitioncount')! >= TOPICS * PARTITIONS) break;
    if (Date.now() > deadline) throw new Error('the broker did not open every partition within 300 s');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  say(`every partition open; ${BATCHES} batch(es) of one record per partition`);
  const producer = kafka.producer();
  await producer.connect();
  for (let batch = 0; batch < BATCHES; batch++) {
    for (const topic of topics) {
      await producer.send({
        topic,
        messages: Array.from({ length: PARTITIONS }, (_, partition) => ({ partition, value: `record ${batch} of partition ${partition}` })),
      });
    }
  }
  await producer.disconnect();
  await admin.disconnect();
  say(`committing offset 0 for ${GROUPS} groups on every partition`);
  // Simple commits (no membership), as a tool that moves offsets sends them: kafkajs's
  // setOffsets joins the group first, a rebalance delay per call.
  const socket = connect({ host: '127.0.0.1', port: kafkaPort });
  const reader = new FrameReader({ maxFrameBytes: 64 * 2 ** 20 });
  const frames: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => frames.push(...reader.push(chunk)));
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const nextFrame = async (): Promise<Buffer> => {
    const deadline = Date.now() + 60_000;
    while (frames.length === 0) {
      if (Date.now() > deadline) throw new Error('no OffsetCommit response within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return frames.shift()!;
  };
  for (let group = 0; group < GROUPS; group++) {
    const request = createOffsetCommitRequest({
      groupId: `bench-group-${group}`,
      generationIdOrMemberEpoch: -1,
      topics: topics.map((name) =>
        createOffsetCommitRequestTopic({
          name,
          partitions: Array.from({ length: PARTITIONS }, (_, partitionIndex) =>
            createOffsetCommitRequestPartition({ partitionIndex, committedOffset: 0n }),
          ),
        }),
      ),
    });
    socket.write(
      encodeRequestFrame({ apiKey: ApiKey.OffsetCommit, apiVersion: 9, correlationId: group, clientId: 'metrics-bench' }, request),
    );
    const response = decodeResponse(ApiKey.OffsetCommit, 9, await nextFrame()).body;
    const failed = response.topics.flatMap((topic) => topic.partitions).filter((partition) => partition.errorCode !== 0);
    if (failed.length > 0) throw new Error(`${failed.length} commits failed, the first with error ${failed[0]!.errorCode}`);
  }
  socket.destroy();
  say(`broker settled after ${fmt(await broker.settle(), 1)} s; scraping ${SCRAPES} times`);

  const rssBeforeMiB = (broker.sample()?.rssKiB ?? NaN) / 1024;
  // The broker's CPU over the scrapes: what a scrape costs it, whatever else shares the machine.
  const closeWindow = broker.window();
  const url = `http://127.0.0.1:${adminPort}/metrics`;
  const timesMs: number[] = [];
  let body: Buffer = Buffer.alloc(0);
  for (let i = 0; i < SCRAPES; i++) {
    const started = performance.now();
    const scraped = await scrapeBytes(url);
    timesMs.push(performance.now() - started);
    if (scraped.status !== 200) throw new Error(`scrape ${i}: HTTP ${scraped.status}: ${scraped.body.subarray(0, 500).toString()}`);
    body = scraped.body;
  }
  const text = body.toString('utf8');
  const cost = closeWindow();
  const rssAfterMiB = (broker.sample()?.rssKiB ?? NaN) / 1024;
  const exposition = parseExposition(text);
  const lagRows = exposition.matching('kafka_consumergroup_lag').length;
  const partitionsSeen = exposition.matching('kafka_log_log_size').length;
  if (partitionsSeen < TOPICS * PARTITIONS) throw new Error(`the scrape lists ${partitionsSeen} partitions, not ${TOPICS * PARTITIONS}`);
  const rest = timesMs.slice(1);
  const result = {
    partitions: TOPICS * PARTITIONS,
    groups: GROUPS,
    batches: BATCHES,
    firstScrapeMs: timesMs[0]!,
    medianMs: percentile(rest, 0.5),
    p95Ms: percentile(rest, 0.95),
    maxMs: Math.max(...rest),
    bytes: Buffer.byteLength(text),
    series: exposition.samples.length,
    lagRows,
    brokerCpuMsPerScrape: (cost.cpuSeconds * 1000) / SCRAPES,
    rssBeforeMiB,
    rssAfterMiB,
  };
  const lines = [
    '# /metrics scrape of an embedded broker',
    '',
    `${result.partitions} partitions (${TOPICS} topics × ${PARTITIONS}), ${BATCHES} one-record batch(es) each, ${GROUPS} groups with offset 0 committed on every partition; ` +
      `${SCRAPES} scrapes one after another. Target: under ${TARGET_MS} ms. Machine: ${JSON.stringify(machine())}`,
    '',
    ...markdownTable(
      [
        'first scrape ms',
        'median ms',
        'p95 ms',
        'max ms',
        'broker CPU ms per scrape',
        'MiB',
        'series',
        'lag rows',
        'RSS MiB before → after',
      ],
      ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
      [
        [
          fmt(result.firstScrapeMs),
          fmt(result.medianMs),
          fmt(result.p95Ms),
          fmt(result.maxMs),
          fmt(result.brokerCpuMsPerScrape),
          fmt(result.bytes / 2 ** 20, 1),
          String(result.series),
          String(result.lagRows),
          `${fmt(rssBeforeMiB)} → ${fmt(rssAfterMiB)}`,
        ],
      ],
    ),
    '',
  ];
  const table = lines.join('\n');
  process.stdout.write(`${table}\n`);
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, 'metrics.md'), table);
  writeFileSync(join(RESULTS, 'metrics.json'), JSON.stringify({ ...result, timesMs }, null, 2));
} finally {
  const stopped = await broker.stop();
  if (!stopped.startsWith('stopped')) say(`broker: ${stopped}`);
  rmSync(dataDir, { recursive: true, force: true });
}
