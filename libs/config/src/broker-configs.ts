// Broker configs of Apache Kafka 4.1 (KafkaConfig and the *Configs classes it collects) that a
// Strom broker applies or reports, with Kafka's defaults, validators, importance and update mode.
// Columns: name, type, default (as DescribeConfigs renders it), update mode, Strom support, doc.
// Update mode: ro = read-only, broker = per-broker dynamic, cluster = cluster-wide dynamic.
import { COMPRESSION_TYPES, gzipLevel } from './topic-configs.js';
import { INT_MAX, LONG_MAX, atLeast, between, broker, custom, listOf, nonNull, oneOf, oneOfIgnoringCase } from './define.js';
import type { BrokerConfigDef, ConfigValue } from './types.js';

export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;

/** `NAME://host:port`, host may be empty or a bracketed IPv6 address (Kafka's listener syntax). */
export const LISTENER_PATTERN = /^([A-Za-z0-9_.-]+):\/\/(\[[0-9A-Fa-f:.%a-zA-Z]*\]|[^:/\s]*):(-?[0-9]+)$/;

const listenerList = custom('comma-separated NAME://host:port', (value: ConfigValue) => {
  if (value === null) return undefined;
  for (const entry of splitList(value as string)) {
    if (!LISTENER_PATTERN.test(entry)) return `Unable to parse ${entry} to a broker endpoint`;
    const port = Number(LISTENER_PATTERN.exec(entry)?.[3]);
    if (port < 0 || port > 65535) return `Unable to parse ${entry} to a broker endpoint: port out of range`;
  }
  return undefined;
});

const protocolMap = custom('comma-separated LISTENER_NAME:SECURITY_PROTOCOL', (value: ConfigValue) => {
  for (const entry of splitList((value as string | null) ?? '')) {
    const [name, protocol, extra] = entry.split(':');
    if (!name || extra !== undefined || !(SECURITY_PROTOCOLS as readonly string[]).includes(protocol ?? '')) {
      return `Map entry '${entry}' must be LISTENER_NAME:SECURITY_PROTOCOL with a protocol in ${SECURITY_PROTOCOLS.join(', ')}`;
    }
  }
  return undefined;
});

const quorumVoters = custom('non-empty list', (value: ConfigValue) => {
  for (const entry of value as string[]) {
    if (!/^[0-9]+@(\[[0-9A-Fa-f:.]+\]|[^:@\s]+):[0-9]+$/.test(entry)) return `Invalid voter '${entry}': expected {id}@{host}:{port}`;
  }
  return undefined;
});

const bootstrapServers = custom('non-empty list', (value: ConfigValue) => {
  for (const entry of value as string[]) {
    if (!/^(\[[0-9A-Fa-f:.]+\]|[^:\s]+):[0-9]+$/.test(entry)) return `Invalid bootstrap server '${entry}': expected {host}:{port}`;
  }
  return undefined;
});

/**
 * KIP-392's ReplicaSelector implementations that Kafka ships: only the rack-aware one (unset, the
 * broker answers no preferred read replica). Kafka loads any class on the classpath and fails to
 * start when it cannot; Strom runs this one and refuses any other name with ConfigDef's message.
 */
export const RACK_AWARE_REPLICA_SELECTOR = 'org.apache.kafka.common.replica.RackAwareReplicaSelector';

const replicaSelectorClass = custom(RACK_AWARE_REPLICA_SELECTOR, (value: ConfigValue) =>
  value === RACK_AWARE_REPLICA_SELECTOR ? undefined : `Class ${String(value)} could not be found.`,
);

/** Comma-separated string configs (listeners etc. are STRING in Kafka, parsed later). */
export function splitList(value: string): string[] {
  const trimmed = value.trim();
  return trimmed === '' ? [] : trimmed.split(/\s*,\s*/);
}

