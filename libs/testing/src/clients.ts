/**
 * Kafka client peers for compatibility tests and golden-vector captures: kcat (librdkafka),
 * confluent-kafka-python + kafka-python in a private venv, and the Java kafka-clients jar
 * with its runtime dependencies. Each ensure* is idempotent: the first call provisions
 * (saying so on stderr), later calls only check and return what is there.
 *
 * Where things go: `${XDG_CACHE_HOME:-~/.cache}/strom/python-clients/` (the venv) and
 * `${XDG_CACHE_HOME:-~/.cache}/strom/java-clients/<version>/` (a generated pom.xml and the
 * jars in lib/). Each is marked ready by a stamp file naming exactly what was installed, so a
 * half-done provisioning (killed mid-way) is redone rather than trusted, and a change of the
 * pinned versions provisions anew.
 *
 * A missing system tool (apt-get package kcat, python3 with venv, java, mvn) is installed
 * with apt-get when we are root; otherwise one clear error names the command that installs it.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { ensureAptCommand, findExecutable, isRoot, run, say } from './tools.js';

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
