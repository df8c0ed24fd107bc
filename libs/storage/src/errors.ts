/** Kafka error names (as in @strom/errors) the log answers with; the broker maps them to codes. */
export type LogErrorName =
  | 'KAFKA_STORAGE_ERROR'
  | 'CORRUPT_MESSAGE'
  | 'INVALID_RECORD'
  | 'RECORD_LIST_TOO_LARGE'
  | 'OFFSET_OUT_OF_RANGE'
  | 'OUT_OF_ORDER_SEQUENCE_NUMBER'
  | 'INVALID_PRODUCER_EPOCH'
  | 'INVALID_TIMESTAMP';

/**
 * The log's disk failed (ENOSPC, EIO, ...) or its files are unusable, here or in another log of
 * its directory. The log is offline from then on: every write fails with this (a read only when
 * the read itself fails), answered as KAFKA_STORAGE_ERROR.
 */
export class LogOfflineError extends Error {
  readonly errorName = 'KAFKA_STORAGE_ERROR' as const;
  override readonly cause: unknown;
  constructor(directory: string, cause: unknown) {
    super(`log ${directory} is offline: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'LogOfflineError';
    this.cause = cause;
  }
}

/** A caller broke the log's contract (a bug, not a client error). */
export class LogInvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LogInvariantError';
  }
}

export function invariant(condition: boolean, message: string | (() => string)): asserts condition {
  if (!condition) throw new LogInvariantError(typeof message === 'string' ? message : message());
}
