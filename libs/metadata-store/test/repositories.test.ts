import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, inject } from 'vitest';
import { openMetadataStore } from '../src/index.js';
import { replicationContract } from './replication-contract.js';
import { repositoryContract } from './repository-contract.js';

let databases = 0;
async function freshPostgresDatabase(): Promise<string> {
  const name = `strom_${process.pid}_${Date.now()}_${databases++}`;
  const admin = new pg.Client({ connectionString: inject('postgresUrl') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return inject('postgresUrl').replace(/\/postgres$/, `/${name}`);
}

function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

repositoryContract('a real Postgres', async () => openMetadataStore({ kind: 'postgres', url: await freshPostgresDatabase() }));
repositoryContract('PGlite in a data dir', async () => openMetadataStore({ kind: 'pglite', dataDir: scratchDir('strom-pglite-') }));
repositoryContract('the journal store in a data dir', async () =>
  openMetadataStore({ kind: 'journal', dataDir: scratchDir('strom-journal-') }),
);
repositoryContract('the journal store in memory', async () => openMetadataStore({ kind: 'journal', dataDir: 'memory' }));

replicationContract('a real Postgres', async () => openMetadataStore({ kind: 'postgres', url: await freshPostgresDatabase() }));
replicationContract('PGlite in memory', async () => openMetadataStore({ kind: 'pglite', dataDir: 'memory' }));
replicationContract('the journal store in a data dir', async () =>
  openMetadataStore({ kind: 'journal', dataDir: scratchDir('strom-journal-replication-') }),
);
