// The journal store's files in the data dir:
//   metadata.journal   "STROMMJ1", then one record per change, appended and fdatasync'd before
//                      the change's call returns (several changes waiting share one fdatasync);
//                      a change its caller wants only 'written' returns once it is in the page
//                      cache (a kill -9 keeps it, a power cut may not) and is fdatasync'd soon after
//   metadata.snapshot  "STROMMS1", then records holding every row (SNAPSHOT_CHUNK_ROWS each),
//                      written to metadata.snapshot.tmp, fsync'd and renamed over the old one
// A record is [u32 payload length][u32 CRC-32 of the payload][payload], big-endian; a payload is
// v8.serialize([seq, rowChanges]) (Node documents the format as safe to store: newer Node reads
// what older wrote), which keeps bigint, Date, bytes and strings with NUL exactly. Changes are
// numbered; replay applies the snapshot, then the journal's records numbered after it. When the
// journal outgrows the snapshot (and COMPACT_MIN_BYTES), the state is written as a new snapshot and
// the journal emptied: a crash between the two leaves records the snapshot holds, which replay skips.
import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open, rename, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { crc32 } from 'node:zlib';
import { invariant } from '../errors.js';
import type { MetadataTables, RowChange } from './tables.js';

const JOURNAL_MAGIC = Buffer.from('STROMMJ1', 'latin1');
const SNAPSHOT_MAGIC = Buffer.from('STROMMS1', 'latin1');
const RECORD_HEADER_BYTES = 8;
/** A length field above this is not a record: no change comes near it. */
const MAX_RECORD_BYTES = 256 * 2 ** 20;
/** The journal is compacted into a snapshot once it is larger than this and than the snapshot. */
const COMPACT_MIN_BYTES = 4 * 2 ** 20;
/**
 * Rows per snapshot record. A snapshot is serialized a record at a time, the event loop free in
 * between (rows are never changed in place, so the ones taken at the start stay as they were):
 * measured with 100,000 committed offsets, one record of everything stalled the loop ~90 ms.
 */
const SNAPSHOT_CHUNK_ROWS = 5000;

export const JOURNAL_FILE = 'metadata.journal';
export const SNAPSHOT_FILE = 'metadata.snapshot';

/** What opening found: how much of the journal's end was a torn record and is now cut off. */
export interface JournalRecovery {
  replayedChanges: number;
  truncatedBytes: number;
}

/**
 * How far a change must be before its call returns: 'synced' is fdatasync'd; 'written' is in the
 * OS page cache, which a crashed or killed process does not lose and a power cut may (as Kafka
 * writes __consumer_offsets without an fsync). Either way it is fdatasync'd soon after, in order.
 */
export type Durability = 'synced' | 'written';

interface Waiting {
  seq: number;
  frame: Buffer;
  durability: Durability;
  resolve: () => void;
  reject: (error: Error) => void;
}

/** The journal of a store's changes and its snapshot; see the top of this file. */
export class MetadataJournal {
  /** Changes not written yet, in order. */
  private readonly queue: Waiting[] = [];
  /** Written changes whose callers wait for the next fdatasync. */
  private readonly unsynced: Waiting[] = [];
  /** The writer: writes what is queued, one writev per batch, and compacts between batches. */
  private writing: Promise<void> | undefined;
  /** The syncer: fdatasyncs while bytes are written past the last fdatasync; runs beside the writer. */
  private syncing: Promise<void> | undefined;
  /** The journal's size when the last fdatasync started (what it made durable once it returned). */
  private syncedBytes: number;
  /** Settles when every change appended so far is as durable as its caller asked (never rejects: see `failure`). */
  private lastAppend: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private closed = false;

  private constructor(
    private readonly dir: string,
    private readonly tables: MetadataTables,
    private readonly handle: FileHandle,
    private journalBytes: number,
    private snapshotSeq: number,
    private snapshotBytes: number,
  ) {
    this.syncedBytes = journalBytes;
  }

