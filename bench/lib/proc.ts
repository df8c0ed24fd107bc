/**
 * bench/lib: child processes for the benchmarks. Every child runs in its own process group
 * (detached) under a timeout, so a hang ends with the whole group killed; `liveGroups` holds the
 * ones still running, for the cleanup at the end, on failure and on SIGINT/SIGTERM.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
export const RESULTS = join(REPO, 'bench', 'results');
export const MiB = 2 ** 20;
export const GiB = 2 ** 30;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  seconds: number;
}

export const liveGroups = new Set<ChildProcess>();

export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/** Scratch directories (the brokers' data dirs) that killAll removes: nothing is left behind on SIGINT. */
export const scratchDirs = new Set<string>();

/** SIGKILLs every process group still running (the broker and the clients) and removes the scratch dirs. */
export function killAll(): void {
  for (const child of liveGroups) killGroup(child, 'SIGKILL');
  for (const dir of scratchDirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort on the way out
    }
  }
}

/** Runs a command in its own process group, asynchronously, SIGKILLed (group) after timeoutMs. */
export function runBounded(
  command: string,
  args: readonly string[],
  timeoutMs: number,
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Finished> {
  const started = performance.now();
  const child = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    cwd: options.cwd ?? REPO,
    env: options.env ?? process.env,
  });
  liveGroups.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child, 'SIGKILL');
  }, timeoutMs);
  return new Promise((resolve) => {
    const done = (code: number | null, signal: NodeJS.Signals | null, extra = ''): void => {
      clearTimeout(timer);
      liveGroups.delete(child);
      // Whatever the command left behind in its group goes with it.
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // none left
        }
      }
      resolve({ code, signal, timedOut, stdout, stderr: stderr + extra, seconds: (performance.now() - started) / 1000 });
    };
    child.on('error', (error) => done(-1, null, String(error)));
    child.on('close', (code, signal) => done(code, signal));
  });
}

export function describeExit(result: Finished): string {
  if (result.timedOut) return `timed out after ${result.seconds.toFixed(0)} s (killed)`;
  return `exit code ${result.code}${result.signal ? ` signal ${result.signal}` : ''}`;
}

/** Lines of a client's stderr that look like errors (not the JVM/SLF4J noise). */
export function errorLines(stderr: string, limit = 8): string[] {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /exception|error|warn/i.test(line) && !/^SLF4J|deprecated/i.test(line) && !line.startsWith('at '));
  return [...new Set(lines)].slice(0, limit);
}

/** The last line of stdout that parses as a JSON object (the clients' report). */
export function lastJson(stdout: string): unknown {
  const line = stdout
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (line === undefined) return undefined;
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/**
 * Kills every live group at exit, on SIGINT/SIGTERM, and when the whole run passes its bound.
 * `say` reports why.
 */
export function installCleanup(say: (message: string) => void, overallTimeoutMs: number): void {
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      say(`${signal}: killing the broker and the clients`);
      killAll();
      process.exit(130);
    });
  }
  const overall = setTimeout(() => {
    say(`the whole bench passed its bound of ${(overallTimeoutMs / 60_000).toFixed(0)} min: killing everything`);
    killAll();
    process.exit(1);
  }, overallTimeoutMs);
  overall.unref();
}

// ------------------------------------------------------------------ /proc

export interface ProcSample {
  rssKiB: number;
  hwmKiB: number;
  cpuSeconds: number;
  /** Time the main thread was runnable but waiting for a CPU (/proc/<pid>/schedstat). */
  runQueueWaitSeconds: number;
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

export function readProc(pid: number): ProcSample | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised comm: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    let runQueueWaitSeconds = NaN;
    try {
      runQueueWaitSeconds = Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e9;
    } catch {
      // kernel without schedstats
    }
    return { rssKiB: kib('VmRSS'), hwmKiB: kib('VmHWM'), cpuSeconds: ticks / CLK_TCK, runQueueWaitSeconds };
  } catch {
    return undefined;
  }
}

export interface WindowCost {
  cpuSeconds: number;
  waitSeconds: number;
  wallSeconds: number;
  maxRssKiB: number;
  rssKiB: number;
  hwmKiB: number;
}

