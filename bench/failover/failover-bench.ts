// Leader failover under load (issue 14). Run from the repo root:
//   npm run bench -- failover [--kills N] [--only defaults|kafka-defaults|recommended|recommended-client]
// Provisions Postgres, nats-server and the Temporal dev server as the tests do, then per settings
// row a fresh cluster (metadata, coordinator, orchestrator and 3 broker processes, each its own
// process), an RF=3 min.insync.replicas=2 topic with 3 partitions, and an acks=all kafkajs
// producer sending one record at a time to each partition without pause. N times: SIGKILL the
// broker leading partition 0, measure produce unavailability on partition 0 (the kill to the first
// record acknowledged afterwards), restart the killed broker with its node id and data dir, and
// wait until every ISR is 3 again. Where the time goes comes from the metadata service's own log
// line per failover (lease expiry, and lease expiry to new leaders published).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { parsePropertiesEntries } from '@strom/config';
import { startNatsServer, startPostgres, startTemporalDevServer } from '@strom/testing';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import pg from 'pg';
import { installCleanup, killGroup, liveGroups, REPO, RESULTS, scratchDirs, sleep } from '../lib/proc.ts';
import { fmt, machine, markdownTable } from '../lib/report.ts';

const { values: args } = parseArgs({
  options: { kills: { type: 'string', default: '20' }, only: { type: 'string' } },
});
const KILLS = Number(args.kills);
const TOPIC = 'failover-bench';
const PARTITIONS = 3;
/** kafkajs's retry backoff starts at Java's retry.backoff.ms (100); its cap is per row (Java's retry.backoff.max.ms: 1000). */
const INITIAL_RETRY_MS = 100;

interface Settings {
  name: string;
  sessionTimeoutMs: number;
  heartbeatMs: number;
  /** The client's retry backoff cap: a client that backed off to it while the old leader was gone waits that long once more. */
  maxRetryMs: number;
  /** Node ids of their own per row: failover workflow ids are per broker id and epoch on the one Temporal server. */
  firstNodeId: number;
  /**
   * replica.fetch.backoff.ms (Kafka: 1000). A follower that learns of a new leader before the leader
   * does gets UNKNOWN_LEADER_EPOCH and waits this long before asking again, while acks=all waits
   * for it: the recommended rows shorten it.
   */
  fetchBackoffMs: number;
}

/** What `npm run cluster` and docker compose give every app. */
const CLUSTER_DEFAULTS = Object.fromEntries(
  parsePropertiesEntries(readFileSync(join(REPO, 'deploy', 'cluster.properties'), 'utf8')).map((entry) => [entry.key, Number(entry.value)]),
);

const ROWS: Settings[] = [
  {
    name: 'defaults',
    sessionTimeoutMs: CLUSTER_DEFAULTS['broker.session.timeout.ms']!,
    heartbeatMs: CLUSTER_DEFAULTS['broker.heartbeat.interval.ms']!,
    maxRetryMs: 1_000,
    firstNodeId: 1,
    fetchBackoffMs: CLUSTER_DEFAULTS['replica.fetch.backoff.ms'] ?? 1_000,
  },
  { name: 'kafka-defaults', sessionTimeoutMs: 9_000, heartbeatMs: 2_000, maxRetryMs: 1_000, firstNodeId: 31, fetchBackoffMs: 1_000 },
  { name: 'recommended', sessionTimeoutMs: 1_500, heartbeatMs: 300, maxRetryMs: 1_000, firstNodeId: 11, fetchBackoffMs: 100 },
  { name: 'recommended-client', sessionTimeoutMs: 1_500, heartbeatMs: 300, maxRetryMs: 250, firstNodeId: 21, fetchBackoffMs: 100 },
].filter((row) => args.only === undefined || row.name === args.only);

interface Failover {
  killedId: number;
  unavailableMs: number;
  /** The kill to the lease expiry the metadata service acted on (session timeout + detection). */
  leaseMs: number | null;
  /** Lease expiry to the new leaders published (fence and election in one transaction). */
  electionMs: number | null;
  /** New leaders published to the first acknowledged record (propagation to brokers and client, client refresh and backoff). */
  clientMs: number | null;
  fencedBy: string | null;
}

const say = (line: string): void => void process.stdout.write(`[failover] ${line}\n`);

interface App {
  child: ChildProcess;
  lines: { msg: string; time: number; [field: string]: unknown }[];
  exited: Promise<void>;
}

