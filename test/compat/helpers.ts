/**
 * Shared pieces of the client compatibility suite (issue 6): real Kafka clients, unmodified,
 * against Strom. The broker of most files runs inside the vitest worker (startEmbeddedStrom),
 * so every external client runs as an ASYNCHRONOUS child process bounded by a timeout (its
 * process group is killed when the bound passes): a synchronous spawn would freeze the broker.
 *
 * The process drivers (test/fixtures/compat/: Java, confluent-kafka-python, kafka-python) share
 * one line protocol, base64 for every byte field ('-' for null):
 *
 *   stdin of `produce <topic>`:
 *     P <compression> <acks 0|1|all> <idempotent 0|1>     starts a producer (closing the previous)
 *     R <partition> <timestamp|-> <key> <value> <headers>  one record of that producer
 *   stdout:
 *     A <batch> <index> <partition> <offset>             a record acknowledged (offset -1: acks=0)
 *     E <batch> <index> <error>                          a record that failed
 *     T <topic> <partition> <offset>                     offsetsForTimes answer (-1: none)
 *     READY                                              the consumer is positioned
 *     R <topic> <partition> <offset> <timestamp> <key> <value> <headers>   a consumed record
 *     DONE <count>                                       the consumer stopped
 *     J <json>                                           an admin report
 *
 * Headers are `k:v,k:v` (both base64) or '-'. Fields are tab-separated.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { ensureJavac, ensureJavaKafkaClients, ensureKcat, ensurePythonClients, DEFAULT_JAVA_KAFKA_CLIENTS_VERSION } from '@strom/testing';
import { CompressionCodecs, CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { expect } from 'vitest';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURES = join(REPO, 'test', 'fixtures', 'compat');

export type Codec = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
export const CODECS: readonly Codec[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
export type Acks = '0' | '1' | 'all';
export const ACKS: readonly Acks[] = ['0', '1', 'all'];

export interface Rec {
  partition: number;
  key: string | null;
  value: string | null;
  headers: [string, string][];
  /** CreateTime; the producer's clock when absent. */
  timestamp?: number;
}

export interface Batch {
  compression: Codec;
  acks: Acks;
  idempotent: boolean;
  records: Rec[];
}

export interface Consumed {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: [string, string][];
}

export interface Ack {
  batch: number;
  /** Index of the record over all batches, in input order. */
  index: number;
  partition: number;
  offset: number;
}

export interface ClientOutput {
  acks: Ack[];
  errors: string[];
  records: Consumed[];
  /** offsetsForTimes answers: `${topic}/${partition}` → offset (-1: none). */
  timestampOffsets: Map<string, number>;
  reports: unknown[];
  stderr: string;
}

// ---------------------------------------------------------------- line protocol

const b64 = (s: string | null): string => (s === null ? '-' : Buffer.from(s, 'utf8').toString('base64'));
const unb64 = (s: string): string | null => (s === '-' ? null : Buffer.from(s, 'base64').toString('utf8'));

export function encodeBatches(batches: readonly Batch[]): string {
  const lines: string[] = [];
  for (const batch of batches) {
    lines.push(['P', batch.compression, batch.acks, batch.idempotent ? '1' : '0'].join('\t'));
    for (const r of batch.records) {
      const headers = r.headers.length === 0 ? '-' : r.headers.map(([k, v]) => `${b64(k)}:${b64(v)}`).join(',');
      lines.push(['R', r.partition, r.timestamp ?? '-', b64(r.key), b64(r.value), headers].join('\t'));
    }
  }
  return lines.join('\n') + '\n';
}

function decodeHeaders(s: string): [string, string][] {
  if (s === '-' || s === '') return [];
  return s.split(',').map((pair) => {
    const [k, v] = pair.split(':');
    return [unb64(k!) ?? '', unb64(v!) ?? ''];
  });
}

