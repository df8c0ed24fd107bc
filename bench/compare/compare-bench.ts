/**
 * bench/compare: Strom and Apache Kafka 4.4.0 side by side on this machine, driven by the same
 * clients (issue 7). From the repo root:
 *
 *   npm run bench -- compare                 (~20 minutes: the headline rows, 3 repeats)
 *   npm run bench -- compare --quick         (~5 minute smoke run: 1 repeat, short runs)
 *   npm run bench -- compare --full          (the whole matrix: hours)
 *   npm run bench -- compare --only 'produce java' --repeats 5
 *
 * Kafka is the real broker (org.apache.kafka:kafka_2.13, fetched with Maven, KRaft combined
 * broker+controller, kafka-server-start.sh's JVM flags); Strom is started as bench/broker does.
 * Only one broker runs at a time: each repeat starts Kafka (fresh data dir), runs every step,
 * stops it, then does the same with Strom. Each session begins with a discarded warm-up produce.
 * The clients: Kafka's ProducerPerformance / ConsumerPerformance / EndToEndLatency, librdkafka
 * (bench/broker/rdkafka_perf.py), bench/broker/FixedRateLatency.java at 50% (--rate-share) of Kafka's measured
 * maximum, bench/compare/GroupLoad.java (10 producers + 10 consumers of one group in one JVM);
 * topics are created by bench/compare/CreateTopics.java (the Admin API) on both sides.
 * Writes bench/results/compare.md, compare.json, compare-throughput.svg, compare-latency.svg and
 * the brokers' logs (compare-kafka.log, compare-strom.log).
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureJava, ensurePythonClients } from '@strom/testing';
import { KafkaBroker, STROM_MAIN, StromBroker, type BenchBroker } from '../lib/brokers.ts';
import * as client from '../lib/clients.ts';
import type { ClientResult, Clients, Compression } from '../lib/clients.ts';
import { GiB, MiB, RESULTS, installCleanup, sleep, type ProcSample } from '../lib/proc.ts';
import { KAFKA_VERSION, ensureJavaPrograms, ensureKafkaBroker, ensureKafkaTools } from '../lib/provision.ts';
import { fmt, groupedBarsSvg, machine, markdownTable, progressLine, type BarGroup } from '../lib/report.ts';
import { measureLimits, type Limit } from './limits.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const SIDES = ['kafka', 'strom'] as const;
type Side = (typeof SIDES)[number];
const SIDE_NAME: Record<Side, string> = { kafka: `Kafka ${KAFKA_VERSION}`, strom: 'Strom' };

// ------------------------------------------------------------------ options

const usage =
  'usage: npm run bench -- compare [--quick | --full] [--profile] [--repeats N] [--only <regex>] [--records N] [--latency-seconds S] [--group-seconds S] [--rate-share F] [--timeout-minutes M]';
const argv = process.argv.slice(2);
const valued = ['--repeats', '--only', '--records', '--latency-seconds', '--group-seconds', '--rate-share', '--timeout-minutes'];
for (let i = 0; i < argv.length; i++) {
  const arg = argv[i]!;
  if (valued.includes(arg)) {
    if (argv[i + 1] === undefined) {
      process.stderr.write(`${arg} needs a value\n${usage}\n`);
      process.exit(2);
    }
    i++;
  } else if (arg !== '--quick' && arg !== '--full' && arg !== '--profile') {
    process.stderr.write(`unknown option ${arg}\n${usage}\n`);
    process.exit(2);
  }
}
const flag = (name: string): string | undefined => {
  const index = argv.indexOf(name);
  return index >= 0 ? argv[index + 1] : undefined;
};
const quick = argv.includes('--quick');
/**
 * --profile: Strom runs with V8's CPU profiler (one .cpuprofile per session in
 * bench/results/profiles/, for Chrome DevTools or speedscope) and --trace-gc (its lines in
 * compare-strom.log). Profiling costs throughput: figures of a profiled run are not comparable.
 */
const PROFILE_DIR = argv.includes('--profile') ? join(RESULTS, 'profiles') : undefined;
const STROM_NODE_FLAGS = PROFILE_DIR === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, '--trace-gc'];
const full = argv.includes('--full');
if (quick && full) {
  process.stderr.write(`--quick and --full exclude each other\n${usage}\n`);
  process.exit(2);
}
const MODE = quick ? 'quick' : full ? 'full' : 'default';
const REPEATS = Number(flag('--repeats') ?? (quick ? 1 : 3));
const ONLY = flag('--only') === undefined ? undefined : new RegExp(flag('--only')!, 'i');
/** Records of 1 KiB per produce step; 100 B steps send 5 times as many. */
const RECORDS_1KIB = Number(flag('--records') ?? (quick ? 40_000 : 400_000));
const LATENCY_SECONDS = Number(flag('--latency-seconds') ?? (quick ? 6 : 20));
const LATENCY_WARMUP_SECONDS = quick ? 1 : 4;
const GROUP_SECONDS = Number(flag('--group-seconds') ?? (quick ? 10 : 20));
const GROUP_WARMUP_SECONDS = quick ? 3 : 5;
const GROUP_CLIENTS = 10;
const E2E_RECORDS = quick ? 500 : 2000;
/** The session's own warm-up produce (discarded): JIT of the broker and of the client. */
const SESSION_WARMUP_RECORDS = quick ? 20_000 : 150_000;
/** The fixed-rate probe runs at this share of Kafka's measured maximum (the Java producer's rec/s). */
const RATE_SHARE = Number(flag('--rate-share') ?? 0.5);
const FALLBACK_RATE = 5000;
const OVERALL_TIMEOUT_MS = Number(flag('--timeout-minutes') ?? (quick ? 20 : full ? 8 * 60 : 90)) * 60_000;
if (!Number.isInteger(REPEATS) || REPEATS < 1) throw new Error('--repeats must be an integer >= 1');
if (!(RATE_SHARE > 0 && RATE_SHARE <= 1)) throw new Error('--rate-share must be in (0, 1]');
if (!Number.isInteger(RECORDS_1KIB) || RECORDS_1KIB < 1000) throw new Error('--records must be an integer >= 1000');

