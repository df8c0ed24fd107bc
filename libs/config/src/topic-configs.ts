// Every topic-level config of Apache Kafka 4.4 (LogConfig + TopicConfig), with its broker synonyms
// in Kafka's priority order (ServerTopicConfigSynonyms). Defaults are as DescribeConfigs renders them.
import { LONG_MAX, atLeast, between, custom, hours, listOf, minutes, oneOf, topic } from './define.js';
import type { ConfigValue, TopicConfigDef } from './types.js';

/** LogConfig.ThrottledReplicaListValidator: `*` alone, or `partition:broker` pairs. */
const throttledReplicas = custom('[partitionId]:[brokerId],[partitionId]:[brokerId],...', (value: ConfigValue) => {
  const list = value as string[];
  if (list.length === 1 && list[0]?.trim() === '*') return undefined;
  return list.every((entry) => /^([0-9]+:[0-9]+)?$/.test(entry.trim()))
    ? undefined
    : "must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...";
});

/** CompressionType.GZIP.levelValidator: 1..9, or -1 (Deflater.DEFAULT_COMPRESSION). */
export const gzipLevel = custom('[1,...,9] or -1', (value: ConfigValue) => {
  const level = value as number;
  return level === -1 || (level >= 1 && level <= 9) ? undefined : 'Value must be between 1 and 9 or equal to -1';
});

/** BrokerCompressionType names, in Kafka's order. */
export const COMPRESSION_TYPES = ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'] as const;

