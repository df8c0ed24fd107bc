import { nodeFileIo, type FileIo, type StorageFile } from '../src/file-io.js';

/** Return an error to make the write, fsync or rename about to happen fail with it. */
export interface IoFaults {
  beforeWrite?(path: string, bytes: number): Error | undefined;
  /** File and directory fsyncs. */
  beforeSync?(path: string): Error | undefined;
  beforeRename?(from: string, to: string): Error | undefined;
}

/** The process died here: what a crash test's fault returns; the log object must then be abandoned. */
export class SimulatedCrash extends Error {
  constructor(where: string) {
    super(`simulated crash ${where}`);
    this.name = 'SimulatedCrash';
  }
}

/** `inner` (node:fs by default) with `faults` consulted before every write and fsync. */
export function faultyIo(faults: IoFaults, inner: FileIo = nodeFileIo): FileIo {
  const check = (error: Error | undefined): void => {
    if (error) throw error;
  };
  const wrap = (file: StorageFile): StorageFile => ({
    path: file.path,
    read: (buffer, offset, length, position) => file.read(buffer, offset, length, position),
    writevSync: (buffers, position) => {
      check(
        faults.beforeWrite?.(
          file.path,
          buffers.reduce((sum, b) => sum + b.length, 0),
        ),
      );
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
    truncate: (length) => file.truncate(length),
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
    truncate: (path, length) => inner.truncate(path, length),
    mkdir: (path) => inner.mkdir(path),
    removeTree: (path) => inner.removeTree(path),
    syncDirectory: async (path) => {
      check(faults.beforeSync?.(path));
      await inner.syncDirectory(path);
    },
  };
}