// ------------------------------------------------------------------ the matrix

interface Case {
  sizeBytes: number;
  acks: '1' | 'all';
  partitions: number;
  compression: Compression;
}

type Kind = 'produce' | 'consume' | 'e2e' | 'fixed-rate' | 'group';

interface Step {
  id: string;
  kind: Kind;
  client: 'java' | 'librdkafka';
  what: string;
  case: Case;
  topic: string;
  records: number;
  /** For the ETA only. */
  plannedSeconds: number;
}

const caseLabel = (c: Case): string =>
  `${c.sizeBytes === 1024 ? '1 KiB' : `${c.sizeBytes} B`} acks=${c.acks} p=${c.partitions} ${c.compression}`;
const caseSlug = (c: Case): string => `s${c.sizeBytes}-acks${c.acks}-p${c.partitions}-${c.compression}`;
const recordsFor = (c: Case): number => (c.sizeBytes >= 1024 ? RECORDS_1KIB : RECORDS_1KIB * 5);
const produceTimeoutMs = (c: Case): number => Math.max(120_000, ((recordsFor(c) * c.sizeBytes) / MiB) * 1000);

const WHAT: Record<string, string> = {
  'produce java': 'produce, Kafka ProducerPerformance (max throughput)',
  'produce librdkafka': 'produce, librdkafka (max throughput)',
  'consume java': 'consume from page cache, Kafka ConsumerPerformance',
  'consume librdkafka': 'consume from page cache, librdkafka',
  'e2e java': 'end-to-end latency, 1 in flight (EndToEndLatency)',
  'fixed-rate java': `end-to-end latency at ${RATE_SHARE * 100}% of Kafka's max (FixedRateLatency)`,
  'group java': `${GROUP_CLIENTS} producers + ${GROUP_CLIENTS} consumers in one group (GroupLoad)`,
};

function makeStep(kind: Kind, stepClient: Step['client'], c: Case): Step {
  const records = recordsFor(c);
  const bytes = records * c.sizeBytes;
  const topic = kind === 'consume' ? `produce-java-${caseSlug(c)}` : `${kind}-${stepClient === 'java' ? 'java' : 'rdkafka'}-${caseSlug(c)}`;
  const plannedSeconds = {
    produce: 6 + bytes / (stepClient === 'java' ? 40 : 25) / MiB,
    consume: 6 + bytes / 60 / MiB,
    e2e: 5 + E2E_RECORDS * 0.002,
    'fixed-rate': 8 + LATENCY_SECONDS,
    group: 15 + GROUP_SECONDS,
  }[kind];
  return {
    id: `${kind} ${stepClient} / ${caseLabel(c)}`,
    kind,
    client: stepClient,
    what: WHAT[`${kind} ${stepClient}`]!,
    case: c,
    topic,
    records: kind === 'e2e' ? E2E_RECORDS : records,
    plannedSeconds,
  };
}

/** The partition count of the rows that show how a broker scales with partitions. */
const MANY_PARTITIONS = 1000;

function matrix(): Step[] {
  const steps: Step[] = [];
  const add = (c: Case, kinds: readonly string[]): void => {
    for (const kindClient of kinds) {
      const [kind, stepClient] = kindClient.split(' ') as [Kind, Step['client']];
      steps.push(makeStep(kind, stepClient, c));
    }
  };
  const headline = (acks: Case['acks'], partitions = 16): Case => ({ sizeBytes: 1024, acks, partitions, compression: 'none' });
  const all = ['produce java', 'produce librdkafka', 'consume java', 'consume librdkafka', 'e2e java', 'fixed-rate java', 'group java'];
  if (!full) {
    add(headline('1'), all);
    // consume java here reads what ProducerPerformance wrote with acks=all and the client's defaults
    // (idempotent, linger.ms=5): the small batches a new user's first try leaves behind (issue 15).
    add(headline('all'), ['produce java', 'produce librdkafka', 'consume java', 'e2e java', 'fixed-rate java', 'group java']);
    // Scale with partitions (issue 15): the same produce and consume rows on 1,000 partitions.
    add(headline('1', MANY_PARTITIONS), ['produce java', 'produce librdkafka', 'consume java', 'consume librdkafka']);
    add(headline('all', MANY_PARTITIONS), ['produce java']);
    if (quick)
      add({ sizeBytes: 100, acks: '1', partitions: 1, compression: 'lz4' }, ['produce java', 'produce librdkafka', 'consume java']);
    return steps;
  }
  for (const sizeBytes of [1024, 100]) {
    for (const compression of ['none', 'lz4'] as const) {
      for (const partitions of [1, 16, 256, MANY_PARTITIONS]) {
        for (const acks of ['1', 'all'] as const) {
          const c: Case = { sizeBytes, acks, partitions, compression };
          const kinds = ['produce java', 'produce librdkafka'];
          if (acks === '1') kinds.push('consume java', 'consume librdkafka');
          if (partitions === 1 && compression === 'none') kinds.push('e2e java');
          if (partitions === 16) kinds.push('fixed-rate java');
          if (partitions === 16 && compression === 'none') kinds.push('group java');
          add(c, kinds);
        }
      }
    }
  }
  return steps;
}

