/**
 * bench/cluster-throughput: the throughput of a replicated cluster (issue 14). From the repo root:
 *
 *   npm run bench -- cluster-throughput              (3 repeats of every row)
 *   npm run bench -- cluster-throughput --quick      (a smoke run: 1 repeat, few records)
 *   npm run bench -- cluster-throughput --repeats 5 --records 500000 --only 'strom-3|kafka-3'
 *
 * Rows (clusters.ts), one cluster at a time, each repeat on fresh clusters in this order:
 *   kafka-3         Apache Kafka 4.4.0 (fetched with Maven), 3 KRaft nodes (broker+controller each,
 *                   one quorum), RF=3, min.insync.replicas=2;
 *   strom-3         Strom distributed (bench/lib/strom-cluster.ts: metadata, coordinator and 3
 *                   broker processes on nats-server and Postgres), RF=3, min.insync.replicas=2;
 *   strom-2         the same with 2 brokers, RF=1: two event loops, the clients splitting the
 *                   partitions between them (against strom-1: what a second loop buys on 2 cores);
 *   strom-1         the same with 1 broker, RF=1: the difference to strom-3 is replication;
 *   strom-embedded  `apps/strom` (one process, as bench/compare runs it), RF=1.
 * The same clients for all: CreateTopics.java (Admin API; waits for full ISRs), a discarded
 * warm-up produce, Kafka's ProducerPerformance (acks=all, 1 KiB records, a fixed count, the
 * steady-state summary after a quarter of them) and ConsumerPerformance reading them all back.
 * Writes bench/results/cluster-throughput.{md,json} and the clusters' logs
 * (cluster-throughput-<row>.log).
 */
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureJava, startPostgres, type PostgresServer } from '@strom/testing';
import { STROM_MAIN } from '../lib/brokers.ts';
import * as client from '../lib/clients.ts';
import type { ClientResult, Clients } from '../lib/clients.ts';
import { GiB, REPO, RESULTS, installCleanup, readProc, sleep } from '../lib/proc.ts';
import { KAFKA_VERSION, ensureJavaPrograms, ensureKafkaBroker, ensureKafkaTools } from '../lib/provision.ts';
import { fmt, machine, markdownTable } from '../lib/report.ts';
import { ALL_ROWS, cpuWindow, startKafka, startStromCluster, startStromEmbedded, type Row, type Running } from './clusters.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));

// ------------------------------------------------------------------ options

const usage =
  'usage: npm run bench -- cluster-throughput [--quick] [--repeats N] [--records N] [--partitions N] [--only <regex>] [--kafka-heap SIZE] [--timeout-minutes M]';
