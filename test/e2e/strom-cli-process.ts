import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

/** `apps/strom/dist/main.js`: the CLI as `npm start` runs it (the bundle, scripts/bundle-cli.mjs). */
export const STROM_MAIN = new URL('../../apps/strom/dist/main.js', import.meta.url).pathname;

export interface StromCli {
  child: ChildProcessWithoutNullStreams;
  /** host:port of the Kafka listener, from the ready line. */
  bootstrap: string;
  /** The admin API's base URL, from the ready line. */
  admin: string;
  /** The msg of every log line so far. */
  messages: string[];
  exited: Promise<number | null>;
  /** SIGTERM (if still running) and the exit code. */
  stop(): Promise<number | null>;
}

/** `strom start` on ephemeral ports over `dataDir`, at log level info; resolves at its ready line. */
export async function startStromCli(dataDir: string, extraArgs: readonly string[] = []): Promise<StromCli> {
  const args = ['start', '--port', '0', '--admin-port', '0', '--data-dir', dataDir, '--log-level', 'info', ...extraArgs];
  const child = spawn(process.execPath, [STROM_MAIN, ...args]);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const messages: string[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const ready = await new Promise<{ kafka: string; admin: string }>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg: string; kafka?: string; admin?: string };
      messages.push(entry.msg);
      if (entry.msg.includes('ready (embedded)')) resolve({ kafka: entry.kafka!, admin: entry.admin! });
    });
    void exited.then((code) => reject(new Error(`strom exited (${code}) before it was ready: ${stderr}`)));
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  return { child, bootstrap: ready.kafka, admin: ready.admin, messages, exited, stop };
}
