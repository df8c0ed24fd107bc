import { spawn } from 'node:child_process';
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openJournalStore, openMetadataStore, PGLITE_IMPORTED_DIR, type MetadataStore } from '../src/index.js';

const defaults = { uncleanLeaderElection: false };
const endpoint = { name: 'PLAINTEXT', host: '127.0.0.1', port: 9092, securityProtocol: 'PLAINTEXT' };

const dirs: string[] = [];
function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'strom-journal-test-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A bit of everything the store keeps, written through the repositories (Postgres cannot hold a NUL in a string). */
async function writeEverything(store: MetadataStore, commitMetadata = 'with\u0000nul'): Promise<void> {
  await store.clusterId();
  const one = await store.membership.register({ id: 1, endpoints: [endpoint], rack: 'r1', leaseMs: 60_000 }, defaults);
  const two = await store.membership.register({ id: 2, endpoints: [{ ...endpoint, port: 9093 }], leaseMs: 60_000 }, defaults);
  await store.topics.create({
    name: 'orders',
    assignments: [
      [1, 2],
      [2, 1],
    ],
    configs: { 'retention.ms': '1000' },
  });
  await store.topics.create({ name: 'doomed', assignments: [[1]] });
  await store.topics.delete('doomed');
  await store.brokerConfigs.alter(null, { 'log.retention.ms': '5' }, false);
  await store.brokerConfigs.alter(2, { 'log.roll.ms': '7' }, false);
  await store.groupConfigs.alter('g', { 'consumer.session.timeout.ms': '50000' }, false);
  await store.brokers.renewLease(2, two.broker.epoch, -1, 3n);
  await store.membership.fence(2, two.broker.epoch, 'test', defaults);
  await store.membership.completeFailover(2, two.broker.epoch, { confirmedLeaders: [1], workflowId: 'wf-1' });
  await store.brokers.renewLease(1, one.broker.epoch, 60_000, 4n);
  await store.offsets.commit('group-a', [
    { topic: 'orders', partitionIndex: 0, offset: 2n ** 62n, leaderEpoch: 3, metadata: commitMetadata, expireTimestamp: new Date(5) },
    { topic: 'orders', partitionIndex: 1, offset: 0n },
  ]);
  await store.offsets.saveGroup({
    groupId: 'group-a',
    protocolType: 'consumer',
    protocolName: 'range',
    state: 'Stable',
    generationId: 3,
    leaderId: 'm-1',
    stateTimestampMs: 1_700_000_000_000n,
    members: [{ memberId: 'm-1', subscription: 'AAE=' }],
  });
  await store.producerIds.allocateBlock(1000);
  await store.security.upsertScramCredential({
    user: 'alice',
    mechanism: 'SCRAM_SHA_512',
    salt: Buffer.from([0, 1, 2]),
    storedKey: Buffer.alloc(64, 3),
    serverKey: Buffer.alloc(64, 4),
    iterations: 8192,
  });
  const acl = {
    resourceType: 2,
    resourceName: 'orders',
    patternType: 3,
    principal: 'User:alice',
    host: '*',
    operation: 3,
    permissionType: 3,
  };
  await store.security.createAcls([acl, { ...acl, operation: 4 }, { ...acl, operation: 5 }]);
  await store.security.deleteAcls({ operation: 4 });
}

/** Everything the store holds, as the repositories read it (without writing: the cluster id is set already). */
async function readEverything(store: MetadataStore) {
  const groups = await store.offsets.loadGroups();
  const brokers = await store.brokers.list();
  return {
    clusterId: await store.clusterId(),
    version: await store.version(),
    brokers,
    brokerConfigs: await store.brokerConfigs.list(),
    groupConfigs: await store.groupConfigs.list(),
    appliedVersions: await store.membership.appliedVersions(),
    failovers: await Promise.all(brokers.flatMap((b) => [1n, 2n, 3n].map((epoch) => store.membership.failover(b.id, epoch)))),
    pendingFailovers: await store.membership.pendingFailovers(),
    topics: await store.topics.list(),
    groups,
    offsets: await Promise.all(groups.map((group) => store.offsets.fetch(group.groupId))),
    scram: (await store.security.listScramCredentials()).map((c) => ({
      ...c,
      salt: [...c.salt],
      storedKey: [...c.storedKey],
      serverKey: [...c.serverKey],
    })),
    acls: await store.security.listAcls(),
  };
}

