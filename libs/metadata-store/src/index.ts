export { openMetadataStore, type MetadataDatabase } from './connect.js';
export { openJournalStore, PGLITE_DIR, PGLITE_IMPORTED_DIR, type OpenedJournalStore } from './journal/open.js';
export type { JournalRecovery } from './journal/journal.js';
export { applyMigrations, readMigrations, defaultMigrationsDir, type Migration, type SqlExecutor } from './migrate.js';
export { MetadataError } from './errors.js';
export type * from './model.js';
