/** Batches remembered per partition: a consumer's next record is most often in one of the last few. */
const DEFAULT_CAPACITY = 8;
const FIELDS = 3;

/**
 * The base offset, last offset and first record timestamp of the last few batches a leader
 * appended, so the consumer-lag metrics find the time lag of a group near the log end without
 * reading the log: a scrape of 10,000 lagging partitions would otherwise read 10,000 batch
 * headers. Forgotten when the log may have changed under them (truncation, leadership moving).
 * Log compaction does not clear it: it keeps every record's timestamp, and a batch it merges is
 * older than those kept here in all but a log of very few, very small segments.
 */
export class RecentBatches {
  /** [baseOffset, lastOffset, firstTimestampMs] per batch, a ring; allocated with the first batch. */
  private entries: Float64Array | undefined;
  private next = 0;
  private size = 0;

  constructor(private readonly capacity = DEFAULT_CAPACITY) {
    if (capacity < 1) throw new Error('RecentBatches needs room for one batch');
  }

  /**
   * A batch appended at the log end. The ring is kept in offset order: a batch whose answer comes
   * after a later one's (appends waiting behind a log operation) starts it over.
   */
  add(baseOffset: number, lastOffset: number, firstTimestampMs: number): void {
    if (lastOffset < baseOffset) throw new Error(`batch ${baseOffset}-${lastOffset} ends before it starts`);
    this.entries ??= new Float64Array(this.capacity * FIELDS);
    if (this.size > 0 && baseOffset <= this.entries[((this.next + this.capacity - 1) % this.capacity) * FIELDS + 1]!) this.clear();
    const at = this.next * FIELDS;
    this.entries[at] = baseOffset;
    this.entries[at + 1] = lastOffset;
    this.entries[at + 2] = firstTimestampMs;
    this.next = (this.next + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
  }

  /** The first timestamp of the remembered batch holding `offset`, or undefined. */
  firstTimestampAt(offset: number): number | undefined {
    const entries = this.entries;
    if (entries === undefined) return undefined;
    for (let i = 0; i < this.size; i++) {
      const at = ((this.next + this.capacity - 1 - i) % this.capacity) * FIELDS;
      if (offset > entries[at + 1]!) return undefined;
      if (offset >= entries[at]!) return entries[at + 2];
    }
    return undefined;
  }

  clear(): void {
    this.size = 0;
    this.next = 0;
  }
}