function startApp(app: string, env: NodeJS.ProcessEnv, argv: string[] = []): Promise<App> {
  const child = spawn(process.execPath, [join(REPO, 'apps', app, 'dist', 'main.js'), ...argv], {
    env: { ...env, STROM_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  liveGroups.add(child);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  void exited.then(() => liveGroups.delete(child));
  const handle: App = { child, lines: [], exited };
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as App['lines'][number];
        handle.lines.push(entry);
        if (entry.msg === (app === 'broker' ? 'Kafka listener ready' : `${app} ready`)) resolve(handle);
      } catch {
        // not a log line
      }
    });
    void exited.then(() => reject(new Error(`${app} exited before it was ready: ${stderr.slice(-2000)}`)));
  });
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, waitMs: number, what: string): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined && done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: gave up after ${waitMs} ms`);
    await sleep(100);
  }
}

installCleanup(say, 3 * 60 * 60_000);
const scratch = mkdtempSync(join(tmpdir(), 'strom-failover-bench-'));
scratchDirs.add(scratch);
say(`provisioning Postgres, nats-server and the Temporal dev server (${KILLS} kills per row)`);
const [postgres, temporal] = await Promise.all([startPostgres(), startTemporalDevServer()]);
const results: { settings: Settings; failovers: Failover[] }[] = [];

for (const settings of ROWS) {
  const nats = await startNatsServer();
  const database = `failover_bench_${settings.name.replaceAll('-', '_')}`;
  const properties = join(scratch, `${settings.name}.properties`);
  writeFileSync(
    properties,
    `broker.session.timeout.ms=${settings.sessionTimeoutMs}\nbroker.heartbeat.interval.ms=${settings.heartbeatMs}\n` +
      `replica.fetch.backoff.ms=${settings.fetchBackoffMs}\n`,
  );
  const pgAdmin = new pg.Client({ connectionString: postgres.url });
  await pgAdmin.connect();
  await pgAdmin.query(`CREATE DATABASE ${database}`);
  await pgAdmin.end();
  const env = {
    ...process.env,
    STROM_NATS_URL: nats.url,
    DATABASE_URL: postgres.urlFor(database),
    STROM_CONFIG: properties,
    STROM_TEMPORAL_ADDRESS: temporal.address,
    STROM_TEMPORAL_NAMESPACE: temporal.namespace,
  };
  say(`${settings.name}: broker.session.timeout.ms=${settings.sessionTimeoutMs} broker.heartbeat.interval.ms=${settings.heartbeatMs}`);
  const metadata = await startApp('metadata', env);
  const services = [metadata, await startApp('coordinator', env), await startApp('orchestrator', env)];
  const ids = [0, 1, 2].map((i) => settings.firstNodeId + i);
  const brokers = new Map<number, { app: App; port: number; dataDir: string }>();
  const startBroker = async (id: number, port: number): Promise<void> => {
    const dataDir = join(scratch, `${settings.name}-broker-${id}`);
    mkdirSync(dataDir, { recursive: true });
    const app = await startApp('broker', env, ['--node-id', String(id), '--port', String(port), '--data-dir', dataDir]);
    brokers.set(id, { app, port: app.lines.find((l) => l.msg === 'Kafka listener ready')!.port as number, dataDir });
  };
  for (const id of ids) await startBroker(id, 0);
  const kafka = new Kafka({
    clientId: 'failover-bench',
    brokers: [...brokers.values()].map((b) => `127.0.0.1:${b.port}`),
    logLevel: logLevel.NOTHING,
    retry: { retries: 1_000, initialRetryTime: INITIAL_RETRY_MS, maxRetryTime: settings.maxRetryMs },
  });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: TOPIC, numPartitions: PARTITIONS, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] },
    ],
  });
  const view = async () =>
    (await admin.fetchTopicMetadata({ topics: [TOPIC] })).topics[0]!.partitions.sort((a, b) => a.partitionId - b.partitionId);
  const allInSync = () => until(view, (partitions) => partitions.every((p) => p.isr.length === 3), 120_000, 'every ISR back to 3');
  await allInSync();

  const producer: Producer = kafka.producer({ allowAutoTopicCreation: false, maxInFlightRequests: 1 });
  await producer.connect();
  /** When each acknowledgement arrived (Date.now()), per partition. */
  const acks: number[][] = Array.from({ length: PARTITIONS }, () => []);
  let stop = false;
  const loops = acks.map(async (times, partition) => {
    for (let sequence = 0; !stop; sequence++) {
      try {
        await producer.send({ topic: TOPIC, acks: -1, timeout: 30_000, messages: [{ partition, value: `${partition}-${sequence}` }] });
        times.push(Date.now());
      } catch {
        await sleep(10);
      }
    }
  });

  const failovers: Failover[] = [];
  for (let kill = 0; kill < KILLS; kill++) {
    await sleep(1_000);
    const leaderId = (await view())[0]!.leader;
    const victim = brokers.get(leaderId)!;
    const killedAtMs = Date.now();
    killGroup(victim.app.child, 'SIGKILL');
    const firstAck = await until(
      async () => acks[0]!.find((time) => time > killedAtMs),
      (time) => time !== undefined,
      120_000,
      'produce after the kill',
    );
    const logged = await until(
      async () =>
        metadata.lines.find(
          (l) => l.msg === 'broker fenced: lease expired, new leaders published' && l.brokerId === leaderId && l.time >= killedAtMs,
        ),
      (line) => line !== undefined,
      30_000,
      'the failover in the metadata log',
    ).catch(() => undefined);
    const publishedAtMs = logged?.time ?? null;
    const electionMs = typeof logged?.failoverMs === 'number' ? logged.failoverMs : null;
    const failover: Failover = {
      killedId: leaderId,
      unavailableMs: firstAck! - killedAtMs,
      leaseMs: publishedAtMs !== null && electionMs !== null ? publishedAtMs - electionMs - killedAtMs : null,
      electionMs,
      clientMs: publishedAtMs !== null ? firstAck! - publishedAtMs : null,
      fencedBy: typeof logged?.fencedBy === 'string' ? logged.fencedBy : null,
    };
    failovers.push(failover);
    say(
      `${settings.name} #${kill + 1}: broker ${leaderId} killed, partition 0 unavailable ${failover.unavailableMs} ms ` +
        `(lease ${failover.leaseMs} + election ${failover.electionMs} + to the client ${failover.clientMs}, by ${failover.fencedBy})`,
    );
    await victim.app.exited;
    await startBroker(leaderId, victim.port);
    await allInSync();
  }
  stop = true;
  await Promise.all(loops);
  await producer.disconnect();
  await admin.disconnect();
  for (const { app } of brokers.values()) killGroup(app.child, 'SIGTERM');
  await Promise.all([...brokers.values()].map(({ app }) => app.exited));
  for (const app of services) killGroup(app.child, 'SIGTERM');
  await Promise.all(services.map((app) => app.exited));
  await nats.stop();
  results.push({ settings, failovers });
}
await temporal.stop();
await postgres.stop();

