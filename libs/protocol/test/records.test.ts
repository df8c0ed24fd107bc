import fc from 'fast-check';
import { compressSync as snappyCompressSync } from 'snappy';
import { describe, expect, it } from 'vitest';
import {
  BatchField,
  compress,
  Compression,
  CompressionError,
  decompress,
  batches,
  computeBatchCrc,
  ControlRecordType,
  CorruptRecordError,
  crc32c,
  decodeControlRecordKey,
  decodeEndTxnMarkerValue,
  decodeRecords,
  encodeEndTxnMarkerBatch,
  encodeRecordBatch,
  isControlBatch,
  isTransactional,
  ProtocolError,
  readBatchHeader,
  setBaseOffset,
  setPartitionLeaderEpoch,
  UnsupportedCompressionError,
  UnsupportedRecordFormatError,
  verifyBatchCrc,
} from '../src/index.js';
import { crc32cSlicingBy8 } from '../src/records/crc32c.js';

describe('crc32c', () => {
  it('matches the standard check value and the RFC 3720 vectors', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
    expect(crc32c(Buffer.alloc(32, 0))).toBe(0x8a9136aa);
    expect(crc32c(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43);
    expect(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => i)))).toBe(0x46dd794e);
    expect(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i)))).toBe(0x113fdb5c);
  });

  it('chains: crc32c(b, crc32c(a)) === crc32c(a + b), and agrees with a bitwise reference', () => {
    const bitwise = (buf: Uint8Array): number => {
      let c = ~0;
      for (const byte of buf) {
        c ^= byte;
        for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
      }
      return ~c >>> 0;
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.uint8Array({ maxLength: 100 }), (a, b) => {
        const whole = Buffer.concat([a, b]);
        expect(crc32c(b, crc32c(a))).toBe(crc32c(whole));
        expect(crc32cSlicingBy8(whole)).toBe(bitwise(whole));
        expect(crc32c(whole)).toBe(bitwise(whole));
      }),
      { numRuns: 200, seed: 3 },
    );
  });
});

const recordArb = fc.record({
  key: fc.option(
    fc.uint8Array({ maxLength: 10 }).map((a) => Buffer.from(a)),
    { nil: null },
  ),
  value: fc.option(
    fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a)),
    { nil: null },
  ),
  headers: fc.array(
    fc.record({
      key: fc.string({ maxLength: 5 }),
      value: fc.option(
        fc.uint8Array({ maxLength: 5 }).map((a) => Buffer.from(a)),
        { nil: null },
      ),
    }),
    { maxLength: 2 },
  ),
  timestampDelta: fc.bigInt({ min: -(2n ** 40n), max: 2n ** 40n }),
});

