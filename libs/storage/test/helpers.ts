import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBatch, readBatchHeader, type BatchHeader } from '../src/batch.js';

export interface TestBatchOptions {
  records?: number;
  valueBytes?: number;
  timestamp?: number;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  keys?: string[];
  tag?: string;
}

/** An uncompressed batch of `records` records with keys k0..kn and values carrying `tag`. */
export function testBatch(options: TestBatchOptions = {}): Buffer {
  const count = options.keys?.length ?? options.records ?? 1;
  const timestamp = options.timestamp ?? 1_700_000_000_000;
  return buildBatch({
    records: Array.from({ length: count }, (_, i) => ({
      key: Buffer.from(options.keys?.[i] ?? `k${i}`),
      value: Buffer.from(`${options.tag ?? 'v'}${i}`.padEnd(options.valueBytes ?? 8, '.')),
      timestamp: timestamp + i,
    })),
    producerId: options.producerId,
    producerEpoch: options.producerEpoch,
    baseSequence: options.baseSequence,
  });
}

/** Splits concatenated record batches into their headers. */
export function headersOf(records: Buffer): BatchHeader[] {
  const headers: BatchHeader[] = [];
  for (let at = 0; at < records.length;) {
    const header = readBatchHeader(records, at);
    headers.push(header);
    at += header.sizeBytes;
  }
  return headers;
}

export async function tempDir(prefix = 'strom-storage-'): Promise<{ path: string; [Symbol.asyncDispose](): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, [Symbol.asyncDispose]: () => rm(path, { recursive: true, force: true }) };
}