  /** Loads the snapshot and replays the journal into `tables` (empty), cutting off a torn last record. */
  static async open(dir: string, tables: MetadataTables): Promise<{ journal: MetadataJournal; recovery: JournalRecovery }> {
    const snapshotPath = join(dir, SNAPSHOT_FILE);
    rmSync(`${snapshotPath}.tmp`, { force: true });
    let snapshotSeq = 0;
    let snapshotBytes = 0;
    if (existsSync(snapshotPath)) {
      const file = readFileSync(snapshotPath);
      const { payloads, end } = scanRecords(file, SNAPSHOT_MAGIC, snapshotPath);
      // Written whole and renamed into place: any damage is corruption, never a torn tail.
      if (payloads.length === 0 || end !== file.length) throw new Error(`${snapshotPath}: a damaged snapshot`);
      for (const payload of payloads) {
        const [seq, rows] = decodePayload(payload, snapshotPath);
        if (payload !== payloads[0] && seq !== snapshotSeq) throw new Error(`${snapshotPath}: records of two snapshots`);
        tables.apply(rows);
        snapshotSeq = seq;
      }
      snapshotBytes = file.length;
    }
    tables.seq = snapshotSeq;
    const journalPath = join(dir, JOURNAL_FILE);
    const recovery = existsSync(journalPath) ? replayJournal(journalPath, tables) : createJournal(dir, journalPath);
    const handle = await open(journalPath, 'r+');
    const journalBytes = (await handle.stat()).size;
    return { journal: new MetadataJournal(dir, tables, handle, journalBytes, snapshotSeq, snapshotBytes), recovery };
  }

