import { nodeFileIo, type FileIo, type StorageFile } from '../src/file-io.js';

/** Return an error to make the write, fsync or rename about to happen fail with it. */
export interface IoFaults {
  beforeWrite?(path: string, bytes: number): Error | undefined;
  /** File and directory fsyncs. */
  beforeSync?(path: string): Error | undefined;
  beforeRename?(from: string, to: string): Error | undefined;
  /** Reads of open files. */
  beforeRead?(path: string): Error | undefined;
  /** File and path truncations. */
  beforeTruncate?(path: string, length: number): Error | undefined;
  /**
   * A short write, as a disk that fills mid-write gives: only this many of the `bytes` of a
   * writevSync land (the caller's next write then meets `beforeWrite`'s error).
   */
  shortWrite?(path: string, bytes: number): number | undefined;
}

/** The process died here: what a crash test's fault returns; the log object must then be abandoned. */
export class SimulatedCrash extends Error {
  constructor(where: string) {
    super(`simulated crash ${where}`);
    this.name = 'SimulatedCrash';
  }
}

/** `inner` (node:fs by default) with `faults` consulted before every read, write, fsync, rename and truncation. */
export function faultyIo(faults: IoFaults, inner: FileIo = nodeFileIo): FileIo {
  const check = (error: Error | undefined): void => {
    if (error) throw error;
  };
  const wrap = (file: StorageFile): StorageFile => ({
    path: file.path,
    read: async (buffer, offset, length, position) => {
      check(faults.beforeRead?.(file.path));
      return file.read(buffer, offset, length, position);
    },
    writevSync: (buffers, position) => {
      const bytes = buffers.reduce((sum, b) => sum + b.length, 0);
      const landed = faults.shortWrite?.(file.path, bytes);
      if (landed !== undefined && landed < bytes) return file.writevSync([Buffer.concat(buffers).subarray(0, landed)], position);
      check(faults.beforeWrite?.(file.path, bytes));
      return file.writevSync(buffers, position);
    },
    write: async (data, position) => {
      check(faults.beforeWrite?.(file.path, data.length));
      await file.write(data, position);
    },
    sync: async () => {
      check(faults.beforeSync?.(file.path));
      await file.sync();
    },
    truncate: async (length) => {
      check(faults.beforeTruncate?.(file.path, length));
      await file.truncate(length);
    },
    size: () => file.size(),
    close: () => file.close(),
  });
  return {
    open: async (path, flags) => wrap(await inner.open(path, flags)),
    rename: async (from, to) => {
      check(faults.beforeRename?.(from, to));
      await inner.rename(from, to);
    },
    unlink: (path) => inner.unlink(path),
    truncate: async (path, length) => {
      check(faults.beforeTruncate?.(path, length));
      await inner.truncate(path, length);
    },
    mkdir: (path) => inner.mkdir(path),
    removeTree: (path) => inner.removeTree(path),
    syncDirectory: async (path) => {
      check(faults.beforeSync?.(path));
      await inner.syncDirectory(path);
    },
  };
}

/** An error as node:fs reports it (`code` set): what a full disk or a failing one gives. */
export function diskError(code: 'ENOSPC' | 'EIO', syscall = 'write'): NodeJS.ErrnoException {
  const message = code === 'ENOSPC' ? 'no space left on device' : 'i/o error';
  return Object.assign(new Error(`${code}: ${message}, ${syscall}`), { code, errno: code === 'ENOSPC' ? -28 : -5, syscall });
}
