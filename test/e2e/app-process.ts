import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { inject } from 'vitest';

export const mainOf = (app: string): string => new URL(`../../apps/${app}/dist/main.js`, import.meta.url).pathname;

export interface AppProcess {
  child: ChildProcessWithoutNullStreams;
  exited: Promise<number | null>;
  /** The JSON log lines written so far. */
  lines: { msg: string; [field: string]: unknown }[];
}

/** The environment without STROM_* and DATABASE_URL: a test decides what each app reads. */
export function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('STROM_') && name !== 'DATABASE_URL'));
}

/**
 * Starts an app's own entry point (distributed mode); resolves once it logs `<app> ready`.
 * `prefix` runs it through a command that execs it, as `ip netns exec <namespace>`.
 */
export async function startApp(app: string, env: Record<string, string>, args: string[] = [], prefix: string[] = []): Promise<AppProcess> {
  const [command, ...commandArgs] = [...prefix, process.execPath, mainOf(app), ...args] as [string, ...string[]];
  const child = spawn(command, commandArgs, { env: { ...cleanEnv(), ...env, STROM_LOG_LEVEL: 'info' }, stdio: 'pipe' });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const lines: AppProcess['lines'] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const entry = JSON.parse(line) as AppProcess['lines'][number];
      lines.push(entry);
      if (entry.msg === `${app} ready`) resolve();
    });
    void exited.then((code) => reject(new Error(`${app} exited (${code}) before it was ready: ${stderr}`)));
  });
  return { child, exited, lines };
}

/** A fresh database on the tests' Postgres (one a previous run left is dropped first); its URL. */
export async function freshDatabase(name: string, postgresUrl: string = inject('postgresUrl')): Promise<string> {
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return postgresUrl.replace(/\/postgres$/, `/${name}`);
}

/** The port a broker's first listener bound (it logs `Kafka listener ready` per listener). */
export function listenerPort(app: AppProcess): number {
  const port = app.lines.find((line) => line.msg === 'Kafka listener ready')?.port;
  if (typeof port !== 'number') throw new Error('the broker logged no Kafka listener');
  return port;
}
