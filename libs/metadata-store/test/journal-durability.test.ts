import { mkdtempSync, rmSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openMetadataStore } from '../src/index.js';
import { MetadataJournal } from '../src/journal/journal.js';
import { JournalMetadataStore } from '../src/journal/journal-store.js';
import { MetadataTables } from '../src/journal/tables.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A store on a journal whose fdatasyncs each wait for the test to let them run. */
async function storeWithHeldSyncs(): Promise<{
  store: JournalMetadataStore;
  dataDir: string;
  syncs: { started: number; release: () => void };
}> {
  const dataDir = mkdtempSync(join(tmpdir(), 'strom-journal-durability-'));
  dirs.push(dataDir);
  const tables = new MetadataTables();
  const { journal } = await MetadataJournal.open(dataDir, tables);
  const store = new JournalMetadataStore(tables, journal);
  await store.clusterId();
  const handle = (journal as unknown as { handle: FileHandle }).handle;
  const datasync = handle.datasync.bind(handle);
  const held: (() => void)[] = [];
  const syncs = {
    started: 0,
    /** Lets the oldest held fdatasync run. */
    release: () => held.shift()!(),
  };
  handle.datasync = async () => {
    syncs.started++;
    await new Promise<void>((resolve) => held.push(resolve));
    return datasync();
  };
  return { store, dataDir, syncs };
}

function tracked<T>(promise: Promise<T>): { done: () => boolean; promise: Promise<T> } {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  return { done: () => settled, promise };
}

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));

describe("the journal store's durability per change", () => {
  it('answers group changes once written, while an fdatasync runs, and a topic only after an fdatasync that began after its write', async () => {
    const { store, dataDir, syncs } = await storeWithHeldSyncs();

    await store.offsets.commit('g', [{ topic: 't', partitionIndex: 0, offset: 1n }]);
    await tick();
    expect(syncs.started).toBe(1);

    const topic = tracked(store.topics.create({ name: 'orders', assignments: [[1]] }));
    await store.offsets.commit('g', [{ topic: 't', partitionIndex: 0, offset: 2n }]);
    await store.offsets.saveGroup({
      groupId: 'g',
      protocolType: 'consumer',
      protocolName: null,
      state: 'Empty',
      generationId: 1,
      leaderId: null,
    });
    // A read may include what is not durable yet: it waits as that change's caller does.
    const read = tracked(store.offsets.fetch('g'));
    await tick();
    expect(topic.done()).toBe(false);
    expect(read.done()).toBe(false);

    // The running fdatasync started before the topic was written: it does not answer for it.
    syncs.release();
    await tick();
    expect(syncs.started).toBe(2);
    expect(topic.done()).toBe(false);
    syncs.release();
    await topic.promise;
    expect((await read.promise)[0]?.offset).toBe(2n);

    const closing = store.close();
    while (syncs.started > 2) {
      syncs.release();
      await tick();
    }
    await closing;
    const reopened = await openMetadataStore({ kind: 'journal', dataDir });
    try {
      expect((await reopened.topics.list()).map((t) => t.name)).toEqual(['orders']);
      expect((await reopened.offsets.fetch('g'))[0]?.offset).toBe(2n);
      expect((await reopened.offsets.loadGroups())[0]?.generationId).toBe(1);
    } finally {
      await reopened.close();
    }
  });
});
