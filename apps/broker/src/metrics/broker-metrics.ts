import { readFileSync } from 'node:fs';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { apiDefinition } from '@strom/protocol';
import { labelBytes, labels, type ExpositionWriter, type LabelBytes } from '@strom/runtime';
import type { KafkaListener } from '../network/kafka-listener.js';
import { REQUEST_TIME_BUCKETS_MS, type DurationHistogram, type RequestStats } from '../network/request-stats.js';
import type { PartitionReplica } from '../replica/partition-replica.js';
import type { ReplicaManager } from '../replica/replica-manager.js';
import type { ReplicationStatus } from '../replica/replication-stats.js';
import type { TrafficCounter } from './topic-traffic.js';

/** What a broker's part of `/metrics` is read from, at scrape time. */
export interface BrokerMetricsSource {
  replicas: ReplicaManager;
  replication(): ReplicationStatus | undefined;
  requests: RequestStats;
  listeners(): readonly { name: string; listener: KafkaListener }[];
  eventLoop: EventLoopIdle;
}

/**
 * The event loop's idle share since the previous scrape. The event loop is what Kafka splits into
 * network threads and request handler threads, so its idle share stands for both of Kafka's
 * idle percentages (NetworkProcessorAvgIdlePercent, RequestHandlerAvgIdlePercent), as 0–1 as theirs.
 */
export class EventLoopIdle {
  private last: EventLoopUtilization = performance.eventLoopUtilization();

  sinceLastScrape(): number {
    const now = performance.eventLoopUtilization();
    const delta = performance.eventLoopUtilization(now, this.last);
    this.last = now;
    return 1 - delta.utilization;
  }
}

/** Kafka's BrokerTopicMetrics meters, as the JMX exporter under Strimzi's rules names their counts. */
const TOPIC_COUNTERS: readonly [name: string, field: TrafficCounter, help: string][] = [
  ['bytesin', 'bytesIn', 'Record batch bytes appended by clients (BytesInPerSec).'],
  ['bytesout', 'bytesOut', 'Record bytes sent to consumers (BytesOutPerSec).'],
  ['messagesin', 'messagesIn', 'Records appended by clients (MessagesInPerSec).'],
  ['replicationbytesin', 'replicationBytesIn', 'Bytes appended as a follower (ReplicationBytesInPerSec).'],
  ['replicationbytesout', 'replicationBytesOut', 'Bytes sent to followers (ReplicationBytesOutPerSec).'],
  ['totalproducerequests', 'produceRequests', 'Partitions produced to (TotalProduceRequestsPerSec).'],
  ['failedproducerequests', 'failedProduceRequests', 'Partitions whose produce failed (FailedProduceRequestsPerSec).'],
  ['totalfetchrequests', 'fetchRequests', 'Partitions fetched from (TotalFetchRequestsPerSec).'],
  ['failedfetchrequests', 'failedFetchRequests', 'Partitions whose fetch failed (FailedFetchRequestsPerSec).'],
];

/** The JMX exporter's quantiles of a Kafka histogram (its 50thPercentile … 999thPercentile attributes). */
const QUANTILES: readonly [label: string, q: number][] = [
  ['0.50', 0.5],
  ['0.75', 0.75],
  ['0.95', 0.95],
  ['0.98', 0.98],
  ['0.99', 0.99],
  ['0.999', 0.999],
];

/**
 * A broker's metrics, with the names Kafka's JMX exporter gives them under Strimzi's rules
 * (kafka-metrics.yaml), so Strimzi's Grafana dashboards read them: BrokerTopicMetrics per topic,
 * ReplicaManager, the kafka.cluster Partition and kafka.log Log gauges per partition, request
 * metrics per API, the request channel's queues and connections per listener; plus
 * kafka-exporter's per-partition offsets for the partitions led here.
 */
