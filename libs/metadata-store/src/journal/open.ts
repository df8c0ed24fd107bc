import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { JOURNAL_FILE, MetadataJournal, SNAPSHOT_FILE, writeSnapshot, type JournalRecovery } from './journal.js';
import { JournalMetadataStore, NO_CHANGE_LOG } from './journal-store.js';
import { MetadataTables } from './tables.js';

/** Where embedded Strom kept its metadata before the journal store: PGlite's data directory. */
export const PGLITE_DIR = 'metadata';
/** What that directory is renamed to once its contents are in the journal store. */
export const PGLITE_IMPORTED_DIR = 'metadata.pglite-imported';

export interface OpenedJournalStore {
  store: JournalMetadataStore;
  recovery: JournalRecovery;
  /** Whether the PGlite store of an older version was imported now. */
  importedPglite: boolean;
}

/**
 * Opens the journal store in `dataDir` (metadata.snapshot and metadata.journal, made if missing),
 * or one in memory only. A data dir of an older embedded Strom holds PGlite under `metadata/`:
 * with no journal store files yet, its rows are imported once (the only time PGlite is loaded),
 * written as the first snapshot, and the directory renamed to `metadata.pglite-imported`.
 */
export async function openJournalStore(dataDir: string | 'memory'): Promise<OpenedJournalStore> {
  const tables = new MetadataTables();
  if (dataDir === 'memory') {
    return {
      store: new JournalMetadataStore(tables, NO_CHANGE_LOG),
      recovery: { replayedChanges: 0, truncatedBytes: 0 },
      importedPglite: false,
    };
  }
  mkdirSync(dataDir, { recursive: true });
  const importedPglite = await importPgliteOnce(dataDir);
  const { journal, recovery } = await MetadataJournal.open(dataDir, tables);
  return { store: new JournalMetadataStore(tables, journal), recovery, importedPglite };
}

async function importPgliteOnce(dataDir: string): Promise<boolean> {
  const pgliteDir = join(dataDir, PGLITE_DIR);
  if (!existsSync(join(pgliteDir, 'PG_VERSION'))) return false;
  const journalStoreExists = existsSync(join(dataDir, SNAPSHOT_FILE)) || existsSync(join(dataDir, JOURNAL_FILE));
  if (!journalStoreExists) {
    const { readPgliteTables } = await import('./pglite-import.js');
    writeSnapshot(dataDir, await readPgliteTables(pgliteDir));
  }
  // Also after a crash between the snapshot and the rename: the snapshot holds the import.
  renameSync(pgliteDir, join(dataDir, PGLITE_IMPORTED_DIR));
  return !journalStoreExists;
}
