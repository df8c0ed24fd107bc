import { invariant } from './errors.js';
import { nodeFileIo, type FileIo, type StorageFile } from './file-io.js';

interface PooledHandle {
  path: string;
  handle: Promise<StorageFile>;
  users: number;
}

/** Default bound on segment files open at once across every log sharing a pool. */
export const DEFAULT_MAX_OPEN_FILES = 1024;

/**
 * Segment file handles shared by all logs of a data directory: opened lazily, closed least
 * recently used first once more than `maxOpenFiles` are open (never while in use), so
 * thousands of partitions do not need thousands of descriptors.
 */
export class FileHandlePool {
  private readonly handles = new Map<string, PooledHandle>();

  readonly maxOpenFiles: number;
  /** Every file of the logs sharing this pool is opened (and so written and synced) through it. */
  readonly io: FileIo;

  constructor(maxOpenFiles = DEFAULT_MAX_OPEN_FILES, io: FileIo = nodeFileIo) {
    this.maxOpenFiles = maxOpenFiles;
    this.io = io;
    invariant(maxOpenFiles >= 1, 'maxOpenFiles must be positive');
  }

  get openFiles(): number {
    return this.handles.size;
  }

  /** Runs `use` with a read/write handle of `path`; the file must exist. */
  async with<T>(path: string, use: (file: StorageFile) => Promise<T>): Promise<T> {
    let entry = this.handles.get(path);
    if (entry) {
      this.handles.delete(path); // re-insert: Map order is the LRU order
    } else {
      entry = { path, handle: this.io.open(path, 'r+'), users: 0 };
      entry.handle.catch(() => this.handles.get(path) === entry && this.handles.delete(path));
    }
    this.handles.set(path, entry);
    entry.users++;
    try {
      this.evict();
      return await use(await entry.handle);
    } finally {
      entry.users--;
      this.evict();
    }
  }

  /** Closes the handle of `path` (file deleted or renamed); waits for its users to finish first. */
  async close(path: string): Promise<void> {
    const entry = this.handles.get(path);
    if (!entry) return;
    this.handles.delete(path);
    await closeQuietly(entry);
  }

  async closeAll(): Promise<void> {
    const entries = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(entries.map(closeQuietly));
  }

  private evict(): void {
    if (this.handles.size <= this.maxOpenFiles) return;
    for (const entry of this.handles.values()) {
      if (this.handles.size <= this.maxOpenFiles) return;
      if (entry.users > 0) continue;
      this.handles.delete(entry.path);
      void closeQuietly(entry);
    }
  }
}

async function closeQuietly(entry: PooledHandle): Promise<void> {
  // A user still holding it closes it when done: wait until it is idle.
  while (entry.users > 0) await new Promise((resolve) => setImmediate(resolve));
  try {
    await (await entry.handle).close();
  } catch {
    // Already failed to open or close: nothing to release.
  }
}
