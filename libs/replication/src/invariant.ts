/** A broken replication invariant: a bug, never bad input. */
export class ReplicationInvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplicationInvariantError';
  }
}

export function invariant(condition: boolean, message: () => string): asserts condition {
  if (!condition) throw new ReplicationInvariantError(message());
}
