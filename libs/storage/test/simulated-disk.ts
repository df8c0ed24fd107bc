import {
  closeSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
  writeSync,
  writevSync,
} from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import type { FileIo, OpenFlags, StorageFile } from '../src/file-io.js';

/**
 * A `FileIo` that knows what a power loss would leave of the files under `root`, and can
 * make the disk exactly that (`crash()`).
 *
 * The model (POSIX's guarantees, taken pessimistically):
 * - A file is an inode; its *durable content* is its content at its last fsync (every byte,
 *   and its size), empty if it was never fsynced. Writes and truncations after that fsync
 *   only reach the page cache, and a crash drops them all: an append-only segment goes back
 *   to its size at the last fsync, a rewritten file to its old content.
 * - A directory's *durable entries* are its entries (name → inode) at its last fsync; a
 *   directory never fsynced has none. So a file created, renamed or deleted since the last
 *   fsync of its directory is, after a crash, absent, under its old name, or back (with its
 *   durable content); a directory created by mkdir disappears with everything in it until its
 *   parent is fsynced. fsync of a file does not make its name durable (it does on some file
 *   systems; POSIX does not promise it).
 * - Everything under `root` when the disk is constructed is durable, and `root` itself is.
 *
 * Operations take effect at once (synchronous node:fs calls, the real files being the page
 * cache), so a crash falls between two of them: with `crashAtOperation: n` (or `crashAfter`)
 * the n-th mutating operation (open for writing, write, fsync, truncate, rename, unlink, mkdir,
 * rm, directory fsync) and everything after it fails with `PowerLoss`, the disk having become
 * what survived; `crash()` is the same, between operations.
 * A crashed disk stays dead: the abandoned log's late timers and background work can no longer
 * touch the files; the next incarnation uses a new `SimulatedDisk` on the same `root`.
 *
 * Limits: no partial survival (some unsynced writes, a torn sector, reordered writes reaching
 * the disk: torn-write.test.ts covers torn tails); one inode durably reachable under two names
 * (an unsynced cross-directory rename) comes back as two copies; hard links, permissions and
 * timestamps are not modelled. Files created under `root` without this FileIo are reported in
 * `bypassed` (the seam must see every creation).
 */
export class SimulatedDisk implements FileIo {
  readonly root: string;
  /** The live namespace: every path under root → its inode (root included). */
  private readonly live = new Map<string, Inode>();
  private readonly openFiles = new Set<SimulatedFile>();
  private crashAtOperation: number;
  private readonly onCrash: (() => void) | undefined;
  /** Mutating operations performed so far. */
  operations = 0;
  fileSyncs = 0;
  directorySyncs = 0;
  crashed = false;
  /** Paths found under root at the crash that no operation of this FileIo created. */
  readonly bypassed: string[] = [];

  constructor(root: string, options: { crashAtOperation?: number; onCrash?: () => void } = {}) {
    this.root = resolve(root);
    this.crashAtOperation = options.crashAtOperation ?? Number.POSITIVE_INFINITY;
    this.onCrash = options.onCrash;
    this.scan(this.root);
  }

  // ---- FileIo ----------------------------------------------------------------------------

  async open(path: string, flags: OpenFlags): Promise<StorageFile> {
    const at = this.inside(path);
    this.operation(flags === 'w');
    const fd = openSync(at, flags === 'w' ? 'w+' : flags);
    let inode = this.live.get(at);
    if (!inode) {
      if (flags !== 'w') {
        closeSync(fd);
        throw new Error(`${at} exists but was not created through the FileIo`);
      }
      inode = { kind: 'file', synced: null };
      this.live.set(at, inode);
    }
    if (inode.kind !== 'file') {
      closeSync(fd);
      throw new Error(`${at} is a directory`);
    }
    const file = new SimulatedFile(this, at, fd, inode);
    this.openFiles.add(file);
    return file;
  }

  async rename(from: string, to: string): Promise<void> {
    const source = this.inside(from);
    const target = this.inside(to);
    this.operation(true);
    renameSync(source, target);
    this.forgetTree(target);
    for (const [path, inode] of [...this.live]) {
      if (path === source || path.startsWith(source + sep)) {
        this.live.delete(path);
        this.live.set(target + path.slice(source.length), inode);
      }
    }
  }

  async unlink(path: string): Promise<void> {
    const at = this.inside(path);
    this.operation(true);
    unlinkSync(at);
    this.live.delete(at);
  }

  async truncate(path: string, length: number): Promise<void> {
    const at = this.inside(path);
    this.operation(true);
    truncateSync(at, length);
  }

  async mkdir(path: string): Promise<string | undefined> {
    const at = this.inside(path);
    this.operation(true);
    const created = mkdirSync(at, { recursive: true });
    if (created === undefined) return undefined;
    for (let dir = at; ; dir = dirname(dir)) {
      this.live.set(dir, { kind: 'dir', synced: null });
      if (dir === created) break;
    }
    return created;
  }

  async removeTree(path: string): Promise<void> {
    const at = this.inside(path);
    this.operation(true);
    rmSync(at, { recursive: true, force: true });
    this.forgetTree(at);
  }

  async syncDirectory(path: string): Promise<void> {
    const at = this.inside(path);
    this.operation(true);
    const inode = this.live.get(at);
    if (inode?.kind !== 'dir') throw Object.assign(new Error(`ENOENT: no such directory, ${at}`), { code: 'ENOENT' });
    inode.synced = new Map();
    for (const [child, childInode] of this.live) {
      if (child !== at && dirname(child) === at) inode.synced.set(child.slice(at.length + 1), childInode);
    }
    this.directorySyncs++;
    await yieldToOthers();
  }

