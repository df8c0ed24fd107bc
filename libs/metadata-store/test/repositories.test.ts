import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, inject } from 'vitest';
import { openMetadataStore, openMetadataStoreInWorker } from '../src/index.js';
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

repositoryContract('a real Postgres', async () => openMetadataStore({ kind: 'postgres', url: await freshPostgresDatabase() }));

const pgliteDir = mkdtempSync(join(tmpdir(), 'strom-pglite-'));
afterAll(() => rmSync(pgliteDir, { recursive: true, force: true }));
repositoryContract('PGlite in a data dir', async () => openMetadataStore({ kind: 'pglite', dataDir: pgliteDir }));

const workerDir = mkdtempSync(join(tmpdir(), 'strom-pglite-worker-'));
afterAll(() => rmSync(workerDir, { recursive: true, force: true }));
repositoryContract('PGlite on a worker thread', async () => openMetadataStoreInWorker({ kind: 'pglite', dataDir: workerDir }));

replicationContract('a real Postgres', async () => openMetadataStore({ kind: 'postgres', url: await freshPostgresDatabase() }));
replicationContract('PGlite in memory', async () => openMetadataStore({ kind: 'pglite', dataDir: 'memory' }));
replicationContract('PGlite on a worker thread', async () => openMetadataStoreInWorker({ kind: 'pglite', dataDir: 'memory' }));
