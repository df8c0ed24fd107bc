import { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import { applyMigrations, readMigrations, type SqlExecutor } from '../src/index.js';

function executor(db: PGlite): SqlExecutor {
  return {
    exec: async (sql) => void (await db.exec(sql)),
    query: async <Row>(sql: string, params: unknown[] = []) => (await db.query<Row>(sql, params)).rows,
  };
}

describe('migrations', () => {
  it('are read in order from prisma/migrations with sha256 checksums', () => {
    const migrations = readMigrations();
    expect(migrations.length).toBeGreaterThan(0);
    expect(migrations.map((m) => m.name)).toEqual([...migrations.map((m) => m.name)].sort());
    for (const migration of migrations) expect(migration.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it('apply once, record themselves as Prisma does, and are skipped the second time', async () => {
    const db = new PGlite();
    const applied = await applyMigrations(executor(db));
    expect(applied).toEqual(readMigrations().map((m) => m.name));
    expect(await applyMigrations(executor(db))).toEqual([]);
    const rows = (await db.query<{ migration_name: string; applied_steps_count: number; finished_at: Date | null }>('SELECT * FROM "_prisma_migrations"')).rows;
    expect(rows.map((row) => row.migration_name)).toEqual(applied);
    expect(rows.every((row) => row.finished_at !== null && row.applied_steps_count === 1)).toBe(true);
    await db.close();
  });

  it('refuse a migration that changed after it was applied', async () => {
    const db = new PGlite();
    const migrations = readMigrations();
    await applyMigrations(executor(db), migrations);
    const edited = migrations.map((m, i) => (i === 0 ? { ...m, checksum: '0'.repeat(64) } : m));
    await expect(applyMigrations(executor(db), edited)).rejects.toThrow(/changed after it was applied/);
    await db.close();
  });

  it('roll back a failing migration and record nothing', async () => {
    const db = new PGlite();
    await expect(applyMigrations(executor(db), [{ name: '1_bad', sql: 'CREATE TABLE t (x int); SELECT nope;', checksum: 'x'.repeat(64) }])).rejects.toThrow(/1_bad failed/);
    expect((await db.query('SELECT * FROM "_prisma_migrations"')).rows).toEqual([]);
    expect((await db.query(`SELECT to_regclass('t') AS t`)).rows).toEqual([{ t: null }]);
    await db.close();
  });
});