let args: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      repeats: { type: 'string' },
      records: { type: 'string' },
      partitions: { type: 'string', default: '6' },
      only: { type: 'string' },
      'kafka-heap': { type: 'string', default: '512m' },
      'timeout-minutes': { type: 'string' },
    },
  }).values;
}
try {
  args = parse();
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n${usage}\n`);
  process.exit(2);
}
const QUICK = args.quick;
const REPEATS = Number(args.repeats ?? (QUICK ? 1 : 3));
const RECORDS = Number(args.records ?? (QUICK ? 30_000 : 300_000));
const PARTITIONS = Number(args.partitions);
const RECORD_BYTES = 1024;
/** ProducerPerformance's --warmup-records: its steady-state summary leaves them out. */
const WARMUP_RECORDS = Math.round(RECORDS / 4);
/** Each cluster's own discarded warm-up produce (JIT of the brokers, the first segments). */
const SESSION_WARMUP_RECORDS = QUICK ? 10_000 : 60_000;
/** ProducerPerformance prints a window this often: its slowest one shows a stall that the average hides. */
const WINDOW_MS = 1_000;
/** Kafka's heap per JVM: three of them share this machine with the clients (kafka-server-start.sh's default is 1g). */
const KAFKA_HEAP = args['kafka-heap'];
const OVERALL_TIMEOUT_MS = Number(args['timeout-minutes'] ?? (QUICK ? 30 : 120)) * 60_000;
const ONLY = args.only === undefined ? undefined : new RegExp(args.only, 'i');
for (const [name, value, min] of [
  ['--repeats', REPEATS, 1],
  ['--records', RECORDS, 1_000],
  ['--partitions', PARTITIONS, 1],
] as const) {
  if (!Number.isSafeInteger(value) || value < min) {
    process.stderr.write(`${name} must be a whole number >= ${min}\n${usage}\n`);
    process.exit(2);
  }
}
if (!/^\d+[mg]$/.test(KAFKA_HEAP)) {
  process.stderr.write(`--kafka-heap must be like 512m or 1g\n${usage}\n`);
  process.exit(2);
}

// ------------------------------------------------------------------ rows

const ROWS = ALL_ROWS.filter((row) => ONLY === undefined || ONLY.test(row.id));
if (ROWS.length === 0) {
  process.stderr.write(`--only ${args.only} matches none of ${ALL_ROWS.map((r) => r.id).join(', ')}\n`);
  process.exit(2);
}
const BASELINE = 'kafka-3';

// ------------------------------------------------------------------ one session: one cluster, one repeat

interface Measurement {
  row: string;
  repeat: number;
  status: 'ok' | 'FAILED' | 'incomplete';
  startupSeconds: number;
  produce?: ClientResult;
  consume?: ClientResult;
  /** CPU seconds of all the cluster's processes per GiB of values, produce (warm-up records included) and consume. */
  produceCpuSecondsPerGiB?: number;
  consumeCpuSecondsPerGiB?: number;
  /** The slowest of ProducerPerformance's 1 s windows (but the first and the last), and the largest max latency of those. */
  slowestWindowMbPerSec?: number;
  worstWindowMaxLatencyMs?: number;
  /** Sum of VmRSS over the cluster's processes after the produce. */
  rssMiB?: number;
  isrChanges: number;
  warnings: { count: number; samples: string[] };
  shutdown: string;
  failure?: string;
}

const measurements: Measurement[] = [];
const problems: string[] = [];
const benchStarted = performance.now();

function say(message: string): void {
  const minutes = ((performance.now() - benchStarted) / 60_000).toFixed(1);
  process.stderr.write(`[bench/cluster-throughput ${new Date().toISOString().slice(11, 19)} +${minutes} min] ${message}\n`);
}

const produceTimeoutMs = (records: number): number => Math.max(180_000, records * RECORD_BYTES * 3e-3);

async function session(row: Row, repeat: number, clients: Clients, kafkaClasspath: string, postgres: PostgresServer): Promise<void> {
  const tag = `${row.id} r${repeat}/${REPEATS}`;
  const m: Measurement = {
    row: row.id,
    repeat,
    status: 'FAILED',
    startupSeconds: NaN,
    isrChanges: 0,
    warnings: { count: 0, samples: [] },
    shutdown: 'not started',
  };
  measurements.push(m);
  say(`${tag}: starting ${row.setup} …`);
  const startedAt = performance.now();
  let running: Running | undefined;
  try {
    running =
      row.system === 'kafka'
        ? await startKafka(row, clients.java, kafkaClasspath, KAFKA_HEAP)
        : row.system === 'strom-distributed'
          ? await startStromCluster(row, postgres)
          : await startStromEmbedded();
    m.startupSeconds = (performance.now() - startedAt) / 1000;
    say(`${tag}: ready on ${running.bootstrap} after ${m.startupSeconds.toFixed(1)} s`);
    const topic = `throughput-r${repeat}`;
    await client.createTopics(
      clients,
      running.bootstrap,
      ['warmup', topic].map((name) => ({ name, partitions: PARTITIONS, replicationFactor: row.replicationFactor })),
      { 'min.insync.replicas': String(row.minInsyncReplicas) },
    );
    const warm = await client.javaProduce(clients, {
      bootstrap: running.bootstrap,
      topic: 'warmup',
      records: SESSION_WARMUP_RECORDS,
      warmupRecords: 0,
      recordSizeBytes: RECORD_BYTES,
      acks: 'all',
      timeoutMs: produceTimeoutMs(SESSION_WARMUP_RECORDS),
    });
    if (warm.status !== 'ok') problems.push(`${tag}: the warm-up produce: ${warm.status}: ${warm.notes}`);
    await sleep(1_000);

    let cpu = cpuWindow(running);
    m.produce = await client.javaProduce(clients, {
      bootstrap: running.bootstrap,
      topic,
      records: RECORDS,
      warmupRecords: WARMUP_RECORDS,
      recordSizeBytes: RECORD_BYTES,
      acks: 'all',
      timeoutMs: produceTimeoutMs(RECORDS),
      reportingIntervalMs: WINDOW_MS,
    });
    // The first window holds the producer's start (connections, metadata), the last the tail end of the run.
    const windows = (m.produce.windows ?? []).slice(1, -1);
    if (windows.length > 0) {
      const slowest = windows.reduce((worst, w) => (w.mbPerSec < worst.mbPerSec ? w : worst));
      m.slowestWindowMbPerSec = slowest.mbPerSec;
      m.worstWindowMaxLatencyMs = Math.max(...windows.map((w) => w.maxLatencyMs));
    }
    m.produceCpuSecondsPerGiB = cpu() / ((RECORDS * RECORD_BYTES) / GiB);
    m.rssMiB = [...running.processes.map((p) => p.pid), ...running.extraPids].reduce(
      (sum, pid) => sum + (readProc(pid)?.rssKiB ?? 0) / 1024,
      0,
    );
    say(
      `${tag}: produce ${m.produce.status}: ${fmt(m.produce.mbPerSec, 2)} MB/s, ${fmt(m.produce.recordsPerSec)} rec/s, p50 ${fmt(m.produce.p50Ms)} ms, p99 ${fmt(m.produce.p99Ms)} ms${m.produce.status === 'ok' ? '' : ` (${m.produce.notes})`}`,
    );
    if (running.broken()) throw new Error(running.broken());

    cpu = cpuWindow(running);
    m.consume = await client.javaConsume(clients, {
      bootstrap: running.bootstrap,
      topic,
      records: RECORDS,
      recordSizeBytes: RECORD_BYTES,
      group: `cluster-throughput-r${repeat}`,
      timeoutMs: produceTimeoutMs(RECORDS),
    });
    m.consumeCpuSecondsPerGiB = cpu() / ((RECORDS * RECORD_BYTES) / GiB);
    say(
      `${tag}: consume ${m.consume.status}: ${fmt(m.consume.mbPerSec, 2)} MB/s, ${fmt(m.consume.recordsPerSec)} rec/s${m.consume.status === 'ok' ? '' : ` (${m.consume.notes})`}`,
    );
    if (running.broken()) throw new Error(running.broken());
    m.status =
      m.produce.status === 'FAILED' || m.consume.status === 'FAILED'
        ? 'FAILED'
        : m.produce.status === 'ok' && m.consume.status === 'ok'
          ? 'ok'
          : 'incomplete';
    if (m.status !== 'ok')
      problems.push(`${tag}: produce ${m.produce.status} (${m.produce.notes}); consume ${m.consume.status} (${m.consume.notes})`);
  } catch (error) {
    const message = (error as Error).message;
    m.failure = message.split('\n')[0];
    problems.push(`${tag}: aborted: ${message.split('\n').slice(0, 6).join(' | ')}`);
    say(`${tag}: aborted: ${message.slice(0, 1500)}`);
  } finally {
    if (running) {
      // Counted before the stop: a controlled shutdown moves leaderships and logs its own warnings.
      m.isrChanges = running.isrChanges();
      m.warnings = running.warnings();
      m.shutdown = await running.stop();
      if (m.isrChanges > 0) problems.push(`${tag}: ${m.isrChanges} ISR changes (shrinks/expands) during the session`);
      if (m.warnings.count > 0)
        problems.push(`${tag}: ${m.warnings.count} log entries at WARN or worse, e.g. ${m.warnings.samples.slice(0, 3).join(' | ')}`);
      appendFileSync(join(RESULTS, `cluster-throughput-${row.id}.log`), `\n===== ${tag} =====\n${running.fullLog()}`);
      running.removeData();
      say(`${tag}: stopped: ${m.shutdown}`);
    }
  }
}

// ------------------------------------------------------------------ summary

interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

function spread(values: readonly (number | undefined)[]): Spread {
  const finite = values.filter((v): v is number => v !== undefined && Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return { median: NaN, min: NaN, max: NaN, n: 0 };
  const mid = Math.floor(finite.length / 2);
  const median = finite.length % 2 === 1 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2;
  return { median, min: finite[0]!, max: finite.at(-1)!, n: finite.length };
}

interface Summary {
  row: Row;
  runs: { ok: number; all: number };
  produceMbPerSec: Spread;
  produceRecordsPerSec: Spread;
  produceP50Ms: Spread;
  produceP99Ms: Spread;
  slowestWindowMbPerSec: Spread;
  worstWindowMaxLatencyMs: Spread;
  consumeMbPerSec: Spread;
  consumeRecordsPerSec: Spread;
  produceCpuSecondsPerGiB: Spread;
  consumeCpuSecondsPerGiB: Spread;
  rssMiB: Spread;
  startupSeconds: Spread;
  isrChanges: number;
  warnings: number;
  /** Of the medians, this row over kafka-3 (NaN for kafka-3 itself or without it). */
  produceRatio: number;
  consumeRatio: number;
}

function summarize(): Summary[] {
  const summaries = ROWS.map((row): Summary => {
    const of = measurements.filter((m) => m.row === row.id);
    // A run counts when its client finished (an 'incomplete' one is reported in Problems, and kept).
    const produced = of.filter((m) => m.produce !== undefined && m.produce.status !== 'FAILED').map((m) => m.produce!);
    const consumed = of.filter((m) => m.consume !== undefined && m.consume.status !== 'FAILED').map((m) => m.consume!);
    return {
      row,
      runs: { ok: of.filter((m) => m.status === 'ok').length, all: of.length },
      produceMbPerSec: spread(produced.map((r) => r.mbPerSec)),
      produceRecordsPerSec: spread(produced.map((r) => r.recordsPerSec)),
      produceP50Ms: spread(produced.map((r) => r.p50Ms)),
      produceP99Ms: spread(produced.map((r) => r.p99Ms)),
      slowestWindowMbPerSec: spread(of.map((m) => m.slowestWindowMbPerSec)),
      worstWindowMaxLatencyMs: spread(of.map((m) => m.worstWindowMaxLatencyMs)),
      consumeMbPerSec: spread(consumed.map((r) => r.mbPerSec)),
      consumeRecordsPerSec: spread(consumed.map((r) => r.recordsPerSec)),
      produceCpuSecondsPerGiB: spread(of.map((m) => m.produceCpuSecondsPerGiB)),
      consumeCpuSecondsPerGiB: spread(of.map((m) => m.consumeCpuSecondsPerGiB)),
      rssMiB: spread(of.map((m) => m.rssMiB)),
      startupSeconds: spread(of.map((m) => m.startupSeconds)),
      isrChanges: of.reduce((sum, m) => sum + m.isrChanges, 0),
      warnings: of.reduce((sum, m) => sum + m.warnings.count, 0),
      produceRatio: NaN,
      consumeRatio: NaN,
    };
  });
  const baseline = summaries.find((s) => s.row.id === BASELINE);
  for (const s of summaries) {
    if (baseline === undefined || s === baseline) continue;
    s.produceRatio = s.produceMbPerSec.median / baseline.produceMbPerSec.median;
    s.consumeRatio = s.consumeMbPerSec.median / baseline.consumeMbPerSec.median;
  }
  return summaries;
}

const digitsFor = (value: number): number => (!Number.isFinite(value) ? 0 : value < 10 ? 2 : value < 100 ? 1 : 0);
const show = (s: Spread): string => {
  const digits = digitsFor(s.median);
  if (s.n === 0) return '—';
  return s.n === 1 || s.min === s.max ? fmt(s.median, digits) : `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
};

