import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from './generated/prisma/client.js';
import { applyMigrations, type SqlExecutor } from './migrate.js';
import { MetadataStore } from './metadata-store.js';

/** Where the metadata lives: a real Postgres, or PGlite in a directory (embedded mode). */
export type MetadataDatabase = { kind: 'postgres'; url: string } | { kind: 'pglite'; dataDir: string | 'memory' };

/**
 * Opens the metadata store: applies pending migrations, then hands back repositories over a
 * Prisma client with the matching driver adapter. `close()` releases the connection(s).
 */
export async function openMetadataStore(database: MetadataDatabase): Promise<MetadataStore> {
  if (database.kind === 'postgres') {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await applyMigrations(pgExecutor(client));
    } finally {
      await client.end();
    }
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: database.url }) });
    return new MetadataStore(prisma, async () => prisma.$disconnect());
  }
  if (database.dataDir !== 'memory') mkdirSync(database.dataDir, { recursive: true });
  const pglite = database.dataDir === 'memory' ? new PGlite() : new PGlite(database.dataDir);
  await pglite.waitReady;
  await applyMigrations(pgliteExecutor(pglite));
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  return new MetadataStore(prisma, async () => {
    await prisma.$disconnect();
    await pglite.close();
  });
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
