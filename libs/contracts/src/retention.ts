/** The retention scheduler's bus contract. */

export const RetentionSubjects = {
  /** Published every check interval; brokers that own logs apply retention when they hear it. */
  tick: 'strom.retention.tick',
  /**
   * Published every log.cleaner.backoff.ms; brokers run their log cleaner (compaction of the
   * compacted topics' logs that need it) when they hear it, as Kafka's cleaner thread wakes.
   */
  cleanerTick: 'strom.retention.cleaner-tick',
} as const;
