/** The Java client (kafka-clients), driven through test/fixtures/compat/java/CompatClient.java. */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureJavac, ensureJavaKafkaClients, DEFAULT_JAVA_KAFKA_CLIENTS_VERSION } from '@strom/testing';
import { runChild } from '../support/child-process.js';
import { FIXTURES } from '../support/model.js';
import { lineDriver, type ProcessDriver } from './line-protocol.js';

/**
 * Compiles test/fixtures/compat/java once (per source version, shared by the files of a run) into a temp dir.
 * `clientProperties`: a properties file added to every client's configuration (security settings).
 */
export async function javaDriver(
  version: string = DEFAULT_JAVA_KAFKA_CLIENTS_VERSION,
  options: { clientProperties?: string } = {},
): Promise<ProcessDriver & { classpath: string }> {
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
  const env =
    options.clientProperties === undefined ? undefined : { ...process.env, STROM_COMPAT_CLIENT_PROPERTIES: options.clientProperties };
  return { ...lineDriver(`java kafka-clients ${version}`, java, [...JVM_FLAGS, '-cp', classpath, 'CompatClient'], env), classpath };
}

/** Short-lived JVMs: C1 only, a small heap. */
export const JVM_FLAGS = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-Xmx256m'];
