import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Runs SQL on one connection; both `pg` and PGlite fit behind it. */
export interface SqlExecutor {
  /** Runs a script that may hold several statements, without parameters. */
  exec(sql: string): Promise<void>;
  /** Runs one statement with `$1`-style parameters and returns its rows. */
  query<Row>(sql: string, params?: unknown[]): Promise<Row[]>;
}

/** A migration as Prisma lays it out: `prisma/migrations/<timestamp>_<name>/migration.sql`. */
export interface Migration {
  name: string;
  sql: string;
  /** SHA-256 of the file, hex, as Prisma records it in `_prisma_migrations.checksum`. */
  checksum: string;
}

/** The repository's `prisma/migrations`, found from this module's place in the tree. */
export const defaultMigrationsDir = fileURLToPath(new URL('../../../prisma/migrations/', import.meta.url));

/** Prisma's own advisory lock key, so our runner and `prisma migrate deploy` exclude each other. */
const prismaAdvisoryLockKey = 72707369;

export function readMigrations(dir: string = defaultMigrationsDir): Migration[] {
  if (!existsSync(dir)) throw new Error(`migrations directory not found: ${dir}`);
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

/**
 * Applies the migrations that are not yet applied, in order, each in its own transaction, and
 * records them in `_prisma_migrations` exactly as `prisma migrate deploy` does (same table,
 * same checksum), so Prisma's own tooling sees the same history. We run them ourselves because
 * the Prisma CLI's schema engine is a native binary it downloads at run time, which machines
 * without internet cannot do; the embedded mode (PGlite) needs this at every start anyway.
 * Returns the names of the migrations applied now.
 */
export async function applyMigrations(db: SqlExecutor, migrations: Migration[] = readMigrations()): Promise<string[]> {
  await db.exec(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"            VARCHAR(64) NOT NULL,
    "finished_at"         TIMESTAMPTZ,
    "migration_name"      VARCHAR(255) NOT NULL,
    "logs"                TEXT,
    "rolled_back_at"      TIMESTAMPTZ,
    "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0
  )`);
  await db.query('SELECT pg_advisory_lock($1)', [prismaAdvisoryLockKey]);
  try {
    const rows = await db.query<{ migration_name: string; checksum: string; finished_at: unknown }>(
      'SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL',
    );
    const applied = new Map(rows.map((row) => [row.migration_name, row]));
    const appliedNow: string[] = [];
    for (const migration of migrations) {
      const previous = applied.get(migration.name);
      if (previous) {
        if (previous.finished_at === null) {
          throw new Error(`migration ${migration.name} started but did not finish earlier; resolve it by hand`);
        }
        if (previous.checksum !== migration.checksum) {
          throw new Error(`migration ${migration.name} was changed after it was applied (checksum differs)`);
        }
        continue;
      }
      await db.exec('BEGIN');
      try {
        await db.exec(migration.sql);
        await db.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
           VALUES ($1, $2, $3, now(), now(), 1)`,
          [randomUUID(), migration.checksum, migration.name],
        );
        await db.exec('COMMIT');
      } catch (error) {
        await db.exec('ROLLBACK');
        throw new Error(`migration ${migration.name} failed: ${(error as Error).message}`, { cause: error });
      }
      appliedNow.push(migration.name);
    }
    return appliedNow;
  } finally {
    await db.query('SELECT pg_advisory_unlock($1)', [prismaAdvisoryLockKey]);
  }
}