  /**
   * Appends change `seq` (numbered after every change appended before); resolves once it is as
   * durable as `durability` asks, with every change before it at least written.
   */
  append(seq: number, changes: readonly RowChange[], durability: Durability = 'synced'): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    invariant(!this.closed, 'no change is appended to a closed journal');
    const frame = encodeRecord(serialize([seq, changes]));
    const done = new Promise<void>((resolve, reject) => this.queue.push({ seq, frame, durability, resolve, reject }));
    // A 'written' change can settle before a 'synced' one appended earlier: wait for both.
    this.lastAppend = Promise.all([this.lastAppend, done.catch(() => {})]).then(() => {});
    this.writing ??= this.write();
    return done;
  }

  /** Resolves once every change appended so far is as durable as asked; rejects once the journal has failed. */
  async settled(): Promise<void> {
    await this.lastAppend;
    if (this.failure) throw this.failure;
  }

  /** Waits for the writer and the syncer (so every change is fdatasync'd), then closes the file. */
  async close(): Promise<void> {
    this.closed = true;
    await this.writing;
    await this.syncing;
    await this.handle.close();
  }

  /** Writes what waits, one writev per batch, until nothing waits; compacts between batches. */
  private async write(): Promise<void> {
    let batch: Waiting[] = [];
    // Started from append(): the changes of the same tick go in the first batch, and `writing` is
    // assigned before this can finish (finishing synchronously would leave it set for good).
    await Promise.resolve();
    try {
      while (this.queue.length > 0 && this.failure === undefined) {
        batch = this.queue.splice(0);
        // Changes a snapshot taken meanwhile holds are durable already.
        const frames = batch.filter((waiting) => waiting.seq > this.snapshotSeq).map((waiting) => waiting.frame);
        if (frames.length > 0) {
          const bytes = frames.reduce((sum, frame) => sum + frame.length, 0);
          const { bytesWritten } = await this.handle.writev(frames, this.journalBytes);
          if (bytesWritten !== bytes) throw new Error(`wrote ${bytesWritten} of ${bytes} bytes`);
          this.journalBytes += bytes;
        }
        for (const waiting of batch) {
          if (waiting.durability === 'written' || waiting.seq <= this.snapshotSeq) waiting.resolve();
          else if (this.failure !== undefined) waiting.reject(this.failure);
          else this.unsynced.push(waiting);
        }
        batch = [];
        this.startSync();
        if (this.journalBytes > COMPACT_MIN_BYTES && this.journalBytes > this.snapshotBytes) {
          // The file is cut short when compacted: no fdatasync may be running on it then.
          while (this.syncing !== undefined) await this.syncing;
          if (this.failure === undefined) await this.compact();
        }
      }
    } catch (error) {
      this.fail(error as Error, batch);
    } finally {
      this.writing = undefined;
    }
  }

  private startSync(): void {
    if (this.syncing === undefined && this.syncedBytes < this.journalBytes) this.syncing = this.sync();
  }

  /** fdatasyncs until the last one covered every byte written; answers those waiting for it. Awaits before it ends. */
  private async sync(): Promise<void> {
    try {
      while (this.syncedBytes < this.journalBytes && this.failure === undefined) {
        const covered = this.unsynced.splice(0);
        this.syncedBytes = this.journalBytes;
        await this.handle.datasync();
        for (const waiting of covered) waiting.resolve();
      }
    } catch (error) {
      this.fail(error as Error, []);
    } finally {
      this.syncing = undefined;
    }
  }

  /** The tables hold changes the disk may not: nothing more is served (as Kafka takes a log dir offline). */
  private fail(error: Error, batch: Waiting[]): void {
    this.failure ??= new Error(`metadata journal in ${this.dir} failed: ${error.message}`, { cause: error });
    for (const waiting of [...batch, ...this.unsynced.splice(0), ...this.queue.splice(0)]) waiting.reject(this.failure);
  }

  /** Writes every row as the new snapshot (atomically), then empties the journal. */
  private async compact(): Promise<void> {
    const seq = this.tables.seq;
    const rows = this.tables.dump();
    const snapshotPath = join(this.dir, SNAPSHOT_FILE);
    const temporary = await open(`${snapshotPath}.tmp`, 'w');
    let bytes = 0;
    try {
      for (const frame of snapshotFrames(seq, rows)) {
        await temporary.write(frame, 0, frame.length, bytes);
        bytes += frame.length;
      }
      await temporary.sync();
    } finally {
      await temporary.close();
    }
    await rename(`${snapshotPath}.tmp`, snapshotPath);
    await syncDirectory(this.dir);
    this.snapshotSeq = seq;
    this.snapshotBytes = bytes;
    await this.handle.truncate(JOURNAL_MAGIC.length);
    await this.handle.datasync();
    this.journalBytes = JOURNAL_MAGIC.length;
    this.syncedBytes = JOURNAL_MAGIC.length;
  }
}