export function writeBrokerMetrics(out: ExpositionWriter, source: BrokerMetricsSource): void {
  writeTopicTraffic(out, source.replicas);
  writeReplicaManager(out, source.replication());
  writePartitions(out, [...source.replicas.hosted()]);
  writeRequests(out, source.requests);
  writeNetwork(out, source.listeners(), source.eventLoop.sinceLastScrape());
  writeDiskIo(out);
}

function writeTopicTraffic(out: ExpositionWriter, replicas: ReplicaManager): void {
  const stats = replicas.topicStats;
  const topics = [...stats.topics()].map(([topic, traffic]) => [labels({ topic }), traffic] as const);
  for (const [name, field, help] of TOPIC_COUNTERS) {
    const family = `kafka_server_brokertopicmetrics_${name}_total`;
    out.family(family, 'counter', `${help} The sample without a topic label is the sum over all topics, deleted ones included.`);
    for (const [topicLabels, traffic] of topics) out.sample(family, topicLabels, traffic[field]);
    out.sample(family, '', stats.allTopics(field));
  }
}

function writeReplicaManager(out: ExpositionWriter, status: ReplicationStatus | undefined): void {
  if (!status) return;
  const gauge = (name: string, help: string, value: number) =>
    out.family(`kafka_server_replicamanager_${name}`, 'gauge', help).sample(`kafka_server_replicamanager_${name}`, '', value);
  gauge('partitioncount', 'Partitions hosted by this broker (PartitionCount).', status.partitions);
  gauge('leadercount', 'Partitions led by this broker (LeaderCount).', status.leaders);
  gauge(
    'underreplicatedpartitions',
    'Partitions led here with an ISR smaller than the replica set (UnderReplicatedPartitions).',
    status.underReplicatedPartitions,
  );
  gauge(
    'underminisrpartitioncount',
    'Partitions led here with an ISR below min.insync.replicas (UnderMinIsrPartitionCount).',
    status.underMinIsrPartitions,
  );
  gauge('offlinereplicacount', 'Replicas hosted here in an offline log directory (OfflineReplicaCount).', status.offlineReplicas);
  const counter = (name: string, help: string, value: number) =>
    out.family(`kafka_server_replicamanager_${name}_total`, 'counter', help).sample(`kafka_server_replicamanager_${name}_total`, '', value);
  counter('isrshrinks', 'ISR shrinks of partitions led here (IsrShrinksPerSec).', status.isrShrinks);
  counter('isrexpands', 'ISR expansions of partitions led here (IsrExpandsPerSec).', status.isrExpands);
  out
    .family('kafka_server_replicafetchermanager_maxlag', 'gauge', 'The largest lag, in records, of a partition followed here (MaxLag).')
    .sample('kafka_server_replicafetchermanager_maxlag', labels({ clientId: 'Replica' }), status.maxFollowerLag);
}

const PARTITION_LABELS = new WeakMap<PartitionReplica, LabelBytes>();

/** `{topic="…",partition="…"}` of a replica, encoded once: a replica's topic and partition never change. */
function partitionLabels(replica: PartitionReplica): LabelBytes {
  let bytes = PARTITION_LABELS.get(replica);
  if (bytes === undefined) {
    bytes = labelBytes({ topic: replica.topic, partition: replica.partition });
    PARTITION_LABELS.set(replica, bytes);
  }
  return bytes;
}

/** The per-partition families, read from each replica in one pass, then written a family at a time. */
const PARTITION_FAMILIES = [
  ['kafka_cluster_partition_underreplicated', 'Led here with an ISR smaller than the replica set.'],
  ['kafka_cluster_partition_underminisr', 'Led here with an ISR below min.insync.replicas.'],
  ['kafka_cluster_partition_atminisr', 'Led here with an ISR of exactly min.insync.replicas.'],
  ['kafka_cluster_partition_insyncreplicascount', 'ISR size, on the leader (0 elsewhere).'],
  ['kafka_cluster_partition_replicascount', 'Assigned replicas, on the leader (0 elsewhere).'],
  ['kafka_cluster_partition_laststableoffsetlag', 'High watermark minus last stable offset, on the leader.'],
  ['kafka_log_log_size', 'Bytes of the partition log on disk (Size).'],
  ['kafka_log_log_logendoffset', 'The log end offset (LogEndOffset).'],
  ['kafka_log_log_logstartoffset', 'The log start offset (LogStartOffset).'],
  ['kafka_log_log_numlogsegments', 'Segments of the partition log (NumLogSegments).'],
] as const;