async function reopened<T>(dataDir: string, read: (store: MetadataStore) => Promise<T>): Promise<T> {
  const store = await openMetadataStore({ kind: 'journal', dataDir });
  try {
    return await read(store);
  } finally {
    await store.close();
  }
}

describe('the journal store on disk', () => {
  it('holds everything after a close and reopen, byte for byte (a NUL in a string too)', async () => {
    const dataDir = scratchDir();
    const store = await openMetadataStore({ kind: 'journal', dataDir });
    await writeEverything(store);
    const before = await readEverything(store);
    await store.close();
    expect(before.offsets[0]![0]!.metadata).toBe('with\u0000nul');
    expect(await reopened(dataDir, readEverything)).toEqual(before);
    expect(await reopened(dataDir, (s) => s.producerIds.allocateBlock(1))).toEqual({ firstProducerId: 1000n, size: 1 });
  });

  it('drops a torn last record (a crash mid-write) and goes on appending after the last whole one', async () => {
    const dataDir = scratchDir();
    const store = await openMetadataStore({ kind: 'journal', dataDir });
    await writeEverything(store);
    const before = await readEverything(store);
    const whole = statSync(join(dataDir, 'metadata.journal')).size;
    await store.topics.create({ name: 'torn', assignments: [[1]] });
    await store.close();
    truncateSync(join(dataDir, 'metadata.journal'), whole + 20);

    const opened = await openJournalStore(dataDir);
    expect(opened.recovery.truncatedBytes).toBe(20);
    expect(await readEverything(opened.store)).toEqual(before);
    await opened.store.topics.create({ name: 'after', assignments: [[1]] });
    await opened.store.close();
    expect(statSync(join(dataDir, 'metadata.journal')).size).toBeGreaterThan(whole);
    const names = await reopened(dataDir, async (s) => (await s.topics.list()).map((t) => t.name));
    expect(names).toEqual(['after', 'orders']);
  });

  it('drops a tail of zeros (a file extended but not written before a power cut)', async () => {
    const dataDir = scratchDir();
    await reopened(dataDir, async (s) => s.topics.create({ name: 'kept', assignments: [[1]] }));
    appendFileSync(join(dataDir, 'metadata.journal'), Buffer.alloc(4096));
    const opened = await openJournalStore(dataDir);
    expect(opened.recovery.truncatedBytes).toBe(4096);
    expect((await opened.store.topics.list()).map((t) => t.name)).toEqual(['kept']);
    await opened.store.close();
  });

  it('refuses a journal with a corrupt record before whole ones, naming the file', async () => {
    const dataDir = scratchDir();
    await reopened(dataDir, async (s) => {
      await s.topics.create({ name: 'first', assignments: [[1]] });
      await s.topics.create({ name: 'second', assignments: [[1]] });
    });
    const path = join(dataDir, 'metadata.journal');
    const file = readFileSync(path);
    file[8 + 8 + 3] = file[8 + 8 + 3]! ^ 0xff;
    writeFileSync(path, file);
    await expect(openMetadataStore({ kind: 'journal', dataDir })).rejects.toThrow(
      `${path}: corrupt record at byte 8 (its checksum does not match)`,
    );
  });

  it('compacts a large journal into a snapshot, and replays right after a crash in between', async () => {
    const dataDir = scratchDir();
    const journal = join(dataDir, 'metadata.journal');
    const snapshot = join(dataDir, 'metadata.snapshot');
    const store = await openMetadataStore({ kind: 'journal', dataDir });
    await store.clusterId();
    const big = 'm'.repeat(64 * 1024);
    for (let n = 0; n < 200 && !existsSync(snapshot); n++) {
      // The journal before the change that makes it compact: what a crash between the new
      // snapshot and emptying the journal leaves.
      if (statSync(journal).size > 3 * 2 ** 20) copyFileSync(journal, `${journal}.before`);
      await store.offsets.commit('g', [{ topic: 't', partitionIndex: n % 4, offset: BigInt(n), metadata: `${n}${big}` }]);
    }
    const before = await readEverything(store);
    await store.close();
    expect(existsSync(snapshot)).toBe(true);
    expect(statSync(journal).size).toBeLessThan(2 * big.length);
    expect(statSync(`${journal}.before`).size).toBeGreaterThan(3 * 2 ** 20);
    expect(await reopened(dataDir, readEverything)).toEqual(before);

    // A crash between the new snapshot and emptying the journal leaves the old journal beside
    // the snapshot: its records are in the snapshot already and are skipped.
    rmSync(journal);
    const snapshotOnly = await reopened(dataDir, readEverything);
    copyFileSync(`${journal}.before`, journal);
    // And a snapshot half written when the crash came.
    writeFileSync(`${snapshot}.tmp`, 'STROMMS1 torn');
    expect(await reopened(dataDir, readEverything)).toEqual(snapshotOnly);
    expect(existsSync(`${snapshot}.tmp`)).toBe(false);
  });

  it('keeps every acknowledged change of a process killed (SIGKILL) while writing', { timeout: 120_000 }, async () => {
    for (let trial = 0; trial < 4; trial++) {
      const dataDir = scratchDir();
      const acked = await writeUntilKilled(dataDir, 200 + trial * 150, trial * 7);
      const { topics, offsets } = await reopened(dataDir, async (s) => ({
        topics: new Set((await s.topics.list()).map((t) => t.name)),
        offsets: await s.offsets.fetch('kill9'),
      }));
      for (const [writer, last] of acked) {
        const committed = offsets.find((o) => o.partitionIndex === writer);
        expect(committed?.offset, `writer ${writer} of trial ${trial}`).toBeGreaterThanOrEqual(BigInt(last));
        expect(committed?.metadata!.startsWith(`${committed.offset}\u0000`)).toBe(true);
        for (let n = 0; n <= last; n += 10) expect(topics.has(`topic-${writer}-${n}`), `topic-${writer}-${n}`).toBe(true);
      }
    }
  });
});

