import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openMetadataStore, openMetadataStoreInWorker, type MetadataStore } from '@strom/metadata-store';
import pg from 'pg';
import { afterAll, inject } from 'vitest';
import { InMemoryGroupStore } from '../src/groups/index.js';
import { MetadataGroupStore } from '../src/metadata-group-store.js';
import { groupStoreContract, type OpenedGroupStore } from './group-store-contract.js';

async function freshPostgresDatabase(): Promise<string> {
  const name = `strom_groups_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: inject('postgresUrl') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return inject('postgresUrl').replace(/\/postgres$/, `/${name}`);
}

function overMetadataStore(metadataStore: MetadataStore): OpenedGroupStore {
  return { store: new MetadataGroupStore(metadataStore), close: () => metadataStore.close() };
}

groupStoreContract('InMemoryGroupStore', async () => ({ store: new InMemoryGroupStore(), close: async () => {} }));

groupStoreContract('MetadataGroupStore on a real Postgres', async () =>
  overMetadataStore(await openMetadataStore({ kind: 'postgres', url: await freshPostgresDatabase() })),
);

const pgliteDir = mkdtempSync(join(tmpdir(), 'strom-groups-pglite-'));
afterAll(() => rmSync(pgliteDir, { recursive: true, force: true }));
groupStoreContract('MetadataGroupStore on PGlite in a data dir', async () =>
  overMetadataStore(await openMetadataStore({ kind: 'pglite', dataDir: pgliteDir })),
);

// How embedded Strom runs it (apps/strom/src/embedded.ts).
const workerDir = mkdtempSync(join(tmpdir(), 'strom-groups-pglite-worker-'));
afterAll(() => rmSync(workerDir, { recursive: true, force: true }));
groupStoreContract('MetadataGroupStore on PGlite on a worker thread', async () =>
  overMetadataStore(await openMetadataStoreInWorker({ kind: 'pglite', dataDir: workerDir })),
);
