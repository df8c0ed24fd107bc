import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { BrokerModule, BrokerService, type BrokerSecurityOptions } from '@strom/broker';
import { NatsBus } from '@strom/bus';
import { bootApp, compose, createLogger } from '@strom/runtime';
import pg from 'pg';

/** What a test needs of a broker it talks to over the Kafka protocol. */
export interface SaslBroker {
  port: number;
  stop(): Promise<void>;
}

const mainOf = (app: string) => new URL(`../../apps/${app}/dist/main.js`, import.meta.url).pathname;

/** Starts an app's own entry point; resolves once it logs `<app> ready`. */
async function startProcess(app: string, env: Record<string, string>): Promise<ChildProcessWithoutNullStreams> {
  const child = spawn(process.execPath, [mainOf(app)], { env: { ...process.env, ...env, STROM_LOG_LEVEL: 'info' }, stdio: 'pipe' });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if ((JSON.parse(line) as { msg: string }).msg === `${app} ready`) resolve();
    });
    child.on('exit', (code) => reject(new Error(`${app} exited (${code}) before it was ready: ${stderr}`)));
  });
  return child;
}

/**
 * Distributed mode with the broker's security: the metadata and coordinator services run as
 * their own processes on real NATS and Postgres (a fresh database), and the broker module is
 * booted on its own over NATS with the given security options. The standalone broker process
 * does not read security settings yet, so the broker is composed here as its `main.ts` would.
 */
export async function startDistributedSaslBroker(options: {
  natsUrl: string;
  postgresUrl: string;
  security: BrokerSecurityOptions;
}): Promise<SaslBroker> {
  const database = `strom_authz_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: options.postgresUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const env = { STROM_NATS_URL: options.natsUrl, DATABASE_URL: options.postgresUrl.replace(/\/postgres$/, `/${database}`) };
  const children = [await startProcess('metadata', env), await startProcess('coordinator', env)];
  const dataDir = mkdtempSync(join(tmpdir(), 'strom-authz-broker-'));
  const bus = await NatsBus.connect({ servers: options.natsUrl, name: 'strom-authz-broker' });
  const logger = createLogger('broker', (process.env.STROM_TEST_LOG_LEVEL as 'info' | undefined) ?? 'silent');
  const running = await bootApp({
    name: 'broker',
    module: compose({ bus, logger }, [
      BrokerModule.forRoot({ nodeId: 1, host: '127.0.0.1', port: 0, dataDir, security: options.security }),
    ]) as never,
    logger,
    handleSignals: false,
    onStopped: () => bus.close(),
  });
  return {
    port: running.app.get(BrokerService).port!,
    stop: async () => {
      await running.stop('test done');
      for (const child of children) {
        const exited = new Promise((resolve) => child.on('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