/** Runs the writer fixture until `acks` changes are acknowledged, waits `extraMs`, SIGKILLs it; returns the last acknowledged n of each writer. */
function writeUntilKilled(dataDir: string, acks: number, extraMs: number): Promise<Map<number, number>> {
  const fixture = new URL('./fixtures/journal-writer.mjs', import.meta.url).pathname;
  const child = spawn(process.execPath, [fixture, dataDir, '4'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const acked = new Map<number, number>();
  let count = 0;
  let stderr = '';
  let buffered = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const [writer, n] = line.split(' ').map(Number);
        if (n === undefined) continue;
        acked.set(writer!, n);
        if (++count === acks) setTimeout(() => child.kill('SIGKILL'), extraMs);
      }
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL' && count >= acks) resolve(acked);
      else reject(new Error(`the writer exited (${code} ${signal}) after ${count} acknowledgements: ${stderr}`));
    });
  });
}

describe('importing the PGlite store of an older embedded Strom', () => {
  it('reads it whole on the first open, renames its directory, and does not import again', { timeout: 120_000 }, async () => {
    const dataDir = scratchDir();
    const pglite = await openMetadataStore({ kind: 'pglite', dataDir: join(dataDir, 'metadata') });
    await writeEverything(pglite, 'without nul');
    const before = await readEverything(pglite);
    await pglite.close();

    const first = await openJournalStore(dataDir);
    expect(first.importedPglite).toBe(true);
    expect(await readEverything(first.store)).toEqual(before);
    expect(await first.store.producerIds.allocateBlock(1)).toEqual({ firstProducerId: 1000n, size: 1 });
    await first.store.topics.create({ name: 'after-import', assignments: [[1]] });
    await first.store.close();
    expect(existsSync(join(dataDir, 'metadata'))).toBe(false);
    expect(existsSync(join(dataDir, PGLITE_IMPORTED_DIR, 'PG_VERSION'))).toBe(true);

    const second = await openJournalStore(dataDir);
    expect(second.importedPglite).toBe(false);
    expect((await second.store.topics.list()).map((t) => t.name)).toEqual(['after-import', 'orders']);
    await second.store.close();
  });
});
