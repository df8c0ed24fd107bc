/**
 * bench/lib: the brokers under test, each a child process in its own process group with its data
 * directory under $BENCH_DIR (default the OS temp dir), so both sides write to the same disk.
 *   - StromBroker: `apps/strom/dist/main.js start --port 0` (the port comes from the ready line);
 *   - KafkaBroker: Apache Kafka's kafka.Kafka in KRaft combined mode (broker+controller), storage
 *     formatted with kafka.tools.StorageTool, the JVM flags of kafka-server-start.sh.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, ServerProcess, describeExit, runBounded, scratchDirs, sleep } from './proc.ts';

export const STROM_MAIN = join(REPO, 'apps', 'strom', 'dist', 'main.js');

export interface BenchBroker extends ServerProcess {
  readonly kind: 'strom' | 'kafka';
  readonly dataDir: string;
  port: number;
  readonly bootstrap: string;
  ready(timeoutMs: number): Promise<void>;
  /** The broker's own log (for bench/results/), once stopped. */
  fullLog(): string;
  /** Lines of the log at ERROR level or worse. */
  errorCount(): number;
}

function benchDir(prefix: string): string {
  const dir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), prefix));
  scratchDirs.add(dir);
  return dir;
}

export class StromBroker extends ServerProcess implements BenchBroker {
  readonly kind = 'strom' as const;
  readonly dataDir: string;
  port = 0;

  constructor(dataDir = benchDir('strom-bench-')) {
    // --log-level info: the ready line (with the port the OS picked) is an info line; at info
    // Strom logs lifecycle events only (a handful of lines per run), nothing per request.
    // --liftoff-only and the server.properties: as `npm start` runs it, with the settings the
    // Kafka side gets (group.initial.rebalance.delay.ms=0).
    const properties = join(dataDir, '..', `${dataDir.split('/').pop()}.properties`);
    writeFileSync(properties, 'group.initial.rebalance.delay.ms=0\n');
    scratchDirs.add(properties);
    super(process.execPath, [
      '--liftoff-only',
      STROM_MAIN,
      'start',
      '--config',
      properties,
      '--port',
      '0',
      '--admin-port',
      '0',
      '--data-dir',
      dataDir,
      '--log-level',
      'info',
    ]);
    this.dataDir = dataDir;
  }

  /**
   * A Strom broker on a data dir initialised by a first start and stop (the embedded metadata
   * store's initdb), as Kafka's storage is formatted by kafka-storage.sh before the measured
   * start: neither side's figures include making its data dir.
   */
  static async start(): Promise<StromBroker> {
    const first = new StromBroker();
    await first.ready(180_000);
    await first.stop();
    return new StromBroker(first.dataDir);
  }

  async ready(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      const match = /"kafka":"[^"]*:(\d+)".*ready \(embedded\)/.exec(this.log);
      if (match) {
        this.port = Number(match[1]);
        return;
      }
      if (this.exited) throw new Error(`Strom exited before it was ready (${this.exitInfo}):\n${this.log.slice(-3000)}`);
      await sleep(100);
    }
    throw new Error(`Strom was not ready after ${timeoutMs} ms:\n${this.log.slice(-3000)}`);
  }

  get bootstrap(): string {
    return `127.0.0.1:${this.port}`;
  }

  fullLog(): string {
    return this.log;
  }

  errorCount(): number {
    return (this.log.match(/"level":[56]0/g) ?? []).length;
  }
}

/** A TCP port the OS considers free right now (listen on 0, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** kafka-run-class.sh's KAFKA_JVM_PERFORMANCE_OPTS and kafka-server-start.sh's default heap. */
export const KAFKA_JVM_FLAGS = [
  '-Xms1g',
  '-Xmx1g',
  '-server',
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-XX:InitiatingHeapOccupancyPercent=35',
  '-XX:+ExplicitGCInvokesConcurrent',
  '-Djava.awt.headless=true',
];

export interface KafkaSettings {
  java: string;
  classpath: string;
  port: number;
  controllerPort: number;
  dataDir: string;
}