export function parseOutput(stdout: string, stderr = ''): ClientOutput {
  const out: ClientOutput = { acks: [], errors: [], records: [], timestampOffsets: new Map(), reports: [], stderr };
  for (const line of stdout.split('\n')) {
    const f = line.split('\t');
    switch (f[0]) {
      case 'A':
        out.acks.push({ batch: Number(f[1]), index: Number(f[2]), partition: Number(f[3]), offset: Number(f[4]) });
        break;
      case 'E':
        out.errors.push(f.slice(1).join(' '));
        break;
      case 'T':
        out.timestampOffsets.set(`${f[1]}/${f[2]}`, Number(f[3]));
        break;
      case 'R':
        out.records.push({
          topic: f[1]!,
          partition: Number(f[2]),
          offset: Number(f[3]),
          timestamp: Number(f[4]),
          key: unb64(f[5]!),
          value: unb64(f[6]!),
          headers: decodeHeaders(f[7]!),
        });
        break;
      case 'J':
        out.reports.push(JSON.parse(f.slice(1).join('\t')));
        break;
    }
  }
  return out;
}

// ---------------------------------------------------------------- child processes

export interface ChildHandle {
  pid: number;
  /** Resolves with the first stdout/stderr line matching, or rejects after timeoutMs. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<string>;
  /** Resolves when the process exits (never rejects). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; timedOut: boolean; stdout: string; stderr: string }>;
  kill(signal?: NodeJS.Signals): void;
  stdoutSoFar(): string;
  /** Writes to stdin (only with openStdin). */
  send(text: string): void;
}

/**
 * Spawns a child in its own process group, asynchronously. After timeoutMs the whole group is
 * SIGKILLed. Never use a synchronous spawn against the embedded broker.
 */
export function startChild(
  command: string,
  args: readonly string[],
  options: { stdin?: string; openStdin?: boolean; timeoutMs: number; env?: NodeJS.ProcessEnv; cwd?: string },
): ChildHandle {
  const child = spawn(command, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
    env: { ...process.env, ...options.env },
    cwd: options.cwd,
  });
  let stdout = '';
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const check = (text: string): void => {
    for (const line of text.split('\n')) {
      for (const w of [...waiters]) {
        if (w.pattern.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  };
  let pendingOut = '';
  let pendingErr = '';
  // setEncoding: a StringDecoder keeps multi-byte characters split across chunks whole.
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (text: string) => {
    stdout += text;
    pendingOut += text;
    const cut = pendingOut.lastIndexOf('\n');
    if (cut >= 0) {
      check(pendingOut.slice(0, cut));
      pendingOut = pendingOut.slice(cut + 1);
    }
  });
  child.stderr.on('data', (text: string) => {
    stderr += text;
    pendingErr += text;
    const cut = pendingErr.lastIndexOf('\n');
    if (cut >= 0) {
      check(pendingErr.slice(0, cut));
      pendingErr = pendingErr.slice(cut + 1);
    }
  });
  child.stdin.on('error', () => undefined);
  if (!options.openStdin) child.stdin.end(options.stdin ?? '');
  const killGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      try {
        child.kill(signal);
      } catch {
        // gone already
      }
    }
  };
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup('SIGKILL');
  }, options.timeoutMs);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; timedOut: boolean; stdout: string; stderr: string }>(
    (resolve) => {
      child.on('error', (error) => {
        clearTimeout(timer);
        resolve({ code: -1, signal: null, timedOut, stdout, stderr: stderr + String(error) });
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        check(pendingOut);
        check(pendingErr);
        resolve({ code, signal, timedOut, stdout, stderr });
      });
    },
  );
  return {
    pid: child.pid ?? -1,
    exited,
    kill: (signal = 'SIGKILL') => killGroup(signal),
    stdoutSoFar: () => stdout,
    send: (text) => {
      if (child.stdin.writable) child.stdin.write(text);
    },
    waitFor: (pattern, timeoutMs) =>
      new Promise<string>((resolve, reject) => {
        for (const line of (stdout + '\n' + stderr).split('\n')) {
          if (pattern.test(line)) return resolve(line);
        }
        const t = setTimeout(
          () => reject(new Error(`no line matching ${pattern} after ${timeoutMs} ms; stderr: ${tail(stderr)}`)),
          timeoutMs,
        );
        const entry = {
          pattern,
          resolve: (line: string) => {
            clearTimeout(t);
            resolve(line);
          },
        };
        waiters.push(entry);
        void exited.then(() => {
          if (waiters.includes(entry)) {
            waiters.splice(waiters.indexOf(entry), 1);
            clearTimeout(t);
            reject(new Error(`exited before a line matching ${pattern}; stderr: ${tail(stderr)}`));
          }
        });
      }),
  };
}

