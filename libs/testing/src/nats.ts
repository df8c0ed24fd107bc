/**
 * A real nats-server for tests: one throwaway process per call, on a free port of 127.0.0.1,
 * with JetStream storage in a fresh temp dir that stop() removes.
 *
 * The binary comes from the Debian package `nats-server` (`apt-get install -y nats-server`).
 * If it is missing and we are root with apt-get available, it is installed (once per process);
 * otherwise startNatsServer() throws an Error naming the install command.
 *
 * Leftover processes: Node cannot make a child die with its parent portably. stop() is
 * idempotent and is also run on the process 'exit' event (synchronously: SIGKILL + rm);
 * the child stays in our process group, so a terminal Ctrl-C reaches it too. A SIGKILL of
 * the test process itself can still leak a server: kill it by the `pid` on the handle (also
 * printed in startup error messages).
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findExecutable, freePort, isRoot, say } from './tools.js';

export interface StartNatsServerOptions {
  /** The address it listens on and its url names. Default 127.0.0.1 (a test network's bridge address, say). */
  host?: string;
  /** Enable JetStream (`-js -sd <tempdir>`). Default true. */
  jetStream?: boolean;
  /** How long to wait for the server to accept TCP connections. Default 15 000 ms. */
  startTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL. Default 5 000 ms. */
  stopTimeoutMs?: number;
}

export interface NatsServerHandle {
  /** `nats://<host>:<port>` */
  url: string;
  port: number;
  /** Process id of the nats-server child. */
  pid: number;
  /** JetStream storage dir (removed by stop()). */
  storeDir: string;
  /** SIGTERM, wait for exit (bounded, then SIGKILL), remove the storage dir. Idempotent. */
  stop(): Promise<void>;
}

const DEFAULT_START_TIMEOUT_MS = 15_000;
const DEFAULT_STOP_TIMEOUT_MS = 5_000;
const KILL_WAIT_MS = 2_000;
const INSTALL_TIMEOUT_MS = 300_000;
const PORT_ATTEMPTS = 4;
const POLL_INTERVAL_MS = 50;
const CONNECT_PROBE_TIMEOUT_MS = 1_000;
const LOG_TAIL_BYTES = 8_192;
const INSTALL_HINT = 'apt-get install -y nats-server';

/** Resolve the nats-server binary, installing it with apt-get when possible. */
export async function ensureNatsServerBinary(): Promise<string> {
  const found = findExecutable('nats-server', ['/usr/sbin', '/usr/bin', '/usr/local/bin']);
  if (found) return found;
  installing ??= installNatsServer().finally(() => {
    installing = undefined;
  });
  await installing;
  const installed = findExecutable('nats-server', ['/usr/sbin', '/usr/bin', '/usr/local/bin']);
  if (!installed) {
    throw new Error(`nats-server is still not on PATH after installation; run: ${INSTALL_HINT}`);
  }
  return installed;
}

let installing: Promise<void> | undefined;

async function installNatsServer(): Promise<void> {
  const aptGet = findExecutable('apt-get', []);
  const root = isRoot();
  if (!aptGet || !root) {
    throw new Error(`nats-server is not installed (not found on PATH). Install it with: ${INSTALL_HINT}` + (root ? '' : ' (as root)'));
  }
  const install = [aptGet, '-o', 'DPkg::Lock::Timeout=120', 'install', '-y', 'nats-server'];
  try {
    await runLogged(install);
  } catch (first) {
    say(`install failed (${String(first)}); running apt-get update and retrying once`);
    await runLogged([aptGet, 'update']);
    await runLogged(install);
  }
}