/** Writes a snapshot of `tables` into `dir` atomically (an import does it before any journal exists). */
export function writeSnapshot(dir: string, tables: MetadataTables): void {
  const snapshotPath = join(dir, SNAPSHOT_FILE);
  const fd = openSync(`${snapshotPath}.tmp`, 'w');
  try {
    let bytes = 0;
    for (const frame of snapshotFrames(tables.seq, tables.dump())) bytes += writeSync(fd, frame, 0, frame.length, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(`${snapshotPath}.tmp`, snapshotPath);
  syncDirectorySync(dir);
}

/** The snapshot file's magic, then its records, each serialized only when asked for. */
function* snapshotFrames(seq: number, rows: RowChange[]): Generator<Buffer> {
  yield SNAPSHOT_MAGIC;
  for (let first = 0; first < rows.length; first += SNAPSHOT_CHUNK_ROWS) {
    yield encodeRecord(serialize([seq, rows.slice(first, first + SNAPSHOT_CHUNK_ROWS)]));
  }
}

function encodeRecord(payload: Buffer): Buffer {
  const header = Buffer.allocUnsafe(RECORD_HEADER_BYTES);
  header.writeUInt32BE(payload.length, 0);
  header.writeUInt32BE(crc32(payload), 4);
  return Buffer.concat([header, payload]);
}

function decodePayload(payload: Buffer, path: string): [number, RowChange[]] {
  const value = deserialize(payload) as unknown;
  if (!Array.isArray(value) || typeof value[0] !== 'number' || !Array.isArray(value[1])) {
    throw new Error(`${path}: a record that checks out but is not a change`);
  }
  return value as [number, RowChange[]];
}

/**
 * The payloads of the records after `magic`, and where the last whole one ends. A record that
 * does not check out is a torn write if nothing but zeros follows where it claims to end (or it
 * claims to run past the end): the tail a crash left, which is dropped. One with data after it is
 * corruption, and an error that names the file.
 */
function scanRecords(file: Buffer, magic: Buffer, path: string): { payloads: Buffer[]; end: number } {
  if (file.length < magic.length) {
    if (magic.subarray(0, file.length).equals(file)) return { payloads: [], end: 0 };
    throw new Error(`${path}: not a Strom metadata file`);
  }
  if (!file.subarray(0, magic.length).equals(magic)) throw new Error(`${path}: not a Strom metadata file (or of another format)`);
  const payloads: Buffer[] = [];
  let offset = magic.length;
  while (offset < file.length) {
    const problem = recordProblem(file, offset);
    if (problem === undefined) {
      const length = file.readUInt32BE(offset);
      payloads.push(file.subarray(offset + RECORD_HEADER_BYTES, offset + RECORD_HEADER_BYTES + length));
      offset += RECORD_HEADER_BYTES + length;
      continue;
    }
    if (problem.torn) return { payloads, end: offset };
    throw new Error(`${path}: corrupt record at byte ${offset} (${problem.reason}), and records after it`);
  }
  return { payloads, end: offset };
}

function recordProblem(file: Buffer, offset: number): { reason: string; torn: boolean } | undefined {
  if (file.length - offset < RECORD_HEADER_BYTES) return { reason: 'a partial header', torn: true };
  const length = file.readUInt32BE(offset);
  if (length === 0 || length > MAX_RECORD_BYTES) return { reason: `a length of ${length}`, torn: zerosFrom(file, offset) };
  const end = offset + RECORD_HEADER_BYTES + length;
  if (end > file.length) return { reason: 'it runs past the end of the file', torn: true };
  const payload = file.subarray(offset + RECORD_HEADER_BYTES, end);
  if (crc32(payload) !== file.readUInt32BE(offset + 4)) return { reason: 'its checksum does not match', torn: zerosFrom(file, end) };
  return undefined;
}

function zerosFrom(file: Buffer, offset: number): boolean {
  for (let i = offset; i < file.length; i++) if (file[i] !== 0) return false;
  return true;
}

function replayJournal(path: string, tables: MetadataTables): JournalRecovery {
  const file = readFileSync(path);
  const { payloads, end } = scanRecords(file, JOURNAL_MAGIC, path);
  let replayedChanges = 0;
  for (const payload of payloads) {
    const [seq, changes] = decodePayload(payload, path);
    if (seq <= tables.seq) continue;
    if (seq !== tables.seq + 1) throw new Error(`${path}: change ${seq} follows change ${tables.seq}`);
    tables.apply(changes);
    tables.seq = seq;
    replayedChanges++;
  }
  if (end === file.length) return { replayedChanges, truncatedBytes: 0 };
  const fd = openSync(path, 'r+');
  try {
    if (end < JOURNAL_MAGIC.length) writeSync(fd, JOURNAL_MAGIC, 0, JOURNAL_MAGIC.length, 0);
    ftruncateSync(fd, Math.max(end, JOURNAL_MAGIC.length));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return { replayedChanges, truncatedBytes: file.length - end };
}

function createJournal(dir: string, path: string): JournalRecovery {
  const fd = openSync(path, 'wx');
  try {
    writeSync(fd, JOURNAL_MAGIC, 0, JOURNAL_MAGIC.length, 0);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  syncDirectorySync(dir);
  return { replayedChanges: 0, truncatedBytes: 0 };
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function syncDirectorySync(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
