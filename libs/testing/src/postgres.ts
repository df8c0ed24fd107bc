import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureAptCommand, freePort, isRoot, postgresBinDir, run, say } from './tools.js';

export interface PostgresServer {
  /** A connection URL for the `postgres` superuser's `postgres` database. */
  readonly url: string;
  readonly port: number;
  /** A URL for another database on the same server. */
  urlFor(database: string): string;
  stop(): Promise<void>;
}

const startTimeoutSeconds = 30;

/**
 * Starts a throwaway PostgreSQL server from Debian's `postgresql` package: `initdb` in a temp
 * dir (trust auth, loopback only), `pg_ctl start` on an ephemeral port. As root, the server runs
 * as the `postgres` user, since PostgreSQL refuses to run as root.
 */
export async function startPostgres(settings: { dir?: string } = {}): Promise<PostgresServer> {
  const binDir = postgresBinDir();
  if (!binDir) ensureAptCommand('pg_ctl', 'postgresql', []);
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql; run: apt-get install -y postgresql');

  // A kept directory (`npm run cluster`) is initialised once and durable; a throwaway one is neither.
  const kept = settings.dir !== undefined;
  const root = settings.dir ?? mkdtempSync(join(tmpdir(), 'strom-pg-'));
  mkdirSync(root, { recursive: true });
  const dataDir = join(root, 'data');
  const asServerUser = isRoot();
  if (asServerUser) chownSync(root, postgresUid(), postgresGid());
  const asUser = (command: string, args: string[]): [string, string[]] =>
    asServerUser ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];

  const port = await freePort();
  say(`starting PostgreSQL (${bin}) on 127.0.0.1:${port} in ${root}`);
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    run(
      ...asUser(join(bin, 'initdb'), [
        '-D',
        dataDir,
        '-U',
        'postgres',
        '-A',
        'trust',
        '-E',
        'UTF8',
        ...(kept ? [] : ['--no-sync']),
        '--locale=C',
      ]),
    );
  }
  const options = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 ${kept ? '' : '-c fsync=off '}-c max_connections=200`;
  run(
    ...asUser(join(bin, 'pg_ctl'), [
      'start',
      '-D',
      dataDir,
      '-o',
      options,
      '-l',
      join(root, 'server.log'),
      '-w',
      '-t',
      String(startTimeoutSeconds),
    ]),
  );

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.off('exit', stopSync);
    const [command, args] = asUser(join(bin, 'pg_ctl'), ['stop', '-D', dataDir, '-m', kept ? 'fast' : 'immediate', '-w']);
    spawnSync(command, args, { stdio: 'ignore' });
    if (!kept) rmSync(root, { recursive: true, force: true });
  };
  const stopSync = (): void => void stop();
  process.on('exit', stopSync);

  const urlFor = (database: string): string => `postgresql://postgres@127.0.0.1:${port}/${database}`;
  return { url: urlFor('postgres'), port, urlFor, stop };
}

function postgresUid(): number {
  return Number(run('id', ['-u', 'postgres']).trim());
}

function postgresGid(): number {
  return Number(run('id', ['-g', 'postgres']).trim());
}