export function tail(text: string, lines = 30): string {
  return text.split('\n').slice(-lines).join('\n');
}

/** Runs a child to completion; rejects (with its stderr) on a non-zero exit or a timeout. */
export async function runChild(
  command: string,
  args: readonly string[],
  options: { stdin?: string; timeoutMs: number; env?: NodeJS.ProcessEnv },
): Promise<{ stdout: string; stderr: string }> {
  const result = await startChild(command, args, options).exited;
  if (result.timedOut)
    throw new Error(
      `${command} ${args.join(' ')}: killed after ${options.timeoutMs} ms\n${tail(result.stderr)}\n${tail(result.stdout, 10)}`,
    );
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')}: exit ${result.code ?? result.signal}\n${tail(result.stderr)}`);
  return result;
}

// ---------------------------------------------------------------- the process drivers

export interface ConsumeOptions {
  partitions?: number[];
  /** earliest | latest | ts:<ms> | offset:<n> */
  start: string;
  /** Stop at the end offsets seen once positioned (default), or after this many records. */
  count?: number;
  timeoutMs?: number;
}

/** A client family driven through its own program. */
export interface ProcessDriver {
  name: string;
  produce(bootstrap: string, topic: string, batches: readonly Batch[]): Promise<ClientOutput>;
  consume(bootstrap: string, topics: string | string[], options: ConsumeOptions): Promise<ClientOutput>;
  /** Starts a consumer; resolves once it says it is positioned. */
  startConsumer(bootstrap: string, topics: string | string[], options: ConsumeOptions): Promise<{ done: Promise<ClientOutput> }>;
  admin(bootstrap: string, prefix: string): Promise<AdminReport>;
}

function lineDriver(name: string, command: string, prefixArgs: readonly string[], env?: NodeJS.ProcessEnv): ProcessDriver {
  const consumeArgs = (bootstrap: string, topics: string | string[], o: ConsumeOptions): string[] => [
    ...prefixArgs,
    bootstrap,
    'consume',
    typeof topics === 'string' ? topics : topics.join(','),
    o.partitions === undefined ? 'all' : o.partitions.join(','),
    o.start,
    o.count === undefined ? 'end' : `count:${o.count}`,
  ];
  const finish = async (handle: ChildHandle, what: string): Promise<ClientOutput> => {
    const r = await handle.exited;
    if (r.timedOut || r.code !== 0) {
      throw new Error(
        `${name} ${what}: ${r.timedOut ? 'timed out' : `exit ${r.code ?? r.signal}`}\n${tail(r.stderr)}\n${tail(r.stdout, 5)}`,
      );
    }
    return parseOutput(r.stdout, r.stderr);
  };
  return {
    name,
    produce: async (bootstrap, topic, batches) =>
      finish(
        startChild(command, [...prefixArgs, bootstrap, 'produce', topic], { stdin: encodeBatches(batches), timeoutMs: 120_000, env }),
        'produce',
      ),
    consume: async (bootstrap, topics, o) =>
      finish(startChild(command, consumeArgs(bootstrap, topics, o), { timeoutMs: o.timeoutMs ?? 90_000, env }), 'consume'),
    startConsumer: async (bootstrap, topics, o) => {
      const handle = startChild(command, consumeArgs(bootstrap, topics, o), { timeoutMs: o.timeoutMs ?? 90_000, env });
      const done = finish(handle, 'consume');
      done.catch(() => undefined);
      await Promise.race([handle.waitFor(/^READY$/, 60_000), done.then(() => undefined)]);
      return { done };
    },
    admin: async (bootstrap, prefix) => {
      const out = await finish(startChild(command, [...prefixArgs, bootstrap, 'admin', prefix], { timeoutMs: 90_000, env }), 'admin');
      expect(out.reports).toHaveLength(1);
      return out.reports[0] as AdminReport;
    },
  };
}

