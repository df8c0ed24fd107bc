import { ErrorCode } from '@strom/errors';
import {
  batches,
  Compression,
  compressionOf,
  decodeRecords,
  decompress,
  LOG_OVERHEAD_BYTES,
  ProtocolError,
  readBatchHeader,
  RECORD_BATCH_HEADER_BYTES,
  RecordScanner,
  UnsupportedRecordFormatError,
  verifyBatchCrc,
  type RecordBatchHeader,
} from '@strom/protocol';
import type { TopicPolicy } from './log-config.js';

/** One refused record of a batch, as Produce v8+ reports it (KIP-467 `record_errors`). */
export interface RecordError {
  batchIndex: number;
  batchIndexErrorMessage: string | null;
}

/** Why a partition refuses a produced record set; nothing of it is appended. */
export interface ProduceRejection {
  errorCode: ErrorCode;
  errorMessage: string | null;
  recordErrors: RecordError[];
}

/** Kafka's LogValidator, batch-level checks first, then per record where a topic setting needs it. */
export interface ProduceValidationContext {
  policy: TopicPolicy;
  nowMs: number;
  /** `topic-partition`, as Kafka names it in its messages. */
  topicPartition: string;
}

/**
 * Validates a partition's record set as Kafka does for Produce v3+: exactly one magic v2 batch,
 * its size, CRC and codec, then its records (Kafka's `LogValidator.validateRecord`): a compacted
 * topic refuses records without a key (INVALID_RECORD), a CreateTime topic records whose
 * timestamp is further from now than message.timestamp.before/after.max.ms (INVALID_TIMESTAMP).
 * Any refused record refuses the whole batch, with the index of each refused record.
 */
export function validateProduce(
  records: Buffer | null,
  apiVersion: number,
  context: ProduceValidationContext,
): ProduceRejection | undefined {
  const { policy } = context;
  if (records === null || records.length === 0) {
    return rejection(
      ErrorCode.INVALID_RECORD,
      `Produce requests with version ${apiVersion} must have at least one record batch per partition`,
    );
  }
  try {
    const found = [...batches(records)];
    if (found.length !== 1) {
      return rejection(
        ErrorCode.INVALID_RECORD,
        `Produce requests with version ${apiVersion} are only allowed to contain exactly one record batch per partition`,
      );
    }
    const header = readBatchHeader(records);
    if (records.length > policy.maxMessageBytes) {
      return rejection(
        ErrorCode.MESSAGE_TOO_LARGE,
        `The batch size ${records.length} is larger than the maximum allowed ${policy.maxMessageBytes}`,
      );
    }
    if (!verifyBatchCrc(records)) return rejection(ErrorCode.CORRUPT_MESSAGE, 'Record batch CRC does not match its contents');
    const compression = compressionOf(header.attributes);
    if (compression === Compression.Zstd && apiVersion < 7) {
      return rejection(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, 'Produce requests with version < 7 may not use zstd compression');
    }
    if (compression > Compression.Zstd) return rejection(ErrorCode.CORRUPT_MESSAGE, `Unknown compression type id ${compression}`);
    return validateRecords(records, header, context);
  } catch (error) {
    if (error instanceof UnsupportedRecordFormatError) {
      return rejection(
        ErrorCode.INVALID_RECORD,
        `Produce requests with version ${apiVersion} are only allowed to contain record batches with magic version 2`,
      );
    }
    if (error instanceof ProtocolError) return rejection(ErrorCode.CORRUPT_MESSAGE, error.message);
    throw error;
  }
}

/**
 * The per-record checks, only where they can fail, so that the common produce touches no record:
 * keys on compacted topics; timestamps when the batch's max timestamp is past the upper bound or
 * a lower bound is set (a record may be older than the batch's first). The upper bound trusts the
 * batch's max timestamp, as the time index does.
 */