// prettier-ignore
export const BROKER_CONFIGS: readonly BrokerConfigDef[] = [
  // --- Identity, roles, listeners (KRaftConfigs, ServerConfigs, SocketServerConfigs) ---
  broker('node.id', 'INT', null, 'ro', 'applied', 'Node id of this process; required in KRaft mode.', { required: true, validator: atLeast(0), importance: 'high' }),
  broker('broker.id', 'INT', '-1', 'ro', 'applied', 'Broker id; in KRaft it must equal node.id when set.', { importance: 'high' }),
  broker('process.roles', 'LIST', null, 'ro', 'reported', "Roles of this process: 'broker', 'controller', or both.", { required: true, validator: listOf('broker', 'controller'), importance: 'high' }),
  broker('listeners', 'STRING', 'PLAINTEXT://:9092', 'broker', 'applied', 'Comma-separated NAME://host:port endpoints to listen on.', { validator: listenerList, importance: 'high' }),
  broker('advertised.listeners', 'STRING', null, 'ro', 'applied', 'Endpoints published to clients; defaults to listeners.', { validator: listenerList, importance: 'high' }),
  broker('listener.security.protocol.map', 'STRING', 'SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT', 'broker', 'applied', 'Map of listener name to security protocol.', { validator: protocolMap, importance: 'low' }),
  broker('inter.broker.listener.name', 'STRING', null, 'ro', 'applied', 'Listener used between brokers; exclusive with security.inter.broker.protocol.'),
  broker('security.inter.broker.protocol', 'STRING', 'PLAINTEXT', 'ro', 'applied', 'Security protocol used between brokers.', { validator: oneOf(...SECURITY_PROTOCOLS) }),
  broker('controller.listener.names', 'STRING', null, 'ro', 'applied', 'Listener names used by the KRaft controller (Strom does not serve them).', { importance: 'high' }),
  broker('controller.quorum.voters', 'LIST', '', 'ro', 'unsupported', 'Static KRaft voters as {id}@{host}:{port}.', { validator: quorumVoters, importance: 'high' }),
  broker('controller.quorum.bootstrap.servers', 'LIST', '', 'ro', 'unsupported', 'KRaft controller endpoints as {host}:{port}.', { validator: bootstrapServers, importance: 'high' }),
  broker('early.start.listeners', 'STRING', null, 'ro', 'unsupported', 'Listeners started before the authorizer is ready.', { importance: 'high' }),
  broker('broker.rack', 'STRING', null, 'ro', 'reported', 'Rack of the broker, for rack-aware assignment.'),
  broker('metadata.log.dir', 'STRING', null, 'ro', 'unsupported', 'Where the KRaft metadata log is kept; defaults to the first log dir.', { importance: 'high' }),

  broker('broker.session.timeout.ms', 'INT', '9000', 'ro', 'applied', 'How long a broker registration (lease) lives without a heartbeat.'),
  broker('broker.heartbeat.interval.ms', 'INT', '2000', 'ro', 'applied', 'How often a broker renews its registration.'),

  // --- Topic defaults and the log (ServerLogConfigs, ServerConfigs, ReplicationConfigs) ---
  broker('log.dir', 'STRING', '/tmp/kafka-logs', 'ro', 'applied', 'Directory for log data (used when log.dirs is not set).', { importance: 'high' }),
  broker('log.dirs', 'STRING', null, 'ro', 'applied', 'Comma-separated directories for log data.', { importance: 'high' }),
  broker('num.partitions', 'INT', '1', 'ro', 'applied', 'Default number of partitions per topic.', { validator: atLeast(1) }),
  broker('default.replication.factor', 'INT', '1', 'ro', 'applied', 'Replication factor of auto-created topics and of topics created with -1.'),
  broker('auto.create.topics.enable', 'BOOLEAN', 'true', 'ro', 'applied', 'Create topics automatically on metadata requests.', { importance: 'high' }),
  broker('delete.topic.enable', 'BOOLEAN', 'true', 'ro', 'applied', 'Allow topics to be deleted.', { importance: 'high' }),
  broker('message.max.bytes', 'INT', '1048588', 'cluster', 'applied', 'Largest record batch size allowed (topic: max.message.bytes).', { validator: atLeast(0), importance: 'high' }),
  broker('min.insync.replicas', 'INT', '1', 'cluster', 'applied', 'Minimum in-sync replicas for acks=all writes.', { validator: atLeast(1), importance: 'high' }),
  broker('unclean.leader.election.enable', 'BOOLEAN', 'false', 'cluster', 'reported', 'Allow out-of-sync replicas to become leader.', { importance: 'high' }),
  broker('compression.type', 'STRING', 'producer', 'cluster', 'applied', 'Final compression of topic data.', { validator: oneOf(...COMPRESSION_TYPES), importance: 'high' }),
  broker('compression.gzip.level', 'INT', '-1', 'cluster', 'applied', 'gzip level.', { validator: gzipLevel }),
  broker('compression.lz4.level', 'INT', '9', 'cluster', 'applied', 'lz4 level.', { validator: between(1, 17) }),
  broker('compression.zstd.level', 'INT', '3', 'cluster', 'applied', 'zstd level.', { validator: between(-131072, 22) }),
  broker('log.retention.ms', 'LONG', null, 'cluster', 'applied', 'Retention time in ms; overrides minutes and hours; -1 is unlimited.', { importance: 'high' }),
  broker('log.retention.minutes', 'INT', null, 'ro', 'applied', 'Retention time in minutes; overrides hours.', { importance: 'high' }),
  broker('log.retention.hours', 'INT', '168', 'ro', 'applied', 'Retention time in hours.', { importance: 'high' }),
  broker('log.retention.bytes', 'LONG', '-1', 'cluster', 'applied', 'Size limit per partition; -1 is unlimited.', { importance: 'high' }),
  broker('log.retention.check.interval.ms', 'LONG', '300000', 'ro', 'applied', 'How often retention is checked.', { validator: atLeast(1) }),
  broker('log.segment.bytes', 'INT', '1073741824', 'cluster', 'applied', 'Segment file size.', { validator: atLeast(1048576), importance: 'high' }),
  broker('log.segment.delete.delay.ms', 'LONG', '60000', 'cluster', 'reported', 'Delay before deleting a file from the filesystem.', { validator: atLeast(0), importance: 'high' }),
  broker('log.roll.ms', 'LONG', null, 'cluster', 'applied', 'Segment roll time in ms; overrides log.roll.hours.', { importance: 'high' }),
  broker('log.roll.hours', 'INT', '168', 'ro', 'applied', 'Segment roll time in hours.', { validator: atLeast(1), importance: 'high' }),
  broker('log.roll.jitter.ms', 'LONG', null, 'cluster', 'reported', 'Roll jitter in ms; overrides log.roll.jitter.hours.', { importance: 'high' }),
  broker('log.roll.jitter.hours', 'INT', '0', 'ro', 'reported', 'Roll jitter in hours.', { validator: atLeast(0), importance: 'high' }),
  broker('log.index.interval.bytes', 'INT', '4096', 'cluster', 'reported', 'Offset index entry interval in bytes.', { validator: atLeast(0) }),
  broker('log.index.size.max.bytes', 'INT', '10485760', 'cluster', 'reported', 'Maximum offset index size.', { validator: atLeast(4) }),
  broker('log.flush.interval.messages', 'LONG', LONG_MAX, 'cluster', 'reported', 'Messages accumulated before a flush.', { validator: atLeast(1), importance: 'high' }),
  broker('log.flush.interval.ms', 'LONG', null, 'cluster', 'reported', 'Maximum time before a flush; defaults to log.flush.scheduler.interval.ms.', { importance: 'high' }),
  broker('log.flush.scheduler.interval.ms', 'LONG', LONG_MAX, 'ro', 'reported', 'How often the flusher checks logs.', { importance: 'high' }),
  broker('log.flush.offset.checkpoint.interval.ms', 'INT', '60000', 'ro', 'reported', 'How often the recovery point is checkpointed.', { validator: atLeast(0), importance: 'high' }),
  broker('log.flush.start.offset.checkpoint.interval.ms', 'INT', '60000', 'ro', 'reported', 'How often the log start offset is checkpointed.', { validator: atLeast(0), importance: 'high' }),
  broker('log.preallocate', 'BOOLEAN', 'false', 'cluster', 'reported', 'Preallocate segment files.'),
  broker('log.cleanup.policy', 'LIST', 'delete', 'cluster', 'applied', 'Default cleanup policy: delete, compact or both.', { validator: listOf('compact', 'delete') }),
  broker('log.cleaner.enable', 'BOOLEAN', 'true', 'ro', 'reported', 'Run the log cleaner (deprecated; do not disable).'),
  broker('log.cleaner.threads', 'INT', '1', 'cluster', 'reported', 'Log cleaner threads.', { validator: atLeast(0) }),
  broker('log.cleaner.backoff.ms', 'LONG', '15000', 'cluster', 'applied', 'How often the log cleaner looks for logs to compact (read at start).', { validator: atLeast(0) }),
  broker('log.cleaner.dedupe.buffer.size', 'LONG', '134217728', 'cluster', 'reported', 'Dedupe memory across cleaner threads.'),
  broker('log.cleaner.io.buffer.size', 'INT', '524288', 'cluster', 'reported', 'Cleaner I/O buffer memory.', { validator: atLeast(0) }),
  broker('log.cleaner.io.buffer.load.factor', 'DOUBLE', '0.9', 'cluster', 'reported', 'Dedupe buffer load factor.'),
  broker('log.cleaner.io.max.bytes.per.second', 'DOUBLE', '1.7976931348623157E308', 'cluster', 'reported', 'Cleaner I/O throttle.'),
  broker('log.cleaner.delete.retention.ms', 'LONG', '86400000', 'cluster', 'applied', 'Default tombstone retention of compacted topics.', { validator: atLeast(0) }),
  broker('log.cleaner.min.compaction.lag.ms', 'LONG', '0', 'cluster', 'applied', 'Default minimum compaction lag.', { validator: atLeast(0) }),
  broker('log.cleaner.max.compaction.lag.ms', 'LONG', LONG_MAX, 'cluster', 'applied', 'Default maximum compaction lag.', { validator: atLeast(1) }),
  broker('log.cleaner.min.cleanable.ratio', 'DOUBLE', '0.5', 'cluster', 'applied', 'Default minimum dirty ratio for compaction.', { validator: between(0, 1) }),
  broker('log.message.timestamp.type', 'STRING', 'CreateTime', 'cluster', 'applied', 'Default timestamp type: CreateTime or LogAppendTime.', { validator: oneOf('CreateTime', 'LogAppendTime') }),
  broker('log.message.timestamp.before.max.ms', 'LONG', LONG_MAX, 'cluster', 'applied', 'How far a timestamp may be behind the broker clock.', { validator: atLeast(0) }),
  broker('log.message.timestamp.after.max.ms', 'LONG', '3600000', 'cluster', 'applied', 'How far a timestamp may be ahead of the broker clock.', { validator: atLeast(0) }),
  broker('log.local.retention.ms', 'LONG', '-2', 'cluster', 'unsupported', 'Tiered storage: local retention time; -2 uses log.retention.ms.', { validator: atLeast(-2) }),
  broker('log.local.retention.bytes', 'LONG', '-2', 'cluster', 'unsupported', 'Tiered storage: local retention size; -2 uses log.retention.bytes.', { validator: atLeast(-2) }),
  broker('log.remote.copy.lag.bytes', 'LONG', '-1', 'cluster', 'unsupported', 'Tiered storage: newer local bytes after which a segment may be uploaded.', { validator: atLeast(-1) }),
  broker('log.remote.copy.lag.ms', 'LONG', '0', 'cluster', 'unsupported', 'Tiered storage: age of the latest record after which a segment may be uploaded.', { validator: atLeast(-1) }),
  broker('max.decompressed.message.bytes', 'INT', '2147483639', 'cluster', 'reported', 'Largest decompressed size of a single record (topic: max.decompressed.message.bytes).', { validator: between(1, 2147483639) }),
  broker('num.recovery.threads.per.data.dir', 'INT', '2', 'cluster', 'reported', 'Threads per data dir for recovery and shutdown flush.', { validator: atLeast(1), importance: 'high' }),
  broker('log.dir.failure.timeout.ms', 'LONG', '30000', 'ro', 'reported', 'Shut down if a failed log dir cannot be reported for this long.', { validator: atLeast(1), importance: 'low' }),
  broker('remote.log.storage.system.enable', 'BOOLEAN', 'false', 'ro', 'unsupported', 'Enable tiered storage in the broker.'),
  broker('create.topic.policy.class.name', 'CLASS', null, 'ro', 'unsupported', 'CreateTopicPolicy implementation.', { importance: 'low' }),
  broker('alter.config.policy.class.name', 'CLASS', null, 'ro', 'unsupported', 'AlterConfigPolicy implementation.', { importance: 'low' }),
  broker('auto.leader.rebalance.enable', 'BOOLEAN', 'true', 'ro', 'reported', 'Periodically move leadership back to preferred replicas.', { importance: 'high' }),
  broker('leader.imbalance.check.interval.seconds', 'LONG', '300', 'ro', 'reported', 'How often leader imbalance is checked.', { validator: atLeast(1), importance: 'high' }),

  // --- Network and request handling (SocketServerConfigs, ServerConfigs) ---
  broker('socket.request.max.bytes', 'INT', '104857600', 'ro', 'applied', 'Largest request accepted on a socket.', { validator: atLeast(1), importance: 'high' }),
  broker('socket.send.buffer.bytes', 'INT', '102400', 'ro', 'reported', 'SO_SNDBUF of server sockets; -1 uses the OS default.', { importance: 'high' }),
  broker('socket.receive.buffer.bytes', 'INT', '102400', 'ro', 'reported', 'SO_RCVBUF of server sockets; -1 uses the OS default.', { importance: 'high' }),
  broker('socket.listen.backlog.size', 'INT', '50', 'ro', 'applied', 'Pending connection backlog.', { validator: atLeast(1) }),
  broker('connections.max.idle.ms', 'LONG', '600000', 'ro', 'applied', 'Close connections idle longer than this; a negative value disables idle expiry (Kafka\'s Selector).'),
  broker('connections.max.reauth.ms', 'LONG', '0', 'ro', 'applied', 'SASL session lifetime communicated to clients; 0 disables.'),
  broker('sasl.server.max.receive.size', 'INT', '524288', 'ro', 'applied', 'Largest SASL token accepted before authentication.', { validator: atLeast(1) }),
  broker('connection.failed.authentication.delay.ms', 'INT', '100', 'ro', 'reported', 'Delay before closing a connection that failed authentication.', { validator: atLeast(0), importance: 'low' }),
  broker('max.connections', 'INT', INT_MAX, 'cluster', 'applied', 'Maximum connections in the broker.', { validator: atLeast(0) }),
  broker('max.connections.per.ip', 'INT', INT_MAX, 'cluster', 'applied', 'Maximum connections from one IP address.', { validator: atLeast(0) }),
  broker('max.connections.per.ip.overrides', 'STRING', '', 'cluster', 'applied', 'Per-IP or hostname overrides, e.g. "host:100,127.0.0.1:200".', {
    validator: { kind: 'custom', describe: 'comma-separated host:count pairs', check: (value) => connectionOverridesProblem(value as string) },
  }),
  broker('max.connection.creation.rate', 'INT', INT_MAX, 'cluster', 'applied', 'Maximum new connections per second.', { validator: atLeast(0) }),
  broker('queued.max.requests', 'INT', '500', 'ro', 'applied', 'Requests queued before network threads block.', { validator: atLeast(1), importance: 'high' }),
  broker('queued.max.request.bytes', 'LONG', '-1', 'ro', 'applied', 'Queued bytes before no more requests are read; -1 is unlimited.', {
    validator: { kind: 'custom', describe: '-1 or [1,...]', check: (value) => (value === -1 || (value as number) > 0 ? undefined : 'Value must be -1 or positive') },
  }),
  broker('num.network.threads', 'INT', '3', 'cluster', 'reported', 'Network threads per listener.', { validator: atLeast(1), importance: 'high' }),
  broker('num.io.threads', 'INT', '8', 'cluster', 'reported', 'Request handler threads.', { validator: atLeast(1), importance: 'high' }),
  broker('background.threads', 'INT', '10', 'cluster', 'reported', 'Threads for background tasks.', { validator: atLeast(1), importance: 'high' }),
  broker('request.timeout.ms', 'INT', '30000', 'ro', 'reported', 'Timeout of requests the broker sends.', { importance: 'high' }),
  broker('fetch.max.bytes', 'INT', '57671680', 'ro', 'applied', 'Maximum bytes returned for one fetch request.', { validator: atLeast(1024) }),
  broker('max.incremental.fetch.session.cache.slots', 'INT', '1000', 'ro', 'reported', 'Incremental fetch sessions kept.', { validator: atLeast(0) }),
  broker('max.request.partition.size.limit', 'INT', '2000', 'ro', 'reported', 'Maximum partitions served in one request.', { validator: atLeast(1) }),

  // --- Replication (ReplicationConfigs) ---
  broker('replica.lag.time.max.ms', 'LONG', '30000', 'ro', 'applied', 'A follower this far behind is removed from the ISR.', { importance: 'high' }),
  broker('replica.fetch.max.bytes', 'INT', '1048576', 'ro', 'applied', 'Bytes per partition a follower fetches.', { validator: atLeast(0) }),
  broker('replica.fetch.min.bytes', 'INT', '1', 'ro', 'applied', 'Minimum bytes per follower fetch response.', { importance: 'high' }),
  broker('replica.fetch.wait.max.ms', 'INT', '500', 'ro', 'applied', 'Maximum wait of a follower fetch.', { importance: 'high' }),
  broker('replica.fetch.response.max.bytes', 'INT', '10485760', 'ro', 'applied', 'Maximum bytes of a whole follower fetch response.', { validator: atLeast(0) }),
  broker('replica.fetch.backoff.ms', 'INT', '1000', 'ro', 'applied', 'Sleep after a fetch partition error.', { validator: atLeast(0) }),
  broker('replica.socket.timeout.ms', 'INT', '30000', 'ro', 'applied', 'Socket timeout of follower fetches.', { importance: 'high' }),
  broker('replica.socket.receive.buffer.bytes', 'INT', '65536', 'ro', 'reported', 'Socket receive buffer of follower fetches.', { importance: 'high' }),
  broker('replica.high.watermark.checkpoint.interval.ms', 'LONG', '5000', 'ro', 'applied', 'How often the high watermark is checkpointed.', { importance: 'high', validator: atLeast(1) }),
  broker('num.replica.fetchers', 'INT', '1', 'cluster', 'reported', 'Fetcher threads per source broker.', { importance: 'high' }),
  broker('replica.selector.class', 'STRING', null, 'ro', 'applied', 'ReplicaSelector for fetch-from-follower (KIP-392); unset: consumers read from the leader.', { validator: replicaSelectorClass }),

  // --- Group coordinator (GroupCoordinatorConfig) ---
  broker('offsets.topic.replication.factor', 'SHORT', '3', 'ro', 'applied', 'Replication factor of __consumer_offsets.', { validator: atLeast(1), importance: 'high' }),
  broker('offsets.topic.num.partitions', 'INT', '50', 'ro', 'applied', 'Partitions of __consumer_offsets.', { validator: atLeast(1), importance: 'high' }),
  broker('offsets.topic.segment.bytes', 'INT', '104857600', 'ro', 'reported', 'Segment size of __consumer_offsets.', { validator: atLeast(1), importance: 'high' }),
  broker('offsets.topic.compression.codec', 'INT', '0', 'ro', 'reported', 'Compression codec id of __consumer_offsets.', { importance: 'high' }),
  broker('offsets.retention.minutes', 'INT', '10080', 'ro', 'applied', 'How long committed offsets of empty groups are kept.', { validator: atLeast(1), importance: 'high' }),
  broker('offsets.retention.check.interval.ms', 'LONG', '600000', 'ro', 'applied', 'How often stale offsets are checked.', { validator: atLeast(1), importance: 'high' }),
  broker('offsets.commit.timeout.ms', 'INT', '5000', 'ro', 'reported', 'Timeout of coordinator writes.', { validator: atLeast(1), importance: 'high' }),
  broker('offsets.load.buffer.size', 'INT', '5242880', 'ro', 'reported', 'Batch size when loading group metadata.', { validator: atLeast(1), importance: 'high' }),
  broker('offset.metadata.max.bytes', 'INT', '4096', 'ro', 'applied', 'Largest metadata string of an offset commit.', { importance: 'high' }),
  broker('group.initial.rebalance.delay.ms', 'INT', '3000', 'ro', 'applied', 'Wait for more members before the first rebalance of a new group.'),
  broker('group.min.session.timeout.ms', 'INT', '6000', 'ro', 'applied', 'Minimum session timeout of classic group members.'),
  broker('group.max.session.timeout.ms', 'INT', '1800000', 'ro', 'applied', 'Maximum session timeout of classic group members.'),
  broker('group.max.size', 'INT', INT_MAX, 'ro', 'applied', 'Maximum members of a classic group.', { validator: atLeast(1) }),
  broker('group.coordinator.rebalance.protocols', 'LIST', 'classic,consumer,streams', 'ro', 'reported', 'Enabled rebalance protocols.', { validator: listOf('consumer', 'classic', 'share', 'streams') }),
  broker('group.coordinator.threads', 'INT', '4', 'ro', 'reported', 'Group coordinator threads.', { validator: atLeast(1), importance: 'high' }),
  broker('group.consumer.session.timeout.ms', 'INT', '45000', 'ro', 'reported', 'Session timeout of consumer-protocol members.', { validator: atLeast(1) }),
  broker('group.consumer.heartbeat.interval.ms', 'INT', '5000', 'ro', 'reported', 'Heartbeat interval of consumer-protocol members.', { validator: atLeast(1) }),
  broker('group.consumer.min.session.timeout.ms', 'INT', '45000', 'ro', 'reported', 'Minimum consumer-protocol session timeout.', { validator: atLeast(1) }),
  broker('group.consumer.max.session.timeout.ms', 'INT', '60000', 'ro', 'reported', 'Maximum consumer-protocol session timeout.', { validator: atLeast(1) }),
  broker('group.consumer.min.heartbeat.interval.ms', 'INT', '5000', 'ro', 'reported', 'Minimum consumer-protocol heartbeat interval.', { validator: atLeast(1) }),
  broker('group.consumer.max.heartbeat.interval.ms', 'INT', '15000', 'ro', 'reported', 'Maximum consumer-protocol heartbeat interval.', { validator: atLeast(1) }),
  broker('group.consumer.max.size', 'INT', INT_MAX, 'ro', 'reported', 'Maximum members of a consumer-protocol group.', { validator: atLeast(1) }),
  broker('group.consumer.assignors', 'LIST', 'uniform,range', 'ro', 'reported', 'Server-side assignors; the first is the default.'),
  broker('group.consumer.migration.policy', 'STRING', 'bidirectional', 'ro', 'reported', 'Classic/consumer group conversion policy.', { validator: oneOfIgnoringCase('DISABLED', 'DOWNGRADE', 'UPGRADE', 'BIDIRECTIONAL') }),

  // --- Transactions and producer state (TransactionLogConfig, TransactionStateManagerConfig) ---
  broker('transaction.state.log.replication.factor', 'SHORT', '3', 'ro', 'applied', 'Replication factor of __transaction_state.', { validator: atLeast(1), importance: 'high' }),
  broker('transaction.state.log.num.partitions', 'INT', '50', 'ro', 'applied', 'Partitions of __transaction_state.', { validator: atLeast(1), importance: 'high' }),
  broker('transaction.state.log.min.isr', 'INT', '2', 'ro', 'applied', 'min.insync.replicas of __transaction_state.', { validator: atLeast(1), importance: 'high' }),
  broker('transaction.state.log.segment.bytes', 'INT', '104857600', 'ro', 'reported', 'Segment size of __transaction_state.', { validator: atLeast(1), importance: 'high' }),
  broker('transaction.state.log.load.buffer.size', 'INT', '5242880', 'ro', 'reported', 'Batch size when loading transactions.', { validator: atLeast(1), importance: 'high' }),
  broker('transactional.id.expiration.ms', 'INT', '604800000', 'ro', 'applied', 'Expire a transactional id after this long without updates.', { validator: atLeast(1), importance: 'high' }),
  broker('transaction.max.timeout.ms', 'INT', '900000', 'ro', 'applied', 'Largest transaction timeout a producer may ask for.', { validator: atLeast(1), importance: 'high' }),
  broker('transaction.abort.timed.out.transaction.cleanup.interval.ms', 'INT', '10000', 'ro', 'applied', 'How often timed-out transactions are aborted.', { validator: atLeast(1), importance: 'low' }),
  broker('transaction.remove.expired.transaction.cleanup.interval.ms', 'INT', '3600000', 'ro', 'applied', 'How often expired transactional ids are removed.', { validator: atLeast(1), importance: 'low' }),
  broker('transaction.partition.verification.enable', 'BOOLEAN', 'true', 'cluster', 'reported', 'Verify a partition was added to the transaction before transactional writes.', { importance: 'low' }),
  broker('producer.id.expiration.ms', 'INT', '86400000', 'cluster', 'applied', 'Expire idle producer ids after this long.', { validator: atLeast(1), importance: 'low' }),

  // --- Security (SaslConfigs, BrokerSecurityConfigs, ServerConfigs) ---
  broker('sasl.enabled.mechanisms', 'LIST', 'GSSAPI', 'broker', 'applied', 'SASL mechanisms enabled in the server.'),
  // TLS of SSL and SASL_SSL listeners (each may be set per listener as listener.name.<l>.ssl.*). Kafka: SslConfigs, BrokerSecurityConfigs.
  broker('ssl.keystore.type', 'STRING', 'JKS', 'broker', 'applied', 'The file format of the key store file: JKS, PKCS12 or PEM.'),
  broker('ssl.keystore.location', 'STRING', null, 'broker', 'applied', 'The location of the key store file.'),
  broker('ssl.keystore.password', 'PASSWORD', null, 'broker', 'applied', 'The store password for the key store file.'),
  broker('ssl.key.password', 'PASSWORD', null, 'broker', 'applied', 'The password of the private key in the key store file or the PEM key.'),
  broker('ssl.keystore.key', 'PASSWORD', null, 'broker', 'applied', 'Private key in PEM format (PKCS#8), with ssl.keystore.type=PEM.'),
  broker('ssl.keystore.certificate.chain', 'PASSWORD', null, 'broker', 'applied', 'Certificate chain in PEM format, with ssl.keystore.type=PEM.'),
  broker('ssl.truststore.type', 'STRING', 'JKS', 'broker', 'applied', 'The file format of the trust store file: JKS, PKCS12 or PEM.'),
  broker('ssl.truststore.location', 'STRING', null, 'broker', 'applied', 'The location of the trust store file.'),
  broker('ssl.truststore.password', 'PASSWORD', null, 'broker', 'applied', 'The password for the trust store file.'),
  broker('ssl.truststore.certificates', 'PASSWORD', null, 'broker', 'applied', 'Trusted certificates in PEM format, with ssl.truststore.type=PEM.'),
  broker('ssl.client.auth', 'STRING', 'none', 'broker', 'applied', 'Whether the broker requests client authentication: required, requested or none.', { validator: oneOf('required', 'requested', 'none') }),
  broker('ssl.enabled.protocols', 'LIST', 'TLSv1.2,TLSv1.3', 'broker', 'applied', 'The protocols enabled for TLS connections.'),
  broker('ssl.protocol', 'STRING', 'TLSv1.3', 'broker', 'applied', 'The TLS protocol used to create the SSLContext.'),
  broker('ssl.cipher.suites', 'LIST', null, 'broker', 'applied', 'Cipher suites (IANA names); empty: all that the protocols allow.'),
  broker('ssl.principal.mapping.rules', 'STRING', 'DEFAULT', 'broker', 'applied', 'Rules mapping a certificate distinguished name to a short name.'),
  broker('ssl.endpoint.identification.algorithm', 'STRING', 'https', 'broker', 'applied', 'Endpoint identification (host name checking) of the server certificate, by clients.'),
  broker('sasl.mechanism.inter.broker.protocol', 'STRING', 'GSSAPI', 'broker', 'applied', 'SASL mechanism between brokers.'),
  broker('sasl.mechanism.controller.protocol', 'STRING', 'GSSAPI', 'ro', 'unsupported', 'SASL mechanism to controllers.', { importance: 'high' }),
  broker('sasl.jaas.config', 'PASSWORD', null, 'broker', 'reported', 'JAAS login context parameters.'),
  broker('principal.builder.class', 'CLASS', 'org.apache.kafka.common.security.authenticator.DefaultKafkaPrincipalBuilder', 'broker', 'unsupported', 'KafkaPrincipalBuilder implementation.'),
  broker('authorizer.class.name', 'STRING', '', 'ro', 'applied', 'Authorizer implementation; empty disables authorization.', { validator: nonNull, importance: 'low' }),
  // Authorizer (StandardAuthorizer) configs: passed through, not KafkaConfig keys.
  broker('super.users', 'STRING', null, 'ro', 'applied', 'Semicolon-separated principals that bypass ACLs, e.g. User:admin;User:ops.', { kafkaConfigKey: false }),
  broker('allow.everyone.if.no.acl.found', 'BOOLEAN', 'false', 'ro', 'applied', 'Allow access to resources that have no ACLs.', { kafkaConfigKey: false }),
];

