// Runs franz-go's own pkg/kgo test suite against an embedded Strom broker.
//
//   node test/compat/franz-go/run.mjs [options]      (Node 24: node_modules/.bin/node)
//
// 1. builds the repo (tsc -b, then the CLI bundle) unless --skip-build;
// 2. builds the kgo test binary once with Go, from the module pinned by go.mod/go.sum beside
//    this script (franz-go comes from the Go module proxy), cached under
//    ${XDG_CACHE_HOME:-~/.cache}/strom/franz-go/<version>/;
// 3. starts `strom start` as a child process on an ephemeral port with a fresh data dir;
// 4. runs the test binary (KGO_SEEDS=127.0.0.1:<port>, KGO_TEST_RF=1) in the module's
//    pkg/kgo directory, parses `--- PASS/FAIL/SKIP` for every test and subtest;
// 5. writes results.json, prints "franz-go: N passed, N failed, N skipped" and compares the
//    failures with allow-list.json: exits 1 if a test not on the list failed, or a listed test
//    no longer fails (take it off the list), 2 on a setup error (build, broker start).
//
// Options:
//   --run <regex>       only these tests (go test -run syntax; default: the whole suite)
//   --records <n>       KGO_TEST_RECORDS, records through each ETL chain (default 500000, franz-go's)
//   --timeout <dur>     go test -timeout for one pass of the binary (default 8m)
//   --parallel <n>      go test -parallel (default: GOMAXPROCS)
//   --include-hanging   also run the tests allow-list.json says hang (left out by default)
//   --skip-build        do not build the repo (tsc -b, the CLI bundle): it is already built
//   --keep              keep the broker's data dir
//   --quiet             do not echo the test binary's output
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startStromProcess, StromStartError } from '../support/strom-process.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, '..', '..', '..');
const MODULE = 'github.com/twmb/franz-go';
const PACKAGE = `${MODULE}/pkg/kgo`;

const { values: opts } = parseArgs({
  options: {
    run: { type: 'string' },
    records: { type: 'string', default: '500000' },
    timeout: { type: 'string', default: '8m' },
    parallel: { type: 'string' },
    'skip-build': { type: 'boolean', default: false },
    'include-hanging': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
  },
});

const LOG_DIR = join(HERE, 'logs');
const RESULTS = join(HERE, 'results.json');
const children = new Set();
const tempDirs = new Set();

class SetupError extends Error {}

function log(message) {
  console.log(`[franz-go] ${message}`);
}

/** Spawns a command with a hard time bound; resolves with its exit status and captured output. */
function run(command, args, { cwd = REPO, env = process.env, timeoutMs, capture = true, echo = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    const onData = (chunk) => {
      if (capture) out += chunk;
      if (echo) process.stdout.write(chunk);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => {
      out += `\n[franz-go] ${command} killed after ${timeoutMs} ms\n`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      children.delete(child);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, signal, out });
    });
  });
}

function findGo() {
  if (process.env.GO) return process.env.GO;
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(join(dir, 'go'))) return join(dir, 'go');
  if (existsSync('/usr/local/go/bin/go')) return '/usr/local/go/bin/go';
  throw new SetupError('no Go toolchain: put go on PATH or set GO=/path/to/go');
}

function goEnv() {
  // The module is pinned by go.mod/go.sum here: never rewrite them, never fetch a toolchain.
  return { ...process.env, GOFLAGS: '-mod=readonly -buildvcs=false', GOTOOLCHAIN: 'local', GOWORK: 'off' };
}

function pinnedVersion() {
  const match = readFileSync(join(HERE, 'go.mod'), 'utf8').match(/^\s*github\.com\/twmb\/franz-go (v\S+)/m);
  if (!match) throw new SetupError(`go.mod does not require ${MODULE}`);
  return match[1];
}

