import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  CONFLUENT_KAFKA_JAVASCRIPT_VERSION,
  DEFAULT_JAVA_KAFKA_CLIENTS_VERSION,
  ensureConfluentKafkaJavascript,
  ensureJava,
  ensureJavaKafkaClients,
  ensureKcat,
  ensurePythonClients,
  stromCacheDir,
} from '../src/clients.js';

// First runs provision (apt-get, pip, Maven): minutes. Later runs only check: a second or two.
const PROVISION_TIMEOUT_MS = 600_000;

function runText(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
}

describe('client peers', () => {
  it(
    'ensureKcat() gives a runnable kcat',
    () => {
      const kcat = ensureKcat();
      expect(existsSync(kcat)).toBe(true);
      expect(runText(kcat, ['-V'])).toMatch(/librdkafka \d+\.\d+/);
      expect(ensureKcat()).toBe(kcat);
    },
    PROVISION_TIMEOUT_MS,
  );

  it(
    'ensurePythonClients() gives a venv python3 with confluent-kafka and kafka-python',
    () => {
      const python = ensurePythonClients();
      expect(python.startsWith(join(stromCacheDir(), 'python-clients'))).toBe(true);
      const out = runText(python, ['-c', 'import confluent_kafka, kafka; print(confluent_kafka.version(), kafka.__version__)']);
      expect(out.trim()).toMatch(/^\d+\.\d+\.\d+ \d+\.\d+\.\d+$/);
      expect(ensurePythonClients()).toBe(python);
    },
    PROVISION_TIMEOUT_MS,
  );

  it(
    'ensureJavaKafkaClients() gives a classpath on which KafkaProducer loads',
    () => {
      const classpath = ensureJavaKafkaClients();
      const jars = classpath.split(delimiter);
      expect(jars.some((jar) => jar.endsWith(`kafka-clients-${DEFAULT_JAVA_KAFKA_CLIENTS_VERSION}.jar`))).toBe(true);
      for (const jar of jars) expect(existsSync(jar)).toBe(true);
      // Java 11+ runs a single source file directly: load the client and print its version.
      const dir = mkdtempSync(join(tmpdir(), 'strom-java-check-'));
      try {
        const source = join(dir, 'Check.java');
        writeFileSync(
          source,
          'public class Check { public static void main(String[] a) throws Exception {' +
            ' Class.forName("org.apache.kafka.clients.producer.KafkaProducer");' +
            ' java.util.Properties p = new java.util.Properties();' +
            ' p.load(ClassLoader.getSystemResourceAsStream("kafka/kafka-version.properties"));' +
            ' System.out.println(p.getProperty("version")); } }\n',
        );
        expect(runText(ensureJava(), ['-cp', classpath, source]).trim()).toBe(DEFAULT_JAVA_KAFKA_CLIENTS_VERSION);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      expect(ensureJavaKafkaClients()).toBe(classpath);
    },
    PROVISION_TIMEOUT_MS,
  );

  it(
    'ensureConfluentKafkaJavascript() gives a dir from which @confluentinc/kafka-javascript loads, with every codec',
    () => {
      const dir = ensureConfluentKafkaJavascript();
      expect(dir).toBe(join(stromCacheDir(), 'confluent-kafka-javascript', CONFLUENT_KAFKA_JAVASCRIPT_VERSION));
      const require = createRequire(join(dir, 'package.json'));
      const pkg = require('@confluentinc/kafka-javascript/package.json') as { version: string };
      expect(pkg.version).toBe(CONFLUENT_KAFKA_JAVASCRIPT_VERSION);
      const lib = require('@confluentinc/kafka-javascript') as { features: string[]; KafkaJS: { Kafka: unknown } };
      expect(lib.features).toEqual(expect.arrayContaining(['gzip', 'snappy', 'lz4', 'zstd']));
      expect(typeof lib.KafkaJS.Kafka).toBe('function');
      expect(ensureConfluentKafkaJavascript()).toBe(dir);
    },
    // A cold build of librdkafka and the addon: several minutes on a small machine.
    45 * 60_000,
  );

  it('rejects a malformed Maven version before running anything', () => {
    expect(() => ensureJavaKafkaClients('4.4.0</version>')).toThrow(/not a Maven version/);
  });
});
