import { resolveTopicConfig, type BrokerConfigLayers } from '@strom/config';
import type { LogConfig } from '@strom/storage';

/** What the broker reads from a topic's configs besides the log's own settings. */
export interface TopicPolicy {
  /** max.message.bytes: the largest record batch accepted. */
  maxMessageBytes: number;
  /** message.timestamp.type */
  logAppendTime: boolean;
  /** message.timestamp.before.max.ms / after.max.ms: how far CreateTime may be from now. */
  timestampBeforeMaxMs: number;
  timestampAfterMaxMs: number;
  /** min.insync.replicas: the ISR an acks=all produce needs. */
  minInSyncReplicas: number;
  /** cleanup.policy includes compact: every record needs a key. */
  compacted: boolean;
}

/**
 * Every topic config's default from the broker's configuration layers (server.properties under the
 * dynamic broker configs, Kafka's defaults under both): libs/config's table is the one source.
 */
export function topicDefaults(layers: BrokerConfigLayers = {}): Record<string, string> {
  const defaults: Record<string, string> = {};
  for (const [name, resolved] of Object.entries(resolveTopicConfig({}, layers))) {
    if (resolved.value !== null) defaults[name] = resolved.value;
  }
  return defaults;
}

const integer = (value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? Math.min(parsed, Number.MAX_SAFE_INTEGER) : undefined;
};

/**
 * A topic's effective settings from its config overrides on top of the broker's defaults, which
 * hold every topic config ({@link topicDefaults}; Kafka's names; values already validated by the
 * metadata service).
 */
export function topicSettings(
  configs: Record<string, string>,
  brokerDefaults: Record<string, string>,
): { log: Partial<LogConfig>; policy: TopicPolicy } {
  const merged = { ...brokerDefaults, ...configs };
  const log: Partial<LogConfig> = {};
  const set = <K extends keyof LogConfig>(key: K, value: LogConfig[K] | undefined): void => {
    if (value !== undefined) log[key] = value;
  };
  set('segmentBytes', integer(merged['segment.bytes']));
  set('segmentMs', integer(merged['segment.ms']));
  set('segmentIndexBytes', integer(merged['segment.index.bytes']));
  set('indexIntervalBytes', integer(merged['index.interval.bytes']));
  set('flushMessages', integer(merged['flush.messages']));
  set('flushMs', integer(merged['flush.ms']));
  set('retentionMs', integer(merged['retention.ms']));
  set('retentionBytes', integer(merged['retention.bytes']));
  set('deleteRetentionMs', integer(merged['delete.retention.ms']));
  set('minCompactionLagMs', integer(merged['min.compaction.lag.ms']));
  set('maxCompactionLagMs', integer(merged['max.compaction.lag.ms']));
  set('fileDeleteDelayMs', integer(merged['file.delete.delay.ms']));
  const ratio = merged['min.cleanable.dirty.ratio'];
  if (ratio !== undefined) set('minCleanableDirtyRatio', Number(ratio));
  const policies = merged['cleanup.policy']
    ?.split(',')
    .map((entry) => entry.trim())
    .filter((entry): entry is 'delete' | 'compact' => entry === 'delete' || entry === 'compact');
  set('cleanupPolicy', policies);
  return {
    log,
    policy: {
      maxMessageBytes: required(merged, 'max.message.bytes'),
      logAppendTime: merged['message.timestamp.type'] === 'LogAppendTime',
      timestampBeforeMaxMs: required(merged, 'message.timestamp.before.max.ms'),
      timestampAfterMaxMs: required(merged, 'message.timestamp.after.max.ms'),
      minInSyncReplicas: required(merged, 'min.insync.replicas'),
      compacted: policies?.includes('compact') ?? false,
    },
  };
}

function required(merged: Record<string, string>, name: string): number {
  const value = integer(merged[name]);
  if (value === undefined) throw new Error(`topic config ${name} has no value: topicSettings needs the broker's topic defaults`);
  return value;
}