/** --only picks rows; a consume or fixed-rate row brings the Java produce row it depends on. */
function selectSteps(steps: readonly Step[]): Step[] {
  if (ONLY === undefined) return [...steps];
  const wanted = new Set(steps.filter((s) => ONLY.test(s.id)).map((s) => s.id));
  for (const s of steps) {
    if (wanted.has(s.id) && (s.kind === 'consume' || s.kind === 'fixed-rate')) {
      const source = steps.find((p) => p.kind === 'produce' && p.client === 'java' && caseSlug(p.case) === caseSlug(s.case));
      if (source) wanted.add(source.id);
    }
  }
  return steps.filter((s) => wanted.has(s.id));
}

// ------------------------------------------------------------------ measurements

interface Measurement {
  side: Side;
  repeat: number;
  stepId: string;
  status: 'ok' | 'FAILED' | 'incomplete';
  notes: string;
  /** The figures of the step: mbPerSec, recordsPerSec, p50Ms, ... (group: produceMbPerSec, consumeMbPerSec). */
  figures: Record<string, number>;
  bytesMoved: number;
  cpuSeconds: number;
  waitSeconds: number;
  wallSeconds: number;
  maxRssKiB: number;
  rate?: number;
}

interface Session {
  side: Side;
  repeat: number;
  startupSeconds: number;
  /** From CreateTopics until the broker was quiet again (every log made). */
  topicsSeconds?: number;
  idle?: ProcSample;
  final?: ProcSample;
  shutdown: string;
  errorLines: number;
  failure?: string;
  /** "i/n" when the steps of a repeat are split over n sessions (see {@link sessionGroups}). */
  part?: string;
}

const measurements: Measurement[] = [];
const sessions: Session[] = [];
const problems: string[] = [];
const benchStarted = performance.now();