/** Downloads the pinned module (a no-op when cached) and builds the test binary once. */
async function buildTestBinary(go, version) {
  const env = goEnv();
  const download = await run(go, ['mod', 'download', '-json', `${MODULE}@${version}`], { cwd: HERE, env, timeoutMs: 5 * 60_000 });
  if (download.code !== 0) throw new SetupError(`go mod download failed:\n${download.out}`);
  const moduleDir = JSON.parse(download.out).Dir;
  if (!moduleDir || !existsSync(join(moduleDir, 'pkg', 'kgo'))) throw new SetupError(`no module dir in:\n${download.out}`);

  const goVersion = (await run(go, ['env', 'GOVERSION'], { cwd: HERE, env, timeoutMs: 60_000 })).out.trim();
  const stamp = {
    version,
    goVersion,
    goSum: createHash('sha256')
      .update(readFileSync(join(HERE, 'go.sum')))
      .digest('hex'),
  };
  const cacheRoot = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  const cacheDir = join(cacheRoot, 'strom', 'franz-go', version);
  const binary = join(cacheDir, 'kgo.test');
  const stampFile = join(cacheDir, 'build.json');
  if (existsSync(binary) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === JSON.stringify(stamp)) {
    log(`test binary ${binary} (cached)`);
    return { binary, moduleDir, goVersion };
  }
  mkdirSync(cacheDir, { recursive: true });
  const tmp = `${binary}.${process.pid}.tmp`;
  log(`building ${PACKAGE}@${version} test binary with ${goVersion} (once; cached in ${cacheDir})`);
  const started = Date.now();
  const build = await run(go, ['test', '-c', '-o', tmp, PACKAGE], { cwd: HERE, env, timeoutMs: 10 * 60_000 });
  if (build.code !== 0) {
    rmSync(tmp, { force: true });
    throw new SetupError(`go test -c failed:\n${build.out}`);
  }
  renameSync(tmp, binary);
  writeFileSync(stampFile, JSON.stringify(stamp));
  log(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { binary, moduleDir, goVersion };
}

async function buildRepo() {
  log('building the repo (tsc -b, then the CLI bundle)');
  const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = await run(process.execPath, [tsc, '-b'], { timeoutMs: 10 * 60_000 });
  if (result.code !== 0) throw new SetupError(`tsc -b failed:\n${result.out}`);
  const bundle = await run(process.execPath, [join(REPO, 'scripts', 'bundle-cli.mjs')], { timeoutMs: 5 * 60_000 });
  if (bundle.code !== 0) throw new SetupError(`scripts/bundle-cli.mjs failed:\n${bundle.out}`);
}

/** Starts `strom start` on ephemeral ports (support/strom-process.ts). */
async function startBroker(dataDir, logFile) {
  const strom = await startStromProcess({
    repo: REPO,
    dataDir,
    logFile,
    extraArgs: ['--log-level', 'info', '--shutdown-timeout-ms', '10000'],
  });
  children.add(strom.child);
  strom.exited.then(() => children.delete(strom.child));
  return strom;
}

/**
 * Which top-level tests talk to a broker: those whose body calls franz-go's test helpers that
 * dial KGO_SEEDS. The rest of the suite is unit tests (fake connections, encoders, balancers).
 */
function brokerTests(moduleDir) {
  const dir = join(moduleDir, 'pkg', 'kgo');
  const helpers =
    /\b(tmpTopic|tmpTopicPartitions|tmpNamedTopicPartitions|newTestClient|adm|testClientOpts|getSeedBrokers|tmpGroup|tmpShareGroup|internalTopic|testChainETL|waitForTopic)\(/;
  const names = new Set();
  for (const file of readdirSync(dir).filter((name) => name.endsWith('_test.go'))) {
    const source = readFileSync(join(dir, file), 'utf8');
    for (const body of source.split(/\n(?=func )/)) {
      const match = body.match(/^func (Test\w+)\(/);
      if (match && helpers.test(body)) names.add(match[1]);
    }
  }
  return names;
}

/**
 * Parses `go test -v` output. Lines between `=== RUN/CONT/NAME x` markers belong to x; results
 * come as `--- PASS|FAIL|SKIP: name (1.23s)`, subtests indented.
 */
class GoTestParser {
  tests = new Map();
  current = undefined;
  panic = [];
  inPanic = false;

  entry(name) {
    let test = this.tests.get(name);
    if (!test) this.tests.set(name, (test = { name, status: 'running', elapsed: undefined, output: [] }));
    return test;
  }

  line(line) {
    if (this.inPanic) {
      this.panic.push(line);
      return;
    }
    let match = line.match(/^=== (RUN|PAUSE|CONT|NAME)\s+(\S+)$/);
    if (match) {
      const test = this.entry(match[2]);
      if (match[1] === 'PAUSE') test.status = 'paused';
      else if (test.status === 'paused') test.status = 'running';
      this.current = match[2];
      return;
    }
    match = line.match(/^\s*--- (PASS|FAIL|SKIP): (\S+) \(([\d.]+)s\)$/);
    if (match) {
      const test = this.entry(match[2]);
      test.status = match[1].toLowerCase();
      test.elapsed = Number(match[3]);
      this.current = match[2];
      return;
    }
    if (/^panic: /.test(line) || /^fatal error: /.test(line)) {
      this.inPanic = true;
      this.panic.push(line);
      return;
    }
    if (this.current !== undefined && /^\s/.test(line)) this.entry(this.current).output.push(line);
  }

  /** After the binary died: tests it was running when it timed out or crashed. */
  unfinished() {
    const running = new Set();
    const listed = this.panic.join('\n').match(/running tests:\n((?:\s+\S+ \([^)]*\)\n?)+)/);
    if (listed) for (const m of listed[1].matchAll(/^\s+(\S+) \(/gm)) running.add(m[1]);
    for (const test of this.tests.values()) if (test.status === 'running') running.add(test.name);
    return running;
  }
}

/** Runs the test binary once over `names` (top-level tests); returns the parser. */
async function runPass(binary, moduleDir, bootstrap, names, logStream) {
  const anchored = `^(${names.join('|')})$`;
  const args = ['-test.v', `-test.timeout=${opts.timeout}`, '-test.count=1', `-test.run=${anchored}`];
  if (opts.parallel) args.push(`-test.parallel=${opts.parallel}`);
  const env = {
    ...process.env,
    KGO_SEEDS: bootstrap,
    KGO_TEST_RF: '1',
    KGO_TEST_RECORDS: opts.records,
    KGO_LOG_LEVEL: process.env.KGO_LOG_LEVEL ?? 'info',
  };
  const child = spawn(binary, args, { cwd: join(moduleDir, 'pkg', 'kgo'), env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const parser = new GoTestParser();
  // The test log goes to the terminal and the log file; the clients' own logging (stderr) only to the file.
  // A go test timeout or a panic is reported on stderr.
  const errLines = createInterface({ input: child.stderr });
  const errClosed = new Promise((resolve) => errLines.once('close', resolve));
  errLines.on('line', (line) => {
    logStream.write(`${line}\n`);
    if (/^(panic|fatal error): /.test(line)) parser.inPanic = true;
    if (parser.inPanic && parser.panic.length < 200) {
      parser.panic.push(line);
      if (!opts.quiet && parser.panic.length <= 8) console.log(line);
    }
  });
  const lines = createInterface({ input: child.stdout });
  const linesClosed = new Promise((resolve) => lines.once('close', resolve));
  lines.on('line', (line) => {
    logStream.write(`${line}\n`);
    if (!opts.quiet && (/^(\s*--- |panic:)/.test(line) || parser.inPanic)) console.log(line);
    parser.line(line);
  });
  // go test -timeout panics the binary itself; this is only the bound if that fails.
  const watchdogMs = goDurationMs(opts.timeout) + 60_000;
  const watchdog = setTimeout(() => {
    parser.panic.push(`[franz-go] test binary killed by the watchdog after ${watchdogMs} ms`);
    child.kill('SIGKILL');
  }, watchdogMs);
  const { code, signal } = await new Promise((resolve) => child.on('close', (c, s) => resolve({ code: c, signal: s })));
  clearTimeout(watchdog);
  children.delete(child);
  await Promise.all([linesClosed, errClosed]);
  return { parser, code, signal };
}

function goDurationMs(duration) {
  let ms = 0;
  for (const [, n, unit] of duration.matchAll(/([\d.]+)(h|ms|m|s)/g)) ms += Number(n) * { h: 3_600_000, m: 60_000, s: 1000, ms: 1 }[unit];
  if (!ms) throw new SetupError(`bad --timeout ${duration}`);
  return ms;
}

/** JSON as the repo's prettier writes it, so that `prettier --check .` passes with results.json present. */
async function formatJson(value) {
  const json = `${JSON.stringify(value, null, 2)}\n`;
  try {
    const prettier = await import('prettier');
    const config = (await prettier.resolveConfig(RESULTS)) ?? {};
    return await prettier.format(json, { ...config, filepath: RESULTS });
  } catch {
    return json;
  }
}

function loadAllowList() {
  const file = join(HERE, 'allow-list.json');
  const list = JSON.parse(readFileSync(file, 'utf8'));
  return { expected: list.expectedFailures ?? {}, flaky: list.flaky ?? {}, hangs: list.hangs ?? {} };
}

function count(tests, filter = () => true) {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const test of tests) {
    if (!filter(test)) continue;
    if (test.status === 'pass') counts.passed++;
    else if (test.status === 'skip') counts.skipped++;
    else counts.failed++;
  }
  return counts;
}

const fmt = (c) => `${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`;

async function main() {
  const started = Date.now();
  const go = findGo();
  const version = pinnedVersion();
  if (!opts['skip-build']) await buildRepo();
  const { binary, moduleDir, goVersion } = await buildTestBinary(go, version);

  const listed = await run(binary, ['-test.list', opts.run ?? '.*'], { cwd: join(moduleDir, 'pkg', 'kgo'), timeoutMs: 60_000 });
  if (listed.code !== 0) throw new SetupError(`listing tests failed:\n${listed.out}`);
  const selected = listed.out
    .split('\n')
    .map((name) => name.trim())
    .filter((name) => /^(Test|Example|Fuzz)/.test(name));
  const { expected, flaky, hangs } = loadAllowList();
  // Tests that hang until the go test timeout against Strom are left out unless asked for.
  const leftOut = opts['include-hanging'] ? [] : selected.filter((name) => name in hangs);
  if (leftOut.length) log(`left out (they hang; see allow-list.json "hangs", --include-hanging runs them): ${leftOut.join(', ')}`);
  const toRun = selected.filter((name) => !leftOut.includes(name));
  if (toRun.length === 0) throw new SetupError(`no test to run (--run ${opts.run})`);
  const needBroker = brokerTests(moduleDir);

  mkdirSync(LOG_DIR, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), 'strom-franz-go-'));
  if (!opts.keep) tempDirs.add(dataDir);
  const brokerLog = join(LOG_DIR, 'strom.log');
  const testLog = join(LOG_DIR, 'kgo-test.log');
  log(`starting Strom (data dir ${dataDir}, log ${brokerLog})`);
  const broker = await startBroker(dataDir, brokerLog);
  log(`Strom is up at ${broker.bootstrap}; running ${toRun.length} tests of ${PACKAGE}@${version} (log ${testLog})`);
  let brokerDied = false;
  broker.exited.then(() => (brokerDied = true));

  const logStream = createWriteStream(testLog);
  const results = new Map();
  let pending = toRun;
  const crashes = [];
  const testsStarted = Date.now();
  try {
    // One pass normally runs everything; if the binary dies (timeout, a panic in a test), the
    // tests it was in are failed and the ones it never reached get another pass.
    for (let pass = 1; pending.length > 0 && pass <= 3; pass++) {
      const { parser, code, signal } = await runPass(binary, moduleDir, broker.bootstrap, pending, logStream);
      for (const [name, test] of parser.tests) if (test.status !== 'running' && test.status !== 'paused') results.set(name, test);
      const dead = (code !== 0 && code !== 1) || parser.panic.length > 0;
      if (dead || signal) {
        // The panic's head (up to the goroutine dump): the message and, for a timeout, the running tests.
        const blank = parser.panic.findIndex((line) => line.trim() === '');
        const head = parser.panic.slice(0, blank > 0 ? blank : 20);
        const why = head[0] ?? `exit code ${code}, signal ${signal}`;
        crashes.push(why);
        log(`test binary died: ${why}`);
        for (const name of parser.unfinished()) {
          const test = parser.tests.get(name) ?? { name, output: [] };
          results.set(name, { ...test, status: 'fail', crashed: why, output: [...test.output, ...head.slice(0, 40)] });
        }
      }
      pending = pending.filter((name) => !results.has(name));
      if (!dead && !signal) {
        for (const name of pending)
          results.set(name, { name, status: 'fail', output: ['[franz-go] not run: the binary ended without reporting it'] });
        pending = [];
      }
      if (brokerDied) {
        for (const name of pending) results.set(name, { name, status: 'fail', output: ['[franz-go] not run: Strom exited'] });
        pending = [];
      }
    }
    for (const name of pending) results.set(name, { name, status: 'fail', output: ['[franz-go] not run: the binary kept dying'] });
  } finally {
    await new Promise((resolve) => logStream.end(resolve));
    await broker.stop();
    if (!opts.keep) rmSync(dataDir, { recursive: true, force: true });
  }
  const testSeconds = (Date.now() - testsStarted) / 1000;

  // Compare with the allow-list: every failure must be on it, everything on it must still fail.
  const all = [...results.values()].sort((a, b) => a.name.localeCompare(b.name));
  const ran = new Set(all.map((t) => t.name));
  const hanging = (name) => name.split('/')[0] in hangs;
  const allowed = (name) => name in expected || name in flaky || hanging(name);
  const reason = (name) => expected[name] ?? flaky[name] ?? hangs[name.split('/')[0]];
  const unexpectedFailures = all.filter((t) => t.status === 'fail' && !allowed(t.name));
  const fixed = [...Object.keys(expected), ...Object.keys(hangs)].filter((name) => ran.has(name) && results.get(name).status !== 'fail');
  const notRun = Object.keys(expected).filter((name) => !ran.has(name));

  const topLevel = (t) => !t.name.includes('/');
  const onBroker = (t) => needBroker.has(t.name.split('/')[0]);
  const summary = {
    franzGo: `${PACKAGE}@${version}`,
    go: goVersion,
    run: opts.run ?? '(all)',
    leftOut,
    records: Number(opts.records),
    seconds: { total: (Date.now() - started) / 1000, tests: testSeconds },
    counts: {
      topLevel: count(all, topLevel),
      topLevelBrokerTests: count(all, (t) => topLevel(t) && onBroker(t)),
      withSubtests: count(all),
    },
    crashes,
    unexpectedFailures: unexpectedFailures.map((t) => t.name),
    noLongerFailing: fixed,
    tests: Object.fromEntries(
      all.map((t) => [
        t.name,
        {
          status: t.status,
          elapsed: t.elapsed,
          broker: onBroker(t),
          ...(t.status === 'fail' ? { allowListed: reason(t.name), output: t.output.slice(-60) } : {}),
        },
      ]),
    ),
  };
  writeFileSync(RESULTS, await formatJson(summary));

  log(
    `franz-go ${version}, ${goVersion}, KGO_TEST_RECORDS=${opts.records}: tests took ${testSeconds.toFixed(1)} s, ${summary.seconds.total.toFixed(1)} s in all`,
  );
  log(`top-level tests: ${fmt(summary.counts.topLevel)}`);
  log(`top-level tests that use the broker: ${fmt(summary.counts.topLevelBrokerTests)}`);
  log(`tests and subtests: ${fmt(summary.counts.withSubtests)}`);
  const failed = all.filter((t) => t.status === 'fail');
  if (failed.length)
    log(
      `failed:\n${failed.map((t) => `  ${t.name}${allowed(t.name) ? ` (allow-listed${hanging(t.name) ? ': hangs' : t.name in flaky ? ': flaky' : ''})` : ''}`).join('\n')}`,
    );
  for (const test of unexpectedFailures) {
    log(`UNEXPECTED FAILURE ${test.name}:\n${test.output.slice(-25).join('\n')}`);
  }
  for (const name of fixed) log(`NO LONGER FAILS ${name} (${results.get(name).status}): take it off allow-list.json`);
  if (notRun.length && !opts.run) log(`allow-list names no test that ran: ${notRun.join(', ')}`);
  log(`results: ${RESULTS}`);
  console.log(`franz-go: ${fmt(summary.counts.withSubtests)}`);
  const stale = notRun.length > 0 && !opts.run;
  return unexpectedFailures.length > 0 || fixed.length > 0 || stale ? 1 : 0;
}

function killChildren() {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    killChildren();
    process.exit(130);
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    killChildren();
    console.error(
      `[franz-go] ${error instanceof SetupError || error instanceof StromStartError ? error.message : (error?.stack ?? error)}`,
    );
    process.exitCode = 2;
  },
);