function runLogged(argv: string[]): Promise<void> {
  const [cmd, ...args] = argv as [string, ...string[]];
  say(`nats-server missing; running: ${argv.join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    child.stdout?.on('data', (d: Buffer) => process.stderr.write(d));
    child.stderr?.on('data', (d: Buffer) => process.stderr.write(d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${argv.join(' ')} timed out after ${INSTALL_TIMEOUT_MS} ms`));
    }, INSTALL_TIMEOUT_MS);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${argv.join(' ')} exited with ${code ?? signal}`));
    });
  });
}

/** Start a throwaway nats-server; see the module comment. */
export async function startNatsServer(options: StartNatsServerOptions = {}): Promise<NatsServerHandle> {
  const binary = await ensureNatsServerBinary();
  const jetStream = options.jetStream ?? true;
  const startTimeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  const stopTimeoutMs = options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;

  let lastError: Error | undefined;
  for (let attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
    const port = await freePort();
    const storeDir = await mkdtemp(join(tmpdir(), 'strom-nats-'));
    try {
      return await launch(binary, options.host ?? '127.0.0.1', port, storeDir, jetStream, startTimeoutMs, stopTimeoutMs);
    } catch (err) {
      await rm(storeDir, { recursive: true, force: true });
      lastError = err as Error;
      if (!(err instanceof PortInUseError)) throw err;
    }
  }
  throw new Error(`nats-server could not bind a free port after ${PORT_ATTEMPTS} attempts`, { cause: lastError });
}

class PortInUseError extends Error {}

/** One 'exit' listener for all servers of this process (avoids MaxListenersExceeded warnings). */
const exitCleanups = new Set<() => void>();
let exitListenerInstalled = false;

function registerExitCleanup(cleanup: () => void): void {
  exitCleanups.add(cleanup);
  if (exitListenerInstalled) return;
  exitListenerInstalled = true;
  process.once('exit', () => {
    for (const fn of exitCleanups) {
      try {
        fn();
      } catch {
        // best effort at exit
      }
    }
  });
}

async function launch(
  binary: string,
  host: string,
  port: number,
  storeDir: string,
  jetStream: boolean,
  startTimeoutMs: number,
  stopTimeoutMs: number,
): Promise<NatsServerHandle> {
  const args = ['-a', host, '-p', String(port)];
  if (jetStream) args.push('-js', '-sd', storeDir);
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const collect = (d: Buffer) => {
    log = (log + d.toString('utf8')).slice(-LOG_TAIL_BYTES);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  let exited = false;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
  });
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));

  const killSync = () => {
    if (!exited) child.kill('SIGKILL');
    rmSync(storeDir, { recursive: true, force: true });
  };
  registerExitCleanup(killSync);

  const describe = () => `nats-server (pid ${child.pid ?? '?'}, port ${port}); log tail:\n${log.trim()}`;

  try {
    await waitUntilReady(host, port, startTimeoutMs, () => exited, spawnError);
  } catch (err) {
    child.kill('SIGKILL');
    await Promise.race([exitPromise, sleep(KILL_WAIT_MS)]);
    exitCleanups.delete(killSync);
    if (/address already in use/i.test(log)) throw new PortInUseError(`port ${port} in use`);
    throw new Error(`${(err as Error).message}: ${describe()}`, { cause: err });
  }

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (!exited) {
        child.kill('SIGTERM');
        await Promise.race([exitPromise, sleep(stopTimeoutMs)]);
        if (!exited) {
          child.kill('SIGKILL');
          await Promise.race([exitPromise, sleep(KILL_WAIT_MS)]);
        }
      }
      exitCleanups.delete(killSync);
      await rm(storeDir, { recursive: true, force: true });
    })());

  return { url: `nats://${host}:${port}`, port, pid: child.pid ?? -1, storeDir, stop };
}

async function waitUntilReady(
  host: string,
  port: number,
  timeoutMs: number,
  hasExited: () => boolean,
  spawnError: Promise<Error>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let failure: Error | undefined;
  void spawnError.then((e) => (failure = e));
  while (Date.now() < deadline) {
    if (failure) throw new Error(`could not spawn nats-server: ${failure.message}`);
    if (hasExited()) throw new Error('nats-server exited during startup');
    if (await probe(host, port)) return;
    await sleep(POLL_INTERVAL_MS);
  }
  throw new Error(`nats-server did not accept connections within ${timeoutMs} ms`);
}

/** True if something on the port speaks NATS (sends an INFO line on connect). */
function probe(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect({ host, port });
    let buffered = '';
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), CONNECT_PROBE_TIMEOUT_MS);
    socket.once('error', () => done(false));
    socket.on('data', (d: Buffer) => {
      buffered += d.toString('latin1');
      if (buffered.length >= 5) done(buffered.startsWith('INFO '));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
