/**
 * `strom start` as a child process on ephemeral ports, for the scripts that run a client
 * library's own test suite against it (franz-go/run.mjs, librdkafka/run.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** Strom did not come up: a setup error of the script, not a test failure. */
export class StromStartError extends Error {}

export interface StromProcess {
  /** host:port of the Kafka listener, from the "ready (embedded)" line. */
  bootstrap: string;
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, SIGKILL after 15 s; closes the log. Idempotent. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 90_000;
const STOP_GRACE_MS = 15_000;

/**
 * Starts `apps/strom/dist/main.js start --port 0 --admin-port 0 --data-dir <dataDir>` with
 * `extraArgs`, stderr and stdout into `logFile`; resolves once its "ready" line names the Kafka port.
 */
export async function startStromProcess(options: {
  repo: string;
  dataDir: string;
  logFile: string;
  extraArgs?: readonly string[];
}): Promise<StromProcess> {
  const main = join(options.repo, 'apps', 'strom', 'dist', 'main.js');
  if (!existsSync(main)) throw new StromStartError(`${main} is missing: build the repo first`);
  const args = [main, 'start', '--port', '0', '--admin-port', '0', '--data-dir', options.dataDir, ...(options.extraArgs ?? [])];
  const child = spawn(process.execPath, args, { cwd: options.repo, stdio: ['ignore', 'pipe', 'pipe'] });
  const logStream = createWriteStream(options.logFile);
  child.stderr.pipe(logStream, { end: false });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        await exited;
        clearTimeout(killer);
      }
      await new Promise<void>((resolve) => logStream.end(resolve));
    })());
  try {
    const bootstrap = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new StromStartError(`Strom did not report ready within ${READY_TIMEOUT_MS / 1000} s (log: ${options.logFile})`)),
        READY_TIMEOUT_MS,
      );
      void exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new StromStartError(`Strom exited (code ${code}, signal ${signal}) before it was ready (log: ${options.logFile})`));
      });
      createInterface({ input: child.stdout }).on('line', (line) => {
        logStream.write(`${line}\n`);
        if (!line.includes('ready (embedded)')) return;
        try {
          const { kafka } = JSON.parse(line) as { kafka?: string };
          if (kafka) {
            clearTimeout(timer);
            resolve(kafka);
          }
        } catch {
          // not a JSON log line
        }
      });
    });
    return { bootstrap, child, exited, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
