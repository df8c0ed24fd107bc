import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';

/** Says what the provisioning does, on stderr, so a test run shows where time goes. */
export function say(message: string): void {
  process.stderr.write(`[strom/testing] ${message}\n`);
}

/** The absolute path of `command` on PATH (or in `extraDirs`), or undefined. */
export function findExecutable(command: string, extraDirs: string[] = []): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...extraDirs];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

/** True when this process runs as root, so it may install Debian packages itself. */
export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * Makes sure `command` exists, installing Debian package `aptPackage` when we are root.
 * Idempotent: does nothing when the command is already there. A missing tool that cannot be
 * installed gives one clear error naming the command that installs it.
 */
export function ensureAptCommand(command: string, aptPackage: string, extraDirs: string[] = []): string {
  const found = findExecutable(command, extraDirs);
  if (found) return found;
  const hint = `apt-get install -y ${aptPackage}`;
  if (!isRoot() || !findExecutable('apt-get')) {
    throw new Error(`'${command}' is not installed and this process cannot install it; run: sudo ${hint}`);
  }
  say(`'${command}' is missing: running ${hint}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let result = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', aptPackage], { stdio: 'inherit', env });
  if (result.status !== 0) {
    say('apt-get install failed: running apt-get update, then trying once more');
    spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
    result = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', aptPackage], { stdio: 'inherit', env });
  }
  const installed = findExecutable(command, extraDirs);
  if (result.status !== 0 || !installed) {
    throw new Error(`could not install '${command}' (Debian package ${aptPackage}); run: ${hint}`);
  }
  return installed;
}

/** True when Debian package `name` is installed (dpkg -s says "install ok installed"). */
export function isDebPackageInstalled(name: string): boolean {
  const result = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return result.status === 0 && result.stdout.includes('install ok installed');
}

/**
 * Makes sure Debian packages (libraries, headers: things without a command to look for) are
 * installed, installing the missing ones with apt-get when we are root. Does nothing without
 * dpkg (not a Debian system: the caller's own checks then say what is missing).
 */
export function ensureAptPackages(packages: readonly string[]): void {
  if (!findExecutable('dpkg-query')) return;
  const missing = packages.filter((name) => !isDebPackageInstalled(name));
  if (missing.length === 0) return;
  const hint = `apt-get install -y ${missing.join(' ')}`;
  if (!isRoot() || !findExecutable('apt-get')) {
    throw new Error(`Debian packages ${missing.join(', ')} are not installed and this process cannot install them; run: sudo ${hint}`);
  }
  say(`Debian packages ${missing.join(', ')} are missing: running ${hint}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  let result = install();
  if (result.status !== 0) {
    say('apt-get install failed: running apt-get update, then trying once more');
    spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
    result = install();
  }
  const still = missing.filter((name) => !isDebPackageInstalled(name));
  if (result.status !== 0 || still.length > 0) {
    throw new Error(`could not install Debian packages ${still.join(', ')}; run: ${hint}`);
  }
}

/** The newest `/usr/lib/postgresql/<major>/bin`, where Debian keeps the server binaries. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  for (const major of majors) {
    const dir = join(root, major, 'bin');
    if (existsSync(join(dir, 'initdb'))) return dir;
  }
  return undefined;
}

/** A TCP port on 127.0.0.1 that was free a moment ago (the OS picked it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('could not read the ephemeral port'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

/** Runs a command to completion, throwing with its output when it fails. */
export function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): string {
  try {
    return execFileSync(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${failed.message}\n${failed.stdout ?? ''}${failed.stderr ?? ''}`, {
      cause: error,
    });
  }
}

/** Polls `probe` until it resolves true or `timeoutMs` passes. */
export async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
