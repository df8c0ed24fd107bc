/**
 * The bytes the broker's connections may read in one turn of the event loop, shared by every
 * connection of every listener.
 *
 * libuv reads a readable socket up to 32 times (2 MiB) per turn and Node runs each chunk's
 * requests before the next socket's: ten busy producers made turns of 60-130 ms, and a fetch,
 * which needs a second turn for its file reads, waited two or three of them (the Java consumers
 * of the group bench saw 55 ms per fetch against the broker's 1.5 ms). Once a turn's reads reach
 * the budget, each connection that reads pauses after its chunk and resumes in the loop's check
 * phase, after the file reads and timers of this turn had their callbacks. One busy connection
 * alone is still read at up to the budget per turn.
 */
export class ReadTurns {
  readonly bytesPerTurn: number;
  private readBytes = 0;
  private endScheduled = false;
  /** Connections paused until the next turn: at most one entry per open connection. */
  private paused: (() => void)[] = [];

  constructor(bytesPerTurn: number) {
    if (!Number.isInteger(bytesPerTurn) || bytesPerTurn < 1)
      throw new RangeError(`bytesPerTurn must be a positive integer, got ${bytesPerTurn}`);
    this.bytesPerTurn = bytesPerTurn;
  }

  /**
   * Counts a chunk read. Returns false while the turn has budget left; true when it is spent,
   * and then `resume` runs in the check phase of this turn (the caller pauses reading meanwhile).
   */
  spend(bytes: number, resume: () => void): boolean {
    if (!this.endScheduled) {
      this.endScheduled = true;
      setImmediate(this.endTurn);
    }
    this.readBytes += bytes;
    if (this.readBytes < this.bytesPerTurn) return false;
    this.paused.push(resume);
    return true;
  }

  private readonly endTurn = (): void => {
    this.endScheduled = false;
    this.readBytes = 0;
    const paused = this.paused;
    this.paused = [];
    for (const resume of paused) resume();
  };
}
