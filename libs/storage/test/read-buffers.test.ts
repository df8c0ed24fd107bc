import { describe, expect, it } from 'vitest';
import { DiskLog } from '../src/disk-log.js';
import { ReadBufferPool } from '../src/read-buffers.js';
import { headersOf, tempDir, testBatch } from './helpers.js';

describe('ReadBufferPool', () => {
  it('hands out buffers of the size asked, and reuses one only after its lease gave it back', () => {
    const pool = new ReadBufferPool();
    const first = pool.lease();
    const a = first.acquire(100_000);
    const b = first.acquire(100_000);
    expect(a.length).toBe(100_000);
    expect(a.buffer).not.toBe(b.buffer);
    expect(a.buffer.byteLength).toBe(104 * 1024); // eight size classes per power of two from 64 KiB
    const second = pool.lease();
    expect(second.acquire(100_000).buffer).not.toBe(a.buffer); // still leased
    first.releaseAll();
    expect(pool.idleBytes).toBe(2 * 104 * 1024);
    // A smaller read takes an idle buffer up to twice its size class.
    const reused = pool.lease().acquire(70_000);
    expect([a.buffer, b.buffer]).toContain(reused.buffer);
    expect(reused.length).toBe(70_000);
    expect(pool.idleBytes).toBe(104 * 1024);
  });

  it('holds a read in at most an eighth more than its bytes', () => {
    const lease = new ReadBufferPool().lease();
    for (const bytes of [65_537, 100_000, 410_000, 524_288, 1_114_112, 5_000_000]) {
      const size = lease.acquire(bytes).buffer.byteLength;
      expect(size).toBeGreaterThanOrEqual(bytes);
      expect(size).toBeLessThanOrEqual(bytes * 1.125);
    }
  });

  it('keeps at most maxPooledBytes idle, allocates past maxBufferBytes, and ignores double or foreign releases', () => {
    const pool = new ReadBufferPool({ maxPooledBytes: 256 * 1024, maxBufferBytes: 1024 * 1024 });
    const lease = pool.lease();
    for (let i = 0; i < 4; i++) lease.acquire(128 * 1024);
    const huge = lease.acquire(2 * 1024 * 1024);
    expect(huge.buffer.byteLength).toBe(2 * 1024 * 1024);
    lease.releaseAll();
    lease.releaseAll();
    expect(pool.idleBytes).toBe(256 * 1024);
    pool.release(Buffer.allocUnsafeSlow(128 * 1024));
    expect(pool.idleBytes).toBe(256 * 1024);
    expect(() => lease.acquire(10)).toThrow(/released read lease/);
  });

  it('gives DiskLog reads their windows from the lease: the records are a slice of a pooled buffer', async () => {
    await using dir = await tempDir();
    const log = await DiskLog.open({ directory: dir.path, topic: 't', partition: 0 });
    for (let i = 0; i < 20; i++) await log.append([testBatch({ records: 2, valueBytes: 1000 })], { leaderEpoch: 0 });
    log.setHighWatermark(log.logEndOffset);
    const pool = new ReadBufferPool();
    const lease = pool.lease();
    const read = await log.read(0, { maxBytes: 1 << 20, lease });
    if (read.error) throw new Error(read.error);
    expect(headersOf(read.records).map((h) => h.baseOffset)).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
    const plain = await log.read(0, { maxBytes: 1 << 20 });
    if (plain.error) throw new Error(plain.error);
    expect(read.records.equals(plain.records)).toBe(true);
    lease.releaseAll();
    // The next lease reads into the same memory.
    const again = await log.read(0, { maxBytes: 1 << 20, lease: pool.lease() });
    if (again.error) throw new Error(again.error);
    expect(again.records.buffer).toBe(read.records.buffer);
    await log.close();
  });
});