function writePartitions(out: ExpositionWriter, hosted: readonly PartitionReplica[]): void {
  const count = hosted.length;
  const labelTexts = new Array<LabelBytes>(count);
  const columns = PARTITION_FAMILIES.map(() => new Float64Array(count));
  const [underReplicated, underMinIsr, atMinIsr, isrSize, replicaCount, lsoLag, size, endOffset, startOffset, segments] = columns;
  // kafka-exporter's, from each partition's leader only: every partition appears once in a cluster.
  const ledLabels: LabelBytes[] = [];
  const ledHighWatermarks: number[] = [];
  const ledStartOffsets: number[] = [];
  for (let i = 0; i < count; i++) {
    const replica = hosted[i]!;
    labelTexts[i] = partitionLabels(replica);
    const leader = replica.leaderState;
    if (leader !== undefined) {
      underReplicated![i] = leader.isUnderReplicated ? 1 : 0;
      underMinIsr![i] = leader.isUnderMinIsr ? 1 : 0;
      atMinIsr![i] = leader.isr.size === leader.effectiveMinIsr ? 1 : 0;
      isrSize![i] = leader.isr.size;
      replicaCount![i] = leader.assignedReplicas.length;
      lsoLag![i] = replica.highWatermark - replica.lastStableOffset;
    }
    size![i] = replica.storage.sizeBytes;
    endOffset![i] = replica.logEndOffset;
    startOffset![i] = replica.logStartOffset;
    segments![i] = (replica.storage as { segmentCount?: number }).segmentCount ?? 1;
    if (replica.isLeader) {
      ledLabels.push(labelTexts[i]!);
      ledHighWatermarks.push(replica.highWatermark);
      ledStartOffsets.push(replica.logStartOffset);
    }
  }
  for (const [f, [name, help]] of PARTITION_FAMILIES.entries()) out.family(name, 'gauge', help).samples(name, labelTexts, columns[f]!);
  out
    .family('kafka_topic_partition_current_offset', 'gauge', 'The high watermark: the next offset a consumer can read (kafka-exporter).')
    .samples('kafka_topic_partition_current_offset', ledLabels, ledHighWatermarks);
  out
    .family('kafka_topic_partition_oldest_offset', 'gauge', 'The log start offset (kafka-exporter).')
    .samples('kafka_topic_partition_oldest_offset', ledLabels, ledStartOffsets);
}