function report(summaries: readonly Summary[], loadBefore: number[], loadAfter: number[]): string[] {
  const env = machine();
  const minutes = (performance.now() - benchStarted) / 60_000;
  const strom3 = summaries.find((s) => s.row.id === 'strom-3');
  const strom1 = summaries.find((s) => s.row.id === 'strom-1');
  const strom2 = summaries.find((s) => s.row.id === 'strom-2');
  const replicationCost = [
    strom3 && strom1
      ? `Replication cost in Strom (strom-3 / strom-1, produce MB/s): ${fmt(strom3.produceMbPerSec.median / strom1.produceMbPerSec.median, 2)}.`
      : '',
    strom2 && strom1
      ? `A second event loop (strom-2 / strom-1): produce ${fmt(strom2.produceMbPerSec.median / strom1.produceMbPerSec.median, 2)}×, consume ${fmt(strom2.consumeMbPerSec.median / strom1.consumeMbPerSec.median, 2)}×.`
      : '',
  ]
    .filter(Boolean)
    .join(' ');
  return [
    `# Cluster throughput: Strom vs Apache Kafka ${KAFKA_VERSION}, replicated — ${new Date().toISOString()} (${QUICK ? 'quick' : 'default'} mode, ${REPEATS} repeat${REPEATS > 1 ? 's' : ''}, ${minutes.toFixed(1)} min)`,
    '',
    `Machine: ${env.cpu} (${env.cores} cores), ${env.ram} RAM, Linux ${env.kernel}; Node ${env.node}; ${env.java}; Strom ${env.commit}. Data dirs in ${process.env.BENCH_DIR ?? 'the OS temp dir'}.`,
    `Load average (1 min) before/after: ${loadBefore[0]!.toFixed(2)} / ${loadAfter[0]!.toFixed(2)}. Every process (all brokers, Strom's services, the clients) runs on this one machine; one cluster at a time, each repeat on fresh clusters.`,
    `Workload: ${fmt(RECORDS)} records of ${RECORD_BYTES} B per run into a topic of ${PARTITIONS} partitions, Kafka's ProducerPerformance with acks=all (--throughput -1, default batching: batch.size 16 KiB, linger.ms 5); figures from its steady-state summary (after ${fmt(WARMUP_RECORDS)} warm-up records), each cluster first taking a discarded warm-up produce of ${fmt(SESSION_WARMUP_RECORDS)} records. ConsumerPerformance then reads all ${fmt(RECORDS)} records back (one consumer, fetch phase only). MB/s = 2^20 B of values per second.`,
    `Kafka: kafka_2.13 ${KAFKA_VERSION}, each node broker+controller in one JVM (-Xms${KAFKA_HEAP} -Xmx${KAFKA_HEAP}, kafka-server-start.sh's other flags), internal topics RF 3. Strom distributed: metadata, coordinator and the brokers as their own processes on nats-server and Postgres (bench/lib/strom-cluster.ts; no Temporal/orchestrator: they only run failovers), Kafka's defaults for replication (replica.fetch.*, replica.lag.time.max.ms). Strom embedded: \`apps/strom\` as bench/compare runs it.`,
    '',
    `Figures: median of ${REPEATS} run${REPEATS > 1 ? 's' : ''}, min–max in brackets. p50/p99 = ProducerPerformance's send→ack latency at full throughput (mostly time queued in the producer's 32 MiB buffer: it follows throughput, not a latency figure to compare with fixed-rate probes). Slowest 1 s MB/s = the lowest of ProducerPerformance's 1-second windows in the run, the first and last left out (a stall shows there, not in the average); max latency = the largest send→ack of the run. **Ratio = the row's median MB/s over kafka-3's: above 1 the row is faster.** CPU s/GiB = CPU seconds of all the cluster's processes (brokers, Strom's services and nats-server; not Postgres) per GiB of values. ISR changes and WARN+ log lines: what the brokers (and Strom's services) logged once the cluster was ready (Kafka's quorum start-up warnings are left out), summed over the runs.`,
    replicationCost,
    '',
    ...markdownTable(
      [
        'row',
        'setup',
        'produce MB/s',
        'produce rec/s',
        'p50 ms',
        'p99 ms',
        'slowest 1 s MB/s',
        'max latency ms',
        'consume MB/s',
        'consume rec/s',
        'produce ratio vs kafka-3',
        'consume ratio vs kafka-3',
        'produce CPU s/GiB',
        'consume CPU s/GiB',
        'RSS MiB (sum)',
        'ISR changes',
        'WARN+ log lines',
        'ok runs',
      ],
      ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
      summaries.map((s) => [
        s.row.id,
        s.row.setup,
        show(s.produceMbPerSec),
        show(s.produceRecordsPerSec),
        show(s.produceP50Ms),
        show(s.produceP99Ms),
        show(s.slowestWindowMbPerSec),
        show(s.worstWindowMaxLatencyMs),
        show(s.consumeMbPerSec),
        show(s.consumeRecordsPerSec),
        fmt(s.produceRatio, 2),
        fmt(s.consumeRatio, 2),
        show(s.produceCpuSecondsPerGiB),
        show(s.consumeCpuSecondsPerGiB),
        show(s.rssMiB),
        String(s.isrChanges),
        String(s.warnings),
        `${s.runs.ok}/${s.runs.all}`,
      ]),
    ),
    '',
    '## Sessions',
    '',
    ...markdownTable(
      ['session', 'ready after s', 'status', 'produce', 'consume', 'shutdown'],
      ['l', 'r', 'l', 'l', 'l', 'l'],
      measurements.map((m) => [
        `${m.row} r${m.repeat}`,
        fmt(m.startupSeconds, 1),
        m.failure ? `${m.status}: ${m.failure.slice(0, 200)}` : m.status,
        m.produce ? `${m.produce.status}; ${m.produce.notes ?? ''}` : '—',
        m.consume ? `${m.consume.status}; ${m.consume.notes ?? ''}` : '—',
        m.shutdown.slice(0, 400),
      ]),
    ),
    '',
    `Logs: ${ROWS.map((r) => `cluster-throughput-${r.id}.log`).join(', ')}.`,
    ...(problems.length > 0 ? ['', '## Problems', '', ...problems.map((p) => `- ${p}`)] : []),
    '',
  ];
}

