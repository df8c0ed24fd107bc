/**
 * bench/cluster-throughput: the rows (which cluster, which topic settings) and the three kinds of
 * cluster behind one interface: a Kafka KRaft quorum, a distributed Strom cluster, embedded Strom.
 */
import { rmSync } from 'node:fs';
import type { PostgresServer } from '@strom/testing';
import { KafkaBroker, StromBroker } from '../lib/brokers.ts';
import { readProc, type ServerProcess } from '../lib/proc.ts';
import { KAFKA_VERSION } from '../lib/provision.ts';
import { StromCluster, WARN_LEVEL } from '../lib/strom-cluster.ts';

export interface Row {
  id: string;
  setup: string;
  system: 'kafka' | 'strom-distributed' | 'strom-embedded';
  brokers: number;
  replicationFactor: number;
  minInsyncReplicas: number;
}

export const ALL_ROWS: Row[] = [
  {
    id: 'kafka-3',
    setup: `Kafka ${KAFKA_VERSION}, 3 KRaft nodes (broker+controller), RF=3, min.insync.replicas=2`,
    system: 'kafka',
    brokers: 3,
    replicationFactor: 3,
    minInsyncReplicas: 2,
  },
  {
    id: 'strom-3',
    setup: 'Strom distributed, 3 brokers, RF=3, min.insync.replicas=2',
    system: 'strom-distributed',
    brokers: 3,
    replicationFactor: 3,
    minInsyncReplicas: 2,
  },
  {
    // Two event loops, the partitions split between them by the clients themselves (issue 15: does
    // a second loop pay on 2 cores shared with the clients?).
    id: 'strom-2',
    setup: 'Strom distributed, 2 brokers, RF=1',
    system: 'strom-distributed',
    brokers: 2,
    replicationFactor: 1,
    minInsyncReplicas: 1,
  },
  {
    id: 'strom-1',
    setup: 'Strom distributed, 1 broker, RF=1',
    system: 'strom-distributed',
    brokers: 1,
    replicationFactor: 1,
    minInsyncReplicas: 1,
  },
  {
    id: 'strom-embedded',
    setup: 'Strom embedded (apps/strom, one process), RF=1',
    system: 'strom-embedded',
    brokers: 1,
    replicationFactor: 1,
    minInsyncReplicas: 1,
  },
];
/** What the bench needs of a running cluster of any of the three kinds. */
export interface Running {
  bootstrap: string;
  /** Every process of the cluster whose CPU counts (brokers, services; nats-server by pid). */
  processes: readonly ServerProcess[];
  extraPids: readonly number[];
  /** Why the cluster is broken (a process exited), or undefined. */
  broken(): string | undefined;
  /** ISR shrinks and expands the brokers logged. */
  isrChanges(): number;
  /** Log entries at WARN or worse: their count and a few distinct ones. */
  warnings(): { count: number; samples: string[] };
  fullLog(): string;
  stop(): Promise<string>;
  /** After stop() and fullLog(): the data dirs go. */
  removeData(): void;
}

function exitedOf(processes: readonly ServerProcess[], names: readonly string[]): string | undefined {
  const index = processes.findIndex((p) => p.exited);
  return index < 0 ? undefined : `${names[index]} exited (${processes[index]!.exitInfo})`;
}

function distinct(lines: readonly string[], limit = 12): string[] {
  const counts = new Map<string, number>();
  for (const line of lines) counts.set(line, (counts.get(line) ?? 0) + 1);
  return [...counts].slice(0, limit).map(([line, count]) => (count > 1 ? `${count} × ${line}` : line));
}