  // ---- the crash -------------------------------------------------------------------------

  /** Loses power at the n-th mutating operation from now (n ≥ 1). */
  crashAfter(operations: number): void {
    this.crashAtOperation = this.operations + operations;
  }

  /** Power loss now: the files under root become what was durable; every later call fails. */
  crash(): void {
    if (this.crashed) return;
    this.crashed = true;
    for (const file of this.openFiles) file.release();
    this.openFiles.clear();
    this.findBypasses(this.root);
    const root = this.live.get(this.root) as DirInode;
    for (const name of readdirSync(this.root)) rmSync(join(this.root, name), { recursive: true, force: true });
    materialize(this.root, root.synced ?? new Map());
    this.onCrash?.();
  }

  /** Every mutating call counts, and the one the crash was set for fails as the power goes. */
  operation(mutating: boolean): void {
    if (this.crashed) throw new PowerLoss();
    if (!mutating) return;
    if (++this.operations >= this.crashAtOperation) {
      this.crash();
      throw new PowerLoss();
    }
  }

  forget(file: SimulatedFile): void {
    this.openFiles.delete(file);
  }

  // ---- helpers ---------------------------------------------------------------------------

  private inside(path: string): string {
    const at = resolve(path);
    if (at !== this.root && !at.startsWith(this.root + sep)) throw new Error(`${at} is outside the simulated disk ${this.root}`);
    return at;
  }

  /** Takes what is on disk as durable. */
  private scan(path: string): Inode {
    const entries = readdirSync(path, { withFileTypes: true });
    const dir: DirInode = { kind: 'dir', synced: new Map() };
    this.live.set(path, dir);
    for (const entry of entries) {
      const child = join(path, entry.name);
      if (entry.isDirectory()) dir.synced!.set(entry.name, this.scan(child));
      else {
        const file: FileInode = { kind: 'file', synced: readFileSync(child) };
        this.live.set(child, file);
        dir.synced!.set(entry.name, file);
      }
    }
    return dir;
  }

  private forgetTree(at: string): void {
    for (const path of [...this.live.keys()]) if (path === at || path.startsWith(at + sep)) this.live.delete(path);
  }

  private findBypasses(path: string): void {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const child = join(path, entry.name);
      if (!this.live.has(child)) this.bypassed.push(child);
      else if (entry.isDirectory()) this.findBypasses(child);
    }
  }
}

/** What every call on a crashed disk fails with. */
export class PowerLoss extends Error {
  readonly code = 'EIO';
  constructor() {
    super('EIO: simulated power loss');
    this.name = 'PowerLoss';
  }
}

interface FileInode {
  kind: 'file';
  /** Content at the last fsync; null: never fsynced. */
  synced: Buffer | null;
}

interface DirInode {
  kind: 'dir';
  /** Entries at the last fsync; null: never fsynced. */
  synced: Map<string, Inode> | null;
}

type Inode = FileInode | DirInode;

function materialize(path: string, entries: ReadonlyMap<string, Inode>): void {
  for (const [name, inode] of entries) {
    const child = join(path, name);
    if (inode.kind === 'file') writeFileSync(child, inode.synced ?? Buffer.alloc(0));
    else {
      mkdirSync(child);
      materialize(child, inode.synced ?? new Map());
    }
  }
}

/** An fsync takes a while: appends arriving meanwhile queue up (group commit). */
const yieldToOthers = (): Promise<void> => new Promise((done) => setImmediate(done));

class SimulatedFile implements StorageFile {
  readonly path: string;
  private readonly disk: SimulatedDisk;
  private readonly fd: number;
  private readonly inode: FileInode;
  private released = false;

  constructor(disk: SimulatedDisk, path: string, fd: number, inode: FileInode) {
    this.disk = disk;
    this.path = path;
    this.fd = fd;
    this.inode = inode;
  }

  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }> {
    this.disk.operation(false);
    return { bytesRead: readSync(this.fd, buffer, offset, length, position) };
  }

  writevSync(buffers: readonly Buffer[], position: number): number {
    this.disk.operation(true);
    return writevSync(this.fd, buffers as Buffer[], position);
  }

  async write(data: Buffer, position: number): Promise<void> {
    this.disk.operation(true);
    for (let written = 0; written < data.length;) written += writeSync(this.fd, data, written, data.length - written, position + written);
  }

  /** The durable content becomes the content now (no real fsync: durability is simulated). */
  async sync(): Promise<void> {
    this.disk.operation(true);
    const size = fstatSync(this.fd).size;
    const content = Buffer.alloc(size);
    for (let read = 0; read < size;) {
      const bytesRead = readSync(this.fd, content, read, size - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    this.inode.synced = content;
    this.disk.fileSyncs++;
    await yieldToOthers();
  }

  async truncate(length: number): Promise<void> {
    this.disk.operation(true);
    ftruncateSync(this.fd, length);
  }

  async size(): Promise<number> {
    this.disk.operation(false);
    return fstatSync(this.fd).size;
  }

  async close(): Promise<void> {
    if (this.released) return;
    this.release();
    this.disk.forget(this);
  }

  /** The process died (or the file was closed): the descriptor goes, once. */
  release(): void {
    if (this.released) return;
    this.released = true;
    closeSync(this.fd);
  }
}
