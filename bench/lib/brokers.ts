/**
 * bench/lib: the brokers under test, each a child process in its own process group with its data
 * directory under $BENCH_DIR (default the OS temp dir), so both sides write to the same disk.
 *   - StromBroker: `apps/strom/dist/main.js start --port 0` (the port comes from the ready line);
 *   - KafkaBroker: Apache Kafka's kafka.Kafka in KRaft combined mode (broker+controller), storage
 *     formatted with kafka.tools.StorageTool, the JVM flags of kafka-server-start.sh; one node
 *     (`start`) or a quorum of N such nodes on one machine (`startCluster`).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, npmStartNodeFlags as npmStartFlags } from '@strom/testing';
import { REPO, ServerProcess, describeExit, runBounded, scratchDirs, sleep } from './proc.ts';

export const STROM_MAIN = join(REPO, 'apps', 'strom', 'dist', 'main.js');

/** The flags `npm start` gives node, so a benchmarked broker runs as a user's does. */
export const npmStartNodeFlags = (): string[] => npmStartFlags(REPO);

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

  /** @param nodeFlags extra flags for node itself, e.g. `--cpu-prof` (see `compare --profile`). */
  constructor(dataDir = benchDir('strom-bench-'), nodeFlags: readonly string[] = []) {
    // --log-level info: the ready line (with the port the OS picked) is an info line; at info
    // Strom logs lifecycle events only (a handful of lines per run), nothing per request.
    // The server.properties: as `npm start` runs it, with the settings the Kafka side gets
    // (group.initial.rebalance.delay.ms=0).
    const properties = join(dataDir, '..', `${dataDir.split('/').pop()}.properties`);
    writeFileSync(properties, 'group.initial.rebalance.delay.ms=0\n');
    scratchDirs.add(properties);
    super(process.execPath, [
      ...npmStartNodeFlags(),
      ...nodeFlags,
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
   * A Strom broker on a fresh data dir: it makes the data dir as it starts (a few files), where
   * Kafka's is formatted by kafka-storage.sh first; a start-up time covers both steps on the
   * Kafka side. (While the embedded metadata store was PGlite, a first start and stop ran its
   * initdb before the measured start.)
   */
  static async start(nodeFlags: readonly string[] = []): Promise<StromBroker> {
    return new StromBroker(benchDir('strom-bench-'), nodeFlags);
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

/**
 * kafka-run-class.sh's KAFKA_JVM_PERFORMANCE_OPTS with a heap of `heap` (kafka-server-start.sh's
 * default is 1g; a cluster of several JVMs on one small machine gets less).
 */
export function kafkaJvmFlags(heap = '1g'): string[] {
  return [
    `-Xms${heap}`,
    `-Xmx${heap}`,
    '-server',
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:InitiatingHeapOccupancyPercent=35',
    '-XX:+ExplicitGCInvokesConcurrent',
    '-Djava.awt.headless=true',
  ];
}

export interface KafkaSettings {
  java: string;
  classpath: string;
  port: number;
  controllerPort: number;
  dataDir: string;
  nodeId: number;
  /** controller.quorum.voters: `id@127.0.0.1:controllerPort` of every node (one node: itself). */
  voters: string;
  /** How many nodes the cluster has: the internal topics' replication factor follows it. */
  nodes: number;
  /** `key=value` lines appended to server.properties (a later line wins over an earlier one). */
  extraProperties?: readonly string[];
}

/**
 * server.properties of a KRaft node, broker and controller in one process. Everything else is
 * Kafka's default (num.network.threads=3, num.io.threads=8, log.segment.bytes=1 GiB, no
 * log.flush.*: the OS flushes, as in a default install). The internal topics' replication factor
 * is Kafka's default of 3 (min ISR 2) when there are 3 nodes or more, else 1 (min ISR 1), and
 * group.initial.rebalance.delay.ms=0 as in Kafka's config/server.properties for development
 * (Strom's coordinator has 3000 ms, Kafka's default).
 */
export function kafkaServerProperties(settings: KafkaSettings): string {
  const internalReplicationFactor = Math.min(3, settings.nodes);
  const internalMinIsr = Math.min(2, internalReplicationFactor);
  return [
    '# Generated by bench/lib/brokers.ts',
    'process.roles=broker,controller',
    `node.id=${settings.nodeId}`,
    `controller.quorum.voters=${settings.voters}`,
    `listeners=PLAINTEXT://127.0.0.1:${settings.port},CONTROLLER://127.0.0.1:${settings.controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${settings.port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${join(settings.dataDir, 'data')}`,
    'num.partitions=1',
    `offsets.topic.replication.factor=${internalReplicationFactor}`,
    `transaction.state.log.replication.factor=${internalReplicationFactor}`,
    `transaction.state.log.min.isr=${internalMinIsr}`,
    `share.coordinator.state.topic.replication.factor=${internalReplicationFactor}`,
    `share.coordinator.state.topic.min.isr=${internalMinIsr}`,
    'group.initial.rebalance.delay.ms=0',
    ...(settings.extraProperties ?? []),
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

/**
 * A Kafka cluster id: 16 random bytes, base64url without padding (what StorageTool random-uuid
 * prints). Never one starting with '-', as Kafka's Uuid.randomUuid: StorageTool's `-t` would take
 * it for an option and fail with its usage (a 1 in 64 chance per session; it happened).
 */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** kafka.tools.StorageTool format: the node's log dir with the cluster id and its meta.properties. */
async function formatStorage(settings: KafkaSettings, id: string, propertiesFile: string, log4jFile: string): Promise<void> {
  const format = await runBounded(
    settings.java,
    [
      `-Dlog4j2.configurationFile=${log4jFile}`,
      '-cp',
      settings.classpath,
      'kafka.tools.StorageTool',
      'format',
      '-t',
      id,
      '-c',
      propertiesFile,
    ],
    120_000,
    { cwd: settings.dataDir },
  );
  if (format.code !== 0) {
    rmSync(settings.dataDir, { recursive: true, force: true });
    throw new Error(`kafka.tools.StorageTool format: ${describeExit(format)}: ${(format.stderr + format.stdout).trim().slice(-1000)}`);
  }
}

export class KafkaBroker extends ServerProcess implements BenchBroker {
  readonly kind = 'kafka' as const;
  readonly dataDir: string;
  port: number;
  readonly nodeId: number;
  private readonly logFile: string;

  private constructor(settings: KafkaSettings, propertiesFile: string, log4jFile: string, logFile: string, heap: string) {
    super(
      settings.java,
      [...kafkaJvmFlags(heap), `-Dlog4j2.configurationFile=${log4jFile}`, '-cp', settings.classpath, 'kafka.Kafka', propertiesFile],
      {
        cwd: settings.dataDir,
      },
    );
    this.dataDir = settings.dataDir;
    this.port = settings.port;
    this.nodeId = settings.nodeId;
    this.logFile = logFile;
  }

  /**
   * One node (broker and controller), 1 GiB of heap: writes its files (with `extraProperties`
   * appended to server.properties), formats the storage, starts kafka.Kafka.
   */
  static async start(java: string, classpath: string, extraProperties: readonly string[] = []): Promise<KafkaBroker> {
    const [broker] = await KafkaBroker.startCluster(java, classpath, 1, '1g', extraProperties);
    return broker!;
  }

  /**
   * `nodes` combined broker+controller nodes on this machine (node ids 1..N, their own ports and
   * data dirs, one controller quorum of all of them, the storage of each formatted with one cluster
   * id), every JVM with `heap` of heap. Start them all before waiting for any: a node's broker is
   * ready only once the quorum has a leader.
   */
  static async startCluster(
    java: string,
    classpath: string,
    nodes: number,
    heap: string,
    extraProperties: readonly string[] = [],
  ): Promise<KafkaBroker[]> {
    const ports = new Set<number>();
    while (ports.size < 2 * nodes) ports.add(await freePort());
    const [listenerPorts, controllerPorts] = [[...ports].slice(0, nodes), [...ports].slice(nodes)];
    const voters = controllerPorts.map((port, i) => `${i + 1}@127.0.0.1:${port}`).join(',');
    const settings: KafkaSettings[] = listenerPorts.map((port, i) => ({
      java,
      classpath,
      port,
      controllerPort: controllerPorts[i]!,
      dataDir: benchDir('kafka-bench-'),
      nodeId: i + 1,
      voters,
      nodes,
      extraProperties,
    }));
    const id = clusterId();
    const prepared = await Promise.all(
      settings.map(async (node) => {
        const files = {
          properties: join(node.dataDir, 'server.properties'),
          log4j: join(node.dataDir, 'log4j2.properties'),
          log: join(node.dataDir, 'server.log'),
        };
        writeFileSync(files.properties, kafkaServerProperties(node));
        writeFileSync(files.log4j, log4j2Properties(files.log));
        await formatStorage(node, id, files.properties, files.log4j);
        return { node, files };
      }),
    );
    return prepared.map(({ node, files }) => new KafkaBroker(node, files.properties, files.log4j, files.log, heap));
  }

  /** Ready when the log says "Kafka Server started" (KafkaRaftServer, after the listeners are up). */
  async ready(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      if (this.serverLog().includes('Kafka Server started')) return;
      if (this.exited) throw new Error(`Kafka exited before it was ready (${this.exitInfo}):\n${this.fullLog().slice(-3000)}`);
      await sleep(100);
    }
    throw new Error(`Kafka was not ready after ${timeoutMs} ms:\n${this.fullLog().slice(-3000)}`);
  }

  get bootstrap(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** The broker's own log file (log4j2), as written so far. */
  serverLog(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
  }

  fullLog(): string {
    return `${this.serverLog()}${this.log ? `\n--- stdout/stderr ---\n${this.log}` : ''}`;
  }

  errorCount(): number {
    return (this.serverLog().match(/^\[[^\]]*\] (ERROR|FATAL) /gm) ?? []).length;
  }
}