function writeRequests(out: ExpositionWriter, stats: RequestStats): void {
  const apis = stats
    .apis()
    .map(([apiKey, times]) => ({ labels: labels({ request: apiDefinition(apiKey)?.name ?? `api${apiKey}` }), times }));
  out.family('kafka_network_requestmetrics_requests_total', 'counter', 'Requests answered, per API (RequestsPerSec).');
  for (const api of apis) out.sample('kafka_network_requestmetrics_requests_total', api.labels, api.times.total.count);
  const summary = (name: string, help: string, histogram: (times: (typeof apis)[number]['times']) => DurationHistogram) => {
    const family = `kafka_network_requestmetrics_${name}`;
    out.family(family, 'gauge', `${help} Quantiles are bucket upper bounds.`);
    for (const api of apis) {
      const prefix = api.labels.slice(0, -1);
      for (const [quantile, q] of QUANTILES) out.sample(family, `${prefix},quantile="${quantile}"}`, histogram(api.times).quantileMs(q));
    }
    out.family(`${family}_count`, 'counter', `${help} Requests timed.`);
    for (const api of apis) out.sample(`${family}_count`, api.labels, histogram(api.times).count);
  };
  summary('totaltimems', 'Time from a request read to its response written, ms (TotalTimeMs).', (times) => times.total);
  summary(
    'responsesendtimems',
    'Time from a response ready to its last byte taken by the socket, ms (ResponseSendTimeMs).',
    (times) => times.send,
  );
  out.family('strom_request_total_time_seconds', 'histogram', 'Time from a request read to its response written, per API.');
  for (const api of apis) {
    const prefix = api.labels.slice(0, -1);
    const histogram = api.times.total;
    let cumulative = 0;
    for (let i = 0; i < REQUEST_TIME_BUCKETS_MS.length; i++) {
      cumulative += histogram.buckets[i]!;
      out.sample('strom_request_total_time_seconds_bucket', `${prefix},le="${REQUEST_TIME_BUCKETS_MS[i]! / 1000}"}`, cumulative);
    }
    out.sample('strom_request_total_time_seconds_bucket', `${prefix},le="+Inf"}`, histogram.count);
    out.sample('strom_request_total_time_seconds_sum', api.labels, histogram.sumMs / 1000);
    out.sample('strom_request_total_time_seconds_count', api.labels, histogram.count);
  }
}

function writeNetwork(out: ExpositionWriter, listeners: readonly { name: string; listener: KafkaListener }[], idle: number): void {
  out
    .family(
      'kafka_network_socketserver_networkprocessoravgidle_percent',
      'gauge',
      "The event loop's idle share since the last scrape, 0-1 (NetworkProcessorAvgIdlePercent).",
    )
    .sample('kafka_network_socketserver_networkprocessoravgidle_percent', '', idle);
  out
    .family(
      'kafka_server_kafkarequesthandlerpool_requesthandleravgidle_percent',
      'gauge',
      "The event loop's idle share since the last scrape, 0-1 (RequestHandlerAvgIdlePercent).",
    )
    .sample('kafka_server_kafkarequesthandlerpool_requesthandleravgidle_percent', '', idle);
  out.family('kafka_server_socket_server_metrics_connection_count', 'gauge', 'Open client connections per listener (connection-count).');
  for (const { name, listener } of listeners) {
    out.sample(
      'kafka_server_socket_server_metrics_connection_count',
      labels({ listener: name, networkProcessor: 0 }),
      listener.connectionCount,
    );
  }
  const depth = { requests: 0, responses: 0 };
  for (const { listener } of listeners) {
    const each = listener.queueDepth();
    depth.requests += each.requests;
    depth.responses += each.responses;
  }
  out
    .family(
      'kafka_network_requestchannel_requestqueuesize',
      'gauge',
      'Requests read and not yet answered, over every connection (RequestQueueSize).',
    )
    .sample('kafka_network_requestchannel_requestqueuesize', '', depth.requests);
  out
    .family(
      'kafka_network_requestchannel_responsequeuesize',
      'gauge',
      'Answers waiting for their turn on their connection (ResponseQueueSize).',
    )
    .sample('kafka_network_requestchannel_responsequeuesize', '', depth.responses);
}

/** Bytes this process read from and wrote to the block layer, from /proc/self/io as Kafka's LinuxIoMetricsCollector reads them (Linux only). */
function writeDiskIo(out: ExpositionWriter): void {
  let io: string;
  try {
    io = readFileSync('/proc/self/io', 'utf8');
  } catch {
    return;
  }
  for (const [field, name] of [
    ['read_bytes', 'kafka_server_kafkaserver_linux_disk_read_bytes'],
    ['write_bytes', 'kafka_server_kafkaserver_linux_disk_write_bytes'],
  ] as const) {
    const value = new RegExp(`^${field}: (\\d+)$`, 'm').exec(io)?.[1];
    if (value !== undefined)
      out
        .family(name, 'gauge', `${field} of /proc/self/io (Kafka's linux-disk-${field.replace('_', '-')}).`)
        .sample(name, '', Number(value));
  }
}