/** Compiles test/fixtures/compat/java once (per source version, shared by the files of a run) into a temp dir. */
export async function javaDriver(version: string = DEFAULT_JAVA_KAFKA_CLIENTS_VERSION): Promise<ProcessDriver & { classpath: string }> {
  const libs = ensureJavaKafkaClients(version);
  const javac = ensureJavac();
  const sources = ['CompatClient.java', 'GroupMember.java'].map((f) => join(FIXTURES, 'java', f)).filter((f) => existsSync(f));
  const hash = createHash('sha256');
  for (const s of sources) hash.update(readFileSync(s));
  hash.update(version);
  const classes = join(tmpdir(), `strom-compat-java-${hash.digest('hex').slice(0, 16)}`);
  if (!existsSync(join(classes, 'CompatClient.class'))) {
    const scratch = mkdtempSync(join(tmpdir(), 'strom-compat-javac-'));
    await runChild(javac, ['-d', scratch, '-cp', libs, ...sources], { timeoutMs: 120_000 });
    try {
      renameSync(scratch, classes);
    } catch {
      rmSync(scratch, { recursive: true, force: true }); // another file of this run compiled it first
    }
  }
  const classpath = `${classes}:${libs}`;
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  return { ...lineDriver(`java kafka-clients ${version}`, java, [...JVM_FLAGS, '-cp', classpath, 'CompatClient']), classpath };
}

/** Short-lived JVMs: C1 only, a small heap. */
export const JVM_FLAGS = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-Xmx256m'];

/** The venv python with confluent-kafka and kafka-python. */
export function ensurePython(): string {
  return ensurePythonClients();
}

export function confluentDriver(): ProcessDriver {
  return lineDriver('confluent-kafka-python', ensurePythonClients(), [join(FIXTURES, 'python', 'confluent_compat.py')], {
    PYTHONDONTWRITEBYTECODE: '1',
  });
}

export function kafkaPythonDriver(): ProcessDriver & { codecs(): Promise<Codec[]> } {
  const python = ensurePythonClients();
  const script = join(FIXTURES, 'python', 'kafka_python_compat.py');
  const env = { PYTHONDONTWRITEBYTECODE: '1' };
  return {
    ...lineDriver('kafka-python', python, [script], env),
    codecs: async () => {
      const { stdout } = await runChild(python, [script, '-', 'codecs'], { timeoutMs: 30_000, env });
      return parseOutput(stdout).reports[0] as Codec[];
    },
  };
}

// ---------------------------------------------------------------- kcat (librdkafka's CLI)

export function kcatPath(): string {
  return ensureKcat();
}

const kcatAcks = (acks: Acks): string => (acks === 'all' ? '-1' : acks);

/**
 * Produces each batch with one kcat -P per partition (kcat takes one partition, one header set
 * and no timestamps per invocation: records of a batch must share their headers). Keys use ':'.
 */
export async function kcatProduce(kcat: string, bootstrap: string, topic: string, batches: readonly Batch[]): Promise<void> {
  for (const batch of batches) {
    const before = batch.acks === '0' ? await totalEnd(bootstrap, topic) : 0;
    const partitions = [...new Set(batch.records.map((r) => r.partition))];
    for (const partition of partitions) {
      const records = batch.records.filter((r) => r.partition === partition);
      const headers = records[0]!.headers;
      for (const r of records) {
        if (JSON.stringify(r.headers) !== JSON.stringify(headers)) throw new Error('kcat: one header set per invocation');
        if (r.key?.includes(':') || r.value === null || r.value.includes('\n') || r.timestamp !== undefined) {
          throw new Error(`kcat cannot send ${JSON.stringify(r)}`);
        }
      }
      await runChild(
        kcat,
        [
          '-P',
          '-b',
          bootstrap,
          '-t',
          topic,
          '-p',
          String(partition),
          '-K:',
          '-z',
          batch.compression,
          '-X',
          `acks=${kcatAcks(batch.acks)}`,
          '-X',
          `enable.idempotence=${batch.idempotent}`,
          '-X',
          'linger.ms=5',
          ...headers.flatMap(([k, v]) => ['-H', `${k}=${v}`]),
        ],
        { stdin: records.map((r) => (r.key === null ? `:${r.value}` : `${r.key}:${r.value}`)).join('\n') + '\n', timeoutMs: 30_000 },
      );
    }
    if (batch.acks === '0') await waitForTotalEnd(bootstrap, topic, before + batch.records.length);
  }
}