/**
 * server.properties of a single KRaft node, broker and controller in one process. Everything
 * else is Kafka's default (num.network.threads=3, num.io.threads=8, log.segment.bytes=1 GiB, no
 * log.flush.*: the OS flushes, as in a default install). The replication factors of the internal
 * topics are 1 (one node), and group.initial.rebalance.delay.ms=0 as in Kafka's
 * config/server.properties for development (Strom's coordinator has 3000 ms, Kafka's default).
 */
export function kafkaServerProperties(settings: KafkaSettings): string {
  return [
    '# Generated by bench/lib/brokers.ts',
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${settings.controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${settings.port},CONTROLLER://127.0.0.1:${settings.controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${settings.port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${join(settings.dataDir, 'data')}`,
    'num.partitions=1',
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    '',
  ].join('\n');
}

function log4j2Properties(logFile: string): string {
  return [
    '# Generated by bench/lib/brokers.ts: the broker logs at INFO to one file.',
    'status = warn',
    'appender.file.type = File',
    'appender.file.name = file',
    `appender.file.fileName = ${logFile}`,
    'appender.file.layout.type = PatternLayout',
    'appender.file.layout.pattern = [%d] %p %m (%c)%n',
    'rootLogger.level = info',
    'rootLogger.appenderRef.file.ref = file',
    '',
  ].join('\n');
}

/** A Kafka cluster id: 16 random bytes, base64url without padding (what StorageTool random-uuid prints). */
function clusterId(): string {
  return randomBytes(16).toString('base64url');
}

export class KafkaBroker extends ServerProcess implements BenchBroker {
  readonly kind = 'kafka' as const;
  readonly dataDir: string;
  port: number;
  private readonly logFile: string;

  private constructor(settings: KafkaSettings, propertiesFile: string, log4jFile: string, logFile: string) {
    super(
      settings.java,
      [...KAFKA_JVM_FLAGS, `-Dlog4j2.configurationFile=${log4jFile}`, '-cp', settings.classpath, 'kafka.Kafka', propertiesFile],
      {
        cwd: settings.dataDir,
      },
    );
    this.dataDir = settings.dataDir;
    this.port = settings.port;
    this.logFile = logFile;
  }

  /** Writes server.properties and log4j2.properties, formats the storage, starts kafka.Kafka. */
  static async start(java: string, classpath: string): Promise<KafkaBroker> {
    const dataDir = benchDir('kafka-bench-');
    const settings: KafkaSettings = { java, classpath, port: await freePort(), controllerPort: await freePort(), dataDir };
    const propertiesFile = join(dataDir, 'server.properties');
    const log4jFile = join(dataDir, 'log4j2.properties');
    const logFile = join(dataDir, 'server.log');
    writeFileSync(propertiesFile, kafkaServerProperties(settings));
    writeFileSync(log4jFile, log4j2Properties(logFile));
    const format = await runBounded(
      java,
      [
        `-Dlog4j2.configurationFile=${log4jFile}`,
        '-cp',
        classpath,
        'kafka.tools.StorageTool',
        'format',
        '-t',
        clusterId(),
        '-c',
        propertiesFile,
      ],
      120_000,
      { cwd: dataDir },
    );
    if (format.code !== 0) {
      rmSync(dataDir, { recursive: true, force: true });
      throw new Error(`kafka.tools.StorageTool format: ${describeExit(format)}: ${(format.stderr + format.stdout).trim().slice(-1000)}`);
    }
    return new KafkaBroker(settings, propertiesFile, log4jFile, logFile);
  }

  /** Ready when the log says "Kafka Server started" (KafkaRaftServer, after the listeners are up). */
  async ready(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      if (this.fileLog().includes('Kafka Server started')) return;
      if (this.exited) throw new Error(`Kafka exited before it was ready (${this.exitInfo}):\n${this.fullLog().slice(-3000)}`);
      await sleep(100);
    }
    throw new Error(`Kafka was not ready after ${timeoutMs} ms:\n${this.fullLog().slice(-3000)}`);
  }

  get bootstrap(): string {
    return `127.0.0.1:${this.port}`;
  }

  private fileLog(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
  }

  fullLog(): string {
    return `${this.fileLog()}${this.log ? `\n--- stdout/stderr ---\n${this.log}` : ''}`;
  }

  errorCount(): number {
    return (this.fileLog().match(/^\[[^\]]*\] (ERROR|FATAL) /gm) ?? []).length;
  }
}
