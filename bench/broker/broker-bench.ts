/**
 * bench/broker: where Strom stands against REAL Kafka clients (issue 6). From the repo root:
 *
 *   npm run bench -- broker            (~10 minutes; builds first)
 *   npm run bench -- broker --quick    (~1-2 minute smoke run: 1 partition, short runs)
 *   npm run bench -- broker --records 500000     (records per produce scenario)
 *
 * Starts Strom embedded as a child process (`apps/strom/dist/main.js start`, its own data dir in
 * the OS temp dir or $BENCH_DIR) and drives it with:
 *   - Apache Kafka 4.4.0's own perf tools (org.apache.kafka:kafka-tools, fetched with Maven into
 *     ${XDG_CACHE_HOME:-~/.cache}/strom/kafka-tools/4.4.0/): ProducerPerformance,
 *     ConsumerPerformance, EndToEndLatency;
 *   - librdkafka through confluent-kafka-python (the venv of @strom/testing's ensurePythonClients):
 *     rdkafka_perf.py produce/consume;
 *   - FixedRateLatency.java (compiled once into the same cache dir): produce at a fixed rate
 *     with the send time in the value, consume, latency percentiles.
 * Broker cost comes from /proc/<pid>: CPU seconds (utime+stime) per step, VmRSS sampled every
 * 250 ms, VmHWM. Prints a markdown table; writes bench/results/broker.md and broker.json, and
 * the broker's own log to bench/results/broker-strom.log.
 *
 * Every child process runs in its own process group under a timeout; the broker is killed at
 * the end, on failure and on SIGINT/SIGTERM.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureAptCommand, ensureJava, ensureJavac, ensurePythonClients, run, say, stromCacheDir } from '@strom/testing';

const KAFKA_TOOLS_VERSION = '4.4.0';
const HERE = fileURLToPath(new URL('.', import.meta.url));
const REPO = join(HERE, '..', '..');
const RESULTS = join(REPO, 'bench', 'results');
const STROM_MAIN = join(REPO, 'apps', 'strom', 'dist', 'main.js');
const RECORD_SIZE = 1024;
const MiB = 2 ** 20;

// ------------------------------------------------------------------ options

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const flag = (name: string): string | undefined => {
  const index = argv.indexOf(name);
  return index >= 0 ? argv[index + 1] : undefined;
};
for (const arg of argv) {
  if (arg.startsWith('--') && !['--quick', '--records', '--rate', '--latency-seconds'].includes(arg)) {
    process.stderr.write(
      `unknown option ${arg}\nusage: npm run bench -- broker [--quick] [--records N] [--rate msg/s] [--latency-seconds S]\n`,
    );
    process.exit(2);
  }
}
const RECORDS = Number(flag('--records') ?? (quick ? 40_000 : 400_000));
/**
 * Discarded from the steady-state figures: a JVM client on a busy 2-core machine needs ~10 s of
 * JIT warm-up (its rate climbs from ~2 to ~40 MB/s over the first 200k records), hence 40%.
 */
const WARMUP = Math.round(RECORDS * 0.4);
const PARTITIONS = quick ? [1] : [1, 64];
const ACKS = ['1', 'all'] as const;
const RATE = Number(flag('--rate') ?? 5000);
const LATENCY_SECONDS = Number(flag('--latency-seconds') ?? (quick ? 6 : 20));
const LATENCY_WARMUP_SECONDS = quick ? 1 : 3;
const E2E_RECORDS = quick ? 500 : 5000;
/** Per-step bound: generous enough for a broker at ~1 MB/s, short enough that a hang fails fast. */
const PRODUCE_TIMEOUT_MS = Math.max(120_000, ((RECORDS * RECORD_SIZE) / MiB) * 1000);
/** The whole bench: a hang anywhere ends it (with the broker killed) rather than running forever. */
const OVERALL_TIMEOUT_MS = quick ? 10 * 60_000 : 30 * 60_000;
if (!Number.isInteger(RECORDS) || RECORDS < 100) throw new Error('--records must be an integer >= 100');

// ------------------------------------------------------------------ child processes

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  seconds: number;
}

const liveGroups = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/** Runs a command in its own process group, asynchronously, SIGKILLed (group) after timeoutMs. */
function runBounded(command: string, args: readonly string[], timeoutMs: number, options: { cwd?: string } = {}): Promise<Finished> {
  const started = performance.now();
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, cwd: options.cwd ?? REPO });
  liveGroups.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child, 'SIGKILL');
  }, timeoutMs);
  return new Promise((resolve) => {
    const done = (code: number | null, signal: NodeJS.Signals | null, extra = ''): void => {
      clearTimeout(timer);
      liveGroups.delete(child);
      // Whatever the command left behind in its group goes with it.
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // none left
        }
      }
      resolve({ code, signal, timedOut, stdout, stderr: stderr + extra, seconds: (performance.now() - started) / 1000 });
    };
    child.on('error', (error) => done(-1, null, String(error)));
    child.on('close', (code, signal) => done(code, signal));
  });
}