/** kcat -J consumption of every partition of a topic from `offset` (beginning | end | s@<ts> | <n>). */
export function kcatConsumeArgs(bootstrap: string, topic: string, offset: string, count?: number): string[] {
  return [
    '-C',
    '-b',
    bootstrap,
    '-t',
    topic,
    '-o',
    offset,
    '-J',
    '-X',
    'fetch.wait.max.ms=200',
    ...(count === undefined ? ['-e'] : ['-c', String(count)]),
  ];
}

export function parseKcatJson(stdout: string): Consumed[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => {
      const j = JSON.parse(l) as {
        topic: string;
        partition: number;
        offset: number;
        ts: number;
        key: string | null;
        payload: string | null;
        headers?: string[];
      };
      const headers: [string, string][] = [];
      for (let i = 0; i + 1 < (j.headers ?? []).length; i += 2) headers.push([j.headers![i]!, j.headers![i + 1]!]);
      return { topic: j.topic, partition: j.partition, offset: j.offset, timestamp: j.ts, key: j.key, value: j.payload, headers };
    });
}

/** Reads a topic to its end with kcat (-e: exits once every partition reported its end). */
export async function kcatConsume(kcat: string, bootstrap: string, topic: string, offset = 'beginning'): Promise<Consumed[]> {
  const { stdout } = await runChild(kcat, kcatConsumeArgs(bootstrap, topic, offset), { timeoutMs: 60_000 });
  return parseKcatJson(stdout);
}

// ---------------------------------------------------------------- kafkajs (in-process: producing and admin)

/** kafkajs ships gzip only; codecs are plug-ins. zstd is a plain zstd frame, so node:zlib's is one. */
export function registerKafkajsZstd(): void {
  CompressionCodecs[CompressionTypes.ZSTD] = () => ({
    compress: async (encoder: { buffer: Buffer }) => zstdCompressSync(encoder.buffer),
    decompress: async (buffer: Buffer) => zstdDecompressSync(buffer),
  });
}

export function kafkajsClient(bootstrap: string, clientId = 'compat-kafkajs'): Kafka {
  return new Kafka({ clientId, brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3 } });
}

