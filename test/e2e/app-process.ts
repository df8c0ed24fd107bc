import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

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
