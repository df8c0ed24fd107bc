// The embedded broker's footprint (issue 15, point 4). Run from the repo root:
//   npm run bench -- footprint [--repeats N] [--idle-ms MS]
// Starts the real embedded broker as `npm start` does (`node apps/strom/dist/main.js start`) on a
// fresh data dir, and again on that data dir after a graceful stop, and measures for each: the
// time from the spawn until a Kafka Metadata request is answered, the time its "ready" log line
// carries, and the RSS after --idle-ms of idling (VmRSS; VmHWM is the peak). Before that, where
// the start-up time and memory go, each stage in a fresh process (probe.mjs): Node itself, Node
// with the CLI bundle loaded (what `npm start` runs, scripts/bundle-cli.mjs), Node with every
// module of the unbundled CLI imported and then started, the embedded metadata store alone opened (fresh
// and existing dir) with the reads the services make at start. Median and min–max of --repeats
// (3) runs.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { waitUntilEveryBrokerListsAll } from '@strom/broker';
import { freePort } from '@strom/testing';
import { STROM_MAIN, npmStartNodeFlags } from '../lib/brokers.ts';
import { installCleanup, REPO, RESULTS, runBounded, scratchDirs, ServerProcess, sleep } from '../lib/proc.ts';
import { fmt, machine, markdownTable } from '../lib/report.ts';

const { values: args } = parseArgs({
  options: { repeats: { type: 'string', default: '3' }, 'idle-ms': { type: 'string', default: '5000' } },
});
const REPEATS = Number(args.repeats);
const IDLE_MS = Number(args['idle-ms']);
const PROBE = join(REPO, 'bench', 'footprint', 'probe.mjs');
const say = (message: string): void => void process.stderr.write(`[footprint] ${message}\n`);
installCleanup(say, 30 * 60_000);

interface ProbeResult {
  marks: Record<string, number>;
  rssMiB: number;
}

interface CallsResult extends ProbeResult {
  calls: Record<string, { ms: number; busyMs: number }>;
  offsetLoad: { ms: number; maxStallMs: number; p99StallMs: number };
  reopenMs: number;
}

async function probe<Result = ProbeResult>(...probeArgs: string[]): Promise<Result> {
  const run = await runBounded(process.execPath, [PROBE, ...probeArgs], 120_000);
  if (run.code !== 0) throw new Error(`probe ${probeArgs.join(' ')} failed: ${run.stderr.trim().slice(-2000)}`);
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as Result;
}

interface BrokerRun {
  /** Spawn to the first Metadata response listing the broker. */
  metadataMs: number;
  /** Spawn to the time on the "ready (embedded)" log line. */
  readyLineMs: number;
  idleRssMiB: number;
  peakRssMiB: number;
  cpuSeconds: number;
}

async function runBroker(dataDir: string): Promise<BrokerRun> {
  const port = await freePort();
  const spawnedAtMs = Date.now();
  const started = performance.now();
  const broker = new ServerProcess(process.execPath, [
    ...npmStartNodeFlags(),
    STROM_MAIN,
    'start',
    '--data-dir',
    dataDir,
    '--port',
    String(port),
    '--admin-port',
    '0',
    '--log-level',
    'info',
  ]);
  try {
    await waitUntilEveryBrokerListsAll('127.0.0.1', [port], { clientId: 'footprint-bench', timeoutMs: 120_000, pollMs: 5 });
    const metadataMs = performance.now() - started;
    await sleep(IDLE_MS);
    const sample = broker.sample();
    const readyLine = /\{[^\n]*ready \(embedded\)[^\n]*\}/.exec(broker.log);
    if (!sample || !readyLine) throw new Error(`no sample or no ready line:\n${broker.log.slice(-2000)}`);
    return {
      metadataMs,
      readyLineMs: (JSON.parse(readyLine[0]) as { time: number }).time - spawnedAtMs,
      idleRssMiB: sample.rssKiB / 1024,
      peakRssMiB: sample.hwmKiB / 1024,
      cpuSeconds: sample.cpuSeconds,
    };
  } finally {
    const stopped = await broker.stop();
    if (!stopped.startsWith('stopped')) say(`broker on ${dataDir}: ${stopped}`);
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const spread = (values: number[], digits = 0): string =>
  values.length === 1
    ? fmt(values[0], digits)
    : `${fmt(median(values), digits)} (${fmt(Math.min(...values), digits)}–${fmt(Math.max(...values), digits)})`;

const stages = {
  node: [] as ProbeResult[],
  bundle: [] as ProbeResult[],
  embedded: [] as ProbeResult[],
  storeFresh: [] as ProbeResult[],
  storeExisting: [] as ProbeResult[],
};
const calls: CallsResult[] = [];
const fresh: BrokerRun[] = [];
const restart: BrokerRun[] = [];
const base = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'strom-footprint-'));
scratchDirs.add(base);
try {
  for (let repeat = 1; repeat <= REPEATS; repeat++) {
    say(`repeat ${repeat}/${REPEATS}: stages alone`);
    stages.node.push(await probe('node'));
    stages.bundle.push(await probe('bundle'));
    const embeddedDir = join(base, `embedded-${repeat}`);
    mkdirSync(embeddedDir);
    stages.embedded.push(await probe('embedded', embeddedDir));
    const storeDir = join(base, `store-${repeat}`);
    mkdirSync(storeDir);
    stages.storeFresh.push(await probe('store', storeDir));
    stages.storeExisting.push(await probe('store', storeDir));
    const callsDir = join(base, `calls-${repeat}`);
    mkdirSync(callsDir);
    calls.push(await probe<CallsResult>('calls', callsDir));
    say(`repeat ${repeat}/${REPEATS}: the broker on a fresh data dir, then restarted on it`);
    const dataDir = join(base, `broker-${repeat}`);
    fresh.push(await runBroker(dataDir));
    restart.push(await runBroker(dataDir));
  }
} finally {
  rmSync(base, { recursive: true, force: true });
}