export async function createTopics(bootstrap: string, topics: { topic: string; numPartitions: number }[]): Promise<void> {
  const admin = kafkajsClient(bootstrap, 'compat-setup').admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics, waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

export const KAFKAJS_CODEC: Record<Codec, CompressionTypes> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

/** Produces batches with kafkajs (one producer per batch); returns an Ack per record (offset -1 for acks=0). */
export async function kafkajsProduce(bootstrap: string, topic: string, batches: readonly Batch[]): Promise<Ack[]> {
  const kafka = kafkajsClient(bootstrap);
  const acks: Ack[] = [];
  let index = 0;
  for (const [b, batch] of batches.entries()) {
    const producer = kafka.producer(batch.idempotent ? { idempotent: true, maxInFlightRequests: 1 } : {});
    await producer.connect();
    try {
      const before = batch.acks === '0' ? await totalEnd(bootstrap, topic) : 0;
      const result = await producer.send({
        topic,
        acks: batch.acks === 'all' ? -1 : Number(batch.acks),
        compression: KAFKAJS_CODEC[batch.compression],
        messages: batch.records.map((r) => ({
          partition: r.partition,
          key: r.key,
          value: r.value,
          headers: Object.fromEntries(r.headers),
          ...(r.timestamp === undefined ? {} : { timestamp: String(r.timestamp) }),
        })),
      });
      const next = new Map(result.map((m) => [m.partition, Number(m.baseOffset)]));
      for (const r of batch.records) {
        const offset = next.get(r.partition);
        acks.push({ batch: b, index: index++, partition: r.partition, offset: offset ?? -1 });
        if (offset !== undefined) next.set(r.partition, offset + 1);
      }
      if (batch.acks === '0') await waitForTotalEnd(bootstrap, topic, before + batch.records.length);
    } finally {
      await producer.disconnect();
    }
  }
  return acks;
}

/** Sum of the high watermarks of a topic's partitions. */
export async function totalEnd(bootstrap: string, topic: string): Promise<number> {
  let total = 0;
  for (const high of (await endOffsets(bootstrap, topic)).values()) total += high;
  return total;
}

/** acks=0: nothing says when the broker appended; waits until the end offsets add up to `total`. */
export async function waitForTotalEnd(bootstrap: string, topic: string, total: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await totalEnd(bootstrap, topic)) < total) {
    if (Date.now() > deadline) throw new Error(`${topic}: the end offsets never added up to ${total}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The high watermark of each partition of a topic. */
export async function endOffsets(bootstrap: string, topic: string): Promise<Map<number, number>> {
  const admin = kafkajsClient(bootstrap, 'compat-watch').admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
  } finally {
    await admin.disconnect();
  }
}

// ---------------------------------------------------------------- records and verification

/**
 * Records tagged `tag`: values carry the index and non-ASCII text, every 7th key is null, every
 * record has two headers. Partitions round-robin over `partitions`.
 */
export function makeRecords(
  tag: string,
  count: number,
  partitions: number,
  options: { from?: number; timestamp?: (i: number) => number; sameHeaders?: boolean; nullKeys?: boolean } = {},
): Rec[] {
  const from = options.from ?? 0;
  return Array.from({ length: count }, (_, n) => {
    const i = from + n;
    return {
      partition: i % partitions,
      key: options.nullKeys !== false && i % 7 === 3 ? null : `key-${tag}-${i % 5}`,
      value: `${tag} record ${i} — ünïcødé ✓ ${'x'.repeat(i % 40)}`,
      headers: options.sameHeaders
        ? [['tag', tag]]
        : [
            ['tag', tag],
            ['seq', String(i)],
          ],
      ...(options.timestamp === undefined ? {} : { timestamp: options.timestamp(i) }),
    };
  });
}

/** One batch per (codec, acks), plus idempotent acks=all batches, records tagged by the combination. */
export function codecAcksMatrix(
  tag: string,
  codecs: readonly Codec[],
  acks: readonly Acks[],
  options: { perBatch?: number; partitions: number; idempotent?: boolean; sameHeaders?: boolean; nullKeys?: boolean },
): Batch[] {
  const perBatch = options.perBatch ?? 12;
  const batches: Batch[] = [];
  for (const compression of codecs) {
    for (const a of acks) {
      batches.push({
        compression,
        acks: a,
        idempotent: false,
        records: makeRecords(`${tag}-${compression}-acks${a}`, perBatch, options.partitions, options),
      });
    }
    if (options.idempotent !== false) {
      batches.push({
        compression,
        acks: 'all',
        idempotent: true,
        records: makeRecords(`${tag}-${compression}-idempotent`, perBatch, options.partitions, options),
      });
    }
  }
  return batches;
}

const view = (r: Rec | Consumed): { key: string | null; value: string | null; headers: [string, string][] } => ({
  key: r.key,
  value: r.value,
  headers: r.headers,
});

/**
 * The consumed records of `topic` are exactly `expected` (in produce order per partition):
 * same keys, values and headers, offsets contiguous from `startOffsets` (0 by default), and each
 * acknowledged offset holds the record that was acknowledged.
 */
export function expectExactly(
  consumed: readonly Consumed[],
  topic: string,
  expected: readonly Rec[],
  options: { acks?: readonly Ack[]; startOffsets?: Map<number, number>; checkTimestamps?: boolean } = {},
): void {
  const mine = consumed.filter((r) => r.topic === topic);
  const partitions = new Set([...mine.map((r) => r.partition), ...expected.map((r) => r.partition)]);
  for (const p of [...partitions].sort((a, b) => a - b)) {
    const got = mine.filter((r) => r.partition === p);
    const want = expected.filter((r) => r.partition === p);
    expect(got.map(view), `${topic}[${p}]: records, in order`).toEqual(want.map(view));
    const start = options.startOffsets?.get(p) ?? 0;
    expect(
      got.map((r) => r.offset),
      `${topic}[${p}]: offsets`,
    ).toEqual(got.map((_, i) => start + i));
    if (options.checkTimestamps) {
      expect(
        got.map((r) => r.timestamp),
        `${topic}[${p}]: timestamps`,
      ).toEqual(want.map((r) => r.timestamp));
    }
  }
  if (options.acks) {
    const byOffset = new Map(mine.map((r) => [`${r.partition}/${r.offset}`, r]));
    const acked = options.acks.filter((a) => a.offset >= 0);
    for (const a of acked) {
      const record = byOffset.get(`${a.partition}/${a.offset}`);
      expect(record && view(record), `ack ${a.index} at ${topic}[${a.partition}]@${a.offset}`).toEqual(view(expected[a.index]!));
    }
  }
}

// ---------------------------------------------------------------- admin reports

/** What each client's admin scenario reports (test/fixtures/compat drivers and the in-process ones). */
export interface AdminReport {
  topicsAfterCreate: string[];
  duplicateCreate: string;
  partitions: Record<string, number>;
  configsA: Record<string, string | null>;
  configsB: Record<string, string | null>;
  configsAfterSet: Record<string, string | null>;
  configsAfterReset: Record<string, string | null>;
  invalidAlter: string;
  brokerConfigs: Record<string, string | null>;
  clusterNodes: number;
  topicsAfterDelete: string[];
  deleteUnknown: string;
}

/** librdkafka's short names for Kafka's error names. */
const ERROR_ALIASES: Record<string, string> = { UNKNOWN_TOPIC_OR_PART: 'UNKNOWN_TOPIC_OR_PARTITION' };
const kafkaError = (name: string): string => ERROR_ALIASES[name] ?? name;

/** What a Kafka broker would have answered to the admin scenario of prefix `prefix`. */
export function expectedAdminReport(prefix: string): AdminReport {
  const a = `${prefix}-a`;
  const b = `${prefix}-b`;
  return {
    topicsAfterCreate: [a, b],
    duplicateCreate: 'TOPIC_ALREADY_EXISTS',
    partitions: { [a]: 3, [b]: 1 },
    configsA: { 'retention.ms': '3600000', 'cleanup.policy': 'delete', 'max.message.bytes': '1048588' },
    configsB: { 'cleanup.policy': 'compact' },
    configsAfterSet: { 'retention.ms': '7200000', 'max.message.bytes': '500000' },
    configsAfterReset: { 'retention.ms': '7200000', 'max.message.bytes': '1048588' },
    invalidAlter: 'INVALID_CONFIG',
    brokerConfigs: { 'num.partitions': '1' },
    clusterNodes: 1,
    topicsAfterDelete: [a],
    deleteUnknown: 'UNKNOWN_TOPIC_OR_PARTITION',
  };
}

/**
 * The admin scenario, compared as one object so that every deviation shows at once. A client
 * without some admin APIs reports only `keys` (exactly those: a missing one fails too).
 */
export function expectAdminReport(report: Partial<AdminReport>, prefix: string, keys?: readonly (keyof AdminReport)[]): void {
  const normalized: Partial<AdminReport> = { ...report };
  for (const key of ['duplicateCreate', 'invalidAlter', 'deleteUnknown'] as const) {
    const name = report[key];
    if (name !== undefined) normalized[key] = kafkaError(name);
  }
  const expected = expectedAdminReport(prefix);
  expect(normalized).toEqual(keys === undefined ? expected : Object.fromEntries(keys.map((k) => [k, expected[k]])));
}