function say(message: string): void {
  process.stderr.write(`[bench/compare ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

const median = (values: readonly number[]): number => {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Kafka's median max throughput (Java producer, rec/s) for the case so far, for the fixed-rate probe. */
function fixedRateFor(c: Case): { rate: number; from: string } {
  const id = makeStep('produce', 'java', c).id;
  const kafka = measurements
    .filter((m) => m.side === 'kafka' && m.stepId === id && m.status !== 'FAILED')
    .map((m) => m.figures.recordsPerSec!);
  const max = median(kafka);
  if (!Number.isFinite(max)) return { rate: FALLBACK_RATE, from: `fallback ${FALLBACK_RATE} msg/s (no Kafka figure for ${id})` };
  return { rate: Math.max(100, Math.round(max * RATE_SHARE)), from: `${RATE_SHARE * 100}% of Kafka's ${fmt(max)} rec/s` };
}

function figuresOf(result: ClientResult): Record<string, number> {
  const figures: Record<string, number> = {};
  for (const key of ['recordsPerSec', 'mbPerSec', 'p50Ms', 'p99Ms', 'p999Ms'] as const) {
    const value = result[key];
    if (value !== undefined && value !== null) figures[key] = value;
  }
  return figures;
}

async function runStep(
  clients: Clients,
  broker: BenchBroker,
  s: Step,
): Promise<{ result: ClientResult; figures: Record<string, number>; rate?: number }> {
  const c = s.case;
  const produce: client.ProduceOptions = {
    bootstrap: broker.bootstrap,
    topic: s.topic,
    records: s.records,
    warmupRecords: Math.round(s.records * 0.4),
    recordSizeBytes: c.sizeBytes,
    acks: c.acks,
    compression: c.compression,
    timeoutMs: produceTimeoutMs(c),
  };
  const consume: client.ConsumeOptions = {
    bootstrap: broker.bootstrap,
    topic: s.topic,
    records: s.records,
    recordSizeBytes: c.sizeBytes,
    group: `compare-${s.client}-${caseSlug(c)}`,
    timeoutMs: produceTimeoutMs(c),
  };
  switch (s.kind) {
    case 'produce': {
      const result = s.client === 'java' ? await client.javaProduce(clients, produce) : await client.rdkafkaProduce(clients, produce);
      const figures = figuresOf(result);
      // The send→ack percentiles of a max-throughput run are queueing in the client, not a latency figure to compare.
      delete figures.p50Ms;
      delete figures.p99Ms;
      delete figures.p999Ms;
      return { result, figures };
    }
    case 'consume': {
      const result = s.client === 'java' ? await client.javaConsume(clients, consume) : await client.rdkafkaConsume(clients, consume);
      return { result, figures: figuresOf(result) };
    }
    case 'e2e': {
      const result = await client.endToEndLatency(clients, {
        bootstrap: broker.bootstrap,
        topic: s.topic,
        records: E2E_RECORDS,
        recordSizeBytes: c.sizeBytes,
        acks: c.acks,
        timeoutMs: 180_000,
      });
      return { result, figures: figuresOf(result) };
    }
    case 'fixed-rate': {
      const { rate, from } = fixedRateFor(c);
      const result = await client.fixedRateLatency(clients, {
        bootstrap: broker.bootstrap,
        topic: s.topic,
        rate,
        seconds: LATENCY_SECONDS,
        warmupSeconds: LATENCY_WARMUP_SECONDS,
        acks: c.acks,
        recordSizeBytes: c.sizeBytes,
        compression: c.compression,
      });
      result.notes = `rate ${from}; ${result.notes ?? ''}`;
      return { result, figures: figuresOf(result), rate };
    }
    case 'group': {
      const { produce: produced, consume: consumed } = await client.groupLoad(clients, {
        bootstrap: broker.bootstrap,
        topic: s.topic,
        group: `compare-group-${caseSlug(c)}`,
        producers: GROUP_CLIENTS,
        consumers: GROUP_CLIENTS,
        seconds: GROUP_SECONDS,
        warmupSeconds: GROUP_WARMUP_SECONDS,
        acks: c.acks,
        recordSizeBytes: c.sizeBytes,
        compression: c.compression,
      });
      const figures: Record<string, number> = {};
      if (produced.mbPerSec !== undefined) figures.produceMbPerSec = produced.mbPerSec;
      if (consumed.mbPerSec !== undefined) figures.consumeMbPerSec = consumed.mbPerSec;
      // Both directions move the bytes through the broker.
      return { result: { ...produced, bytesMoved: (produced.bytesMoved ?? 0) + (consumed.bytesMoved ?? 0) }, figures };
    }
  }
}

// ------------------------------------------------------------------ progress

let stepsDone = 0;
let plannedDoneSeconds = 0;
let totalSteps = 0;
let plannedTotalSeconds = 0;

function progressMark(label: string): void {
  const elapsedSeconds = (performance.now() - benchStarted) / 1000;
  say(`${progressLine(stepsDone, totalSteps, elapsedSeconds, plannedDoneSeconds, plannedTotalSeconds - plannedDoneSeconds)} ${label}`);
}

const SESSION_PLANNED_SECONDS: Record<Side, number> = { kafka: 30, strom: 15 };

// ------------------------------------------------------------------ one broker session

/**
 * Most partitions one broker session holds. Kafka keeps a file open per partition (its active
 * segment), and this machine's open-files limit is 20,000 with no capability to raise it, under
 * the ~20,600 partitions of the full matrix: Kafka died of "Too many open files" making them.
 */
const MAX_SESSION_PARTITIONS = 10_000;

/**
 * The steps of one repeat, split into sessions of whole cases (a consume step reads its case's
 * produce topic) with at most {@link MAX_SESSION_PARTITIONS} partitions each. One group unless the
 * matrix is larger than that (only --full is).
 */
function sessionGroups(steps: readonly Step[]): Step[][] {
  const groups: Step[][] = [];
  let current: Step[] = [];
  let partitions = 16; // the warm-up topic
  for (const [, caseSteps] of Map.groupBy(steps, (step) => caseSlug(step.case))) {
    const added = caseSteps.filter((step) => step.kind !== 'consume').reduce((sum, step) => sum + step.case.partitions, 0);
    if (current.length > 0 && partitions + added > MAX_SESSION_PARTITIONS) {
      groups.push(current);
      current = [];
      partitions = 16;
    }
    current.push(...caseSteps);
    partitions += added;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

async function session(
  side: Side,
  repeat: number,
  steps: readonly Step[],
  clients: Clients,
  kafkaClasspath: string,
  part?: string,
): Promise<void> {
  const tag = `${side} r${repeat}/${REPEATS}${part === undefined ? '' : ` part ${part}`}`;
  progressMark(`${tag}: starting ${SIDE_NAME[side]} …`);
  const info: Session = {
    side,
    repeat,
    startupSeconds: NaN,
    shutdown: 'not started',
    errorLines: 0,
    ...(part === undefined ? {} : { part }),
  };
  sessions.push(info);
  let broker: BenchBroker | undefined;
  const failAll = (reason: string): void => {
    for (const s of steps) {
      if (measurements.some((m) => m.side === side && m.repeat === repeat && m.stepId === s.id)) continue;
      measurements.push({
        side,
        repeat,
        stepId: s.id,
        status: 'FAILED',
        notes: `not run: ${reason}`,
        figures: {},
        bytesMoved: 0,
        cpuSeconds: NaN,
        waitSeconds: NaN,
        wallSeconds: 0,
        maxRssKiB: NaN,
      });
      stepsDone++;
      plannedDoneSeconds += s.plannedSeconds;
    }
  };
  try {
    // The previous session leaves GBs of page cache to write back; a broker's first fsyncs would
    // wait behind them (Strom's start: 0.69 s idle, 1.24 s with 2.3 GB dirty). Written back first,
    // outside the start-up time, for either broker.
    spawnSync('sync');
    const startedAt = performance.now();
    broker = side === 'kafka' ? await KafkaBroker.start(clients.java, kafkaClasspath) : await StromBroker.start(STROM_NODE_FLAGS);
    await broker.ready(180_000);
    info.startupSeconds = (performance.now() - startedAt) / 1000;
    say(`${tag}: ready on ${broker.bootstrap} after ${info.startupSeconds.toFixed(1)} s (pid ${broker.pid}, data ${broker.dataDir})`);
    await sleep(1000);
    info.idle = broker.sample();
    const topics = new Map<string, number>([['warmup', 16]]);
    for (const s of steps) if (s.kind !== 'consume') topics.set(s.topic, s.case.partitions);
    const creatingAt = performance.now();
    await client.createTopics(
      clients,
      broker.bootstrap,
      [...topics].map(([name, partitions]) => ({ name, partitions })),
    );
    await broker.settle();
    info.topicsSeconds = (performance.now() - creatingAt) / 1000;
    say(
      `${tag}: ${[...topics.values()].reduce((a, b) => a + b, 0)} partitions created, the broker quiet after ${info.topicsSeconds.toFixed(1)} s`,
    );
    const warm = await client.javaProduce(clients, {
      bootstrap: broker.bootstrap,
      topic: 'warmup',
      records: SESSION_WARMUP_RECORDS,
      warmupRecords: 0,
      recordSizeBytes: 1024,
      acks: '1',
      timeoutMs: 180_000,
    });
    if (warm.status === 'FAILED') problems.push(`${tag}: the warm-up produce failed: ${warm.notes}`);
    stepsDone++;
    plannedDoneSeconds += SESSION_PLANNED_SECONDS[side];

    for (const s of steps) {
      if (broker.exited) throw new Error(`the broker exited (${broker.exitInfo})`);
      progressMark(`${tag}: ${s.id} …`);
      await sleep(500);
      const close = broker.window();
      let outcome: Awaited<ReturnType<typeof runStep>>;
      try {
        outcome = await runStep(clients, broker, s);
      } catch (error) {
        outcome = { result: { status: 'FAILED', notes: (error as Error).message.split('\n').slice(0, 4).join(' | ') }, figures: {} };
      }
      const cost = close();
      const m: Measurement = {
        side,
        repeat,
        stepId: s.id,
        status: outcome.result.status ?? 'ok',
        notes: outcome.result.notes ?? '',
        figures: outcome.figures,
        bytesMoved: outcome.result.bytesMoved ?? 0,
        cpuSeconds: cost.cpuSeconds,
        waitSeconds: cost.waitSeconds,
        wallSeconds: cost.wallSeconds,
        maxRssKiB: cost.maxRssKiB,
        ...(outcome.rate !== undefined ? { rate: outcome.rate } : {}),
      };
      if (broker.exited) {
        m.status = 'FAILED';
        m.notes = `${m.notes} the broker exited during the step (${broker.exitInfo})`.trim();
      }
      measurements.push(m);
      stepsDone++;
      plannedDoneSeconds += s.plannedSeconds;
      if (m.status !== 'ok') problems.push(`${tag} ${s.id}: ${m.status}: ${m.notes}`);
      const shown = Object.entries(m.figures)
        .map(([key, value]) => `${key} ${fmt(value, value < 100 ? 2 : 0)}`)
        .join(', ');
      say(
        `${tag}: ${s.id}: ${m.status === 'ok' ? '' : `${m.status} (${m.notes.slice(0, 300)}) `}${shown}; broker ${fmt(m.cpuSeconds, 1)} CPU s, ${fmt(m.maxRssKiB / 1024)} MiB RSS [${m.wallSeconds.toFixed(1)} s]`,
      );
    }
    await sleep(500);
    info.final = broker.sample();
  } catch (error) {
    const message = (error as Error).message;
    info.failure = message.split('\n')[0];
    problems.push(`${tag}: aborted: ${message.split('\n').slice(0, 6).join(' | ')}`);
    say(`${tag}: aborted: ${message.slice(0, 1000)}`);
    failAll(message.split('\n')[0] ?? 'failure');
  } finally {
    if (broker) {
      info.final ??= broker.sample();
      info.shutdown = await broker.stop();
      info.errorLines = broker.errorCount();
      if (info.errorLines > 0)
        problems.push(`${tag}: the broker logged ${info.errorLines} error lines (bench/results/compare-${side}.log)`);
      appendFileSync(join(RESULTS, `compare-${side}.log`), `\n===== ${tag} (${broker.dataDir}) =====\n${broker.fullLog()}`);
      rmSync(broker.dataDir, { recursive: true, force: true });
      say(`${tag}: ${info.shutdown}`);
    }
    if (!stepsDoneFor(side, repeat, steps)) failAll('the session ended early');
  }
}

const stepsDoneFor = (side: Side, repeat: number, steps: readonly Step[]): boolean =>
  steps.every((s) => measurements.some((m) => m.side === side && m.repeat === repeat && m.stepId === s.id));

// ------------------------------------------------------------------ summary

interface Metric {
  key: string;
  label: string;
  unit: string;
  higherIsBetter: boolean;
}

const METRICS: Record<Kind, Metric[]> = {
  produce: [{ key: 'mbPerSec', label: 'MB/s', unit: 'MB/s', higherIsBetter: true }],
  consume: [{ key: 'mbPerSec', label: 'MB/s', unit: 'MB/s', higherIsBetter: true }],
  e2e: [
    { key: 'p50Ms', label: 'p50 ms', unit: 'ms', higherIsBetter: false },
    { key: 'p99Ms', label: 'p99 ms', unit: 'ms', higherIsBetter: false },
    { key: 'p999Ms', label: 'p99.9 ms', unit: 'ms', higherIsBetter: false },
  ],
  'fixed-rate': [
    { key: 'p50Ms', label: 'p50 ms', unit: 'ms', higherIsBetter: false },
    { key: 'p99Ms', label: 'p99 ms', unit: 'ms', higherIsBetter: false },
    { key: 'p999Ms', label: 'p99.9 ms', unit: 'ms', higherIsBetter: false },
  ],
  group: [
    { key: 'produceMbPerSec', label: 'produce MB/s', unit: 'MB/s', higherIsBetter: true },
    { key: 'consumeMbPerSec', label: 'consume MB/s', unit: 'MB/s', higherIsBetter: true },
  ],
};

interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

interface SummaryRow {
  stepId: string;
  what: string;
  kind: Kind;
  metric: Metric;
  kafka: Spread;
  strom: Spread;
  /** Strom / Kafka of the medians. */
  ratio: number;
  limitMbPerSec: number | null;
  cpuSecondsPerGiB: Record<Side, number>;
  peakRssMiB: Record<Side, number>;
  runs: Record<Side, { ok: number; all: number }>;
  rate?: number;
}

function spread(values: readonly number[]): Spread {
  const finite = values.filter((v) => Number.isFinite(v));
  return { median: median(finite), min: Math.min(...finite), max: Math.max(...finite), n: finite.length };
}

function summarize(steps: readonly Step[], limits: readonly Limit[]): SummaryRow[] {
  const limit = (id: string): number => limits.find((l) => l.id === id)?.value ?? NaN;
  const tcp = limit('limit loopback TCP');
  const disk = limit('limit page-cache write');
  const rows: SummaryRow[] = [];
  for (const s of steps) {
    const of = (side: Side): Measurement[] => measurements.filter((m) => m.side === side && m.stepId === s.id);
    const usable = (side: Side): Measurement[] => of(side).filter((m) => m.status !== 'FAILED');
    for (const metric of METRICS[s.kind]) {
      const kafka = spread(usable('kafka').map((m) => m.figures[metric.key] ?? NaN));
      const strom = spread(usable('strom').map((m) => m.figures[metric.key] ?? NaN));
      const perGiB = (side: Side): number =>
        median(
          usable(side)
            .filter((m) => m.bytesMoved > 0)
            .map((m) => m.cpuSeconds / (m.bytesMoved / GiB)),
        );
      const peak = (side: Side): number => Math.max(...of(side).map((m) => (Number.isFinite(m.maxRssKiB) ? m.maxRssKiB / 1024 : 0)));
      const limitMbPerSec =
        metric.unit !== 'MB/s' ? null : s.kind === 'consume' || metric.key === 'consumeMbPerSec' ? tcp : Math.min(tcp, disk);
      const rates = usable('kafka').map((m) => m.rate ?? NaN);
      rows.push({
        stepId: s.id,
        what: s.what,
        kind: s.kind,
        metric,
        kafka,
        strom,
        ratio: strom.median / kafka.median,
        limitMbPerSec: limitMbPerSec !== null && Number.isFinite(limitMbPerSec) ? limitMbPerSec : null,
        cpuSecondsPerGiB: { kafka: perGiB('kafka'), strom: perGiB('strom') },
        peakRssMiB: { kafka: peak('kafka'), strom: peak('strom') },
        runs: {
          kafka: { ok: of('kafka').filter((m) => m.status === 'ok').length, all: of('kafka').length },
          strom: { ok: of('strom').filter((m) => m.status === 'ok').length, all: of('strom').length },
        },
        ...(s.kind === 'fixed-rate' && Number.isFinite(median(rates)) ? { rate: median(rates) } : {}),
      });
    }
  }
  return rows;
}

const showSpread = (s: Spread, digits: number): string =>
  s.n === 0
    ? '—'
    : s.n === 1 || s.min === s.max
      ? fmt(s.median, digits)
      : `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;

function digitsFor(value: number): number {
  return !Number.isFinite(value) ? 0 : value < 10 ? 2 : value < 100 ? 1 : 0;
}

// ------------------------------------------------------------------ main

async function main(): Promise<number> {
  if (!existsSync(STROM_MAIN)) throw new Error(`${STROM_MAIN} is missing: run npm run build (npm run bench does)`);
  const steps = selectSteps(matrix());
  const groups = sessionGroups(steps);
  const runLimits = ONLY === undefined || ONLY.test('limit loopback TCP page-cache write CRC32C');
  if (steps.length === 0 && !runLimits) throw new Error(`--only ${ONLY} matches no row`);
  totalSteps = REPEATS * SIDES.length * (steps.length + groups.length) + (runLimits ? 1 : 0);
  plannedTotalSeconds =
    REPEATS *
      SIDES.reduce(
        (sum, side) => sum + groups.length * SESSION_PLANNED_SECONDS[side] + steps.reduce((t, s) => t + s.plannedSeconds, 0),
        0,
      ) +
    (runLimits ? 10 : 0);
  say(
    `mode ${MODE}: ${steps.length} rows × 2 brokers × ${REPEATS} repeat(s), planned ~${Math.round(plannedTotalSeconds / 60)} min; bound ${OVERALL_TIMEOUT_MS / 60_000} min`,
  );
  installCleanup(say, OVERALL_TIMEOUT_MS);
  mkdirSync(RESULTS, { recursive: true });
  for (const side of SIDES) writeFileSync(join(RESULTS, `compare-${side}.log`), '');

  say('provisioning Kafka, the clients and the Java programs (idempotent) …');
  const java = ensureJava();
  const tools = ensureKafkaTools(KAFKA_VERSION);
  const kafka = ensureKafkaBroker(KAFKA_VERSION);
  const latencyClasses = ensureJavaPrograms('fixed-rate-latency', [join(HERE, '..', 'broker', 'FixedRateLatency.java')], tools.classpath);
  const compareClasses = ensureJavaPrograms(
    'compare-programs',
    [join(HERE, 'GroupLoad.java'), join(HERE, 'CreateTopics.java')],
    tools.classpath,
  );
  const python = ensurePythonClients();
  const clients: Clients = {
    java,
    toolsClasspath: tools.classpath,
    programsClasspath: [latencyClasses, compareClasses, tools.classpath].join(delimiter),
    python,
  };
  const env = machine();
  const loadBefore = loadavg();

  let limits: Limit[] = [];
  if (runLimits) {
    progressMark('the machine limits …');
    limits = await measureLimits(quick);
    stepsDone++;
    plannedDoneSeconds += 10;
    for (const l of limits) say(`${l.id}: ${fmt(l.value, 2)} ${l.unit}`);
  }

  for (let repeat = 1; repeat <= REPEATS && steps.length > 0; repeat++) {
    for (const side of SIDES) {
      for (const [i, group] of groups.entries()) {
        await session(side, repeat, group, clients, kafka.classpath, groups.length > 1 ? `${i + 1}/${groups.length}` : undefined);
      }
    }
  }
  progressMark('done');

  // ---------------------------------------------------------------- output
  const rows = summarize(steps, limits);
  const loadAfter = loadavg();
  const minutes = (performance.now() - benchStarted) / 60_000;
  const lines: string[] = [
    `# Strom vs Apache Kafka ${KAFKA_VERSION} — ${new Date().toISOString()} (${MODE} mode, ${REPEATS} repeat${REPEATS > 1 ? 's' : ''}, ${minutes.toFixed(1)} min)`,
    '',
    `Machine: ${env.cpu} (${env.cores} cores), ${env.ram} RAM, Linux ${env.kernel}; Node ${env.node}; ${env.java}; Strom ${env.commit}. Data dirs in ${process.env.BENCH_DIR ?? 'the OS temp dir'}.`,
    `Load average (1 min) before/after: ${loadBefore[0]!.toFixed(2)} / ${loadAfter[0]!.toFixed(2)}. The clients run on the same machine as the broker, one broker at a time (Kafka, then Strom, per repeat).`,
    `Kafka: kafka_2.13 ${KAFKA_VERSION}, KRaft broker+controller in one JVM, -Xms1g -Xmx1g, G1 (MaxGCPauseMillis=20, IHOP 35), default flush policy, group.initial.rebalance.delay.ms=0. Strom: \`node … strom start\` (as \`npm start\`) with group.initial.rebalance.delay.ms=0, on a fresh data dir it makes as it starts (Kafka's is formatted first); each session starts after a \`sync\`. Same topics on both (CreateTopics.java, RF 1), same clients.`,
    `Figures are the median of ${REPEATS} run${REPEATS > 1 ? 's' : ''} with min–max in brackets; each session starts with a discarded warm-up produce, and the producers discard their first 40% of records. MB/s = 2^20 B of values per second.`,
    '',
    '**Ratio = Strom / Kafka of the medians: for MB/s rows higher is better (above 1: Strom is faster); for latency rows (ms) LOWER is better (below 1: Strom is faster).** CPU s/GiB = broker CPU seconds (utime+stime of the broker process) over the step per GiB of values moved (warm-up included); peak RSS = the largest VmRSS sampled every 250 ms during the step, over all repeats. "limit" = what the box itself does (see below): loopback TCP for consume rows, the lesser of loopback TCP and page-cache writes for produce rows.',
    '',
    ...markdownTable(
      [
        'row',
        'what',
        'metric',
        'Strom',
        'Kafka',
        'Strom/Kafka',
        'limit MB/s',
        'Strom CPU s/GiB',
        'Kafka CPU s/GiB',
        'Strom peak RSS MiB',
        'Kafka peak RSS MiB',
        'ok runs S/K',
      ],
      ['l', 'l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
      rows.map((r) => {
        const digits = digitsFor(Math.min(r.kafka.median, r.strom.median));
        return [
          r.stepId,
          r.rate !== undefined ? `${r.what}: ${fmt(r.rate)} msg/s` : r.what,
          r.metric.higherIsBetter ? `${r.metric.label} ↑` : `${r.metric.label} ↓`,
          showSpread(r.strom, digits),
          showSpread(r.kafka, digits),
          fmt(r.ratio, 2),
          r.limitMbPerSec === null ? '' : fmt(r.limitMbPerSec),
          fmt(r.cpuSecondsPerGiB.strom, 1),
          fmt(r.cpuSecondsPerGiB.kafka, 1),
          fmt(r.peakRssMiB.strom),
          fmt(r.peakRssMiB.kafka),
          `${r.runs.strom.ok}/${r.runs.strom.all} · ${r.runs.kafka.ok}/${r.runs.kafka.all}`,
        ];
      }),
    ),
    '',
    '## Limits of the box',
    '',
    ...(limits.length === 0
      ? ['(not measured: --only left them out)']
      : markdownTable(
          ['limit', 'how', 'value'],
          ['l', 'l', 'r'],
          limits.map((l) => [l.id.replace(/^limit /, ''), l.what, `${fmt(l.value, 2)} ${l.unit}`]),
        )),
    '',
    '## Broker sessions',
    '',
    ...markdownTable(
      [
        'session',
        'ready after s',
        'topics ready after s',
        'idle RSS MiB',
        'final RSS MiB',
        'VmHWM MiB',
        'CPU s (whole session)',
        'error lines in log',
        'shutdown',
      ],
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
      sessions.map((s) => [
        `${SIDE_NAME[s.side]} r${s.repeat}${s.part === undefined ? '' : ` part ${s.part}`}${s.failure ? ` (aborted: ${s.failure.slice(0, 120)})` : ''}`,
        fmt(s.startupSeconds, 1),
        fmt(s.topicsSeconds, 1),
        fmt((s.idle?.rssKiB ?? NaN) / 1024),
        fmt((s.final?.rssKiB ?? NaN) / 1024),
        fmt((s.final?.hwmKiB ?? NaN) / 1024),
        fmt(s.final?.cpuSeconds, 1),
        String(s.errorLines),
        s.shutdown,
      ]),
    ),
    '',
    'Plots: [throughput](compare-throughput.svg), [latency](compare-latency.svg). Broker logs: compare-kafka.log, compare-strom.log.',
    '',
    '## Notes per row (first run of each side)',
    '',
    ...steps.flatMap((s) =>
      SIDES.map((side) => {
        const m = measurements.find((x) => x.side === side && x.stepId === s.id);
        return `- ${s.id} / ${SIDE_NAME[side]}: ${m ? `${m.status}; ${m.notes || '—'}` : 'not run'}`;
      }),
    ),
  ];
  if (problems.length > 0) lines.push('', '## Problems', '', ...problems.map((p) => `- ${p}`));
  process.stdout.write(lines.join('\n') + '\n');
  writeFileSync(join(RESULTS, 'compare.md'), lines.join('\n') + '\n');
  writeFileSync(
    join(RESULTS, 'compare.json'),
    JSON.stringify(
      {
        at: new Date().toISOString(),
        mode: MODE,
        minutes,
        machine: env,
        loadAverage: { before: loadBefore, after: loadAfter },
        config: {
          kafkaVersion: KAFKA_VERSION,
          repeats: REPEATS,
          only: ONLY?.source ?? null,
          records1KiB: RECORDS_1KIB,
          latencySeconds: LATENCY_SECONDS,
          latencyWarmupSeconds: LATENCY_WARMUP_SECONDS,
          groupSeconds: GROUP_SECONDS,
          groupWarmupSeconds: GROUP_WARMUP_SECONDS,
          groupClients: GROUP_CLIENTS,
          e2eRecords: E2E_RECORDS,
          sessionWarmupRecords: SESSION_WARMUP_RECORDS,
          rateShare: RATE_SHARE,
        },
        limits,
        rows,
        sessions,
        measurements,
        problems,
      },
      null,
      2,
    ) + '\n',
  );
  writePlots(rows);
  return problems.length > 0 ? 1 : 0;
}

function writePlots(rows: readonly SummaryRow[]): void {
  const series = [
    { name: 'Strom', color: '#2b7bb9' },
    { name: `Kafka ${KAFKA_VERSION}`, color: '#e07b39' },
  ];
  const group = (r: SummaryRow, label: string): BarGroup => ({
    label,
    values: [r.strom, r.kafka].map((s) => ({ value: s.median, min: s.min, max: s.max })),
  });
  const throughput = rows.filter((r) => r.metric.unit === 'MB/s');
  const latency = rows.filter((r) => r.metric.unit === 'ms');
  const short = (r: SummaryRow): string =>
    `${r.stepId.replace(' / ', ' ')}${r.kind === 'group' ? ` ${r.metric.label.replace(' MB/s', '')}` : ''}`;
  writeFileSync(
    join(RESULTS, 'compare-throughput.svg'),
    groupedBarsSvg(
      'Throughput, Strom vs Kafka (median, min–max; higher is better)',
      'MB/s',
      series,
      throughput.map((r) => group(r, short(r))),
    ),
  );
  writeFileSync(
    join(RESULTS, 'compare-latency.svg'),
    groupedBarsSvg(
      'End-to-end latency percentiles, Strom vs Kafka (median, min–max; lower is better)',
      'ms',
      series,
      latency.map((r) =>
        group(
          r,
          `${r.stepId.replace(/ \/ .*$/, '').replace(' java', '')} ${r.stepId.replace(/^.* \/ /, '')} ${r.metric.label.replace(' ms', '')}`,
        ),
      ),
      { logScale: true },
    ),
  );
}

process.exitCode = await main();