const stageMs = (results: ProbeResult[], mark: string, from?: string): number[] =>
  results.map((result) => result.marks[mark]! - (from === undefined ? 0 : result.marks[from]!));
const rss = (results: ProbeResult[]): number[] => results.map((result) => result.rssMiB);
const lines = [
  `# Embedded broker footprint`,
  '',
  `${REPEATS} repeats, median (min–max); idle RSS after ${IDLE_MS} ms of idling. Machine: ${JSON.stringify(machine())}`,
  '',
  '## The broker as `npm start` runs it',
  '',
  ...markdownTable(
    ['start', 'Metadata answered after ms', 'ready line after ms', 'idle RSS MiB', 'VmHWM MiB', 'CPU s (start + idle)'],
    ['l', 'r', 'r', 'r', 'r', 'r'],
    [
      ['fresh data dir', fresh],
      ['restart on that data dir', restart],
    ].map(([name, runs]) => {
      const r = runs as BrokerRun[];
      return [
        name as string,
        spread(r.map((x) => x.metadataMs)),
        spread(r.map((x) => x.readyLineMs)),
        spread(r.map((x) => x.idleRssMiB)),
        spread(r.map((x) => x.peakRssMiB)),
        spread(
          r.map((x) => x.cpuSeconds),
          2,
        ),
      ];
    }),
  ),
  '',
  '## Stages, each in a fresh process',
  '',
  ...markdownTable(
    ['stage', 'ms since the process started', 'ms of the step', 'RSS MiB after'],
    ['l', 'r', 'r', 'r'],
    [
      ['Node itself', spread(stageMs(stages.node, 'done')), '', spread(rss(stages.node))],
      [
        'Node + the CLI bundle (main.js) loaded, `--version` run',
        spread(stageMs(stages.bundle, 'imported')),
        '',
        spread(rss(stages.bundle)),
      ],
      ['Node + every module of the CLI imported, unbundled (tsc output)', spread(stageMs(stages.embedded, 'imported')), '', ''],
      [
        '… then `strom start` until its ready line (store, NestJS init, listeners, registration)',
        spread(stageMs(stages.embedded, 'ready')),
        spread(stageMs(stages.embedded, 'ready', 'imported')),
        spread(rss(stages.embedded)),
      ],
      ['metadata store, fresh dir: import', spread(stageMs(stages.storeFresh, 'imported')), '', ''],
      ['… open', '', spread(stageMs(stages.storeFresh, 'opened', 'imported')), ''],
      ['… first reads', '', spread(stageMs(stages.storeFresh, 'queried', 'opened')), spread(rss(stages.storeFresh))],
      ['metadata store, existing dir: open', '', spread(stageMs(stages.storeExisting, 'opened', 'imported')), ''],
      ['… first reads', '', spread(stageMs(stages.storeExisting, 'queried', 'opened')), spread(rss(stages.storeExisting))],
    ],
  ),
  '',
  "## The journal store's calls, on the event loop",
  '',
  ...markdownTable(
    ['call', 'ms until it returns (fdatasync included)', 'ms the event loop was busy'],
    ['l', 'r', 'r'],
    Object.keys(calls[0]?.calls ?? {}).map((name) => [
      name,
      spread(
        calls.map((c) => c.calls[name]!.ms),
        3,
      ),
      spread(
        calls.map((c) => c.calls[name]!.busyMs),
        3,
      ),
    ]),
  ),
  '',
  `100,000 committed offsets written (1,000 groups × 100 partitions, compactions included): ${spread(calls.map((c) => c.offsetLoad.ms))} ms; ` +
    `the longest event-loop stall ${spread(calls.map((c) => c.offsetLoad.maxStallMs))} ms (p99 ${spread(
      calls.map((c) => c.offsetLoad.p99StallMs),
      1,
    )} ms); reopening that store ${spread(calls.map((c) => c.reopenMs))} ms.`,
  '',
];
const table = lines.join('\n');
process.stdout.write(`${table}\n`);
mkdirSync(RESULTS, { recursive: true });
writeFileSync(join(RESULTS, 'footprint.md'), table);
writeFileSync(
  join(RESULTS, 'footprint.json'),
  JSON.stringify({ repeats: REPEATS, idleMs: IDLE_MS, stages, calls, fresh, restart }, null, 2),
);
