import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CorruptRecordError,
  decodeRecords,
  encodeRecordBatch,
  RECORD_BATCH_HEADER_BYTES,
  readBatchHeader,
  RecordScanner,
  type RecordInput,
} from '../src/index.js';

const bytes = fc.uint8Array({ maxLength: 300 }).map((array) => Buffer.from(array));
const record: fc.Arbitrary<RecordInput> = fc.record({
  key: fc.option(bytes, { nil: null }),
  value: fc.option(bytes, { nil: null }),
  headers: fc.array(fc.record({ key: fc.string({ maxLength: 20 }), value: fc.option(bytes, { nil: null }) }), { maxLength: 4 }),
  timestampDelta: fc.bigInt({ min: -(2n ** 40n), max: 2n ** 40n }),
});

const slice = (buffer: Buffer, start: number, length: number) => (length < 0 ? null : buffer.subarray(start, start + length));

/** What a scanner sees of each record: the same fields decodeRecords gives. */
function scanAll(batch: Buffer) {
  const scanner = new RecordScanner(batch, RECORD_BATCH_HEADER_BYTES, batch.length, readBatchHeader(batch).recordCount);
  const seen = [];
  while (scanner.next()) {
    const headers: { key: string; value: Buffer | null }[] = [];
    scanner.someHeader((keyStart, keyLength, valueStart, valueLength) => {
      headers.push({ key: batch.toString('utf8', keyStart, keyStart + keyLength), value: slice(batch, valueStart, valueLength) });
      return false;
    });
    seen.push({
      offsetDelta: scanner.offsetDelta,
      key: slice(batch, scanner.keyStart, scanner.keyLength),
      value: slice(batch, scanner.valueStart, scanner.valueLength),
      headers,
    });
  }
  return seen;
}

describe('RecordScanner', () => {
  it('finds the key, value and headers of every record where decodeRecords does', () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 20 }), (records) => {
        const batch = encodeRecordBatch({ baseTimestamp: 1_700_000_000_000n, records });
        const decoded = decodeRecords(batch).map(({ offsetDelta, key, value, headers }) => ({ offsetDelta, key, value, headers }));
        expect(scanAll(batch)).toEqual(decoded);
      }),
    );
  });

  it('stops at the first header its visitor accepts', () => {
    const batch = encodeRecordBatch({
      baseTimestamp: 0n,
      records: [
        {
          headers: [
            { key: 'a', value: null },
            { key: 'b', value: Buffer.from('x') },
            { key: 'c', value: null },
          ],
        },
      ],
    });
    const scanner = new RecordScanner(batch, RECORD_BATCH_HEADER_BYTES, batch.length, 1);
    expect(scanner.next()).toBe(true);
    const visited: string[] = [];
    expect(
      scanner.someHeader(
        (keyStart, keyLength) => (visited.push(batch.toString('utf8', keyStart, keyStart + keyLength)), visited.length === 2),
      ),
    ).toBe(true);
    expect(visited).toEqual(['a', 'b']);
    expect(scanner.next()).toBe(false);
  });

  it('throws CorruptRecordError, never reads past the section, on every truncation and on a wrong record count', () => {
    const batch = encodeRecordBatch({
      baseTimestamp: 0n,
      records: [
        { key: Buffer.from('k1'), value: Buffer.from('value one'), headers: [{ key: 'h', value: Buffer.from('v') }] },
        { key: null, value: Buffer.from('value two') },
      ],
    });
    for (let end = RECORD_BATCH_HEADER_BYTES; end < batch.length; end++) {
      const truncated = batch.subarray(0, end);
      expect(() => {
        const scanner = new RecordScanner(truncated, RECORD_BATCH_HEADER_BYTES, end, 2);
        while (scanner.next()) scanner.someHeader(() => false);
      }, `cut at ${end}`).toThrow(CorruptRecordError);
    }
    expect(() => {
      const scanner = new RecordScanner(batch, RECORD_BATCH_HEADER_BYTES, batch.length, 1);
      while (scanner.next());
    }).toThrow(CorruptRecordError);
  });
});
