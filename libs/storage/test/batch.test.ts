import {
  BatchAttribute,
  BatchField,
  Compression,
  compressionOf,
  decodeRecords,
  readBatchHeader as readRecordBatchHeader,
  verifyBatchCrc,
} from '@strom/protocol';
import { describe, expect, it } from 'vitest';
import {
  buildBatch,
  checkBatch,
  offsetForTimestampInBatch,
  offsetOfMaxTimestampInBatch,
  readBatchHeader,
  readRecords,
} from '../src/batch.js';
import { MemoryLog } from '../src/memory-log.js';

const T = 1_700_000_000_000;
const CODECS = [Compression.None, Compression.Gzip, Compression.Snappy, Compression.Lz4, Compression.Zstd];

function sample(attributes = 0): Buffer {
  return buildBatch({
    attributes,
    baseOffset: 10,
    partitionLeaderEpoch: 3,
    producerId: 7n,
    producerEpoch: 1,
    baseSequence: 0x7ffffffe,
    records: [
      { key: Buffer.from('a'), value: Buffer.from('one'), timestamp: T + 5 },
      { key: null, value: Buffer.from('two'), timestamp: T + 1, headers: [{ key: 'h', value: Buffer.from('x') }] },
      { key: Buffer.from('c'), value: null, timestamp: T + 9 },
    ],
  });
}

describe('record batches through @strom/protocol', () => {
  it.each(CODECS)('buildBatch and readRecords round-trip with codec %i', (codec) => {
    const batch = sample(codec);
    expect(verifyBatchCrc(batch)).toBe(true);
    expect(checkBatch(batch)).toBeNull();
    expect(compressionOf(batch.readInt16BE(BatchField.Attributes))).toBe(codec);
    expect(readBatchHeader(batch)).toEqual({
      baseOffset: 10,
      lastOffset: 12,
      sizeBytes: batch.length,
      partitionLeaderEpoch: 3,
      magic: 2,
      maxTimestamp: T + 9,
      producerId: 7n,
      producerEpoch: 1,
      baseSequence: 0x7ffffffe,
      lastSequence: 0, // wraps past Int32.MAX
      recordsCount: 3,
      isTransactional: false,
      isControl: false,
    });
    expect(readRecords(batch).map((r) => [r.offset, r.timestamp, r.key?.toString() ?? null, r.value?.toString() ?? null])).toEqual([
      [10, T + 5, 'a', 'one'],
      [11, T + 1, null, 'two'],
      [12, T + 9, 'c', null],
    ]);
    expect(decodeRecords(batch)[1]!.headers).toEqual([{ key: 'h', value: Buffer.from('x') }]);
  });

  it('keeps attribute bits and an explicit span the encoder has no option for, with a valid CRC', () => {
    const batch = buildBatch({
      attributes: Compression.Zstd | BatchAttribute.Transactional | BatchAttribute.DeleteHorizon,
      lastOffsetDelta: 9,
      maxTimestamp: T + 100,
      records: [{ key: Buffer.from('k'), value: Buffer.from('v'), timestamp: T, offsetDelta: 4 }],
    });
    const header = readRecordBatchHeader(batch);
    expect(header.attributes).toBe(Compression.Zstd | BatchAttribute.Transactional | BatchAttribute.DeleteHorizon);
    expect(header.lastOffsetDelta).toBe(9);
    expect(header.maxTimestamp).toBe(BigInt(T + 100));
    expect(verifyBatchCrc(batch)).toBe(true);
    expect(decodeRecords(batch).map((r) => r.offsetDelta)).toEqual([4]);
  });

  it('classifies torn and corrupt batches', () => {
    const batch = sample(Compression.Lz4);
    expect(checkBatch(batch.subarray(0, 60))).toBe('too-short');
    expect(checkBatch(batch.subarray(0, batch.length - 1))).toBe('too-short');
    const shortLength = Buffer.from(batch);
    shortLength.writeInt32BE(10, BatchField.BatchLength);
    expect(checkBatch(shortLength)).toBe('bad-length');
    const badMagic = Buffer.from(batch);
    badMagic[BatchField.Magic] = 1;
    expect(checkBatch(badMagic)).toBe('bad-magic');
    const flipped = Buffer.from(batch);
    flipped[batch.length - 1]! ^= 0x01;
    expect(checkBatch(flipped)).toBe('bad-crc');
    expect(checkBatch(flipped, 0, flipped.length, false)).toBeNull();
  });

  it.each(CODECS)('looks up timestamps inside a batch with codec %i', (codec) => {
    const batch = sample(codec);
    expect(offsetForTimestampInBatch(batch, T + 2)).toEqual({ offset: 10, timestamp: T + 5 });
    expect(offsetForTimestampInBatch(batch, T + 6)).toEqual({ offset: 12, timestamp: T + 9 });
    expect(offsetOfMaxTimestampInBatch(batch)).toEqual({ offset: 12, timestamp: T + 9 });
  });

  it('gives every record of a LogAppendTime batch the batch max timestamp', () => {
    const batch = sample(BatchAttribute.TimestampTypeLogAppendTime);
    expect(readRecords(batch).map((r) => r.timestamp)).toEqual([T + 9, T + 9, T + 9]);
    expect(offsetForTimestampInBatch(batch, T)).toEqual({ offset: 10, timestamp: T + 9 });
  });

  it('answers ListOffsets by timestamp inside compressed batches', async () => {
    const log = new MemoryLog({ topic: 't', partition: 0 });
    const records = (from: number) =>
      Array.from({ length: 4 }, (_, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from('v'), timestamp: from + i * 10 }));
    await log.append([buildBatch({ attributes: Compression.Gzip, records: records(T) })], { leaderEpoch: 0 });
    await log.append([buildBatch({ attributes: Compression.Zstd, records: records(T + 100) })], { leaderEpoch: 0 });
    expect(await log.listOffset({ timestampMs: T + 15 })).toEqual({ offset: 2, timestamp: T + 20 });
    expect(await log.listOffset({ timestampMs: T + 121 })).toEqual({ offset: 7, timestamp: T + 130 });
    expect(await log.listOffset('max-timestamp')).toEqual({ offset: 7, timestamp: T + 130 });
    await log.close();
  });
});
