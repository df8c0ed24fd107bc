/**
 * Client processes for the compatibility suite. The broker of most files runs inside the vitest
 * worker (startEmbeddedStrom), so every external client runs as an ASYNCHRONOUS child process
 * bounded by a timeout (its process group is killed when the bound passes): a synchronous spawn
 * would freeze the broker.
 */
import { spawn } from 'node:child_process';

export interface ChildHandle {
  pid: number;
  /** Resolves with the first stdout/stderr line matching, or rejects after timeoutMs. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<string>;
  /** Resolves when the process exits (never rejects). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; timedOut: boolean; stdout: string; stderr: string }>;
  kill(signal?: NodeJS.Signals): void;
  stdoutSoFar(): string;
  /** Writes to stdin (only with openStdin). */
  send(text: string): void;
}

/**
 * Spawns a child in its own process group, asynchronously. After timeoutMs the whole group is
 * SIGKILLed. Never use a synchronous spawn against the embedded broker.
 */
export function startChild(
  command: string,
  args: readonly string[],
  options: { stdin?: string; openStdin?: boolean; timeoutMs: number; env?: NodeJS.ProcessEnv; cwd?: string },
): ChildHandle {
  const child = spawn(command, args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
    env: { ...process.env, ...options.env },
    cwd: options.cwd,
  });
  let stdout = '';
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const check = (text: string): void => {
    for (const line of text.split('\n')) {
      for (const w of [...waiters]) {
        if (w.pattern.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  };
  let pendingOut = '';
  let pendingErr = '';
  // setEncoding: a StringDecoder keeps multi-byte characters split across chunks whole.
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (text: string) => {
    stdout += text;
    pendingOut += text;
    const cut = pendingOut.lastIndexOf('\n');
    if (cut >= 0) {
      check(pendingOut.slice(0, cut));
      pendingOut = pendingOut.slice(cut + 1);
    }
  });
  child.stderr.on('data', (text: string) => {
    stderr += text;
    pendingErr += text;
    const cut = pendingErr.lastIndexOf('\n');
    if (cut >= 0) {
      check(pendingErr.slice(0, cut));
      pendingErr = pendingErr.slice(cut + 1);
    }
  });
  child.stdin.on('error', () => undefined);
  if (!options.openStdin) child.stdin.end(options.stdin ?? '');
  const killGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      try {
        child.kill(signal);
      } catch {
        // gone already
      }
    }
  };
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup('SIGKILL');
  }, options.timeoutMs);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; timedOut: boolean; stdout: string; stderr: string }>(
    (resolve) => {
      child.on('error', (error) => {
        clearTimeout(timer);
        resolve({ code: -1, signal: null, timedOut, stdout, stderr: stderr + String(error) });
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        check(pendingOut);
        check(pendingErr);
        resolve({ code, signal, timedOut, stdout, stderr });
      });
    },
  );
  return {
    pid: child.pid ?? -1,
    exited,
    kill: (signal = 'SIGKILL') => killGroup(signal),
    stdoutSoFar: () => stdout,
    send: (text) => {
      if (child.stdin.writable) child.stdin.write(text);
    },
    waitFor: (pattern, timeoutMs) =>
      new Promise<string>((resolve, reject) => {
        for (const line of (stdout + '\n' + stderr).split('\n')) {
          if (pattern.test(line)) return resolve(line);
        }
        const t = setTimeout(
          () => reject(new Error(`no line matching ${pattern} after ${timeoutMs} ms; stderr: ${tail(stderr)}`)),
          timeoutMs,
        );
        const entry = {
          pattern,
          resolve: (line: string) => {
            clearTimeout(t);
            resolve(line);
          },
        };
        waiters.push(entry);
        void exited.then(() => {
          if (waiters.includes(entry)) {
            waiters.splice(waiters.indexOf(entry), 1);
            clearTimeout(t);
            reject(new Error(`exited before a line matching ${pattern}; stderr: ${tail(stderr)}`));
          }
        });
      }),
  };
}

export function tail(text: string, lines = 30): string {
  return text.split('\n').slice(-lines).join('\n');
}

/** Runs a child to completion; rejects (with its stderr) on a non-zero exit or a timeout. */
export async function runChild(
  command: string,
  args: readonly string[],
  options: { stdin?: string; timeoutMs: number; env?: NodeJS.ProcessEnv },
): Promise<{ stdout: string; stderr: string }> {
  const result = await startChild(command, args, options).exited;
  if (result.timedOut)
    throw new Error(
      `${command} ${args.join(' ')}: killed after ${options.timeoutMs} ms\n${tail(result.stderr)}\n${tail(result.stdout, 10)}`,
    );
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')}: exit ${result.code ?? result.signal}\n${tail(result.stderr)}`);
  return result;
}
