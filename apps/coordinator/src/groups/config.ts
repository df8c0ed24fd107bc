import { ServerConfig } from '@strom/config';

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

/** The Kafka broker configs a GroupConfig holds; their defaults live in @strom/config. */
export interface GroupSettingsSource {
  int(key: string): number;
  long(key: string): number;
}

/**
 * Kafka's fixed `GroupCoordinator.NewMemberJoinTimeoutMs` (not a config) and Strom's own mailbox
 * bound (Kafka's group lock has no queue, so no config either).
 */
const FIXED = { newMemberJoinTimeoutMs: 300_000, maxQueuedOperationsPerGroup: 10_000 } as const;

/** The group coordinator's settings from the parsed configuration (Kafka's keys, their units converted). */
export function groupConfigFrom(config: GroupSettingsSource): GroupConfig {
  return checked({
    ...FIXED,
    minSessionTimeoutMs: config.int('group.min.session.timeout.ms'),
    maxSessionTimeoutMs: config.int('group.max.session.timeout.ms'),
    initialRebalanceDelayMs: config.int('group.initial.rebalance.delay.ms'),
    maxGroupSize: config.int('group.max.size'),
    offsetMetadataMaxBytes: config.int('offset.metadata.max.bytes'),
    offsetsRetentionMs: config.int('offsets.retention.minutes') * 60_000,
    offsetsRetentionCheckIntervalMs: config.long('offsets.retention.check.interval.ms'),
  });
}

/** Kafka's defaults (from @strom/config's broker config table). */
export const DEFAULT_GROUP_CONFIG: GroupConfig = groupConfigFrom(ServerConfig.resolve({}));

/** Kafka's defaults overridden by `overrides`; throws on a value that cannot work. */
export function resolveGroupConfig(overrides: Partial<GroupConfig> = {}): GroupConfig {
  return checked({ ...DEFAULT_GROUP_CONFIG, ...overrides });
}

function checked(config: GroupConfig): GroupConfig {
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