const median = (numbers: (number | null)[]): number | null => {
  const known = numbers.filter((n): n is number => n !== null).sort((a, b) => a - b);
  return known.length === 0 ? null : percentile(known, 50);
};
const rows = results.map(({ settings, failovers }) => {
  const sorted = failovers.map((f) => f.unavailableMs).sort((a, b) => a - b);
  return [
    settings.name,
    `${settings.sessionTimeoutMs} / ${settings.heartbeatMs} / ${settings.fetchBackoffMs}`,
    String(settings.maxRetryMs),
    String(failovers.length),
    fmt(percentile(sorted, 50)),
    fmt(percentile(sorted, 99)),
    fmt(sorted.at(-1)),
    fmt(median(failovers.map((f) => f.leaseMs))),
    fmt(median(failovers.map((f) => f.electionMs))),
    fmt(median(failovers.map((f) => f.clientMs))),
  ];
});
const table = markdownTable(
  [
    'settings',
    'session / heartbeat / replica fetch backoff ms',
    'client backoff cap ms',
    'kills',
    'p50 ms',
    'p99 ms',
    'max ms',
    'median kill→lease expiry ms',
    'median election+publish ms',
    'median publish→first ack ms',
  ],
  ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
  rows,
);
const report = [
  '# Failover: produce unavailability per leader SIGKILL',
  '',
  `3 brokers, RF=3, min.insync.replicas=2, kafkajs acks=all (retry backoff from ${INITIAL_RETRY_MS} ms up to the cap); unavailability = the kill to the first record acknowledged afterwards on the killed leader's partition.`,
  '',
  ...table,
  '',
].join('\n');
process.stdout.write(`\n${report}`);
mkdirSync(RESULTS, { recursive: true });
const name = args.only === undefined ? 'failover' : `failover-${args.only}`;
writeFileSync(join(RESULTS, `${name}.md`), report);
writeFileSync(join(RESULTS, `${name}.json`), JSON.stringify({ machine: machine(), results }, null, 2));
say(`written to ${join(RESULTS, name)}.md and .json`);
process.exit(0);