export const BROKER_CONFIGS_BY_NAME: ReadonlyMap<string, BrokerConfigDef> = new Map(BROKER_CONFIGS.map((def) => [def.name, def]));

export function brokerConfigDef(name: string): BrokerConfigDef | undefined {
  return BROKER_CONFIGS_BY_NAME.get(name);
}

/**
 * Other Kafka 4.1 broker configs (names only). Strom does not support them: setting one gives an
 * 'unsupported' warning, not an 'unknown' one.
 */
// prettier-ignore
export const OTHER_KAFKA_BROKER_CONFIGS: readonly string[] = [
  'add.partitions.to.txn.retry.backoff.max.ms', 'add.partitions.to.txn.retry.backoff.ms', 'alter.log.dirs.replication.quota.window.num',
  'alter.log.dirs.replication.quota.window.size.seconds', 
  'client.quota.callback.class', 'controlled.shutdown.enable', 'controller.quorum.append.linger.ms',
  'controller.quorum.election.backoff.max.ms', 'controller.quorum.election.timeout.ms', 'controller.quorum.fetch.timeout.ms',
  'controller.quorum.request.timeout.ms', 'controller.quorum.retry.backoff.ms', 'controller.quota.window.num',
  'controller.quota.window.size.seconds', 'controller.socket.timeout.ms', 'delegation.token.expiry.check.interval.ms',
  'delegation.token.expiry.time.ms', 'delegation.token.max.lifetime.ms', 'delegation.token.secret.key',
  'delete.records.purgatory.purge.interval.requests', 'fetch.purgatory.purge.interval.requests', 'follower.replication.throttled.rate',
  'group.share.assignors', 'group.share.delivery.count.limit', 'group.share.heartbeat.interval.ms',
  'group.share.max.heartbeat.interval.ms', 'group.share.max.record.lock.duration.ms', 'group.share.max.session.timeout.ms',
  'group.share.max.share.sessions', 'group.share.max.size', 'group.share.min.heartbeat.interval.ms',
  'group.share.min.record.lock.duration.ms', 'group.share.min.session.timeout.ms', 'group.share.partition.max.record.locks',
  'group.share.record.lock.duration.ms', 'group.share.session.timeout.ms', 'group.streams.heartbeat.interval.ms',
  'group.streams.max.heartbeat.interval.ms', 'group.streams.max.session.timeout.ms', 'group.streams.max.size',
  'group.streams.max.standby.replicas', 'group.streams.min.heartbeat.interval.ms', 'group.streams.min.session.timeout.ms',
  'group.streams.num.standby.replicas', 'group.streams.session.timeout.ms', 'initial.broker.registration.timeout.ms',
  'kafka.metrics.polling.interval.secs', 'kafka.metrics.reporters', 'leader.replication.throttled.rate',
  'metadata.log.max.record.bytes.between.snapshots', 'metadata.log.max.snapshot.interval.ms', 'metadata.log.segment.bytes',
  'metadata.log.segment.ms', 'metadata.max.idle.interval.ms', 'metadata.max.retention.bytes', 'metadata.max.retention.ms',
  'metric.reporters', 'metrics.num.samples', 'metrics.recording.level', 'metrics.sample.window.ms',
  'num.replica.alter.log.dirs.threads', 'producer.purgatory.purge.interval.requests', 'quota.window.num', 'quota.window.size.seconds',
  'remote.fetch.max.wait.ms', 'remote.list.offsets.request.timeout.ms', 'remote.log.index.file.cache.total.size.bytes',
  'remote.log.manager.copier.thread.pool.size', 'remote.log.manager.copy.max.bytes.per.second', 'remote.log.manager.copy.quota.window.num',
  'remote.log.manager.copy.quota.window.size.seconds', 'remote.log.manager.expiration.thread.pool.size',
  'remote.log.manager.fetch.max.bytes.per.second', 'remote.log.manager.fetch.quota.window.num',
  'remote.log.manager.fetch.quota.window.size.seconds', 'remote.log.manager.task.interval.ms', 'remote.log.manager.thread.pool.size',
  'remote.log.metadata.custom.metadata.max.bytes', 'remote.log.metadata.manager.class.name', 'remote.log.metadata.manager.class.path',
  'remote.log.metadata.manager.impl.prefix', 'remote.log.metadata.manager.listener.name', 'remote.log.reader.max.pending.tasks',
  'remote.log.reader.threads', 'remote.log.storage.manager.class.name', 'remote.log.storage.manager.class.path',
  'remote.log.storage.manager.impl.prefix', 'replica.alter.log.dirs.io.max.bytes.per.second', 'replication.quota.window.num',
  'replication.quota.window.size.seconds', 'sasl.client.callback.handler.class', 'sasl.kerberos.kinit.cmd',
  'sasl.kerberos.min.time.before.relogin', 'sasl.kerberos.principal.to.local.rules', 'sasl.kerberos.service.name',
  'sasl.kerberos.ticket.renew.jitter', 'sasl.kerberos.ticket.renew.window.factor', 'sasl.login.callback.handler.class',
  'sasl.login.class', 'sasl.login.connect.timeout.ms', 'sasl.login.read.timeout.ms', 'sasl.login.refresh.buffer.seconds',
  'sasl.login.refresh.min.period.seconds', 'sasl.login.refresh.window.factor', 'sasl.login.refresh.window.jitter',
  'sasl.login.retry.backoff.max.ms', 'sasl.login.retry.backoff.ms', 'sasl.oauthbearer.assertion.algorithm',
  'sasl.oauthbearer.assertion.claim.aud', 'sasl.oauthbearer.assertion.claim.exp.seconds', 'sasl.oauthbearer.assertion.claim.iss',
  'sasl.oauthbearer.assertion.claim.jti.include', 'sasl.oauthbearer.assertion.claim.nbf.seconds', 'sasl.oauthbearer.assertion.claim.sub',
  'sasl.oauthbearer.assertion.file', 'sasl.oauthbearer.assertion.private.key.file', 'sasl.oauthbearer.assertion.private.key.passphrase',
  'sasl.oauthbearer.assertion.template.file', 'sasl.oauthbearer.client.credentials.client.id',
  'sasl.oauthbearer.client.credentials.client.secret', 'sasl.oauthbearer.clock.skew.seconds', 'sasl.oauthbearer.expected.audience',
  'sasl.oauthbearer.expected.issuer', 'sasl.oauthbearer.jwks.endpoint.refresh.ms', 'sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms',
  'sasl.oauthbearer.jwks.endpoint.retry.backoff.ms', 'sasl.oauthbearer.jwks.endpoint.url', 'sasl.oauthbearer.jwt.retriever.class',
  'sasl.oauthbearer.jwt.validator.class', 'sasl.oauthbearer.scope', 'sasl.oauthbearer.scope.claim.name',
  'sasl.oauthbearer.sub.claim.name', 'sasl.oauthbearer.token.endpoint.url', 'sasl.server.callback.handler.class',
  'security.providers', 'share.coordinator.append.linger.ms', 'share.coordinator.load.buffer.size',
  'share.coordinator.snapshot.update.records.per.snapshot', 'share.coordinator.state.topic.compression.codec',
  'share.coordinator.state.topic.min.isr', 'share.coordinator.state.topic.num.partitions',
  'share.coordinator.state.topic.replication.factor', 'share.coordinator.state.topic.segment.bytes', 'share.coordinator.threads',
  'share.coordinator.write.timeout.ms', 'share.fetch.purgatory.purge.interval.requests', 'socket.connection.setup.timeout.max.ms',
  'socket.connection.setup.timeout.ms', 'ssl.allow.dn.changes', 'ssl.allow.san.changes', 
  'ssl.engine.factory.class', 
  'ssl.keymanager.algorithm', 
  'ssl.provider', 'ssl.secure.random.implementation',
  'ssl.trustmanager.algorithm', 
  'telemetry.max.bytes', 'transaction.two.phase.commit.enable',
];

