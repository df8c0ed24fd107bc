/** The retention scheduler's bus contract. */

export const RetentionSubjects = {
  /** Published every check interval; brokers that own logs apply retention when they hear it. */
  tick: 'strom.retention.tick',
} as const;
