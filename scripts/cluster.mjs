// npm run cluster -- --brokers 3 --base-port 19092 --data-dir ./cluster-data
//
// A local Strom cluster in distributed mode, provisioned the way the tests provision it:
// PostgreSQL (kept under <data-dir>/postgres), nats-server with JetStream and the Temporal dev
// server (with its UI), then the metadata, coordinator, retention and orchestrator apps and N
// brokers on ports base, base+1, …, each app its own process (`apps/<app>/dist/main.js`) with its
// log in <data-dir>/logs. Prints the bootstrap servers once every broker is ready; Ctrl-C or
// SIGTERM stops the brokers first (they hand over their leaderships), then the services.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repo = fileURLToPath(new URL('..', import.meta.url));
const usage = 'usage: npm run cluster -- [--brokers N] [--base-port P] [--data-dir DIR] [--temporal-ui-port P]';
let values;
try {
  ({ values } = parseArgs({
    options: {
      brokers: { type: 'string', default: '3' },
      'base-port': { type: 'string', default: '19092' },
      'data-dir': { type: 'string', default: './cluster-data' },
      'temporal-ui-port': { type: 'string', default: '8233' },
      help: { type: 'boolean', default: false },
    },
  }));
} catch (error) {
  console.error(`${error.message}\n${usage}`);
  process.exit(2);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const brokers = Number(values.brokers);
const basePort = Number(values['base-port']);
const uiPort = Number(values['temporal-ui-port']);
for (const [name, value, min, max] of [
  ['--brokers', brokers, 1, 64],
  ['--base-port', basePort, 1, 65_535 - brokers],
  ['--temporal-ui-port', uiPort, 0, 65_535],
]) {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    console.error(`${name} must be a whole number in ${min}..${max}\n${usage}`);
    process.exit(2);
  }
}
const dataDir = resolve(values['data-dir']);
const logDir = join(dataDir, 'logs');
mkdirSync(logDir, { recursive: true });

const { startNatsServer, startPostgres, startTemporalDevServer } = await import(join(repo, 'libs/testing/dist/index.js'));
const say = (line) => process.stdout.write(`[cluster] ${line}\n`);

const services = [];
const apps = [];
let stopping = false;

async function stopAll(code) {
  if (stopping) return;
  stopping = true;
  say('stopping: brokers first, then the services');
  const brokerApps = apps.filter((app) => app.name.startsWith('broker'));
  const others = apps.filter((app) => !app.name.startsWith('broker'));
  await Promise.all(brokerApps.map((app) => app.stop()));
  await Promise.all(others.map((app) => app.stop()));
  for (const service of services.reverse()) await service.stop().catch(() => undefined);
  say('stopped');
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

/** Starts an app; resolves once a log line satisfies `ready`. */
function startApp(name, app, args, env, ready) {
  const log = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
  // Brokers get the heap `npm start` gives the embedded broker (README, "Run").
  const nodeFlags = app === 'broker' ? ['--initial-old-space-size=128'] : [];
  const child = spawn(process.execPath, [...nodeFlags, join(repo, 'apps', app, 'dist', 'main.js'), ...args], {
    env: { ...process.env, ...env, STROM_LOG_LEVEL: process.env.STROM_LOG_LEVEL ?? 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr.pipe(log);
  const exited = new Promise((resolveExit) => child.on('exit', (exitCode, signal) => resolveExit(exitCode ?? signal)));
  const handle = {
    name,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  apps.push(handle);
  return new Promise((resolveReady, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      log.write(`${line}\n`);
      try {
        if (ready(JSON.parse(line))) resolveReady(handle);
      } catch {
        // not a JSON log line
      }
    });
    void exited.then((how) => {
      if (!stopping) reject(new Error(`${name} exited (${how}) before it was ready; see ${join(logDir, `${name}.log`)}`));
    });
  });
}

try {
  say(`data in ${dataDir}`);
  const [postgres, nats, temporal] = await Promise.all([
    startPostgres({ dir: join(dataDir, 'postgres') }),
    startNatsServer({ jetStream: true }),
    startTemporalDevServer(uiPort === 0 ? {} : { uiPort }),
  ]);
  services.push(postgres, nats, temporal);
  const env = {
    // Failure detection for a cluster (deploy/cluster.properties): failovers under 5 s.
    STROM_CONFIG: join(repo, 'deploy', 'cluster.properties'),
    STROM_NATS_URL: nats.url,
    DATABASE_URL: postgres.url,
    STROM_TEMPORAL_ADDRESS: temporal.address,
    STROM_TEMPORAL_NAMESPACE: temporal.namespace,
  };
  // The metadata service applies the migrations when it connects; the others wait for it.
  await startApp('metadata', 'metadata', [], env, (line) => line.msg === 'metadata ready');
  await Promise.all(
    ['coordinator', 'retention', 'orchestrator'].map((app) => startApp(app, app, [], env, (line) => line.msg === `${app} ready`)),
  );
  const ports = Array.from({ length: brokers }, (_, i) => basePort + i);
  await Promise.all(
    ports.map((port, i) =>
      startApp(
        `broker-${i + 1}`,
        'broker',
        ['--node-id', String(i + 1), '--port', String(port), '--data-dir', join(dataDir, `broker-${i + 1}`)],
        env,
        (line) => line.msg === 'Kafka listener ready',
      ),
    ),
  );
  // Ready means usable: every broker's metadata lists every broker (registrations reach the
  // brokers' cluster views shortly after each broker says it is listening).
  const { waitUntilEveryBrokerListsAll } = await import(join(repo, 'apps/broker/dist/index.js'));
  await waitUntilEveryBrokerListsAll('127.0.0.1', ports, { clientId: 'strom-cluster', timeoutMs: 60_000 });
  const bootstrap = ports.map((port) => `127.0.0.1:${port}`).join(',');
  if (uiPort !== 0) say(`Temporal UI: http://127.0.0.1:${uiPort}`);
  say(`logs in ${logDir}`);
  process.stdout.write(`bootstrap.servers=${bootstrap}\n`);
} catch (error) {
  console.error(`[cluster] ${error.message}`);
  await stopAll(1);
}