/**
 * A long-running server process (a broker) in its own process group: its output collected,
 * VmRSS sampled every 250 ms from the spawn, cost windows over /proc, SIGTERM-then-SIGKILL stop.
 */
export class ServerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  log = '';
  exited = false;
  exitInfo = '';
  /** The largest VmRSS seen since the last window() began. */
  windowMaxRssKiB = 0;
  readonly rssTimeline: { t: number; rssKiB: number }[] = [];
  private sampler: NodeJS.Timeout | undefined;
  private readonly startedAt = performance.now();

  constructor(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
    this.child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      cwd: options.cwd ?? REPO,
      env: options.env ?? process.env,
    });
    if (this.child.pid === undefined) throw new Error(`could not spawn ${command}`);
    this.pid = this.child.pid;
    liveGroups.add(this.child);
    this.child.stdout!.setEncoding('utf8').on('data', (text: string) => (this.log += text));
    this.child.stderr!.setEncoding('utf8').on('data', (text: string) => (this.log += text));
    this.child.on('exit', (code, signal) => {
      this.exited = true;
      this.exitInfo = `exit code ${code} signal ${signal}`;
      liveGroups.delete(this.child);
    });
    this.sampler = setInterval(() => {
      const sample = readProc(this.pid);
      if (sample === undefined) return;
      this.windowMaxRssKiB = Math.max(this.windowMaxRssKiB, sample.rssKiB);
      this.rssTimeline.push({ t: Math.round(performance.now() - this.startedAt) / 1000, rssKiB: sample.rssKiB });
    }, 250);
    this.sampler.unref();
  }

  sample(): ProcSample | undefined {
    return readProc(this.pid);
  }

  /** Starts a measurement window; returns a function that closes it with the process's cost. */
  window(): () => WindowCost {
    const before = this.sample();
    const started = performance.now();
    this.windowMaxRssKiB = before?.rssKiB ?? 0;
    return () => {
      const after = this.sample();
      return {
        cpuSeconds: (after?.cpuSeconds ?? NaN) - (before?.cpuSeconds ?? NaN),
        waitSeconds: (after?.runQueueWaitSeconds ?? NaN) - (before?.runQueueWaitSeconds ?? NaN),
        wallSeconds: (performance.now() - started) / 1000,
        maxRssKiB: Math.max(this.windowMaxRssKiB, after?.rssKiB ?? 0),
        rssKiB: after?.rssKiB ?? NaN,
        hwmKiB: after?.hwmKiB ?? NaN,
      };
    };
  }

  /**
   * Waits until the process has been quiet (under `maxShare` of a core, sampled every 500 ms)
   * for `quietMs`, at most `timeoutMs`; returns the seconds it took. A broker answers
   * CreateTopics, and describes every partition as led, before it has made each log: a thousand
   * partitions take seconds more, and a step measured meanwhile would share the CPU with that.
   */
  async settle(maxShare = 0.1, quietMs = 1500, timeoutMs = 120_000): Promise<number> {
    const started = performance.now();
    let last = this.sample()?.cpuSeconds ?? 0;
    let quietSince = performance.now();
    while (performance.now() - started < timeoutMs && !this.exited) {
      await sleep(500);
      const now = this.sample()?.cpuSeconds ?? last;
      if (now - last > maxShare * 0.5) quietSince = performance.now();
      last = now;
      if (performance.now() - quietSince >= quietMs) break;
    }
    return (performance.now() - started) / 1000;
  }

  /** SIGTERM (graceful), then SIGKILL of the whole group after graceMs. */
  async stop(graceMs = 15_000): Promise<string> {
    if (this.sampler) clearInterval(this.sampler);
    if (this.exited) return `already exited (${this.exitInfo})`;
    const started = performance.now();
    killGroup(this.child, 'SIGTERM');
    while (!this.exited && performance.now() - started < graceMs) await sleep(100);
    if (!this.exited) {
      killGroup(this.child, 'SIGKILL');
      while (!this.exited && performance.now() - started < graceMs + 5000) await sleep(100);
      return `did not stop within ${graceMs} ms of SIGTERM: SIGKILLed`;
    }
    return `stopped in ${((performance.now() - started) / 1000).toFixed(1)} s (${this.exitInfo})`;
  }
}
