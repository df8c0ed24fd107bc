import { invariant } from './errors.js';

/** Smallest pooled buffer: reads below this come from Node's own small-buffer pool anyway. */
const MIN_CLASS_BYTES = 64 * 1024;

export interface ReadBufferPoolOptions {
  /** Bound on the bytes kept in free lists between reads. */
  maxPooledBytes?: number;
  /** Larger reads are allocated and left to the GC, as without a pool. */
  maxBufferBytes?: number;
}

/**
 * Buffers for log reads that outlive the read: the fetch path reads each partition's batches
 * into a window and sends a slice of it as is. Allocating a fresh window per partition per fetch
 * (up to `max.partition.fetch.bytes` + 64 KiB) made V8 run a mark-compact every ~120 ms under a
 * fast consumer, for external memory it never needed to scan. Here windows come in size classes
 * from free lists and go back once the response that carries them is written.
 *
 * Giving a buffer back is an optimisation, never needed for correctness: one that is never
 * released is collected as before. Giving one back early would be a bug (its bytes are
 * overwritten by the next read), so only {@link ReadLease.releaseAll} returns buffers, and only
 * the code that knows the bytes are on the socket calls it.
 */
export class ReadBufferPool {
  private readonly free = new Map<number, ArrayBuffer[]>();
  private readonly owned = new WeakSet<ArrayBuffer>();
  private readonly idle = new WeakSet<ArrayBuffer>();
  private pooledBytes = 0;
  private readonly maxPooledBytes: number;
  private readonly maxBufferBytes: number;

  constructor(options: ReadBufferPoolOptions = {}) {
    this.maxPooledBytes = options.maxPooledBytes ?? 64 * 1024 * 1024;
    this.maxBufferBytes = options.maxBufferBytes ?? 8 * 1024 * 1024;
    invariant(this.maxPooledBytes >= 0 && this.maxBufferBytes >= MIN_CLASS_BYTES, 'read buffer pool bounds');
  }

  /** Bytes held in free lists right now. */
  get idleBytes(): number {
    return this.pooledBytes;
  }

  /** A lease collects what one response reads, to give it all back at once. */
  lease(): ReadLease {
    return new ReadLease(this);
  }

  /**
   * @internal A buffer of exactly `bytes` bytes: an idle one of its size class or up to twice
   * that, else a new one of its class.
   */
  acquire(bytes: number): Buffer {
    const size = sizeClass(bytes);
    if (size > this.maxBufferBytes) return Buffer.allocUnsafeSlow(bytes);
    for (let fits = size; fits <= 2 * size; fits = sizeClass(fits + 1)) {
      const reused = this.free.get(fits)?.pop();
      if (reused === undefined) continue;
      this.idle.delete(reused);
      this.pooledBytes -= fits;
      return Buffer.from(reused, 0, bytes);
    }
    // Not zero-filled: a read overwrites what is sent of it, as it does in a reused buffer.
    const fresh = Buffer.allocUnsafeSlow(size).buffer as ArrayBuffer;
    this.owned.add(fresh);
    return Buffer.from(fresh, 0, bytes);
  }

  /** @internal Takes back a buffer {@link acquire} gave; anything else, or a second release, is ignored. */
  release(buffer: Buffer): void {
    const backing = buffer.buffer;
    if (!(backing instanceof ArrayBuffer) || !this.owned.has(backing) || this.idle.has(backing)) return;
    if (this.pooledBytes + backing.byteLength > this.maxPooledBytes) return;
    let list = this.free.get(backing.byteLength);
    if (list === undefined) {
      list = [];
      this.free.set(backing.byteLength, list);
    }
    list.push(backing);
    this.idle.add(backing);
    this.pooledBytes += backing.byteLength;
  }
}

/** The buffers one response's reads took from a {@link ReadBufferPool}. */
export class ReadLease {
  private readonly taken: Buffer[] = [];
  private released = false;
  private readonly pool: ReadBufferPool;

  constructor(pool: ReadBufferPool) {
    this.pool = pool;
  }

  acquire(bytes: number): Buffer {
    invariant(!this.released, 'a released read lease cannot take buffers');
    const buffer = this.pool.acquire(bytes);
    this.taken.push(buffer);
    return buffer;
  }

  /** Gives every buffer back: call only once nothing still reads them (the response is written). */
  releaseAll(): void {
    if (this.released) return;
    this.released = true;
    for (const buffer of this.taken) this.pool.release(buffer);
    this.taken.length = 0;
  }
}

/**
 * Eight size classes per power of two from 64 KiB: a buffer is at most an eighth larger than the
 * read it holds. A fetch of a thousand partitions reads a thousand windows of about the same size;
 * rounded up to powers of two they held up to twice their bytes and outgrew the pool.
 */
function sizeClass(bytes: number): number {
  if (bytes <= MIN_CLASS_BYTES) return MIN_CLASS_BYTES;
  const step = 2 ** Math.floor(Math.log2(bytes - 1)) / 8;
  return Math.ceil(bytes / step) * step;
}