export const TOPIC_CONFIGS: readonly TopicConfigDef[] = [
  topic('cleanup.policy', 'LIST', 'delete', 'Retention policy for old segments: "delete", "compact", or both ("delete,compact").', {
    validator: listOf('compact', 'delete'),
    synonyms: ['log.cleanup.policy'],
  }),
  topic('compression.gzip.level', 'INT', '-1', 'Compression level when compression.type is gzip.', {
    validator: gzipLevel,
    synonyms: ['compression.gzip.level'],
  }),
  topic('compression.lz4.level', 'INT', '9', 'Compression level when compression.type is lz4.', {
    validator: between(1, 17),
    synonyms: ['compression.lz4.level'],
  }),
  topic(
    'compression.type',
    'STRING',
    'producer',
    "Final compression of the topic's data; 'producer' keeps the producer's codec, 'uncompressed' means none.",
    {
      validator: oneOf(...COMPRESSION_TYPES),
      synonyms: ['compression.type'],
    },
  ),
  topic('compression.zstd.level', 'INT', '3', 'Compression level when compression.type is zstd.', {
    validator: between(-131072, 22),
    synonyms: ['compression.zstd.level'],
  }),
  topic('delete.retention.ms', 'LONG', '86400000', 'How long delete tombstones are kept on compacted topics.', {
    validator: atLeast(0),
    synonyms: ['log.cleaner.delete.retention.ms'],
  }),
  topic(
    'errors.deadletterqueue.group.enable',
    'BOOLEAN',
    'false',
    'Whether share groups may write undeliverable records to this topic as a dead-letter queue.',
  ),
  topic('file.delete.delay.ms', 'LONG', '60000', 'Time to wait before deleting a file from the filesystem.', {
    validator: atLeast(0),
    synonyms: ['log.segment.delete.delay.ms'],
  }),
  topic('flush.messages', 'LONG', LONG_MAX, 'Force an fsync after this many messages.', {
    validator: atLeast(1),
    synonyms: ['log.flush.interval.messages'],
  }),
  topic('flush.ms', 'LONG', LONG_MAX, 'Force an fsync after this much time.', {
    validator: atLeast(0),
    synonyms: ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'],
  }),
  topic('follower.replication.throttled.replicas', 'LIST', '', "Replicas throttled on the follower side: partition:broker pairs, or '*'.", {
    validator: throttledReplicas,
  }),
  topic('index.interval.bytes', 'INT', '4096', 'How often (in bytes) an entry is added to the offset index.', {
    validator: atLeast(0),
    synonyms: ['log.index.interval.bytes'],
  }),
  topic('leader.replication.throttled.replicas', 'LIST', '', "Replicas throttled on the leader side: partition:broker pairs, or '*'.", {
    validator: throttledReplicas,
  }),
  topic('local.retention.bytes', 'LONG', '-2', 'Tiered storage: local size limit per partition; -2 means use retention.bytes.', {
    validator: atLeast(-2),
    synonyms: ['log.local.retention.bytes'],
  }),
  topic('local.retention.ms', 'LONG', '-2', 'Tiered storage: local time limit; -2 means use retention.ms.', {
    validator: atLeast(-2),
    synonyms: ['log.local.retention.ms'],
  }),
  topic('max.compaction.lag.ms', 'LONG', LONG_MAX, 'Longest time a message stays ineligible for compaction.', {
    validator: atLeast(1),
    synonyms: ['log.cleaner.max.compaction.lag.ms'],
  }),
  topic(
    'max.decompressed.message.bytes',
    'INT',
    '2147483639',
    'Largest decompressed size of a single record the broker accepts (Strom does not decompress records to check it).',
    { validator: between(1, 2147483639), synonyms: ['max.decompressed.message.bytes'] },
  ),
  topic('max.message.bytes', 'INT', '1048588', 'Largest record batch size allowed (after compression).', {
    validator: atLeast(0),
    synonyms: ['message.max.bytes'],
  }),
  topic('message.timestamp.after.max.ms', 'LONG', '3600000', 'How far a CreateTime timestamp may be ahead of the broker clock.', {
    validator: atLeast(0),
    synonyms: ['log.message.timestamp.after.max.ms'],
  }),
  topic('message.timestamp.before.max.ms', 'LONG', LONG_MAX, 'How far a CreateTime timestamp may be behind the broker clock.', {
    validator: atLeast(0),
    synonyms: ['log.message.timestamp.before.max.ms'],
  }),
  topic('message.timestamp.type', 'STRING', 'CreateTime', 'Whether record timestamps are create time or log append time.', {
    validator: oneOf('CreateTime', 'LogAppendTime'),
    synonyms: ['log.message.timestamp.type'],
  }),
  topic('min.cleanable.dirty.ratio', 'DOUBLE', '0.5', 'Minimum dirty/total ratio before the log is compacted.', {
    validator: between(0, 1),
    synonyms: ['log.cleaner.min.cleanable.ratio'],
  }),
  topic('min.compaction.lag.ms', 'LONG', '0', 'Minimum time a message stays uncompacted.', {
    validator: atLeast(0),
    synonyms: ['log.cleaner.min.compaction.lag.ms'],
  }),
  topic('min.insync.replicas', 'INT', '1', 'Minimum in-sync replicas that must acknowledge an acks=all write.', {
    validator: atLeast(1),
    synonyms: ['min.insync.replicas'],
  }),
  topic('preallocate', 'BOOLEAN', 'false', 'Preallocate the segment file on disk when rolling.', {
    synonyms: ['log.preallocate'],
  }),
  topic('remote.copy.lag.bytes', 'LONG', '-1', 'Tiered storage: newer local bytes after which a segment may be uploaded.', {
    validator: atLeast(-1),
    synonyms: ['log.remote.copy.lag.bytes'],
  }),
  topic('remote.copy.lag.ms', 'LONG', '0', 'Tiered storage: age of the latest record after which a segment may be uploaded.', {
    validator: atLeast(-1),
    synonyms: ['log.remote.copy.lag.ms'],
  }),
  topic('remote.log.copy.disable', 'BOOLEAN', 'false', 'Tiered storage: stop uploading; tiered data becomes read-only.'),
  topic('remote.log.delete.on.disable', 'BOOLEAN', 'false', 'Tiered storage: delete tiered data when remote storage is disabled.'),
  topic('remote.storage.enable', 'BOOLEAN', 'false', 'Enable tiered storage for the topic.'),
  topic('retention.bytes', 'LONG', '-1', 'Size limit per partition before old segments are deleted; -1 means none.', {
    synonyms: ['log.retention.bytes'],
  }),
  topic('retention.ms', 'LONG', '604800000', 'How long data is kept before old segments are deleted; -1 means forever.', {
    validator: atLeast(-1),
    synonyms: ['log.retention.ms', minutes('log.retention.minutes'), hours('log.retention.hours')],
  }),
  topic('segment.bytes', 'INT', '1073741824', 'Segment file size.', {
    validator: atLeast(1048576),
    synonyms: ['log.segment.bytes'],
  }),
  topic('segment.index.bytes', 'INT', '10485760', 'Size of the offset index file.', {
    validator: atLeast(4),
    synonyms: ['log.index.size.max.bytes'],
  }),
  topic('segment.jitter.ms', 'LONG', '0', 'Maximum random jitter subtracted from the segment roll time.', {
    validator: atLeast(0),
    synonyms: ['log.roll.jitter.ms', hours('log.roll.jitter.hours')],
  }),
  topic('segment.ms', 'LONG', '604800000', 'Roll a new segment after this time even if the current one is not full.', {
    validator: atLeast(1),
    synonyms: ['log.roll.ms', hours('log.roll.hours')],
  }),
  topic(
    'unclean.leader.election.enable',
    'BOOLEAN',
    'false',
    'Allow out-of-sync replicas to become leader as a last resort (may lose data).',
    {
      synonyms: ['unclean.leader.election.enable'],
    },
  ),
];

export const TOPIC_CONFIGS_BY_NAME: ReadonlyMap<string, TopicConfigDef> = new Map(TOPIC_CONFIGS.map((def) => [def.name, def]));

export function topicConfigDef(name: string): TopicConfigDef | undefined {
  return TOPIC_CONFIGS_BY_NAME.get(name);
}
