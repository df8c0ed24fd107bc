import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freshDatabase } from './app-process.js';

/** What a test needs of a broker it talks to over the Kafka protocol. */
export interface SaslBroker {
  port: number;
  stop(): Promise<void>;
}

const mainOf = (app: string) => new URL(`../../apps/${app}/dist/main.js`, import.meta.url).pathname;

/** Starts an app's own entry point; resolves with the first log line `ready` accepts. */
async function startProcess(
  app: string,
  env: Record<string, string>,
  args: string[] = [],
  ready: (line: { msg: string; port?: number }) => boolean = (line) => line.msg === `${app} ready`,
): Promise<{ child: ChildProcessWithoutNullStreams; line: { msg: string; port?: number } }> {
  const child = spawn(process.execPath, [mainOf(app), ...args], {
    env: { ...process.env, ...env, STROM_LOG_LEVEL: 'info' },
    stdio: 'pipe',
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const line = await new Promise<{ msg: string; port?: number }>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (text) => {
      const parsed = JSON.parse(text) as { msg: string; port?: number };
      if (ready(parsed)) resolve(parsed);
    });
    child.on('exit', (code) => reject(new Error(`${app} exited (${code}) before it was ready: ${stderr}`)));
  });
  return { child, line };
}

/**
 * Distributed mode with the broker's security: metadata, coordinator and broker each run as their
 * own process (`apps/<app>/dist/main.js`) on real NATS and Postgres (a fresh database); the
 * broker reads its listener, SASL users and authorizer from the given server.properties lines.
 */
export async function startDistributedSaslBroker(options: {
  natsUrl: string;
  postgresUrl: string;
  serverProperties: readonly string[];
}): Promise<SaslBroker> {
  const databaseUrl = await freshDatabase(`strom_authz_${process.pid}_${Date.now()}`, options.postgresUrl);
  const env = { STROM_NATS_URL: options.natsUrl, DATABASE_URL: databaseUrl };
  const children = [(await startProcess('metadata', env)).child, (await startProcess('coordinator', env)).child];
  const dataDir = mkdtempSync(join(tmpdir(), 'strom-authz-broker-'));
  const file = join(dataDir, 'server.properties');
  writeFileSync(file, `${options.serverProperties.join('\n')}\n`);
  const broker = await startProcess(
    'broker',
    { ...env, STROM_DATA_DIR: join(dataDir, 'data') },
    ['--config', file],
    (line) => line.msg === 'Kafka listener ready',
  );
  children.push(broker.child);
  return {
    port: broker.line.port!,
    stop: async () => {
      for (const child of children.reverse()) {
        const exited = new Promise((resolve) => child.on('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
