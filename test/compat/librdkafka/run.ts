// librdkafka's own integration test suite (tests/ of confluentinc/librdkafka) against a broker.
//
//   node test/compat/librdkafka/run.ts [options]        (Node 24: node_modules/.bin/node)
//   npm run compat -- librdkafka [options]
//
// 1. builds the repo (tsc -b, then the CLI bundle) unless --skip-build;
// 2. builds librdkafka's test-runner once from a pinned release (provision.ts), cached under
//    ${XDG_CACHE_HOME:-~/.cache}/strom/librdkafka-tests/<version>/;
// 3. starts the broker with broker.properties beside this script: an embedded Strom (`strom start`
//    on ephemeral ports, a fresh data dir), or with --peer kafka Apache Kafka 4.4 (one KRaft node,
//    bench/lib/brokers.ts) with the same settings;
// 4. runs every broker-based test (not TEST_F_LOCAL, not TEST_F_MANUAL), one test-runner process
//    per test number (a test that times out ends its runner, so it takes no other test with it),
//    --parallel of them at a time, and reads the summary table each runner prints;
// 5. writes results.json (results-kafka.json for the peer), prints
//    "librdkafka: N passed, N failed, N skipped" and, against Strom, compares the failures with
//    allow-list.json: exits 1 if a test not on the list failed, or a listed test passed (take it
//    off: the list only shrinks), 2 on a setup error. With both result files present it lists the
//    tests that pass on Kafka and not on Strom.
//
// Options:
//   --tests <list>      only these test numbers, comma-separated (e.g. 0011,0030)
//   --quick             the runner's quick mode (-Q): fewer iterations, less data (what npm test runs)
//   --parallel <n>      runner processes at a time (default 4)
//   --peer kafka        run against Apache Kafka 4.4 instead, for the comparison (no allow-list)
//   --kafka-version <v> TEST_KAFKA_VERSION the tests gate themselves on (default 4.0.0)
//   --skip-build        do not build the repo (tsc -b, the CLI bundle): it is already built
//   --quiet             print only the summary
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startStromProcess, StromStartError } from '../support/strom-process.ts';
import { ensureTestRunner, LIBRDKAFKA_VERSION, SOURCE_PACKAGE, type TestRunner } from './provision.ts';
import { announcedFailures, summaryRows, suiteTests, type RunnerRow } from './tests.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, '..', '..', '..');
const LOG_DIR = join(HERE, 'logs');
/** One runner process may take this long (the slowest tests run some minutes; their own timeouts end them first). */
const PROCESS_TIMEOUT_MS = 15 * 60_000;

