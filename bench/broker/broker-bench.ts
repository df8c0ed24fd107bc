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
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureJava, ensurePythonClients } from '@strom/testing';
import { STROM_MAIN, StromBroker } from '../lib/brokers.ts';
import * as client from '../lib/clients.ts';
import type { ClientResult, Clients } from '../lib/clients.ts';
import { MiB, RESULTS, describeExit, installCleanup, runBounded, sleep, type ProcSample } from '../lib/proc.ts';
import { KAFKA_VERSION, ensureJavaPrograms, ensureKafkaTools } from '../lib/provision.ts';
import { fmt, machine, markdownTable } from '../lib/report.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const RECORD_SIZE = 1024;

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

async function step(
  broker: StromBroker,
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
  let close: ReturnType<StromBroker['window']> | undefined;
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

// ------------------------------------------------------------------ scenarios

async function createTopic(broker: StromBroker, topic: string, partitions: number): Promise<void> {
  const result = await runBounded(
    process.execPath,
    [STROM_MAIN, 'topics', 'create', topic, '--partitions', String(partitions), '--bootstrap-server', broker.bootstrap],
    60_000,
  );
  if (result.code !== 0)
    throw new Error(`topics create ${topic}: ${describeExit(result)}: ${(result.stderr + result.stdout).trim().slice(0, 500)}`);
}

const produceOptions = (broker: StromBroker, topic: string, acks: string): client.ProduceOptions => ({
  bootstrap: broker.bootstrap,
  topic,
  records: RECORDS,
  warmupRecords: WARMUP,
  recordSizeBytes: RECORD_SIZE,
  acks,
  timeoutMs: PRODUCE_TIMEOUT_MS,
});

const javaProduce = (tools: Clients, broker: StromBroker, topic: string, acks: string): Promise<ClientResult> =>
  client.javaProduce(tools, produceOptions(broker, topic, acks));

const rdkafkaProduce = (tools: Clients, broker: StromBroker, topic: string, acks: string): Promise<ClientResult> =>
  client.rdkafkaProduce(tools, produceOptions(broker, topic, acks));

const consumeOptions = (broker: StromBroker, topic: string): client.ConsumeOptions => ({
  bootstrap: broker.bootstrap,
  topic,
  records: RECORDS,
  recordSizeBytes: RECORD_SIZE,
  group: `strom-bench-${topic}`,
  timeoutMs: PRODUCE_TIMEOUT_MS,
});

const javaConsume = (tools: Clients, broker: StromBroker, topic: string): Promise<ClientResult> =>
  client.javaConsume(tools, consumeOptions(broker, topic));

const rdkafkaConsume = (tools: Clients, broker: StromBroker, topic: string): Promise<ClientResult> =>
  client.rdkafkaConsume(tools, consumeOptions(broker, topic));

/** Latency steps move too little data for a CPU ms/MiB figure: their bytesMoved is dropped. */
const endToEndLatency = async (tools: Clients, broker: StromBroker, topic: string, acks: string): Promise<ClientResult> => {
  const { bytesMoved: _bytesMoved, ...result } = await client.endToEndLatency(tools, {
    bootstrap: broker.bootstrap,
    topic,
    records: E2E_RECORDS,
    recordSizeBytes: RECORD_SIZE,
    acks,
    timeoutMs: 180_000,
  });
  return result;
};

const fixedRateLatency = async (tools: Clients, broker: StromBroker, topic: string, acks: string): Promise<ClientResult> => {
  const { bytesMoved: _bytesMoved, ...result } = await client.fixedRateLatency(tools, {
    bootstrap: broker.bootstrap,
    topic,
    rate: RATE,
    seconds: LATENCY_SECONDS,
    warmupSeconds: LATENCY_WARMUP_SECONDS,
    acks,
    recordSizeBytes: RECORD_SIZE,
  });
  return result;
};

// ------------------------------------------------------------------ main

async function main(): Promise<number> {
  const benchStarted = performance.now();
  if (!existsSync(STROM_MAIN)) throw new Error(`${STROM_MAIN} is missing: run npm run build (npm run bench does)`);
  progress(
    `mode ${quick ? 'quick' : 'full'}: ${RECORDS} records of ${RECORD_SIZE} B per produce scenario, partitions ${PARTITIONS.join('/')}, acks 1/all`,
  );
  progress('provisioning the clients (idempotent) …');
  const java = ensureJava();
  const kafkaTools = ensureKafkaTools(KAFKA_VERSION);
  const latencyClasses = ensureJavaPrograms('fixed-rate-latency', [join(HERE, 'FixedRateLatency.java')], kafkaTools.classpath);
  const python = ensurePythonClients();
  const tools: Clients = {
    java,
    toolsClasspath: kafkaTools.classpath,
    programsClasspath: [latencyClasses, kafkaTools.classpath].join(delimiter),
    python,
  };
  const env = machine();
  const loadBefore = loadavg();

  installCleanup(progress, OVERALL_TIMEOUT_MS);
  progress('starting Strom …');
  const broker = new StromBroker();

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
    `Machine: ${env.cpu}, ${env.ram} RAM; Node ${env.node}; ${env.java}; Strom ${env.commit}.`,
    `Load average (1 min) before/after: ${loadBefore[0]!.toFixed(2)} / ${loadAfter[0]!.toFixed(2)} — the clients run on the same machine as the broker.`,
    `Records: ${RECORD_SIZE} B values, no key, no compression; ${RECORDS} per produce scenario (first ${WARMUP} discarded as warm-up). MB/s = 2^20 B of values per second. Clients: Apache Kafka kafka-tools ${KAFKA_VERSION} (Java), librdkafka via confluent-kafka-python.`,
    "Columns: records, records/s and MB/s are the measured (steady-state) part; p50/p99/p99.9 are send→ack for produce rows and send→receive for latency rows. Broker columns cover the whole step (warm-up included): CPU seconds (utime+stime of the Strom process), cores = CPU s / wall s of the step, CPU ms per MiB of values moved, CPU wait s = time the broker's event-loop thread was runnable but had no CPU (/proc/<pid>/schedstat: contention from the clients and anything else on the machine), the largest VmRSS sampled every 250 ms.",
    '',
    ...markdownTable(
      [
        'step',
        'client',
        'partitions',
        'acks',
        'records',
        'records/s',
        'MB/s',
        'p50 ms',
        'p99 ms',
        'p99.9 ms',
        'broker CPU s',
        'broker cores',
        'broker CPU ms/MiB',
        'broker CPU wait s',
        'broker max RSS MiB',
        'status',
      ],
      ['l', 'l', 'r', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
      rows.map((r) => [
        r.step,
        r.client,
        String(r.partitions ?? '—'),
        r.acks ?? '—',
        fmt(r.records),
        fmt(r.recordsPerSec),
        fmt(r.mbPerSec, 2),
        fmt(r.p50Ms, 1),
        fmt(r.p99Ms, 1),
        fmt(r.p999Ms, 1),
        fmt(r.brokerCpuSeconds, 1),
        fmt(r.brokerCores, 2),
        fmt(r.brokerCpuMsPerMiB, 1),
        fmt(r.brokerWaitSeconds, 1),
        fmt(r.brokerMaxRssMiB),
        r.status,
      ]),
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
