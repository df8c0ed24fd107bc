/**
 * librdkafka's test runner (`tests/test-runner` of confluentinc/librdkafka), built once from a
 * pinned release and cached under the strom cache dir.
 *
 * The source is the librdkafka that @confluentinc/kafka-javascript bundles in its npm tarball
 * (`deps/librdkafka`, tests/ included, BSD-2-Clause): the npm registry is a source CI can reach,
 * and the tarball's sha512 is pinned below. `npm pack` fetches it through the same registry
 * configuration `npm ci` uses.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureAptCommand, ensureAptPackages, findExecutable, say, stromCacheDir } from '@strom/testing';

/** The npm package whose tarball carries the librdkafka sources. */
export const SOURCE_PACKAGE = '@confluentinc/kafka-javascript@1.10.1';
/** `npm view @confluentinc/kafka-javascript@1.10.1 dist.integrity`. */
const SOURCE_INTEGRITY = 'sha512-KVePUBn21EqCVP9mfxzEuM3SYJHHEF7X+iiC2e43QQgDSyEaksInmCGooT3w5q+cNAdkSCrK71j0ICfqoSqZLw==';
/** The librdkafka release inside it (`RD_KAFKA_VERSION` of src/rdkafka.h is checked against it). */
export const LIBRDKAFKA_VERSION = '2.15.1';

/** Debian packages librdkafka's ./configure links against (OpenSSL, zlib, zstd, lz4). */
const DEV_PACKAGES = ['libssl-dev', 'zlib1g-dev', 'libzstd-dev', 'liblz4-dev'];
/** No Kerberos (GSSAPI): the suite runs against a plaintext broker. */
const CONFIGURE_FLAGS = ['--disable-gssapi'];
const BUILD_TIMEOUT_MS = 30 * 60_000;

export interface TestRunner {
  /** librdkafka's tests/ directory: the runner's working directory. */
  testsDir: string;
  /** tests/test-runner. */
  binary: string;
  /** LD_LIBRARY_PATH for the runner: the librdkafka it was linked with. */
  libraryPath: string;
}

function runner(root: string): TestRunner {
  const source = join(root, 'librdkafka');
  return {
    testsDir: join(source, 'tests'),
    binary: join(source, 'tests', 'test-runner'),
    libraryPath: [join(source, 'src'), join(source, 'src-cpp')].join(':'),
  };
}

function step(command: string, args: string[], cwd: string, log: string): void {
  const fd = openSync(log, 'a');
  let result;
  try {
    writeFileSync(fd, `\n$ ${command} ${args.join(' ')}\n`);
    result = spawnSync(command, args, { cwd, stdio: ['ignore', fd, fd], timeout: BUILD_TIMEOUT_MS, killSignal: 'SIGKILL' });
  } finally {
    closeSync(fd);
  }
  if (result.status !== 0) {
    const why = result.error ? result.error.message : `exit ${result.status ?? result.signal}`;
    const tail = readFileSync(log, 'utf8').split('\n').slice(-40).join('\n');
    throw new Error(`${command} ${args.join(' ')} failed (${why}); the build log is ${log}:\n${tail}`);
  }
}

function sha512(file: string): string {
  return `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`;
}

/**
 * The built test runner: from the cache, or fetched and built now (about two minutes on two
 * cores). The build happens in a staging dir renamed into place when the runner exists, so a
 * killed build leaves no half cache.
 */
export function ensureTestRunner(): TestRunner {
  const root = join(stromCacheDir(), 'librdkafka-tests');
  const dir = join(root, LIBRDKAFKA_VERSION);
  const stamp = join(dir, '.strom-ready');
  const wanted = `${SOURCE_PACKAGE} ${SOURCE_INTEGRITY} ${CONFIGURE_FLAGS.join(' ')}\n`;
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted && existsSync(runner(dir).binary)) return runner(dir);

  for (const command of ['make', 'gcc', 'g++', 'pkg-config', 'tar'])
    ensureAptCommand(command, command === 'tar' ? 'tar' : command, ['/usr/bin']);
  ensureAptPackages(DEV_PACKAGES);
  const npm = findExecutable('npm', [join(process.execPath, '..')]);
  if (npm === undefined) throw new Error(`npm is not on PATH; it fetches ${SOURCE_PACKAGE}`);

  mkdirSync(root, { recursive: true });
  for (const entry of readdirSync(root)) if (entry.startsWith('.staging-')) rmSync(join(root, entry), { recursive: true, force: true });
  const staging = join(root, `.staging-${LIBRDKAFKA_VERSION}-${process.pid}`);
  mkdirSync(staging, { recursive: true });
  const log = join(staging, 'build.log');
  say(`building librdkafka ${LIBRDKAFKA_VERSION}'s test runner from ${SOURCE_PACKAGE} into ${dir}: a few minutes, once; log: ${log}`);
  const started = Date.now();

  step(npm, ['pack', SOURCE_PACKAGE, '--pack-destination', staging, '--silent'], staging, log);
  const tarball = readdirSync(staging).find((name) => name.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack ${SOURCE_PACKAGE} wrote no tarball (log: ${log})`);
  const integrity = sha512(join(staging, tarball));
  if (integrity !== SOURCE_INTEGRITY) throw new Error(`${tarball} has integrity ${integrity}, not the pinned ${SOURCE_INTEGRITY}`);
  step('tar', ['xzf', tarball, '--strip-components=2', 'package/deps/librdkafka'], staging, log);
  rmSync(join(staging, tarball));

  const source = join(staging, 'librdkafka');
  const header = readFileSync(join(source, 'src', 'rdkafka.h'), 'utf8').match(/#define RD_KAFKA_VERSION\s+0x([0-9a-f]{8})/);
  const [major, minor, patch] = [0, 2, 4].map((at) => parseInt(header?.[1]?.slice(at, at + 2) ?? 'ff', 16));
  if (`${major}.${minor}.${patch}` !== LIBRDKAFKA_VERSION)
    throw new Error(`${SOURCE_PACKAGE} bundles librdkafka ${major}.${minor}.${patch}, not ${LIBRDKAFKA_VERSION}`);

  step('./configure', CONFIGURE_FLAGS, source, log);
  step('make', ['-j2', 'libs'], source, log);
  step('make', ['-j2', 'build'], join(source, 'tests'), log);
  if (!existsSync(runner(staging).binary)) throw new Error(`the build made no tests/test-runner (log: ${log})`);

  writeFileSync(join(staging, '.strom-ready'), wanted);
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  say(`built librdkafka ${LIBRDKAFKA_VERSION}'s test runner in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return runner(dir);
}
