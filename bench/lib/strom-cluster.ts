/**
 * bench/lib: a Strom cluster in distributed mode, started as bench/failover and `npm run cluster`
 * start it: every app its own process (`apps/<app>/dist/main.js`, here in its own process group
 * with its output kept), the metadata and coordinator services and N brokers (node ids 1..N, data
 * dirs under $BENCH_DIR) on a nats-server of its own and a database of its own on a shared
 * Postgres (libs/testing provisions both, as the tests do).
 *
 * Without Temporal and the orchestrator: they only run failovers, and the metadata service fences
 * and elects by itself when it cannot reach Temporal. STROM_TEMPORAL_ADDRESS names a port nothing
 * listens on, so that a Temporal server of someone else on the default 127.0.0.1:7233 is never
 * used.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitUntilEveryBrokerListsAll } from '@strom/broker';
import { freePort, startNatsServer, type NatsServerHandle, type PostgresServer } from '@strom/testing';
import pg from 'pg';
import { REPO, ServerProcess, scratchDirs, sleep } from './proc.ts';

/** One line of an app's pino log. */
export interface LogEntry {
  level: number;
  time: number;
  msg: string;
  [field: string]: unknown;
}

/** pino's warn level: entries at it or above are what a run should not produce. */
export const WARN_LEVEL = 40;

/** The environment without STROM_* and DATABASE_URL: the cluster decides what each app reads. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('STROM_') && name !== 'DATABASE_URL'));
}

export class StromApp extends ServerProcess {
  readonly name: string;
  private readonly app: string;
  private parsedUpTo = 0;
  private readonly parsed: LogEntry[] = [];

  constructor(name: string, app: string, args: readonly string[], env: NodeJS.ProcessEnv) {
    super(process.execPath, [join(REPO, 'apps', app, 'dist', 'main.js'), ...args], { env });
    this.name = name;
    this.app = app;
  }

  /** The JSON log lines so far (complete lines only; anything else the app printed is skipped). */
  entries(): readonly LogEntry[] {
    const end = this.log.lastIndexOf('\n') + 1;
    if (end > this.parsedUpTo) {
      for (const line of this.log.slice(this.parsedUpTo, end).split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          this.parsed.push(JSON.parse(line) as LogEntry);
        } catch {
          // not a log line
        }
      }
      this.parsedUpTo = end;
    }
    return this.parsed;
  }

  /** Resolves once the app logs `<app> ready`. */
  async ready(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      if (this.entries().some((entry) => entry.msg === `${this.app} ready`)) return;
      if (this.exited) throw new Error(`${this.name} exited before it was ready (${this.exitInfo}):\n${this.log.slice(-3000)}`);
      await sleep(100);
    }
    throw new Error(`${this.name} was not ready after ${timeoutMs} ms:\n${this.log.slice(-3000)}`);
  }

  /** Entries at warn level or worse. */
  warnings(): LogEntry[] {
    return this.entries().filter((entry) => entry.level >= WARN_LEVEL);
  }
}

export interface StromClusterOptions {
  brokers: number;
  postgres: PostgresServer;
  /** A database of this cluster's own on `postgres` (created here). */
  database: string;
  /** server.properties given to every app (STROM_CONFIG). */
  properties: string;
}

export class StromCluster {
  readonly nats: NatsServerHandle;
  readonly services: readonly StromApp[];
  readonly brokers: readonly StromApp[];
  readonly ports: readonly number[];
  readonly dataDir: string;

  private constructor(nats: NatsServerHandle, services: StromApp[], brokers: StromApp[], ports: number[], dataDir: string) {
    this.nats = nats;
    this.services = services;
    this.brokers = brokers;
    this.ports = ports;
    this.dataDir = dataDir;
  }

  /** Starts nats-server, metadata, coordinator and the brokers; stops what it started if any step fails. */
  static async start(options: StromClusterOptions): Promise<StromCluster> {
    const dataDir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'strom-cluster-bench-'));
    scratchDirs.add(dataDir);
    const propertiesFile = join(dataDir, 'server.properties');
    writeFileSync(propertiesFile, options.properties);
    const admin = new pg.Client({ connectionString: options.postgres.url });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${options.database}`);
    } finally {
      await admin.end();
    }
    const nats = await startNatsServer({ jetStream: true });
    const env: NodeJS.ProcessEnv = {
      ...cleanEnv(),
      STROM_NATS_URL: nats.url,
      DATABASE_URL: options.postgres.urlFor(options.database),
      STROM_CONFIG: propertiesFile,
      STROM_TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
      STROM_LOG_LEVEL: 'info',
    };
    const started: StromApp[] = [];
    const launch = (name: string, app: string, args: readonly string[] = []): StromApp => {
      const child = new StromApp(name, app, args, env);
      started.push(child);
      return child;
    };
    try {
      // The metadata service applies the migrations when it connects; the others wait for it.
      const metadata = launch('metadata', 'metadata');
      await metadata.ready(120_000);
      const coordinator = launch('coordinator', 'coordinator');
      await coordinator.ready(120_000);
      const brokers = Array.from({ length: options.brokers }, (_, i) =>
        launch(`broker-${i + 1}`, 'broker', ['--node-id', String(i + 1), '--port', '0', '--data-dir', join(dataDir, `broker-${i + 1}`)]),
      );
      await Promise.all(brokers.map((broker) => broker.ready(120_000)));
      const ports = brokers.map((broker) => {
        const port = broker.entries().find((entry) => entry.msg === 'Kafka listener ready')?.port;
        if (typeof port !== 'number') throw new Error(`${broker.name} did not log its listener port`);
        return port;
      });
      await waitUntilEveryBrokerListsAll('127.0.0.1', ports, { clientId: 'strom-bench', timeoutMs: 60_000 });
      return new StromCluster(nats, [metadata, coordinator], brokers, ports, dataDir);
    } catch (error) {
      await stopInOrder(started);
      await nats.stop();
      throw error;
    }
  }

  get bootstrap(): string {
    return this.ports.map((port) => `127.0.0.1:${port}`).join(',');
  }

  get apps(): readonly StromApp[] {
    return [...this.services, ...this.brokers];
  }

  /** Brokers first (SIGTERM: controlled shutdown, which needs the metadata service), then the services, then nats-server. */
  async stop(): Promise<string> {
    const outcomes = await stopInOrder([...this.services, ...this.brokers]);
    await this.nats.stop();
    return outcomes.join('; ');
  }

  /** Every app's output, one section per app. */
  fullLog(): string {
    return this.apps.map((app) => `--- ${app.name} (pid ${app.pid}) ---\n${app.log}`).join('\n');
  }
}

/** Stops brokers before services (the order of `apps` otherwise); returns what happened to each. */
async function stopInOrder(apps: readonly StromApp[]): Promise<string[]> {
  const brokers = apps.filter((app) => app.name.startsWith('broker'));
  const services = apps.filter((app) => !app.name.startsWith('broker'));
  const outcomes = await Promise.all(brokers.map(async (app) => `${app.name} ${await app.stop()}`));
  for (const app of services) outcomes.push(`${app.name} ${await app.stop()}`);
  return outcomes;
}
