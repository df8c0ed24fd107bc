import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '../generated/prisma/client.js';
import { applyMigrations, type SqlExecutor } from '../migrate.js';
import { PrismaMetadataStore } from './prisma-metadata-store.js';

/**
 * Opens the store over a real Postgres or PGlite: applies pending migrations, then hands back
 * repositories over a Prisma client with the matching driver adapter. `close()` releases the
 * connection(s).
 */
export async function openPrismaStore(
  database: { kind: 'postgres'; url: string } | { kind: 'pglite'; dataDir: string | 'memory' },
): Promise<PrismaMetadataStore> {
  if (database.kind === 'postgres') {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await applyMigrations(pgExecutor(client));
    } finally {
      await client.end();
    }
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: database.url }) });
    return new PrismaMetadataStore(prisma, async () => prisma.$disconnect());
  }
  const pglite = await openPglite(database.dataDir);
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  return new PrismaMetadataStore(prisma, async () => {
    await prisma.$disconnect();
    await pglite.close();
  });
}

/** PGlite in `dataDir` (made if missing) or in memory, migrated. */
export async function openPglite(dataDir: string | 'memory'): Promise<PGlite> {
  if (dataDir !== 'memory') mkdirSync(dataDir, { recursive: true });
  const pglite = dataDir === 'memory' ? new PGlite() : new PGlite(dataDir);
  await pglite.waitReady;
  await applyMigrations(pgliteExecutor(pglite));
  return pglite;
}

function pgExecutor(client: pg.Client): SqlExecutor {
  return {
    exec: async (sql) => void (await client.query(sql)),
    query: async <Row>(sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows as Row[],
  };
}

function pgliteExecutor(db: PGlite): SqlExecutor {
  return {
    exec: async (sql) => void (await db.exec(sql)),
    query: async <Row>(sql: string, params: unknown[] = []) => (await db.query<Row>(sql, params)).rows,
  };
}
