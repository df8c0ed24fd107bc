import { setBaseOffset, setPartitionLeaderEpoch } from '@strom/protocol';
import { checkBatch, readBatchHeader, type BatchHeader } from './batch.js';
import { invariant } from './errors.js';
import type { AppendResult } from './partition-log.js';
import type { ProducerStateTable } from './producer-state.js';

/** Bound on batches per append call (a produce request of one partition). */
export const MAX_BATCHES_PER_APPEND = 10_000;

export type Rejection = Extract<AppendResult, { kind: 'rejected' }>;

/** Shape checks every append does: length as declared, magic 2, optionally CRC32C. */
export function validateBatches(batches: readonly Buffer[], maxBatchBytes: number, verifyCrc: boolean): BatchHeader[] | Rejection {
  if (batches.length === 0) return { kind: 'rejected', error: 'INVALID_RECORD', message: 'no record batches' };
  if (batches.length > MAX_BATCHES_PER_APPEND)
    return { kind: 'rejected', error: 'RECORD_LIST_TOO_LARGE', message: `${batches.length} batches` };
  const headers: BatchHeader[] = [];
  for (const [i, batch] of batches.entries()) {
    const defect = checkBatch(batch, 0, batch.length, verifyCrc);
    if (defect) return { kind: 'rejected', error: 'CORRUPT_MESSAGE', message: `batch ${i}: ${defect}` };
    const header = readBatchHeader(batch);
    if (header.sizeBytes !== batch.length)
      return { kind: 'rejected', error: 'CORRUPT_MESSAGE', message: `batch ${i}: declares ${header.sizeBytes} bytes, has ${batch.length}` };
    if (header.sizeBytes > maxBatchBytes)
      return {
        kind: 'rejected',
        error: 'RECORD_LIST_TOO_LARGE',
        message: `batch ${i}: ${header.sizeBytes} bytes > segment size ${maxBatchBytes}`,
      };
    headers.push(header);
  }
  return headers;
}

export type LeaderAppendPlan =
  | { kind: 'write'; headers: BatchHeader[]; firstOffset: number; lastOffset: number }
  | Extract<AppendResult, { kind: 'duplicate' }>
  | Rejection;

/**
 * Producer checks, then stamps offsets (from `nextOffset`) and the leader epoch into the
 * batches in place and records them in the producer table. Kafka answers an append holding
 * any duplicate batch with that batch's original offsets and writes nothing.
 */
export function planLeaderAppend(
  batches: readonly Buffer[],
  headers: BatchHeader[],
  producers: ProducerStateTable,
  nextOffset: number,
  leaderEpoch: number,
  logStartOffset: number,
): LeaderAppendPlan {
  const checks = producers.check(headers);
  for (const check of checks) {
    if (check.kind === 'error') return { kind: 'rejected', error: check.error, message: check.message };
  }
  for (const check of checks) {
    if (check.kind === 'duplicate')
      return { kind: 'duplicate', firstOffset: check.batch.firstOffset, lastOffset: check.batch.lastOffset, logStartOffset };
  }
  let offset = nextOffset;
  headers.forEach((header, i) => {
    const batch = batches[i]!;
    const span = header.lastOffset - header.baseOffset;
    setBaseOffset(batch, BigInt(offset));
    setPartitionLeaderEpoch(batch, leaderEpoch);
    header.baseOffset = offset;
    header.lastOffset = offset + span;
    header.partitionLeaderEpoch = leaderEpoch;
    offset += span + 1;
    producers.update(header);
  });
  return { kind: 'write', headers, firstOffset: nextOffset, lastOffset: offset - 1 };
}

/** A follower's batches must continue the log with increasing offsets. */
export function checkFollowerBatches(headers: readonly BatchHeader[], logEndOffset: number): Rejection | null {
  let expected = logEndOffset;
  for (const header of headers) {
    if (header.baseOffset < expected) {
      return { kind: 'rejected', error: 'INVALID_RECORD', message: `follower batch at ${header.baseOffset} below log end ${expected}` };
    }
    expected = header.lastOffset + 1;
  }
  return null;
}

export function assertMonotonic(previousEnd: number, header: BatchHeader): void {
  invariant(
    header.baseOffset >= previousEnd && header.lastOffset >= header.baseOffset,
    () => `offsets not monotonic: batch ${header.baseOffset}..${header.lastOffset} after ${previousEnd}`,
  );
}
