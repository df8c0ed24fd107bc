import { ErrorCode } from '@strom/errors';
import { Compression, compress, encodeRecordBatch, RECORD_BATCH_HEADER_BYTES, updateBatchCrc, type RecordInput } from '@strom/protocol';
import { describe, expect, it } from 'vitest';
import { topicDefaults, topicSettings } from '../src/replica/log-config.js';
import { validateProduce } from '../src/replica/produce-validation.js';

const NOW = 1_700_000_000_000;
const policyOf = (configs: Record<string, string>) => topicSettings(configs, topicDefaults()).policy;
const context = (configs: Record<string, string> = {}) => ({ policy: policyOf(configs), nowMs: NOW, topicPartition: 'orders-0' });

/** Ten records, every one at index 0, 3, 6 and 9 without a key. */
const someKeyless: RecordInput[] = Array.from({ length: 10 }, (_, i) => ({
  key: i % 3 === 0 ? null : Buffer.from(`k${i}`),
  value: Buffer.from(`v${i}`),
}));

/** The batch with its records section compressed by `codec`. */
function compressed(batch: Buffer, codec: Compression): Buffer {
  const section = compress(codec, batch.subarray(RECORD_BATCH_HEADER_BYTES));
  const out = Buffer.concat([batch.subarray(0, RECORD_BATCH_HEADER_BYTES), section]);
  out.writeInt32BE(out.length - 12, 8);
  out.writeInt16BE(codec, 21);
  updateBatchCrc(out);
  return out;
}

describe("Kafka's LogValidator per record (KIP-467 record_errors)", () => {
  it('a compacted topic refuses records without a key: INVALID_RECORD naming each one by its index in the batch', () => {
    const batch = encodeRecordBatch({ baseTimestamp: BigInt(NOW), records: someKeyless });
    const rejected = validateProduce(batch, 11, context({ 'cleanup.policy': 'delete,compact' }));
    const message = 'Compacted topic cannot accept message without key in topic partition orders-0';
    expect(rejected).toEqual({
      errorCode: ErrorCode.INVALID_RECORD,
      errorMessage:
        'One or more records have been rejected due to 4 record errors in total, and only showing the first three errors at most: ' +
        `[RecordError(batchIndex=0, message='${message}'), RecordError(batchIndex=3, message='${message}'), ` +
        `RecordError(batchIndex=6, message='${message}')]`,
      recordErrors: [0, 3, 6, 9].map((batchIndex) => ({ batchIndex, batchIndexErrorMessage: message })),
    });
  });

  it.each([
    ['gzip', Compression.Gzip],
    ['zstd', Compression.Zstd],
  ] as const)('finds keyless records inside a %s batch', (_, codec) => {
    const batch = compressed(encodeRecordBatch({ baseTimestamp: BigInt(NOW), records: someKeyless }), codec);
    const rejected = validateProduce(batch, 11, context({ 'cleanup.policy': 'compact' }));
    expect(rejected?.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(rejected?.recordErrors.map((e) => e.batchIndex)).toEqual([0, 3, 6, 9]);
  });

  it('accepts keyless records on a delete topic, and keyed ones on a compacted topic', () => {
    expect(validateProduce(encodeRecordBatch({ baseTimestamp: BigInt(NOW), records: someKeyless }), 11, context())).toBeUndefined();
    const keyed = encodeRecordBatch({ baseTimestamp: BigInt(NOW), records: [{ key: Buffer.from('k'), value: null }] });
    expect(validateProduce(keyed, 11, context({ 'cleanup.policy': 'compact' }))).toBeUndefined();
  });

  it('refuses records whose CreateTime is past message.timestamp.after.max.ms, naming each, and keeps the key error first', () => {
    const records: RecordInput[] = [
      { key: Buffer.from('a'), value: null },
      { key: Buffer.from('b'), value: null, timestampDelta: 3_600_001n },
      { key: null, value: null, timestampDelta: 3_600_001n },
      { key: Buffer.from('d'), value: null, timestampDelta: 3_600_000n },
    ];
    const batch = encodeRecordBatch({ baseTimestamp: BigInt(NOW), records });
    const rejected = validateProduce(batch, 11, context({ 'cleanup.policy': 'compact' }));
    expect(rejected).toEqual({
      errorCode: ErrorCode.INVALID_TIMESTAMP,
      errorMessage: 'One or more records have been rejected due to invalid timestamp',
      recordErrors: [
        {
          batchIndex: 1,
          batchIndexErrorMessage: `Timestamp ${NOW + 3_600_001} of message with offset 1 is out of range. The timestamp should be within [${
            NOW - Number.MAX_SAFE_INTEGER
          }, ${NOW + 3_600_000}]`,
        },
        { batchIndex: 2, batchIndexErrorMessage: 'Compacted topic cannot accept message without key in topic partition orders-0' },
      ],
    });
  });

  it('checks message.timestamp.before.max.ms per record: a record older than the batch’s first one is found', () => {
    const records: RecordInput[] = [{ value: null }, { value: null, timestampDelta: -60_001n }, { value: null, timestampDelta: -60_000n }];
    const batch = encodeRecordBatch({ baseTimestamp: BigInt(NOW), records });
    const rejected = validateProduce(batch, 11, context({ 'message.timestamp.before.max.ms': '60000' }));
    expect(rejected?.errorCode).toBe(ErrorCode.INVALID_TIMESTAMP);
    expect(rejected?.recordErrors.map((e) => e.batchIndex)).toEqual([1]);
    expect(validateProduce(batch, 11, context({ 'message.timestamp.before.max.ms': '60001' }))).toBeUndefined();
  });

  it('leaves timestamps alone on a LogAppendTime topic, and records without a timestamp (-1) always', () => {
    const future = encodeRecordBatch({ baseTimestamp: BigInt(NOW + 7_200_000), records: [{ value: null }] });
    expect(validateProduce(future, 11, context({ 'message.timestamp.type': 'LogAppendTime' }))).toBeUndefined();
    const untimed = encodeRecordBatch({ baseTimestamp: -1n, records: [{ value: null }] });
    expect(validateProduce(untimed, 11, context({ 'message.timestamp.before.max.ms': '1000' }))).toBeUndefined();
  });
});