const { values: opts } = parseArgs({
  options: {
    tests: { type: 'string' },
    quick: { type: 'boolean', default: false },
    parallel: { type: 'string', default: '4' },
    peer: { type: 'string' },
    'kafka-version': { type: 'string', default: '4.0.0' },
    'skip-build': { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
  },
});

class SetupError extends Error {}

const children = new Set<ChildProcess>();
const cleanups: (() => Promise<void> | void)[] = [];

function log(message: string): void {
  if (!opts.quiet) console.log(`[librdkafka] ${message}`);
}

interface Broker {
  bootstrap: string;
  stop(): Promise<void>;
  exited: Promise<unknown>;
}

/** key=value lines of broker.properties, without comments. */
function brokerProperties(): string[] {
  return readFileSync(join(HERE, 'broker.properties'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
}

async function buildRepo(): Promise<void> {
  log('building the repo (tsc -b, then the CLI bundle)');
  await runBuildStep('tsc -b', [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-b']);
  await runBuildStep('scripts/bundle-cli.mjs', [join(REPO, 'scripts', 'bundle-cli.mjs')]);
}

async function runBuildStep(name: string, args: string[]): Promise<void> {
  const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new SetupError(`${name} failed:\n${out}`);
}

/** `strom start` on ephemeral ports with broker.properties. */
async function startStrom(logFile: string): Promise<Broker> {
  const dataDir = mkdtempSync(join(tmpdir(), 'strom-librdkafka-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const extraArgs = ['--log-level', 'info', ...brokerProperties().flatMap((property) => ['--override', property])];
  const strom = await startStromProcess({ repo: REPO, dataDir, logFile, extraArgs });
  children.add(strom.child);
  void strom.exited.then(() => children.delete(strom.child));
  return strom;
}

/** Apache Kafka 4.4 (one KRaft node) with broker.properties added to the bench's server.properties. */
async function startKafka(): Promise<Broker> {
  const { ensureJava } = await import('@strom/testing');
  const { KafkaBroker } = await import('../../../bench/lib/brokers.ts');
  const { ensureKafkaBroker, KAFKA_VERSION } = await import('../../../bench/lib/provision.ts');
  const java = ensureJava();
  const kafka = ensureKafkaBroker(KAFKA_VERSION);
  log(`starting Apache Kafka ${KAFKA_VERSION}`);
  const broker = await KafkaBroker.start(java, kafka.classpath, brokerProperties());
  cleanups.push(async () => void (await broker.stop()));
  await broker.ready(120_000);
  return { bootstrap: broker.bootstrap, stop: async () => void (await broker.stop()), exited: new Promise(() => undefined) };
}

/** The scripts of a Kafka install the tests run, and the kafka-tools class behind each. */
const KAFKA_SCRIPTS = { 'kafka-topics.sh': 'org.apache.kafka.tools.TopicCommand', 'kafka-acls.sh': 'org.apache.kafka.tools.AclCommand' };

/**
 * A KAFKA_PATH for the tests that run `$KAFKA_PATH/bin/kafka-topics.sh --bootstrap-server $BROKERS`
 * (0045, 0052, 0077) or `kafka-acls.sh` (0109, 0115, 0119): each script runs Apache Kafka's own
 * command from kafka-tools.
 */
async function kafkaPath(dir: string): Promise<string> {
  const { ensureJava } = await import('@strom/testing');
  const { ensureKafkaTools, KAFKA_VERSION } = await import('../../../bench/lib/provision.ts');
  const java = ensureJava();
  const { classpath } = ensureKafkaTools(KAFKA_VERSION);
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  for (const [script, mainClass] of Object.entries(KAFKA_SCRIPTS))
    writeFileSync(join(bin, script), `#!/bin/sh\nexec '${java}' -cp '${classpath}' ${mainClass} "$@"\n`, { mode: 0o755 });
  return dir;
}

interface Outcome {
  rows: RunnerRow[];
  /** Failures announced during the run, by test name (the only trace of one that aborted the runner). */
  failures: Map<string, string>;
  /** Why the runner process ended badly (a test timeout, a crash), if it did. */
  died?: string;
}

/** One test-runner process over the tests of one number; the rows of its summary table. */
function runNumber(runner: TestRunner, env: NodeJS.ProcessEnv, number: string, logStream: WriteStream): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const args = ['-L'];
    if (opts.quick) args.push('-Q');
    const child = spawn(runner.binary, args, {
      cwd: runner.testsDir,
      env: { ...env, TESTS: number },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      logStream.write(chunk);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, PROCESS_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      const rows = summaryRows(output).filter((row) => row.name.startsWith(number));
      const timeout = output.match(/Test \S+ timed out \(timeout set to \d+ seconds\)/)?.[0];
      const died = timedOut
        ? `runner killed after ${PROCESS_TIMEOUT_MS} ms`
        : code === 0 || (code === 1 && rows.some((row) => row.state === 'FAILED'))
          ? undefined
          : (timeout ?? `runner exited with ${code ?? signal}`);
      resolve({ rows, failures: announcedFailures(output), died });
    });
  });
}

interface Result {
  status: 'pass' | 'fail' | 'skip';
  seconds: number;
  reason?: string;
  allowListed?: string;
}

interface AllowList {
  /** Must fail, in both modes. */
  expectedFailures: Record<string, string>;
  /** Must fail in full mode; quick mode leaves out the part that fails, so there they must pass. */
  expectedFailuresFullMode: Record<string, string>;
  /** May pass or fail. */
  flaky: Record<string, string>;
}

function loadAllowList(): AllowList {
  const list = JSON.parse(readFileSync(join(HERE, 'allow-list.json'), 'utf8')) as Partial<AllowList>;
  return {
    expectedFailures: list.expectedFailures ?? {},
    expectedFailuresFullMode: list.expectedFailuresFullMode ?? {},
    flaky: list.flaky ?? {},
  };
}

/** JSON as the repo's prettier writes it, so that `prettier --check .` passes with the file present. */
async function formatJson(file: string, value: unknown): Promise<string> {
  const json = `${JSON.stringify(value, null, 2)}\n`;
  try {
    const prettier = await import('prettier');
    const config = (await prettier.resolveConfig(file)) ?? {};
    return await prettier.format(json, { ...config, filepath: file });
  } catch {
    return json;
  }
}

function counts(results: Map<string, Result>): { passed: number; failed: number; skipped: number } {
  const c = { passed: 0, failed: 0, skipped: 0 };
  for (const result of results.values()) {
    if (result.status === 'pass') c.passed++;
    else if (result.status === 'fail') c.failed++;
    else c.skipped++;
  }
  return c;
}

async function main(): Promise<number> {
  const started = Date.now();
  const peer = opts.peer;
  if (peer !== undefined && peer !== 'kafka') throw new SetupError(`--peer takes only "kafka", not ${peer}`);
  const parallel = Number(opts.parallel);
  if (!Number.isInteger(parallel) || parallel < 1) throw new SetupError(`bad --parallel ${opts.parallel}`);
  if (!opts['skip-build']) await buildRepo();
  const runner = ensureTestRunner();

  const wanted = opts.tests?.split(',').map((n) => n.trim());
  const all = suiteTests(readFileSync(join(runner.testsDir, 'test.c'), 'utf8'));
  const broker = all.filter((test) => !test.local && !test.manual);
  const numbers = [...new Set(broker.map((test) => test.number))].filter((n) => !wanted || wanted.includes(n));
  if (numbers.length === 0) throw new SetupError(`no broker-based test numbered ${opts.tests}`);
  const names = new Set(broker.filter((test) => numbers.includes(test.number)).map((test) => test.name));

  mkdirSync(LOG_DIR, { recursive: true });
  const target = peer ?? 'strom';
  const testLog = join(LOG_DIR, `${target}-tests.log`);
  const instance = peer ? await startKafka() : await startStrom(join(LOG_DIR, 'strom.log'));
  cleanups.push(() => instance.stop());
  let brokerDied = false;
  void instance.exited.then(() => (brokerDied = true));
  const conf = join(mkdtempSync(join(tmpdir(), 'librdkafka-conf-')), 'test.conf');
  cleanups.push(() => rmSync(dirname(conf), { recursive: true, force: true }));
  writeFileSync(conf, `bootstrap.servers=${instance.bootstrap}\n`);
  const env = {
    ...process.env,
    TEST_KAFKA_VERSION: opts['kafka-version'],
    RDKAFKA_TEST_CONF: conf,
    LD_LIBRARY_PATH: runner.libraryPath,
    KAFKA_PATH: await kafkaPath(join(dirname(conf), 'kafka')),
    BROKERS: instance.bootstrap,
  };
  log(
    `${target} is up at ${instance.bootstrap}; running ${names.size} broker-based tests (${numbers.length} numbers) of librdkafka ${LIBRDKAFKA_VERSION}` +
      `${opts.quick ? ' in quick mode' : ''}, ${parallel} at a time (log ${testLog})`,
  );

  const logStream = createWriteStream(testLog);
  const results = new Map<string, Result>();
  const deaths: string[] = [];
  const queue = [...numbers];
  const testsStarted = Date.now();
  const worker = async () => {
    for (let number = queue.shift(); number !== undefined; number = queue.shift()) {
      if (brokerDied) {
        for (const name of names)
          if (name.startsWith(number)) results.set(name, { status: 'fail', seconds: 0, reason: 'not run: the broker exited' });
        continue;
      }
      const { rows, failures, died } = await runNumber(runner, env, number, logStream);
      if (died) deaths.push(`${number}: ${died}`);
      for (const name of [...names].filter((n) => n.startsWith(number))) {
        const row = rows.find((r) => r.name === name);
        const status = row?.state === 'PASSED' ? 'pass' : row?.state === 'SKIPPED' ? 'skip' : 'fail';
        const reason =
          row === undefined
            ? (failures.get(name) ?? `no result${died ? ` (${died})` : ''}`)
            : row.state === 'PASSED'
              ? undefined
              : row.reason || failures.get(name) || died || row.state;
        results.set(name, { status, seconds: row?.seconds ?? 0, ...(reason ? { reason } : {}) });
        if (!opts.quiet) console.log(`  ${status.padEnd(4)} ${name}${reason && status !== 'pass' ? `: ${reason.slice(0, 160)}` : ''}`);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: parallel }, worker));
  } finally {
    await new Promise<void>((resolve) => logStream.end(resolve));
  }
  const testSeconds = (Date.now() - testsStarted) / 1000;

  const list = peer ? { expectedFailures: {}, expectedFailuresFullMode: {}, flaky: {} } : loadAllowList();
  const { flaky } = list;
  const expectedFailures = opts.quick ? list.expectedFailures : { ...list.expectedFailures, ...list.expectedFailuresFullMode };
  const allowed = (name: string) => expectedFailures[name] ?? flaky[name];
  for (const [name, result] of results) if (result.status === 'fail' && allowed(name)) result.allowListed = allowed(name);
  const sorted = [...results.entries()].sort(([a], [b]) => a.localeCompare(b));
  const unexpected = sorted.filter(([name, r]) => r.status === 'fail' && !allowed(name)).map(([name]) => name);
  const noLongerFailing = Object.keys(expectedFailures).filter((name) => results.get(name)?.status === 'pass');
  const unknown = wanted
    ? []
    : Object.keys({ ...list.expectedFailures, ...list.expectedFailuresFullMode, ...flaky }).filter((name) => !names.has(name));

  const summary = {
    librdkafka: LIBRDKAFKA_VERSION,
    source: SOURCE_PACKAGE,
    broker: target,
    kafkaVersion: opts['kafka-version'],
    quick: opts.quick,
    tests: opts.tests ?? '(all broker-based)',
    seconds: { total: (Date.now() - started) / 1000, tests: testSeconds },
    counts: counts(results),
    deaths,
    unexpectedFailures: unexpected,
    noLongerFailing,
    results: Object.fromEntries(sorted),
  };
  const resultsFile = join(HERE, peer ? `results-${peer}.json` : 'results.json');
  writeFileSync(resultsFile, await formatJson(resultsFile, summary));

  const c = summary.counts;
  log(`tests took ${testSeconds.toFixed(0)} s, ${summary.seconds.total.toFixed(0)} s in all; results: ${resultsFile}`);
  if (!peer) {
    for (const name of unexpected) log(`UNEXPECTED FAILURE ${name}: ${results.get(name)?.reason ?? ''}`);
    for (const name of noLongerFailing) log(`NO LONGER FAILS ${name}: take it off allow-list.json`);
    if (unknown.length) log(`allow-list.json names tests that are not broker-based tests of this suite: ${unknown.join(', ')}`);
    const kafkaFile = join(HERE, 'results-kafka.json');
    if (existsSync(kafkaFile)) {
      const kafka = JSON.parse(readFileSync(kafkaFile, 'utf8')) as { counts: typeof c; quick: boolean; results: Record<string, Result> };
      if (kafka.quick === opts.quick) {
        const behind = sorted.filter(([name, r]) => r.status !== 'pass' && kafka.results[name]?.status === 'pass').map(([name]) => name);
        console.log(
          `kafka (results-kafka.json): ${kafka.counts.passed} passed, ${kafka.counts.failed} failed, ${kafka.counts.skipped} skipped`,
        );
        if (behind.length) console.log(`pass on Kafka, not on Strom: ${behind.join(', ')}`);
      }
    }
  }
  console.log(`librdkafka: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`);
  return !peer && (unexpected.length > 0 || noLongerFailing.length > 0 || unknown.length > 0) ? 1 : 0;
}

async function cleanup(): Promise<void> {
  for (const child of children) child.kill('SIGKILL');
  for (const step of cleanups.reverse()) await step();
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    void cleanup().finally(() => process.exit(130));
  });
}

main().then(
  async (code) => {
    await cleanup();
    process.exitCode = code;
  },
  async (error: unknown) => {
    await cleanup();
    console.error(
      `[librdkafka] ${error instanceof SetupError || error instanceof StromStartError ? error.message : error instanceof Error ? error.stack : String(error)}`,
    );
    process.exitCode = 2;
  },
);
