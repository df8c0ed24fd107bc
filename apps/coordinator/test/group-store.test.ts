import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openMetadataStore, type MetadataStore } from '@strom/metadata-store';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { MetadataGroupStore } from '../src/metadata-group-store.js';
import { groupStoreContract, type OpenedGroupStore } from './group-store-contract.js';
import { InMemoryGroupStore } from './memory-group-store.js';

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
const journalDir = mkdtempSync(join(tmpdir(), 'strom-groups-journal-'));
afterAll(() => rmSync(journalDir, { recursive: true, force: true }));
groupStoreContract('MetadataGroupStore on the journal store in a data dir', async () =>
  overMetadataStore(await openMetadataStore({ kind: 'journal', dataDir: journalDir })),
);

describe('MetadataGroupStore on the journal store', () => {
  it('keeps commit metadata and member fields with a NUL byte across a reopen (Postgres cannot store them)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'strom-groups-nul-'));
    try {
      const offset = {
        topic: 'orders',
        partition: 0,
        offset: 7n,
        leaderEpoch: 2,
        metadata: 'before\u0000after',
        commitTimestampMs: 1_700_000_000_000,
        expireTimestampMs: null,
      };
      const written = await openMetadataStore({ kind: 'journal', dataDir });
      const first = new MetadataGroupStore(written);
      await first.commitOffsets('group\u0000nul', [offset]);
      await first.saveGroup({
        groupId: 'group\u0000nul',
        protocolType: 'consumer',
        generationId: 1,
        protocolName: 'range',
        leader: 'm\u00001',
        currentStateTimestampMs: 1,
        members: [],
      });
      await written.close();
      const reopened = await openMetadataStore({ kind: 'journal', dataDir });
      try {
        const second = new MetadataGroupStore(reopened);
        expect(await second.fetchOffsets('group\u0000nul')).toEqual([offset]);
        expect((await second.loadGroups())[0]).toMatchObject({ groupId: 'group\u0000nul', leader: 'm\u00001' });
      } finally {
        await reopened.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