/** Broker configs that existed before Kafka 4.0 and were removed with ZooKeeper and the old formats. */
// prettier-ignore
export const REMOVED_IN_KAFKA_4: readonly string[] = [
  'zookeeper.connect', 'zookeeper.session.timeout.ms', 'zookeeper.connection.timeout.ms', 'zookeeper.set.acl',
  'zookeeper.max.in.flight.requests', 'zookeeper.metadata.migration.enable', 'zookeeper.ssl.client.enable',
  'inter.broker.protocol.version', 'log.message.format.version', 'log.message.timestamp.difference.max.ms',
  'log.message.downconversion.enable', 'control.plane.listener.name', 'offsets.commit.required.acks',
  'broker.id.generation.enable', 'reserved.broker.max.id', 'controlled.shutdown.max.retries',
  'controlled.shutdown.retry.backoff.ms', 'group.coordinator.new.enable', 'message.format.version',
];

/**
 * max.connections.per.ip.overrides as Kafka parses it (`host:count` pairs, comma-separated; the
 * last ':' splits, so an IPv6 address works too): host → count.
 */
export function parseConnectionOverrides(value: string): Map<string, number> {
  const overrides = new Map<string, number>();
  for (const entry of value.split(',').map((part) => part.trim())) {
    if (entry === '') continue;
    const cut = entry.lastIndexOf(':');
    const host = entry
      .slice(0, cut)
      .trim()
      .replace(/^\[|\]$/g, '');
    const count = Number(entry.slice(cut + 1).trim());
    if (cut <= 0 || host === '' || !Number.isSafeInteger(count) || count < 0 || count > 2_147_483_647) {
      throw new Error(`'${entry}' is not host:count`);
    }
    overrides.set(host, count);
  }
  return overrides;
}

function connectionOverridesProblem(value: string): string | undefined {
  try {
    parseConnectionOverrides(value);
    return undefined;
  } catch (error) {
    return `${(error as Error).message}; expected comma-separated host:count pairs`;
  }
}