// ------------------------------------------------------------------ provisioning

/** kafka-tools and its runtime dependencies (and slf4j-nop), fetched once with Maven. */
function ensureKafkaTools(version: string): { lib: string; classpath: string } {
  const dir = join(stromCacheDir(), 'kafka-tools', version);
  const lib = join(dir, 'lib');
  const stamp = join(dir, '.strom-ready');
  const wanted = `org.apache.kafka:kafka-tools:${version}\norg.slf4j:slf4j-nop:1.7.36\n`;
  const classpath = (): string =>
    readdirSync(lib)
      .filter((name) => name.endsWith('.jar'))
      .sort()
      .map((name) => join(lib, name))
      .join(delimiter);
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted && existsSync(join(lib, `kafka-tools-${version}.jar`))) {
    return { lib, classpath: classpath() };
  }
  ensureJava();
  const mvn = ensureAptCommand('mvn', 'maven', ['/usr/bin']);
  say(`fetching org.apache.kafka:kafka-tools:${version} and its runtime dependencies with Maven into ${dir}`);
  rmSync(lib, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'pom.xml'),
    `<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by bench/broker/broker-bench.ts: only used to fetch jars. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.strom.bench</groupId>
  <artifactId>kafka-tools</artifactId>
  <version>${version}</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>${version}</version></dependency>
    <!-- kafka-tools logs through slf4j-api 1.7.36: its silent binding. -->
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-nop</artifactId><version>1.7.36</version></dependency>
  </dependencies>
</project>
`,
  );
  run(mvn, ['-q', '-B', '-f', join(dir, 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${lib}`, '-DincludeScope=runtime']);
  if (!existsSync(join(lib, `kafka-tools-${version}.jar`))) throw new Error(`Maven did not fetch kafka-tools-${version}.jar into ${lib}`);
  writeFileSync(stamp, wanted);
  say(`kafka-tools ${version} ready (${readdirSync(lib).length} jars)`);
  return { lib, classpath: classpath() };
}

/** FixedRateLatency.java compiled against the kafka-tools jars, cached by source hash. */
function ensureLatencyProgram(toolsClasspath: string): string {
  const source = readFileSync(join(HERE, 'FixedRateLatency.java'));
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const classes = join(stromCacheDir(), 'kafka-tools', KAFKA_TOOLS_VERSION, `fixed-rate-latency-${hash}`);
  if (existsSync(join(classes, 'FixedRateLatency.class'))) return classes;
  const javac = ensureJavac();
  const staging = `${classes}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  run(javac, ['-nowarn', '-cp', toolsClasspath, '-d', staging, join(HERE, 'FixedRateLatency.java')]);
  rmSync(classes, { recursive: true, force: true });
  renameSync(staging, classes);
  // Builds of earlier versions of the source are of no further use.
  const parent = join(classes, '..');
  for (const name of readdirSync(parent)) {
    if (name.startsWith('fixed-rate-latency-') && join(parent, name) !== classes)
      rmSync(join(parent, name), { recursive: true, force: true });
  }
  return classes;
}

// ------------------------------------------------------------------ the broker

interface ProcSample {
  rssKiB: number;
  hwmKiB: number;
  cpuSeconds: number;
  /** Time the main (event-loop) thread was runnable but waiting for a CPU (/proc/<pid>/schedstat). */
  runQueueWaitSeconds: number;
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

function readProc(pid: number): ProcSample | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised comm: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    let runQueueWaitSeconds = NaN;
    try {
      runQueueWaitSeconds = Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e9;
    } catch {
      // kernel without schedstats
    }
    return { rssKiB: kib('VmRSS'), hwmKiB: kib('VmHWM'), cpuSeconds: ticks / CLK_TCK, runQueueWaitSeconds };
  } catch {
    return undefined;
  }
}

class Broker {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly dataDir: string;
  port = 0;
  log = '';
  exited = false;
  exitInfo = '';
  private sampler: NodeJS.Timeout | undefined;
  /** The largest VmRSS seen since the last window() began. */
  windowMaxRssKiB = 0;
  readonly rssTimeline: { t: number; rssKiB: number }[] = [];
  private readonly startedAt = performance.now();

  constructor() {
    this.dataDir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'strom-broker-bench-'));
    // --log-level info: the ready line (with the port the OS picked) is an info line; at info
    // Strom logs lifecycle events only (a handful of lines per run), nothing per request.
    this.child = spawn(
      process.execPath,
      [STROM_MAIN, 'start', '--port', '0', '--admin-port', '0', '--data-dir', this.dataDir, '--log-level', 'info'],
      { stdio: ['ignore', 'pipe', 'pipe'], detached: true, cwd: REPO },
    );
    if (this.child.pid === undefined) throw new Error('could not spawn the broker');
    this.pid = this.child.pid;
    liveGroups.add(this.child);
    this.child.stdout!.setEncoding('utf8').on('data', (text: string) => (this.log += text));
    this.child.stderr!.setEncoding('utf8').on('data', (text: string) => (this.log += text));
    this.child.on('exit', (code, signal) => {
      this.exited = true;
      this.exitInfo = `exit code ${code} signal ${signal}`;
      liveGroups.delete(this.child);
    });
    this.startSampling(); // from the spawn: start-up is where the peak RSS is
  }

  async ready(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      const match = /"kafka":"[^"]*:(\d+)".*ready \(embedded\)/.exec(this.log);
      if (match) {
        this.port = Number(match[1]);
        return;
      }
      if (this.exited) throw new Error(`the broker exited before it was ready (${this.exitInfo}):\n${this.log.slice(-3000)}`);
      await sleep(100);
    }
    throw new Error(`the broker was not ready after ${timeoutMs} ms:\n${this.log.slice(-3000)}`);
  }

  get bootstrap(): string {
    return `127.0.0.1:${this.port}`;
  }

  private startSampling(): void {
    this.sampler = setInterval(() => {
      const sample = readProc(this.pid);
      if (sample === undefined) return;
      this.windowMaxRssKiB = Math.max(this.windowMaxRssKiB, sample.rssKiB);
      this.rssTimeline.push({ t: Math.round(performance.now() - this.startedAt) / 1000, rssKiB: sample.rssKiB });
    }, 250);
    this.sampler.unref();
  }

  sample(): ProcSample | undefined {
    return readProc(this.pid);
  }

  /** Starts a measurement window; returns a function that closes it with the broker's cost. */
  window(): () => { cpuSeconds: number; waitSeconds: number; wallSeconds: number; maxRssKiB: number; rssKiB: number; hwmKiB: number } {
    const before = this.sample();
    const started = performance.now();
    this.windowMaxRssKiB = before?.rssKiB ?? 0;
    return () => {
      const after = this.sample();
      const wallSeconds = (performance.now() - started) / 1000;
      return {
        cpuSeconds: (after?.cpuSeconds ?? NaN) - (before?.cpuSeconds ?? NaN),
        waitSeconds: (after?.runQueueWaitSeconds ?? NaN) - (before?.runQueueWaitSeconds ?? NaN),
        wallSeconds,
        maxRssKiB: Math.max(this.windowMaxRssKiB, after?.rssKiB ?? 0),
        rssKiB: after?.rssKiB ?? NaN,
        hwmKiB: after?.hwmKiB ?? NaN,
      };
    };
  }

  /** SIGTERM (graceful), then SIGKILL of the whole group after graceMs. */
  async stop(graceMs = 15_000): Promise<string> {
    if (this.sampler) clearInterval(this.sampler);
    if (this.exited) return `already exited (${this.exitInfo})`;
    const started = performance.now();
    killGroup(this.child, 'SIGTERM');
    while (!this.exited && performance.now() - started < graceMs) await sleep(100);
    if (!this.exited) {
      killGroup(this.child, 'SIGKILL');
      while (!this.exited && performance.now() - started < graceMs + 5000) await sleep(100);
      return `did not stop within ${graceMs} ms of SIGTERM: SIGKILLed`;
    }
    return `stopped in ${((performance.now() - started) / 1000).toFixed(1)} s (${this.exitInfo})`;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// ------------------------------------------------------------------ results

interface Row {
  step: string;
  client: string;
  partitions: number | null;
  acks: string | null;
  records: number | null;
  recordsPerSec: number | null;
  mbPerSec: number | null;
  /** Latency figures in ms (produce: the client's send→ack latency; e2e: send→receive). */
  p50Ms: number | null;
  p99Ms: number | null;
  p999Ms: number | null;
  brokerCpuSeconds: number | null;
  /** Broker CPU seconds per wall second of the step (1.0 = one core busy). */
  brokerCores: number | null;
  brokerMaxRssMiB: number | null;
  /** Seconds the broker's event-loop thread waited for a CPU while runnable (CPU contention). */
  brokerWaitSeconds: number | null;
  /** Broker CPU milliseconds per MiB of values moved in the step (warm-up included), when the step moves data. */
  brokerCpuMsPerMiB: number | null;
  /** Bytes of values the step moved through the broker (all records, warm-up included). */
  bytesMoved?: number;
  wallSeconds: number;
  status: 'ok' | 'FAILED' | 'incomplete';
  notes: string;
  detail?: unknown;
}

const rows: Row[] = [];
const problems: string[] = [];

function progress(message: string): void {
  process.stderr.write(`[bench/broker ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** Lines of a client's stderr that look like errors (not the JVM/SLF4J noise). */
function errorLines(stderr: string, limit = 8): string[] {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /exception|error|warn/i.test(line) && !/^SLF4J|deprecated/i.test(line) && !line.startsWith('at '));
  return [...new Set(lines)].slice(0, limit);
}

function describeExit(result: Finished): string {
  if (result.timedOut) return `timed out after ${result.seconds.toFixed(0)} s (killed)`;
  return `exit code ${result.code}${result.signal ? ` signal ${result.signal}` : ''}`;
}

async function step(
  broker: Broker,
  label: string,
  base: Pick<Row, 'step' | 'client' | 'partitions' | 'acks'>,
  body: () => Promise<Partial<Row> & { status?: Row['status'] }>,
  prepare?: () => Promise<void>,
): Promise<void> {
  if (broker.exited) {
    rows.push({ ...emptyRow(base), status: 'FAILED', notes: `not run: the broker had exited (${broker.exitInfo})` });
    problems.push(`${label}: not run: the broker had exited (${broker.exitInfo})`);
    return;
  }
  progress(`${label} …`);
  let partial: Partial<Row> & { status?: Row['status'] };
  // The topic is created before the measurement window opens (its cost is not the step's).
  let close: ReturnType<Broker['window']> | undefined;
  try {
    if (prepare) await prepare();
    await sleep(500);
    close = broker.window();
    partial = await body();
  } catch (error) {
    partial = { status: 'FAILED', notes: (error as Error).message.split('\n').slice(0, 6).join(' | ') };
  }
  close ??= broker.window();
  const cost = close();
  const row: Row = {
    ...emptyRow(base),
    ...partial,
    brokerCpuSeconds: cost.cpuSeconds,
    brokerCores: cost.cpuSeconds / cost.wallSeconds,
    brokerMaxRssMiB: cost.maxRssKiB / 1024,
    brokerWaitSeconds: cost.waitSeconds,
    brokerCpuMsPerMiB: partial.bytesMoved ? (cost.cpuSeconds * 1000) / (partial.bytesMoved / MiB) : null,
    wallSeconds: cost.wallSeconds,
    status: partial.status ?? 'ok',
  };
  if (broker.exited) {
    row.status = 'FAILED';
    row.notes = `${row.notes} the broker exited during the step (${broker.exitInfo})`.trim();
  }
  rows.push(row);
  if (row.status !== 'ok') problems.push(`${label}: ${row.status}: ${row.notes}`);
  const figures = [
    row.recordsPerSec !== null ? `${fmt(row.recordsPerSec)} rec/s` : '',
    row.mbPerSec !== null ? `${fmt(row.mbPerSec, 2)} MB/s` : '',
    row.p50Ms !== null ? `p50 ${fmt(row.p50Ms, 1)} ms` : '',
    row.p99Ms !== null ? `p99 ${fmt(row.p99Ms, 1)} ms` : '',
    `broker ${fmt(row.brokerCpuSeconds, 1)} CPU s (waited ${fmt(row.brokerWaitSeconds, 1)} s for a CPU), ${fmt(row.brokerMaxRssMiB)} MiB RSS`,
  ].filter(Boolean);
  progress(
    `${label}: ${row.status === 'ok' ? '' : `${row.status} (${row.notes}) `}${figures.join(', ')} [${cost.wallSeconds.toFixed(1)} s]`,
  );
}

function emptyRow(base: Pick<Row, 'step' | 'client' | 'partitions' | 'acks'>): Row {
  return {
    ...base,
    records: null,
    recordsPerSec: null,
    mbPerSec: null,
    p50Ms: null,
    p99Ms: null,
    p999Ms: null,
    brokerCpuSeconds: null,
    brokerCores: null,
    brokerMaxRssMiB: null,
    brokerCpuMsPerMiB: null,
    brokerWaitSeconds: null,
    wallSeconds: 0,
    status: 'ok',
    notes: '',
  };
}

const fmt = (n: number | null | undefined, digits = 0): string =>
  n === null || n === undefined || Number.isNaN(n)
    ? '—'
    : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

// ------------------------------------------------------------------ scenarios

interface Tools {
  java: string;
  toolsClasspath: string;
  latencyClasspath: string;
  python: string;
}

async function createTopic(broker: Broker, topic: string, partitions: number): Promise<void> {
  const result = await runBounded(
    process.execPath,
    [STROM_MAIN, 'topics', 'create', topic, '--partitions', String(partitions), '--bootstrap-server', broker.bootstrap],
    60_000,
  );
  if (result.code !== 0)
    throw new Error(`topics create ${topic}: ${describeExit(result)}: ${(result.stderr + result.stdout).trim().slice(0, 500)}`);
}

const PERF_LINE =
  /^(\d+) (steady state )?records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99.9th/m;

async function javaProduce(tools: Tools, broker: Broker, topic: string, acks: string): Promise<Partial<Row>> {
  const result = await runBounded(
    tools.java,
    [
      '-cp',
      tools.toolsClasspath,
      'org.apache.kafka.tools.ProducerPerformance',
      '--topic',
      topic,
      '--num-records',
      String(RECORDS),
      '--warmup-records',
      String(WARMUP),
      '--record-size',
      String(RECORD_SIZE),
      '--throughput',
      '-1',
      '--command-property',
      `bootstrap.servers=${broker.bootstrap}`,
      `acks=${acks}`,
      'client.id=strom-bench-java',
    ],
    PRODUCE_TIMEOUT_MS,
  );
  const summaries = [...result.stdout.matchAll(new RegExp(PERF_LINE.source, 'gm'))];
  const steady = summaries.find((m) => m[2] !== undefined) ?? summaries.at(-1);
  const errors = errorLines(result.stderr);
  if (result.code !== 0 || steady === undefined) {
    return {
      status: 'FAILED',
      notes: `${describeExit(result)}; ${errors.join(' | ') || result.stdout.trim().split('\n').slice(-3).join(' | ')}`,
    };
  }
  return {
    records: Number(steady[1]),
    bytesMoved: RECORDS * RECORD_SIZE,
    recordsPerSec: Number(steady[3]),
    mbPerSec: Number(steady[4]),
    p50Ms: Number(steady[7]),
    p99Ms: Number(steady[9]),
    p999Ms: Number(steady[10]),
    status: errors.length > 0 ? 'incomplete' : 'ok',
    notes: [`steady state after ${WARMUP} warm-up records; latency = send→ack, avg ${steady[5]} ms, max ${steady[6]} ms`, ...errors].join(
      '; ',
    ),
    detail: { summaries: summaries.map((m) => m[0]) },
  };
}

async function rdkafkaProduce(tools: Tools, broker: Broker, topic: string, acks: string): Promise<Partial<Row>> {
  const result = await runBounded(
    tools.python,
    [join(HERE, 'rdkafka_perf.py'), 'produce', broker.bootstrap, topic, String(RECORDS), String(WARMUP), acks, String(RECORD_SIZE)],
    PRODUCE_TIMEOUT_MS,
  );
  const report = lastJson(result.stdout) as
    | {
        delivered: number;
        failed: number;
        undelivered: number;
        recordsPerSec: number;
        mbPerSec: number;
        steadyRecords: number;
        errors: string[];
        librdkafka: string;
      }
    | undefined;
  if (result.code !== 0 || report === undefined || report.recordsPerSec === undefined) {
    return { status: 'FAILED', notes: `${describeExit(result)}; ${JSON.stringify(report ?? {})} ${errorLines(result.stderr).join(' | ')}` };
  }
  const incomplete = report.delivered < RECORDS || report.failed > 0 || report.undelivered > 0;
  return {
    records: report.steadyRecords,
    bytesMoved: report.delivered * RECORD_SIZE,
    recordsPerSec: report.recordsPerSec,
    mbPerSec: report.mbPerSec,
    status: incomplete ? 'incomplete' : report.errors.length > 0 ? 'incomplete' : 'ok',
    notes: [
      `librdkafka ${report.librdkafka}, linger.ms=5; steady state after ${WARMUP} warm-up records`,
      incomplete ? `delivered ${report.delivered}/${RECORDS}, failed ${report.failed}, undelivered ${report.undelivered}` : '',
      ...report.errors,
    ]
      .filter(Boolean)
      .join('; '),
    detail: report,
  };
}

async function javaConsume(tools: Tools, broker: Broker, topic: string): Promise<Partial<Row>> {
  const result = await runBounded(
    tools.java,
    [
      '-cp',
      tools.toolsClasspath,
      'org.apache.kafka.tools.ConsumerPerformance',
      '--bootstrap-server',
      broker.bootstrap,
      '--topic',
      topic,
      '--num-records',
      String(RECORDS),
      '--timeout',
      '30000',
      '--group',
      `strom-bench-${topic}`,
    ],
    PRODUCE_TIMEOUT_MS,
  );
  const lines = result.stdout.trim().split('\n');
  const headerIndex = lines.findIndex((line) => line.startsWith('start.time'));
  const fields = headerIndex >= 0 ? lines[headerIndex + 1]?.split(',').map((f) => f.trim()) : undefined;
  const errors = errorLines(result.stderr + '\n' + result.stdout);
  if (result.code !== 0 || fields === undefined || fields.length < 10) {
    return { status: 'FAILED', notes: `${describeExit(result)}; ${errors.join(' | ') || lines.slice(-3).join(' | ')}` };
  }
  const [, , mb, mbSec, nMsg, nMsgSec, rebalanceMs, fetchMs, fetchMbSec, fetchNMsgSec] = fields.map(Number) as number[];
  const incomplete = nMsg! < RECORDS;
  return {
    records: nMsg!,
    bytesMoved: nMsg! * RECORD_SIZE,
    recordsPerSec: fetchNMsgSec!,
    mbPerSec: fetchMbSec!,
    status: incomplete || errors.length > 0 ? 'incomplete' : 'ok',
    notes: [
      `fetch phase only (group join ${fmt(rebalanceMs)} ms excluded); whole run ${fmt(mbSec, 2)} MB/s, ${fmt(nMsgSec)} rec/s`,
      incomplete ? `consumed ${nMsg}/${RECORDS} (${fmt(mb, 1)} MB)` : '',
      ...errors,
    ]
      .filter(Boolean)
      .join('; '),
    detail: { header: lines[headerIndex], values: lines[headerIndex + 1], fetchMs },
  };
}

async function rdkafkaConsume(tools: Tools, broker: Broker, topic: string): Promise<Partial<Row>> {
  const result = await runBounded(
    tools.python,
    [join(HERE, 'rdkafka_perf.py'), 'consume', broker.bootstrap, topic, String(RECORDS), '30'],
    PRODUCE_TIMEOUT_MS,
  );
  const report = lastJson(result.stdout) as
    { records: number; bytes: number; recordsPerSec: number; mbPerSec: number; errors: string[]; librdkafka: string } | undefined;
  if (result.code !== 0 || report === undefined || report.recordsPerSec === undefined) {
    return { status: 'FAILED', notes: `${describeExit(result)}; ${JSON.stringify(report ?? {})} ${errorLines(result.stderr).join(' | ')}` };
  }
  const incomplete = report.records < RECORDS;
  return {
    records: report.records,
    bytesMoved: report.bytes,
    recordsPerSec: report.recordsPerSec,
    mbPerSec: report.mbPerSec,
    status: incomplete || report.errors.length > 0 ? 'incomplete' : 'ok',
    notes: [
      `librdkafka ${report.librdkafka}, assign() from the beginning (no group)`,
      incomplete ? `consumed ${report.records}/${RECORDS}` : '',
      ...report.errors,
    ]
      .filter(Boolean)
      .join('; '),
    detail: report,
  };
}

async function endToEndLatency(tools: Tools, broker: Broker, topic: string, acks: string): Promise<Partial<Row>> {
  const result = await runBounded(
    tools.java,
    [
      '-cp',
      tools.toolsClasspath,
      'org.apache.kafka.tools.EndToEndLatency',
      '--bootstrap-server',
      broker.bootstrap,
      '--topic',
      topic,
      '--num-records',
      String(E2E_RECORDS),
      '--producer-acks',
      acks,
      '--record-size',
      String(RECORD_SIZE),
    ],
    180_000,
  );
  const avg = /Avg latency: ([\d.]+) ms/.exec(result.stdout);
  const pct = /Percentiles: 50th = (\d+), 99th = (\d+), 99.9th = (\d+)/.exec(result.stdout);
  if (result.code !== 0 || avg === null || pct === null) {
    return {
      status: 'FAILED',
      notes: `${describeExit(result)}; ${errorLines(result.stderr + result.stdout).join(' | ') || result.stdout.slice(-300)}`,
    };
  }
  return {
    records: E2E_RECORDS,
    recordsPerSec: 1000 / Number(avg[1]),
    p50Ms: Number(pct[1]),
    p99Ms: Number(pct[2]),
    p999Ms: Number(pct[3]),
    notes: `1 record in flight (send, then poll until it arrives); avg ${avg[1]} ms; the tool reports whole ms; rec/s = 1000 / avg`,
  };
}

async function fixedRateLatency(tools: Tools, broker: Broker, topic: string, acks: string): Promise<Partial<Row>> {
  const result = await runBounded(
    tools.java,
    [
      '-cp',
      tools.latencyClasspath,
      'FixedRateLatency',
      broker.bootstrap,
      topic,
      String(RATE),
      String(LATENCY_SECONDS),
      String(LATENCY_WARMUP_SECONDS),
      acks,
      String(RECORD_SIZE),
    ],
    LATENCY_SECONDS * 1000 + 120_000,
  );
  const report = lastJson(result.stdout) as
    | {
        sent: number;
        received: number;
        measured: number;
        sendErrors: number;
        complete: boolean;
        achievedRate: number;
        meanMs: number;
        p50Ms: number;
        p99Ms: number;
        p999Ms: number;
        maxMs: number;
        firstError: string | null;
        perSecond: { count: number; maxMs: number }[];
      }
    | undefined;
  if (result.code !== 0 || report === undefined) {
    return { status: 'FAILED', notes: `${describeExit(result)}; ${errorLines(result.stderr).join(' | ') || result.stdout.slice(-300)}` };
  }
  const incomplete = !report.complete || report.sendErrors > 0 || report.received < report.sent;
  return {
    records: report.measured,
    recordsPerSec: report.achievedRate,
    mbPerSec: (report.achievedRate * RECORD_SIZE) / MiB,
    p50Ms: report.p50Ms,
    p99Ms: report.p99Ms,
    p999Ms: report.p999Ms,
    status: incomplete ? 'incomplete' : 'ok',
    notes: [
      `${RATE} msg/s for ${LATENCY_SECONDS} s, first ${LATENCY_WARMUP_SECONDS} s discarded; from intended send time to receipt; mean ${fmt(report.meanMs, 1)} ms, max ${fmt(report.maxMs, 1)} ms`,
      incomplete ? `received ${report.received}/${report.sent}, send errors ${report.sendErrors}` : '',
      `worst latency per second of the schedule (ms): ${report.perSecond.map((s) => Math.round(s.maxMs)).join(' ')}`,
      report.firstError ?? '',
    ]
      .filter(Boolean)
      .join('; '),
    detail: report,
  };
}

function lastJson(stdout: string): unknown {
  const line = stdout
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (line === undefined) return undefined;
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

// ------------------------------------------------------------------ main

function machine(): Record<string, string> {
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' }).stderr.split('\n')[0] ?? '';
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', cwd: REPO }).stdout.trim();
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8', cwd: REPO }).stdout.trim() !== '';
  return {
    cpu: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`,
    ram: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    java,
    strom: `${git}${dirty ? ' (with uncommitted changes)' : ''}`,
  };
}

async function main(): Promise<number> {
  const benchStarted = performance.now();
  if (!existsSync(STROM_MAIN)) throw new Error(`${STROM_MAIN} is missing: run npm run build (npm run bench does)`);
  progress(
    `mode ${quick ? 'quick' : 'full'}: ${RECORDS} records of ${RECORD_SIZE} B per produce scenario, partitions ${PARTITIONS.join('/')}, acks 1/all`,
  );
  progress('provisioning the clients (idempotent) …');
  const java = ensureJava();
  const kafkaTools = ensureKafkaTools(KAFKA_TOOLS_VERSION);
  const latencyClasses = ensureLatencyProgram(kafkaTools.classpath);
  const python = ensurePythonClients();
  const tools: Tools = {
    java,
    toolsClasspath: kafkaTools.classpath,
    latencyClasspath: [latencyClasses, kafkaTools.classpath].join(delimiter),
    python,
  };
  const env = machine();
  const loadBefore = loadavg();

  progress('starting Strom …');
  const broker = new Broker();
  const cleanup = (): void => {
    for (const child of liveGroups) killGroup(child, 'SIGKILL');
  };
  process.on('exit', cleanup);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      progress(`${signal}: killing the broker and the clients`);
      cleanup();
      process.exit(130);
    });
  }
  const overall = setTimeout(() => {
    progress(`the whole bench passed its bound of ${OVERALL_TIMEOUT_MS / 60_000} min: killing everything`);
    cleanup();
    process.exit(1);
  }, OVERALL_TIMEOUT_MS);
  overall.unref();

  let idle: ProcSample | undefined;
  let startupSeconds = NaN;
  let stopInfo: string;
  let final: ProcSample | undefined;
  try {
    const startedAt = performance.now();
    await broker.ready(180_000);
    startupSeconds = (performance.now() - startedAt) / 1000;
    progress(
      `Strom ready on ${broker.bootstrap} after ${((performance.now() - startedAt) / 1000).toFixed(1)} s (pid ${broker.pid}, data ${broker.dataDir})`,
    );
    await sleep(1000);
    idle = broker.sample();

    for (const partitions of PARTITIONS) {
      for (const acks of ACKS) {
        const javaTopic = `perf-java-p${partitions}-acks${acks}`;
        const rdkTopic = `perf-rdkafka-p${partitions}-acks${acks}`;
        await step(
          broker,
          `produce java p=${partitions} acks=${acks}`,
          { step: 'produce', client: 'java ProducerPerformance', partitions, acks },
          () => javaProduce(tools, broker, javaTopic, acks),
          () => createTopic(broker, javaTopic, partitions),
        );
        await step(
          broker,
          `produce librdkafka p=${partitions} acks=${acks}`,
          { step: 'produce', client: 'librdkafka (python)', partitions, acks },
          () => rdkafkaProduce(tools, broker, rdkTopic, acks),
          () => createTopic(broker, rdkTopic, partitions),
        );
      }
      const source = `perf-java-p${partitions}-acks1`;
      await step(
        broker,
        `consume java p=${partitions}`,
        { step: 'consume', client: 'java ConsumerPerformance', partitions, acks: null },
        () => javaConsume(tools, broker, source),
      );
      await step(
        broker,
        `consume librdkafka p=${partitions}`,
        { step: 'consume', client: 'librdkafka (python)', partitions, acks: null },
        () => rdkafkaConsume(tools, broker, source),
      );
    }

    for (const acks of ACKS) {
      const topic = `e2e-acks${acks}`;
      await step(
        broker,
        `EndToEndLatency acks=${acks}`,
        { step: 'e2e latency, 1 in flight', client: 'java EndToEndLatency', partitions: 1, acks },
        () => endToEndLatency(tools, broker, topic, acks),
        () => createTopic(broker, topic, 1),
      );
    }
    for (const partitions of PARTITIONS) {
      const topic = `latency-p${partitions}`;
      await step(
        broker,
        `fixed-rate latency p=${partitions} acks=all`,
        { step: `e2e latency at ${RATE} msg/s`, client: 'java FixedRateLatency', partitions, acks: 'all' },
        () => fixedRateLatency(tools, broker, topic, 'all'),
        () => createTopic(broker, topic, partitions),
      );
    }
    await sleep(1000);
    final = broker.sample();
  } catch (error) {
    problems.push(`aborted: ${(error as Error).message}`);
    progress(`aborted: ${(error as Error).message}`);
  } finally {
    final ??= broker.sample();
    progress('stopping Strom …');
    stopInfo = await broker.stop();
    progress(`Strom ${stopInfo}`);
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(join(RESULTS, 'broker-strom.log'), broker.log);
    rmSync(broker.dataDir, { recursive: true, force: true });
  }
  if (broker.log.includes('"level":50') || broker.log.includes('"level":60')) {
    problems.push(
      `the broker logged errors: see bench/results/broker-strom.log (${(broker.log.match(/"level":[56]0/g) ?? []).length} lines)`,
    );
  }

  // ---------------------------------------------------------------- output
  const loadAfter = loadavg();
  const lines = [
    `# Strom broker benchmark — ${new Date().toISOString()} (${quick ? 'quick' : 'full'} mode, ${((performance.now() - benchStarted) / 60_000).toFixed(1)} min)`,
    '',
    `Machine: ${env.cpu}, ${env.ram} RAM; Node ${env.node}; ${env.java}; Strom ${env.strom}.`,
    `Load average (1 min) before/after: ${loadBefore[0]!.toFixed(2)} / ${loadAfter[0]!.toFixed(2)} — the clients run on the same machine as the broker.`,
    `Records: ${RECORD_SIZE} B values, no key, no compression; ${RECORDS} per produce scenario (first ${WARMUP} discarded as warm-up). MB/s = 2^20 B of values per second. Clients: Apache Kafka kafka-tools ${KAFKA_TOOLS_VERSION} (Java), librdkafka via confluent-kafka-python.`,
    "Columns: records, records/s and MB/s are the measured (steady-state) part; p50/p99/p99.9 are send→ack for produce rows and send→receive for latency rows. Broker columns cover the whole step (warm-up included): CPU seconds (utime+stime of the Strom process), cores = CPU s / wall s of the step, CPU ms per MiB of values moved, CPU wait s = time the broker's event-loop thread was runnable but had no CPU (/proc/<pid>/schedstat: contention from the clients and anything else on the machine), the largest VmRSS sampled every 250 ms.",
    '',
    '| step | client | partitions | acks | records | records/s | MB/s | p50 ms | p99 ms | p99.9 ms | broker CPU s | broker cores | broker CPU ms/MiB | broker CPU wait s | broker max RSS MiB | status |',
    '|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows.map(
      (r) =>
        `| ${r.step} | ${r.client} | ${r.partitions ?? '—'} | ${r.acks ?? '—'} | ${fmt(r.records)} | ${fmt(r.recordsPerSec)} | ${fmt(r.mbPerSec, 2)} | ${fmt(r.p50Ms, 1)} | ${fmt(r.p99Ms, 1)} | ${fmt(r.p999Ms, 1)} | ${fmt(r.brokerCpuSeconds, 1)} | ${fmt(r.brokerCores, 2)} | ${fmt(r.brokerCpuMsPerMiB, 1)} | ${fmt(r.brokerWaitSeconds, 1)} | ${fmt(r.brokerMaxRssMiB)} | ${r.status} |`,
    ),
    '',
    `Broker start-up: ready after ${fmt(startupSeconds, 1)} s, ${fmt(idle?.cpuSeconds, 1)} CPU s. Broker memory: RSS ${fmt((idle?.rssKiB ?? NaN) / 1024)} MiB idle after start, ${fmt((final?.rssKiB ?? NaN) / 1024)} MiB after the last step, peak (VmHWM) ${fmt((final?.hwmKiB ?? NaN) / 1024)} MiB (${fmt((idle?.hwmKiB ?? NaN) / 1024)} MiB already reached during start-up). Broker CPU over the whole run: ${fmt(final?.cpuSeconds, 1)} s. Shutdown: ${stopInfo}.`,
    '',
    'Notes per row:',
    '',
    ...rows.map(
      (r) =>
        `- ${r.step} / ${r.client}${r.partitions !== null ? ` / p=${r.partitions}` : ''}${r.acks !== null ? ` / acks=${r.acks}` : ''}: ${r.notes || '—'}`,
    ),
  ];
  if (problems.length > 0) lines.push('', 'Problems:', '', ...problems.map((p) => `- ${p}`));
  process.stdout.write(lines.join('\n') + '\n');
  writeFileSync(join(RESULTS, 'broker.md'), lines.join('\n') + '\n');
  writeFileSync(
    join(RESULTS, 'broker.json'),
    JSON.stringify(
      {
        at: new Date().toISOString(),
        mode: quick ? 'quick' : 'full',
        machine: env,
        loadAverage: { before: loadBefore, after: loadAfter },
        config: {
          recordSize: RECORD_SIZE,
          records: RECORDS,
          warmup: WARMUP,
          partitions: PARTITIONS,
          rate: RATE,
          latencySeconds: LATENCY_SECONDS,
        },
        broker: { startupSeconds, idle, final, shutdown: stopInfo, rssTimeline: broker.rssTimeline },
        rows,
        problems,
      },
      null,
      2,
    ) + '\n',
  );
  return problems.length > 0 ? 1 : 0;
}

process.exitCode = await main();