// ------------------------------------------------------------------ main

async function main(): Promise<number> {
  for (const app of ['strom', 'metadata', 'coordinator', 'broker']) {
    const main = app === 'strom' ? STROM_MAIN : join(REPO, 'apps', app, 'dist', 'main.js');
    if (!existsSync(main)) throw new Error(`${main} is missing: run npm run build (npm run bench does)`);
  }
  installCleanup(say, OVERALL_TIMEOUT_MS);
  mkdirSync(RESULTS, { recursive: true });
  for (const row of ROWS) writeFileSync(join(RESULTS, `cluster-throughput-${row.id}.log`), '');
  say(
    `${ROWS.map((r) => r.id).join(', ')} × ${REPEATS} repeat(s), ${fmt(RECORDS)} records of ${RECORD_BYTES} B, ${PARTITIONS} partitions; bound ${OVERALL_TIMEOUT_MS / 60_000} min`,
  );
  say('provisioning Kafka, its clients and CreateTopics.java (idempotent) …');
  const java = ensureJava();
  const tools = ensureKafkaTools(KAFKA_VERSION);
  const kafka = ensureKafkaBroker(KAFKA_VERSION);
  const programs = ensureJavaPrograms('cluster-throughput-programs', [join(HERE, '..', 'compare', 'CreateTopics.java')], tools.classpath);
  const clients: Clients = {
    java,
    toolsClasspath: tools.classpath,
    programsClasspath: [programs, tools.classpath].join(delimiter),
    python: '',
  };
  const postgres = ROWS.some((row) => row.system === 'strom-distributed') ? await startPostgres() : undefined;
  const loadBefore = loadavg();
  try {
    for (let repeat = 1; repeat <= REPEATS; repeat++) {
      for (const row of ROWS) await session(row, repeat, clients, kafka.classpath, postgres!);
    }
  } finally {
    await postgres?.stop();
  }
  const loadAfter = loadavg();
  const summaries = summarize();
  const lines = report(summaries, loadBefore, loadAfter);
  process.stdout.write(lines.join('\n'));
  writeFileSync(join(RESULTS, 'cluster-throughput.md'), lines.join('\n'));
  writeFileSync(
    join(RESULTS, 'cluster-throughput.json'),
    JSON.stringify(
      {
        at: new Date().toISOString(),
        mode: QUICK ? 'quick' : 'default',
        machine: machine(),
        loadAverage: { before: loadBefore, after: loadAfter },
        config: {
          kafkaVersion: KAFKA_VERSION,
          repeats: REPEATS,
          records: RECORDS,
          recordBytes: RECORD_BYTES,
          warmupRecords: WARMUP_RECORDS,
          sessionWarmupRecords: SESSION_WARMUP_RECORDS,
          partitions: PARTITIONS,
          kafkaHeap: KAFKA_HEAP,
          rows: ROWS,
        },
        summaries,
        measurements,
        problems,
      },
      null,
      2,
    ) + '\n',
  );
  say(`written to ${join(RESULTS, 'cluster-throughput')}.md and .json`);
  return measurements.some((m) => m.status === 'FAILED') ? 1 : 0;
}

process.exitCode = await main();
process.exit();