describe('record batches (magic v2)', () => {
  it('encode → header, CRC and records round-trip', () => {
    fc.assert(
      fc.property(
        fc.array(recordArb, { maxLength: 5 }),
        fc.bigInt({ min: 0n, max: 2n ** 62n }),
        fc.bigInt({ min: 0n, max: 2n ** 41n }),
        fc.boolean(),
        (records, baseOffset, baseTimestamp, transactional) => {
          const batch = encodeRecordBatch({
            baseOffset,
            baseTimestamp,
            transactional,
            producerId: 5n,
            producerEpoch: 1,
            baseSequence: 10,
            records,
          });
          expect(verifyBatchCrc(batch)).toBe(true);
          const h = readBatchHeader(batch);
          expect(h).toMatchObject({ baseOffset, magic: 2, recordCount: records.length, producerId: 5n, baseSequence: 10 });
          expect(h.batchLength).toBe(batch.length - 12);
          expect(isTransactional(h.attributes)).toBe(transactional);
          expect(h.lastOffsetDelta).toBe(Math.max(0, records.length - 1));
          const decoded = decodeRecords(batch);
          expect(decoded).toHaveLength(records.length);
          decoded.forEach((d, i) => {
            const r = records[i]!;
            expect(d.key).toEqual(r.key);
            expect(d.value).toEqual(r.value);
            expect(d.headers).toEqual(r.headers);
            expect(d.offsetDelta).toBe(i);
            expect(d.offset).toBe(baseOffset + BigInt(i));
            expect(d.timestamp).toBe(baseTimestamp + r.timestampDelta);
          });
        },
      ),
      { numRuns: 200, seed: 11 },
    );
  });

  it('rewrites baseOffset and partitionLeaderEpoch in place without invalidating the CRC', () => {
    const batch = encodeRecordBatch({ baseTimestamp: 1000n, records: [{ value: Buffer.from('v') }] });
    const crc = batch.readUInt32BE(BatchField.Crc);
    setBaseOffset(batch, 123456789n);
    setPartitionLeaderEpoch(batch, 42);
    expect(readBatchHeader(batch)).toMatchObject({ baseOffset: 123456789n, partitionLeaderEpoch: 42, crc });
    expect(verifyBatchCrc(batch)).toBe(true);
    expect(decodeRecords(batch)[0]!.offset).toBe(123456789n);
  });

  it('detects a flipped bit anywhere under the CRC', () => {
    const batch = encodeRecordBatch({ baseTimestamp: 1n, records: [{ key: Buffer.from('k'), value: Buffer.from('value') }] });
    for (let i = BatchField.Attributes; i < batch.length; i++) {
      const copy = Buffer.from(batch);
      copy[i] = copy[i]! ^ 0x01;
      expect(verifyBatchCrc(copy)).toBe(false);
    }
    expect(computeBatchCrc(batch)).toBe(batch.readUInt32BE(BatchField.Crc));
  });

  it('iterates the batches of a record set as slices, verifying CRCs', () => {
    const a = encodeRecordBatch({ baseOffset: 0n, baseTimestamp: 1n, records: [{ value: Buffer.from('a') }] });
    const b = encodeRecordBatch({ baseOffset: 1n, baseTimestamp: 2n, records: [{ value: Buffer.from('b') }, { value: null }] });
    const set = Buffer.concat([a, b]);
    const views = [...batches(set, { verifyCrc: true })];
    expect(views.map((v) => v.position)).toEqual([0, a.length]);
    expect(views[1]!.bytes.buffer).toBe(set.buffer);
    expect(views[1]!.header.recordCount).toBe(2);
    // A fetch response may end in a partial batch.
    expect([...batches(set.subarray(0, set.length - 5), { allowPartialTail: true })]).toHaveLength(1);
    expect(() => [...batches(set.subarray(0, set.length - 5))]).toThrow(CorruptRecordError);
    const corrupt = Buffer.from(set);
    corrupt[set.length - 1] = corrupt[set.length - 1]! ^ 0xff;
    expect(() => [...batches(corrupt, { verifyCrc: true })]).toThrow(/CRC mismatch/);
  });

  it('recognises and refuses magic v0 and v1 message sets', () => {
    const legacy = Buffer.alloc(40);
    legacy.writeInt32BE(28, 8);
    legacy.writeInt8(1, 16);
    expect(() => readBatchHeader(legacy)).toThrow(UnsupportedRecordFormatError);
    legacy.writeInt8(0, 16);
    expect(() => Array.from(batches(legacy))).toThrow(
      expect.objectContaining({ name: 'UnsupportedRecordFormatError', magic: 0, code: 87 }),
    );
    legacy.writeInt8(7, 16);
    expect(() => readBatchHeader(legacy)).toThrow(/unknown record batch magic 7/);
  });

  it.each([
    ['gzip', Compression.Gzip],
    ['snappy', Compression.Snappy],
    ['lz4', Compression.Lz4],
    ['zstd', Compression.Zstd],
  ] as const)('builds and decodes %s batches, the codec in the attributes, CRC over the compressed bytes', (_name, codec) => {
    const records = Array.from({ length: 300 }, (_, i) => ({
      key: Buffer.from(`key-${i}`),
      value: Buffer.from(`value ${i} `.repeat(20)),
      headers: [{ key: 'n', value: Buffer.from(String(i)) }],
    }));
    const plain = encodeRecordBatch({ baseTimestamp: 5n, records });
    const packed = encodeRecordBatch({ baseTimestamp: 5n, records, compression: codec });
    expect(packed.length).toBeLessThan(plain.length / 3);
    expect(readBatchHeader(packed).attributes & 0x07).toBe(codec);
    expect(verifyBatchCrc(packed)).toBe(true);
    const decoded = decodeRecords(packed);
    expect(decoded.map((r) => [r.offset, r.key?.toString(), r.value?.toString(), r.headers[0]?.value?.toString()])).toEqual(
      decodeRecords(plain).map((r) => [r.offset, r.key?.toString(), r.value?.toString(), r.headers[0]?.value?.toString()]),
    );
  });

  it('refuses an unknown codec, undecompressable bytes and a decompression bomb with typed errors', () => {
    const batch = encodeRecordBatch({ baseTimestamp: 1n, records: [{ value: Buffer.from('x') }] });
    batch.writeInt16BE(5, BatchField.Attributes);
    expect(() => decodeRecords(batch)).toThrow(UnsupportedCompressionError);
    for (const codec of [Compression.Gzip, Compression.Snappy, Compression.Lz4, Compression.Zstd]) {
      const garbage = Buffer.from(batch);
      garbage.writeInt16BE(codec, BatchField.Attributes);
      expect(() => decodeRecords(garbage)).toThrow(CompressionError);
    }
    const bomb = encodeRecordBatch({ baseTimestamp: 1n, records: [{ value: Buffer.alloc(1 << 20) }], compression: Compression.Gzip });
    expect(() => decodeRecords(bomb, { maxDecompressedBytes: 64 * 1024 })).toThrow(CompressionError);
  });

  it('reads raw snappy blocks as well as the xerial stream, and writes what the Java client reads', () => {
    const data = Buffer.from('hello snappy '.repeat(10_000));
    const xerial = compress(Compression.Snappy, data);
    expect(xerial.subarray(0, 8)).toEqual(Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]));
    expect(xerial.readInt32BE(8)).toBe(1);
    expect(xerial.readInt32BE(12)).toBe(1);
    expect(decompress(Compression.Snappy, xerial)).toEqual(data);
    expect(decompress(Compression.Snappy, snappyCompressSync(data) as Buffer)).toEqual(data);
    expect(decompress(Compression.Lz4, compress(Compression.Lz4, data)).equals(data)).toBe(true);
    expect(compress(Compression.Lz4, data).readUInt32LE(0)).toBe(0x184d2204);
  });

  it('truncated or lying records are CorruptRecordError, never anything else', () => {
    const batch = encodeRecordBatch({
      baseTimestamp: 1n,
      records: [{ key: Buffer.from('key'), value: Buffer.from('value'), headers: [{ key: 'h', value: Buffer.from('x') }] }],
    });
    for (let cut = 0; cut < batch.length; cut++) {
      const copy = Buffer.from(batch.subarray(0, cut));
      expect(() => decodeRecords(copy)).toThrow(ProtocolError);
    }
    fc.assert(
      fc.property(fc.integer({ min: 61, max: batch.length - 1 }), fc.integer({ min: 0, max: 255 }), (pos, byte) => {
        const copy = Buffer.from(batch);
        copy[pos] = byte;
        try {
          decodeRecords(copy);
        } catch (e) {
          expect(e).toBeInstanceOf(CorruptRecordError);
        }
      }),
      { numRuns: 500, seed: 5 },
    );
  });
});

describe('control records', () => {
  it('builds COMMIT and ABORT markers as Kafka does', () => {
    for (const commit of [true, false]) {
      const batch = encodeEndTxnMarkerBatch({ commit, producerId: 77n, producerEpoch: 3, coordinatorEpoch: 9, timestamp: 1700n });
      const h = readBatchHeader(batch);
      expect(isControlBatch(h.attributes)).toBe(true);
      expect(isTransactional(h.attributes)).toBe(true);
      expect(h).toMatchObject({ producerId: 77n, producerEpoch: 3, baseSequence: -1, recordCount: 1 });
      const [record] = decodeRecords(batch);
      expect(decodeControlRecordKey(record!.key!)).toEqual({
        version: 0,
        type: commit ? ControlRecordType.Commit : ControlRecordType.Abort,
      });
      expect(decodeEndTxnMarkerValue(record!.value!)).toEqual({ version: 0, coordinatorEpoch: 9 });
    }
  });
});
