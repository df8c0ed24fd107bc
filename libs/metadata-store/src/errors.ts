/** A metadata write that lost a compare-and-set race or named something that is not there. */
export class MetadataError extends Error {
  constructor(
    readonly code: 'TOPIC_ALREADY_EXISTS' | 'UNKNOWN_TOPIC' | 'STALE_EPOCH' | 'UNKNOWN_BROKER' | 'INVALID_REQUEST',
    message: string,
  ) {
    super(message);
    this.name = 'MetadataError';
  }
}

export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`invariant violated: ${message}`);
}
