import { writevSync } from 'node:fs';
import { mkdir, open, rename, rm, truncate, unlink, type FileHandle } from 'node:fs/promises';

/**
 * The storage layer's file-I/O seam: every write, fsync, file creation, rename, truncation,
 * deletion and directory fsync of `libs/storage` goes through a `FileIo`, so a test can see
 * exactly what is durable (and drop the rest at a simulated power loss) or make an operation
 * fail. Reads of names and whole small files (readdir, stat, readFile) go to node:fs directly:
 * they see the page cache, which every implementation shares with the real file system.
 *
 * `nodeFileIo` is the real one. An implementation must not change what reaches node:fs, only
 * observe or refuse it; it is called on the append path, so it must stay cheap.
 */
export interface FileIo {
  /** 'r': read only; 'r+': read and write, the file must exist; 'w': created or emptied, read and write. */
  open(path: string, flags: OpenFlags): Promise<StorageFile>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  truncate(path: string, length: number): Promise<void>;
  /** Creates `path` and missing parents; the first directory created, or undefined if it existed. */
  mkdir(path: string): Promise<string | undefined>;
  /** Removes `path` and everything under it; nothing if it does not exist. */
  removeTree(path: string): Promise<void>;
  /** fsync of the directory itself: makes creations, renames and deletions in it durable. */
  syncDirectory(path: string): Promise<void>;
}

export type OpenFlags = 'r' | 'r+' | 'w';

/** An open file: positional reads and writes, fsync, truncation. */
export interface StorageFile {
  readonly path: string;
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  /**
   * Synchronous positional gather write: the bytes land in the page cache without a thread
   * hop, as Kafka's FileChannel.write does. Returns the bytes written (maybe fewer than given).
   */
  writevSync(buffers: readonly Buffer[], position: number): number;
  /** Writes all of `data` at `position`. */
  write(data: Buffer, position: number): Promise<void>;
  sync(): Promise<void>;
  truncate(length: number): Promise<void>;
  size(): Promise<number>;
  close(): Promise<void>;
}

/** The part of a file a reader needs (BatchCursor). */
export type ReadableFile = Pick<StorageFile, 'read'>;

class NodeFile implements StorageFile {
  readonly path: string;
  private readonly handle: FileHandle;

  constructor(path: string, handle: FileHandle) {
    this.path = path;
    this.handle = handle;
  }

  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }> {
    return this.handle.read(buffer, offset, length, position);
  }

  writevSync(buffers: readonly Buffer[], position: number): number {
    return writevSync(this.handle.fd, buffers as Buffer[], position);
  }

  async write(data: Buffer, position: number): Promise<void> {
    for (let written = 0; written < data.length;) {
      const { bytesWritten } = await this.handle.write(data, written, data.length - written, position + written);
      if (bytesWritten === 0) throw new Error(`${this.path}: write wrote nothing`);
      written += bytesWritten;
    }
  }

  sync(): Promise<void> {
    return this.handle.sync();
  }

  truncate(length: number): Promise<void> {
    return this.handle.truncate(length);
  }

  async size(): Promise<number> {
    return (await this.handle.stat()).size;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** The real file system. */
export const nodeFileIo: FileIo = {
  open: async (path, flags) => new NodeFile(path, await open(path, flags === 'w' ? 'w+' : flags)),
  rename: (from, to) => rename(from, to),
  unlink: (path) => unlink(path),
  truncate: (path, length) => truncate(path, length),
  mkdir: (path) => mkdir(path, { recursive: true }),
  removeTree: (path) => rm(path, { recursive: true, force: true }),
  syncDirectory: async (path) => {
    const handle = await open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
};