function validateRecords(batch: Buffer, header: RecordBatchHeader, context: ProduceValidationContext): ProduceRejection | undefined {
  const { policy, nowMs } = context;
  if (header.recordCount <= 0) return undefined;
  const checkTimestamps =
    !policy.logAppendTime &&
    (Number(header.maxTimestamp) - nowMs > policy.timestampAfterMaxMs || policy.timestampBeforeMaxMs < Number.MAX_SAFE_INTEGER);
  if (checkTimestamps) return recordRejection(checkEachRecord(batch, context));
  if (policy.compacted) return recordRejection(keylessRecords(batch, header, context.topicPartition));
  return undefined;
}

/** Keys and timestamps of every record (Kafka's validateKey, then validateTimestamp). */
function checkEachRecord(batch: Buffer, { policy, nowMs, topicPartition }: ProduceValidationContext): Failed[] {
  const lowest = nowMs - policy.timestampBeforeMaxMs;
  const highest = nowMs + policy.timestampAfterMaxMs;
  const failed: Failed[] = [];
  decodeRecords(batch).forEach((record, batchIndex) => {
    if (policy.compacted && record.key === null) {
      failed.push(keyless(batchIndex, topicPartition));
      return;
    }
    const timestamp = Number(record.timestamp);
    if (timestamp !== -1 && (timestamp < lowest || timestamp > highest)) {
      failed.push({
        errorCode: ErrorCode.INVALID_TIMESTAMP,
        batchIndex,
        message:
          `Timestamp ${record.timestamp} of message with offset ${record.offset} is out of range. ` +
          `The timestamp should be within [${lowest}, ${highest}]`,
      });
    }
  });
  return failed;
}

/** Records without a key, walked without decoding them (a compressed batch is inflated first). */
function keylessRecords(batch: Buffer, header: RecordBatchHeader, topicPartition: string): Failed[] {
  const end = header.batchLength + LOG_OVERHEAD_BYTES;
  const compression = compressionOf(header.attributes);
  const section =
    compression === Compression.None
      ? { buffer: batch, start: RECORD_BATCH_HEADER_BYTES, end }
      : (() => {
          const inflated = decompress(compression as Compression, batch.subarray(RECORD_BATCH_HEADER_BYTES, end));
          return { buffer: inflated, start: 0, end: inflated.length };
        })();
  const scanner = new RecordScanner(section.buffer, section.start, section.end, header.recordCount);
  const failed: Failed[] = [];
  for (let batchIndex = 0; scanner.next(); batchIndex++) {
    if (scanner.keyLength < 0) failed.push(keyless(batchIndex, topicPartition));
  }
  return failed;
}

interface Failed {
  errorCode: ErrorCode;
  batchIndex: number;
  message: string;
}

const keyless = (batchIndex: number, topicPartition: string): Failed => ({
  errorCode: ErrorCode.INVALID_RECORD,
  batchIndex,
  message: `Compacted topic cannot accept message without key in topic partition ${topicPartition}`,
});

/** Kafka's `processRecordErrors`: any timestamp error makes the batch's error INVALID_TIMESTAMP. */
function recordRejection(failed: readonly Failed[]): ProduceRejection | undefined {
  if (failed.length === 0) return undefined;
  const recordErrors = failed.map(({ batchIndex, message }) => ({ batchIndex, batchIndexErrorMessage: message }));
  if (failed.some((f) => f.errorCode === ErrorCode.INVALID_TIMESTAMP)) {
    return {
      errorCode: ErrorCode.INVALID_TIMESTAMP,
      errorMessage: 'One or more records have been rejected due to invalid timestamp',
      recordErrors,
    };
  }
  const shown = failed.slice(0, 3).map(({ batchIndex, message }) => `RecordError(batchIndex=${batchIndex}, message='${message}')`);
  return {
    errorCode: ErrorCode.INVALID_RECORD,
    errorMessage:
      `One or more records have been rejected due to ${failed.length} record errors in total, ` +
      `and only showing the first three errors at most: [${shown.join(', ')}]`,
    recordErrors,
  };
}

const rejection = (errorCode: ErrorCode, errorMessage: string): ProduceRejection => ({ errorCode, errorMessage, recordErrors: [] });
