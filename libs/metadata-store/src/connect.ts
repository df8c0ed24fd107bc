import { openJournalStore } from './journal/open.js';
import type { MetadataStore } from './model.js';

/**
 * Where the metadata lives: a real Postgres (distributed mode), the journal store in a data dir
 * (embedded mode; see journal/journal.ts), or PGlite in a directory (what embedded mode used
 * before, still read once to import it).
 */
export type MetadataDatabase =
  { kind: 'postgres'; url: string } | { kind: 'journal'; dataDir: string | 'memory' } | { kind: 'pglite'; dataDir: string | 'memory' };

/**
 * Opens the metadata store. Prisma, pg and PGlite are loaded only when a store over them is
 * opened: embedded mode, on the journal store, never loads them.
 * `close()` releases what the store holds.
 */
export async function openMetadataStore(database: MetadataDatabase): Promise<MetadataStore> {
  if (database.kind === 'journal') return (await openJournalStore(database.dataDir)).store;
  const { openPrismaStore } = await import('./prisma/open.js');
  return openPrismaStore(database);
}
