/**
 * bench/lib: the clients that drive a broker, each run as a bounded child process, and the
 * parsing of what they print. The same functions drive Strom and Kafka.
 *   - Apache Kafka's kafka-tools: ProducerPerformance, ConsumerPerformance, EndToEndLatency;
 *   - librdkafka through confluent-kafka-python: bench/broker/rdkafka_perf.py;
 *   - bench/broker/FixedRateLatency.java, bench/compare/GroupLoad.java, bench/compare/CreateTopics.java.
 */
import { join } from 'node:path';
import { MiB, REPO, describeExit, errorLines, lastJson, runBounded } from './proc.ts';
import { fmt } from './report.ts';

export const RDKAFKA_PERF = join(REPO, 'bench', 'broker', 'rdkafka_perf.py');

export type Compression = 'none' | 'lz4';

export interface ClientResult {
  records?: number;
  /** Bytes of values the client moved through the broker (all records, warm-up included). */
  bytesMoved?: number;
  recordsPerSec?: number;
  mbPerSec?: number;
  /** Latency in ms (produce: send→ack; e2e: send→receive). */
  p50Ms?: number;
  p99Ms?: number;
  p999Ms?: number;
  status?: 'ok' | 'FAILED' | 'incomplete';
  notes?: string;
  detail?: unknown;
  /** ProducerPerformance's periodic windows, when asked for (ProduceOptions.reportingIntervalMs). */
  windows?: ProduceWindow[];
}

/** One of ProducerPerformance's periodic lines: the sends acknowledged since the previous one. */
export interface ProduceWindow {
  records: number;
  recordsPerSec: number;
  mbPerSec: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
}

export interface Clients {
  java: string;
  /** kafka-tools and its jars. */
  toolsClasspath: string;
  /** The benchmarks' Java programs followed by toolsClasspath. */
  programsClasspath: string;
  python: string;
}

export interface ProduceOptions {
  bootstrap: string;
  topic: string;
  records: number;
  warmupRecords: number;
  recordSizeBytes: number;
  acks: string;
  compression?: Compression;
  timeoutMs: number;
  /** ProducerPerformance's --reporting-interval (default 5000 ms): its periodic lines become `windows`. */
  reportingIntervalMs?: number;
}

const PERF_LINE =
  /^(\d+) (steady state )?records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99.9th/m;