/** `row.brokers` Kafka nodes, each JVM with `heap` of heap. */
export async function startKafka(row: Row, java: string, classpath: string, heap: string): Promise<Running> {
  const brokers = await KafkaBroker.startCluster(java, classpath, row.brokers, heap);
  const names = brokers.map((b) => `kafka-${b.nodeId}`);
  const stop = async (): Promise<string> => (await Promise.all(brokers.map(async (b, i) => `${names[i]} ${await b.stop()}`))).join('; ');
  const removeData = (): void => {
    for (const b of brokers) rmSync(b.dataDir, { recursive: true, force: true });
  };
  try {
    await Promise.all(brokers.map((b) => b.ready(180_000)));
  } catch (error) {
    await stop();
    removeData();
    throw error;
  }
  // What each node logged once all were ready: the quorum's start (connection refusals while the
  // others come up) is not the run's business.
  const readyAt = brokers.map((b) => b.serverLog().length);
  const since = (i: number): string[] => brokers[i]!.serverLog().slice(readyAt[i]).split('\n');
  return {
    bootstrap: brokers.map((b) => b.bootstrap).join(','),
    processes: brokers,
    extraPids: [],
    broken: () => exitedOf(brokers, names),
    isrChanges: () => brokers.reduce((sum, _, i) => sum + since(i).filter((line) => /(Shrinking|Expanding) ISR from/.test(line)).length, 0),
    warnings: () => {
      const lines = brokers.flatMap((_, i) =>
        since(i)
          .filter((line) => /^\[[^\]]*\] (WARN|ERROR|FATAL) /.test(line))
          .map((line) => `${names[i]}: ${line.replace(/^\[[^\]]*\] /, '').slice(0, 300)}`),
      );
      return { count: lines.length, samples: distinct(lines) };
    },
    fullLog: () => brokers.map((b, i) => `--- ${names[i]} ---\n${b.fullLog()}`).join('\n'),
    stop,
    removeData,
  };
}

let databaseSerial = 0;
/** The fields every pino line has: left out of the excerpts. */
const LOG_HEADER_KEYS = new Set(['level', 'time', 'pid', 'hostname', 'msg']);

export async function startStromCluster(row: Row, postgres: PostgresServer): Promise<Running> {
  const cluster = await StromCluster.start({
    brokers: row.brokers,
    postgres,
    database: `cluster_throughput_${process.pid}_${++databaseSerial}`,
    // The one setting the Kafka side also gets (bench/lib/brokers.ts); everything else is the default.
    properties: 'group.initial.rebalance.delay.ms=0\n',
  });
  const apps = cluster.apps;
  // As for Kafka: what the apps logged once the cluster was ready.
  const readyAtMs = Date.now();
  return {
    bootstrap: cluster.bootstrap,
    processes: apps,
    extraPids: [cluster.nats.pid],
    broken: () =>
      exitedOf(
        apps,
        apps.map((a) => a.name),
      ),
    isrChanges: () =>
      cluster.brokers.reduce(
        (sum, broker) => sum + broker.entries().filter((entry) => entry.msg === 'ISR changed' && entry.time >= readyAtMs).length,
        0,
      ),
    warnings: () => {
      const lines = apps.flatMap((app) =>
        app
          .warnings()
          .filter((entry) => entry.time >= readyAtMs)
          .map((entry) => {
            const fields = Object.fromEntries(Object.entries(entry).filter(([key]) => !LOG_HEADER_KEYS.has(key)));
            return `${app.name}: ${entry.msg} ${JSON.stringify(fields).slice(0, 300)}`;
          }),
      );
      return { count: lines.length, samples: distinct(lines) };
    },
    fullLog: () => cluster.fullLog(),
    stop: () => cluster.stop(),
    removeData: () => rmSync(cluster.dataDir, { recursive: true, force: true }),
  };
}

export async function startStromEmbedded(): Promise<Running> {
  const broker = await StromBroker.start();
  try {
    await broker.ready(180_000);
  } catch (error) {
    await broker.stop();
    rmSync(broker.dataDir, { recursive: true, force: true });
    throw error;
  }
  const readyAt = broker.fullLog().length;
  return {
    bootstrap: broker.bootstrap,
    processes: [broker],
    extraPids: [],
    broken: () => exitedOf([broker], ['strom']),
    isrChanges: () => 0,
    warnings: () => {
      const lines = broker
        .fullLog()
        .slice(readyAt)
        .split('\n')
        .filter((line) => Number(/^\{"level":(\d+)/.exec(line)?.[1] ?? 0) >= WARN_LEVEL)
        .map((line) => `strom: ${line.slice(0, 300)}`);
      return { count: lines.length, samples: distinct(lines) };
    },
    fullLog: () => broker.fullLog(),
    stop: () => broker.stop(),
    removeData: () => rmSync(broker.dataDir, { recursive: true, force: true }),
  };
}

/** CPU seconds of every process of the cluster between two calls. */
export function cpuWindow(running: Running): () => number {
  const read = (): number =>
    [...running.processes.map((p) => p.pid), ...running.extraPids].reduce((sum, pid) => sum + (readProc(pid)?.cpuSeconds ?? 0), 0);
  const before = read();
  return () => read() - before;
}
