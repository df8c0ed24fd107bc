/**
 * The classic group coordinator's settings, named after the Kafka broker configs they mirror.
 * Every value is in milliseconds, bytes or a count.
 */
export interface GroupConfig {
  /** `group.min.session.timeout.ms`: the smallest session timeout a member may ask for. */
  readonly minSessionTimeoutMs: number;
  /** `group.max.session.timeout.ms`: the largest session timeout a member may ask for. */
  readonly maxSessionTimeoutMs: number;
  /**
   * `group.initial.rebalance.delay.ms`: how long the first rebalance of an Empty group waits for
   * more members (extended while new members keep arriving, up to the rebalance timeout).
   */
  readonly initialRebalanceDelayMs: number;
  /** `group.max.size`: the most members one group may have. */
  readonly maxGroupSize: number;
  /** `offset.metadata.max.bytes`: the longest metadata string an offset commit may carry. */
  readonly offsetMetadataMaxBytes: number;
  /** `offsets.retention.minutes` (in ms): how long offsets of an Empty group (or unsubscribed topics) are kept. */
  readonly offsetsRetentionMs: number;
  /** `offsets.retention.check.interval.ms`: how often expired offsets and dead groups are swept. */
  readonly offsetsRetentionCheckIntervalMs: number;
  /**
   * How long a new member's JoinGroup may wait in a rebalance before the member is dropped
   * (Kafka's fixed `GroupCoordinator.NewMemberJoinTimeoutMs`, 5 minutes).
   */
  readonly newMemberJoinTimeoutMs: number;
  /**
   * Strom's own bound: the most requests queued on one group's mailbox. Past it a request is
   * answered COORDINATOR_NOT_AVAILABLE (retriable: clients back off and retry). Kafka has no
   * such bound because its group lock has no queue.
   */
  readonly maxQueuedOperationsPerGroup: number;
}

/** Kafka's defaults. */
export const DEFAULT_GROUP_CONFIG: GroupConfig = Object.freeze({
  minSessionTimeoutMs: 6_000,
  maxSessionTimeoutMs: 1_800_000,
  initialRebalanceDelayMs: 3_000,
  maxGroupSize: 2_147_483_647,
  offsetMetadataMaxBytes: 4_096,
  offsetsRetentionMs: 7 * 24 * 60 * 60 * 1000,
  offsetsRetentionCheckIntervalMs: 600_000,
  newMemberJoinTimeoutMs: 300_000,
  maxQueuedOperationsPerGroup: 10_000,
});

/** Kafka's defaults overridden by `overrides`; throws on a value that cannot work. */
export function resolveGroupConfig(overrides: Partial<GroupConfig> = {}): GroupConfig {
  const config: GroupConfig = { ...DEFAULT_GROUP_CONFIG, ...overrides };
  for (const [key, value] of Object.entries(config)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new RangeError(`group config ${key} must be a finite number >= 0, got ${String(value)}`);
    }
  }
  if (config.minSessionTimeoutMs > config.maxSessionTimeoutMs) {
    throw new RangeError('group config minSessionTimeoutMs must not exceed maxSessionTimeoutMs');
  }
  if (config.maxGroupSize < 1) throw new RangeError('group config maxGroupSize must be at least 1');
  if (config.offsetsRetentionCheckIntervalMs < 1) throw new RangeError('group config offsetsRetentionCheckIntervalMs must be at least 1');
  if (config.maxQueuedOperationsPerGroup < 1) throw new RangeError('group config maxQueuedOperationsPerGroup must be at least 1');
  return Object.freeze(config);
}