const WINDOW_LINE = /^(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency\.$/;

/**
 * ProducerPerformance's periodic windows. With --warmup-records, the steady-state statistics start
 * when the warm-up's last record is SENT (the warm-up's windows stop printing then), but their
 * first acknowledgement comes a producer buffer later: the first steady-state window, printed
 * after "In steady state.", spans that gap too (it may hold a single record over seconds) and is
 * left out.
 */
function produceWindows(stdout: string): ProduceWindow[] {
  const windows: ProduceWindow[] = [];
  let skipNext = false;
  for (const line of stdout.split('\n').map((l) => l.trim())) {
    if (line === 'In steady state.') {
      skipNext = true;
      continue;
    }
    const m = WINDOW_LINE.exec(line);
    if (m === null) continue;
    if (skipNext) {
      skipNext = false;
      continue;
    }
    windows.push({
      records: Number(m[1]),
      recordsPerSec: Number(m[2]),
      mbPerSec: Number(m[3]),
      avgLatencyMs: Number(m[4]),
      maxLatencyMs: Number(m[5]),
    });
  }
  return windows;
}

export async function javaProduce(clients: Clients, options: ProduceOptions): Promise<ClientResult> {
  const compression = options.compression ?? 'none';
  const result = await runBounded(
    clients.java,
    [
      '-cp',
      clients.toolsClasspath,
      'org.apache.kafka.tools.ProducerPerformance',
      '--topic',
      options.topic,
      '--num-records',
      String(options.records),
      '--warmup-records',
      String(options.warmupRecords),
      '--record-size',
      String(options.recordSizeBytes),
      '--throughput',
      '-1',
      '--command-property',
      `bootstrap.servers=${options.bootstrap}`,
      `acks=${options.acks}`,
      `compression.type=${compression}`,
      'client.id=strom-bench-java',
      ...(options.reportingIntervalMs === undefined ? [] : ['--reporting-interval', String(options.reportingIntervalMs)]),
    ],
    options.timeoutMs,
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
    bytesMoved: options.records * options.recordSizeBytes,
    recordsPerSec: Number(steady[3]),
    mbPerSec: Number(steady[4]),
    p50Ms: Number(steady[7]),
    p99Ms: Number(steady[9]),
    p999Ms: Number(steady[10]),
    status: errors.length > 0 ? 'incomplete' : 'ok',
    notes: [
      `steady state after ${options.warmupRecords} warm-up records; latency = send→ack, avg ${steady[5]} ms, max ${steady[6]} ms`,
      ...errors,
    ].join('; '),
    detail: { summaries: summaries.map((m) => m[0]) },
    ...(options.reportingIntervalMs === undefined ? {} : { windows: produceWindows(result.stdout) }),
  };
}

export async function rdkafkaProduce(clients: Clients, options: ProduceOptions): Promise<ClientResult> {
  const compression = options.compression ?? 'none';
  const result = await runBounded(
    clients.python,
    [
      RDKAFKA_PERF,
      'produce',
      options.bootstrap,
      options.topic,
      String(options.records),
      String(options.warmupRecords),
      options.acks,
      String(options.recordSizeBytes),
      compression,
    ],
    options.timeoutMs,
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
  const incomplete = report.delivered < options.records || report.failed > 0 || report.undelivered > 0;
  return {
    records: report.steadyRecords,
    bytesMoved: report.delivered * options.recordSizeBytes,
    recordsPerSec: report.recordsPerSec,
    mbPerSec: report.mbPerSec,
    status: incomplete || report.errors.length > 0 ? 'incomplete' : 'ok',
    notes: [
      `librdkafka ${report.librdkafka}, linger.ms=5, compression ${compression}; steady state after ${options.warmupRecords} warm-up records`,
      incomplete ? `delivered ${report.delivered}/${options.records}, failed ${report.failed}, undelivered ${report.undelivered}` : '',
      ...report.errors,
    ]
      .filter(Boolean)
      .join('; '),
    detail: report,
  };
}

export interface ConsumeOptions {
  bootstrap: string;
  topic: string;
  records: number;
  recordSizeBytes: number;
  group: string;
  timeoutMs: number;
}

export async function javaConsume(clients: Clients, options: ConsumeOptions): Promise<ClientResult> {
  const result = await runBounded(
    clients.java,
    [
      '-cp',
      clients.toolsClasspath,
      'org.apache.kafka.tools.ConsumerPerformance',
      '--bootstrap-server',
      options.bootstrap,
      '--topic',
      options.topic,
      '--num-records',
      String(options.records),
      '--timeout',
      '30000',
      '--group',
      options.group,
    ],
    options.timeoutMs,
  );
  const lines = result.stdout.trim().split('\n');
  const headerIndex = lines.findIndex((line) => line.startsWith('start.time'));
  const fields = headerIndex >= 0 ? lines[headerIndex + 1]?.split(',').map((f) => f.trim()) : undefined;
  const errors = errorLines(result.stderr + '\n' + result.stdout);
  if (result.code !== 0 || fields === undefined || fields.length < 10) {
    return { status: 'FAILED', notes: `${describeExit(result)}; ${errors.join(' | ') || lines.slice(-3).join(' | ')}` };
  }
  const [, , mb, mbSec, nMsg, nMsgSec, rebalanceMs, fetchMs, fetchMbSec, fetchNMsgSec] = fields.map(Number) as number[];
  const incomplete = nMsg! < options.records;
  return {
    records: nMsg!,
    bytesMoved: nMsg! * options.recordSizeBytes,
    recordsPerSec: fetchNMsgSec!,
    mbPerSec: fetchMbSec!,
    status: incomplete || errors.length > 0 ? 'incomplete' : 'ok',
    notes: [
      `fetch phase only (group join ${fmt(rebalanceMs)} ms excluded); whole run ${fmt(mbSec, 2)} MB/s, ${fmt(nMsgSec)} rec/s`,
      incomplete ? `consumed ${nMsg}/${options.records} (${fmt(mb, 1)} MB)` : '',
      ...errors,
    ]
      .filter(Boolean)
      .join('; '),
    detail: { header: lines[headerIndex], values: lines[headerIndex + 1], fetchMs },
  };
}

export async function rdkafkaConsume(clients: Clients, options: ConsumeOptions): Promise<ClientResult> {
  const result = await runBounded(
    clients.python,
    [RDKAFKA_PERF, 'consume', options.bootstrap, options.topic, String(options.records), '30'],
    options.timeoutMs,
  );
  const report = lastJson(result.stdout) as
    { records: number; bytes: number; recordsPerSec: number; mbPerSec: number; errors: string[]; librdkafka: string } | undefined;
  if (result.code !== 0 || report === undefined || report.recordsPerSec === undefined) {
    return { status: 'FAILED', notes: `${describeExit(result)}; ${JSON.stringify(report ?? {})} ${errorLines(result.stderr).join(' | ')}` };
  }
  const incomplete = report.records < options.records;
  return {
    records: report.records,
    bytesMoved: report.bytes,
    recordsPerSec: report.recordsPerSec,
    mbPerSec: report.mbPerSec,
    status: incomplete || report.errors.length > 0 ? 'incomplete' : 'ok',
    notes: [
      `librdkafka ${report.librdkafka}, assign() from the beginning (no group)`,
      incomplete ? `consumed ${report.records}/${options.records}` : '',
      ...report.errors,
    ]
      .filter(Boolean)
      .join('; '),
    detail: report,
  };
}

export interface LatencyOptions {
  bootstrap: string;
  topic: string;
  records: number;
  recordSizeBytes: number;
  acks: string;
  timeoutMs: number;
}

/** EndToEndLatency: one record in flight (send, poll until it arrives). */
export async function endToEndLatency(clients: Clients, options: LatencyOptions): Promise<ClientResult> {
  const result = await runBounded(
    clients.java,
    [
      '-cp',
      clients.toolsClasspath,
      'org.apache.kafka.tools.EndToEndLatency',
      '--bootstrap-server',
      options.bootstrap,
      '--topic',
      options.topic,
      '--num-records',
      String(options.records),
      '--producer-acks',
      options.acks,
      '--record-size',
      String(options.recordSizeBytes),
    ],
    options.timeoutMs,
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
    records: options.records,
    bytesMoved: options.records * options.recordSizeBytes,
    recordsPerSec: 1000 / Number(avg[1]),
    p50Ms: Number(pct[1]),
    p99Ms: Number(pct[2]),
    p999Ms: Number(pct[3]),
    notes: `1 record in flight (send, then poll until it arrives); avg ${avg[1]} ms; the tool reports whole ms; rec/s = 1000 / avg`,
  };
}

export interface FixedRateOptions {
  bootstrap: string;
  topic: string;
  rate: number;
  seconds: number;
  warmupSeconds: number;
  acks: string;
  recordSizeBytes: number;
  compression?: Compression;
}

/** FixedRateLatency.java: produce at a fixed rate, latency from the intended send time to receipt. */
export async function fixedRateLatency(clients: Clients, options: FixedRateOptions): Promise<ClientResult> {
  const compression = options.compression ?? 'none';
  const result = await runBounded(
    clients.java,
    [
      '-cp',
      clients.programsClasspath,
      'FixedRateLatency',
      options.bootstrap,
      options.topic,
      String(Math.round(options.rate)),
      String(options.seconds),
      String(options.warmupSeconds),
      options.acks,
      String(options.recordSizeBytes),
      compression,
    ],
    options.seconds * 1000 + 120_000,
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
    bytesMoved: report.received * options.recordSizeBytes,
    recordsPerSec: report.achievedRate,
    mbPerSec: (report.achievedRate * options.recordSizeBytes) / MiB,
    p50Ms: report.p50Ms,
    p99Ms: report.p99Ms,
    p999Ms: report.p999Ms,
    status: incomplete ? 'incomplete' : 'ok',
    notes: [
      `${Math.round(options.rate)} msg/s for ${options.seconds} s, first ${options.warmupSeconds} s discarded; from intended send time to receipt; mean ${fmt(report.meanMs, 1)} ms, max ${fmt(report.maxMs, 1)} ms`,
      incomplete ? `received ${report.received}/${report.sent}, send errors ${report.sendErrors}` : '',
      `worst latency per second of the schedule (ms): ${report.perSecond.map((s) => Math.round(s.maxMs)).join(' ')}`,
      report.firstError ?? '',
    ]
      .filter(Boolean)
      .join('; '),
    detail: report,
  };
}

export interface GroupLoadOptions {
  bootstrap: string;
  topic: string;
  group: string;
  producers: number;
  consumers: number;
  seconds: number;
  warmupSeconds: number;
  acks: string;
  recordSizeBytes: number;
  compression?: Compression;
}

export interface GroupLoadReport {
  joinSeconds: number;
  assignedPartitions: number;
  producedRecordsPerSec: number;
  producedMbPerSec: number;
  consumedRecordsPerSec: number;
  consumedMbPerSec: number;
  acked: number;
  consumed: number;
  sendErrors: number;
  endLag: number;
  drained: boolean;
  firstError: string | null;
  /** The clients' own metrics, averaged over the threads (Kafka's names, e.g. `consumer.fetch-size-avg`). */
  [clientMetric: `${'consumer' | 'producer'}.${string}`]: number | undefined;
}

/** The clients' view of the broker for the notes: fetches and produce requests, per thread. */
function groupClientMetrics(report: GroupLoadReport): string {
  const value = (name: `${'consumer' | 'producer'}.${string}`, digits: number) => {
    const metric = report[name];
    return metric === undefined ? '?' : fmt(metric, digits);
  };
  return (
    `per consumer: ${value('consumer.fetch-rate', 1)} fetches/s of ${value('consumer.fetch-size-avg', 0)} B, ` +
    `${value('consumer.records-per-request-avg', 0)} records, ${value('consumer.fetch-latency-avg', 1)} ms; ` +
    `per producer: ${value('producer.request-rate', 1)} requests/s, batches of ${value('producer.batch-size-avg', 0)} B, ` +
    `${value('producer.request-latency-avg', 1)} ms`
  );
}

/** GroupLoad.java: N producer threads and M consumer threads of one group, in one JVM. */
export async function groupLoad(
  clients: Clients,
  options: GroupLoadOptions,
): Promise<{ produce: ClientResult; consume: ClientResult; report?: GroupLoadReport }> {
  const compression = options.compression ?? 'none';
  const result = await runBounded(
    clients.java,
    [
      '-cp',
      clients.programsClasspath,
      'GroupLoad',
      options.bootstrap,
      options.topic,
      options.group,
      String(options.producers),
      String(options.consumers),
      String(options.seconds),
      String(options.warmupSeconds),
      options.acks,
      String(options.recordSizeBytes),
      compression,
    ],
    options.seconds * 1000 + 180_000,
  );
  const report = lastJson(result.stdout) as GroupLoadReport | undefined;
  if (result.code !== 0 || report === undefined || report.producedRecordsPerSec === undefined) {
    const failed: ClientResult = {
      status: 'FAILED',
      notes: `${describeExit(result)}; ${errorLines(result.stderr).join(' | ') || result.stdout.slice(-300)}`,
    };
    return { produce: failed, consume: failed };
  }
  const incomplete = report.sendErrors > 0 || !report.drained || report.assignedPartitions === 0;
  const common = [
    `${options.producers} producer + ${options.consumers} consumer threads (one group) in one JVM, ${options.seconds} s, first ${options.warmupSeconds} s discarded; group join ${fmt(report.joinSeconds, 1)} s (excluded)`,
    groupClientMetrics(report),
    incomplete
      ? `send errors ${report.sendErrors}, drained ${report.drained} (lag ${report.endLag}), assigned ${report.assignedPartitions}`
      : '',
    report.firstError ?? '',
  ]
    .filter(Boolean)
    .join('; ');
  const status = incomplete ? 'incomplete' : 'ok';
  return {
    produce: {
      records: report.acked,
      bytesMoved: report.acked * options.recordSizeBytes,
      recordsPerSec: report.producedRecordsPerSec,
      mbPerSec: report.producedMbPerSec,
      status,
      notes: common,
    },
    consume: {
      records: report.consumed,
      bytesMoved: report.consumed * options.recordSizeBytes,
      recordsPerSec: report.consumedRecordsPerSec,
      mbPerSec: report.consumedMbPerSec,
      status,
      notes: common,
    },
    report,
  };
}

/**
 * CreateTopics.java: topics `name:partitions[:replicationFactor]` (replication factor 1 unless
 * given) through the Admin API, each with `configs` (e.g. min.insync.replicas); waits until every
 * partition has a leader and a full ISR.
 */
export async function createTopics(
  clients: Clients,
  bootstrap: string,
  topics: readonly { name: string; partitions: number; replicationFactor?: number }[],
  configs: Readonly<Record<string, string>> = {},
): Promise<void> {
  if (topics.length === 0) return;
  const result = await runBounded(
    clients.java,
    [
      '-cp',
      clients.programsClasspath,
      'CreateTopics',
      bootstrap,
      ...Object.entries(configs).flatMap(([key, value]) => ['--config', `${key}=${value}`]),
      ...topics.map((t) => `${t.name}:${t.partitions}${t.replicationFactor === undefined ? '' : `:${t.replicationFactor}`}`),
    ],
    // CreateTopics.java waits 60 s and 5 ms more per partition for them all to be led.
    120_000 + topics.reduce((sum, t) => sum + t.partitions, 0) * 10,
  );
  if (result.code !== 0) throw new Error(`CreateTopics: ${describeExit(result)}: ${(result.stderr + result.stdout).trim().slice(-800)}`);
}
