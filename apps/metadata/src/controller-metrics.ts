import type { RegisteredBroker, TopicState } from '@strom/metadata-store';
import { labelBytes, labels, type ExpositionWriter, type LabelBytes } from '@strom/runtime';
import { clusterStatus } from './cluster-status.service.js';

/** Counted by the metadata service as it changes leaders. */
export interface ControllerCounts {
  /** Partitions given a new leader: failover, a broker's return, controlled shutdown (LeaderElectionRateAndTimeMs' count). */
  leaderElections: number;
}

/**
 * Per topic, each partition's `{topic="…",partition="…"}` (by partition index), encoded once and
 * kept from scrape to scrape for the topics still there: 10,000 partitions need not make 10,000
 * strings a scrape.
 */
export class PartitionLabelTexts {
  private byTopic = new Map<string, LabelBytes[]>();

  /** The label texts of each topic's partitions, in the order of `topics`. */
  of(topics: readonly TopicState[]): LabelBytes[][] {
    const kept = new Map<string, LabelBytes[]>();
    const texts = topics.map((topic) => {
      const texts = this.byTopic.get(topic.name) ?? [];
      for (const { partitionIndex } of topic.partitions)
        texts[partitionIndex] ??= labelBytes({ topic: topic.name, partition: partitionIndex });
      kept.set(topic.name, texts);
      return texts;
    });
    this.byTopic = kept;
    return texts;
  }
}

/**
 * The controller's metrics, named as Kafka's JMX exporter names KafkaController's and
 * ControllerStats' under Strimzi's rules; and kafka-exporter's cluster-wide topic and broker
 * gauges, from the store every scrape (the metadata service is the cluster's one view of them).
 */
export function writeControllerMetrics(
  out: ExpositionWriter,
  brokers: readonly RegisteredBroker[],
  topics: readonly TopicState[],
  counts: ControllerCounts,
  labelTexts = new PartitionLabelTexts(),
): void {
  const status = clusterStatus(brokers, topics);
  const gauge = (name: string, help: string, value: number) =>
    out.family(`kafka_controller_kafkacontroller_${name}`, 'gauge', help).sample(`kafka_controller_kafkacontroller_${name}`, '', value);
  gauge('activecontrollercount', 'This process is the active controller (the metadata service): 1 (ActiveControllerCount).', 1);
  gauge('offlinepartitionscount', 'Partitions without a leader (OfflinePartitionsCount).', status.offlinePartitions);
  gauge('globaltopiccount', 'Topics in the cluster (GlobalTopicCount).', status.topics);
  gauge('globalpartitioncount', 'Partitions in the cluster (GlobalPartitionCount).', status.partitions);
  gauge('activebrokercount', 'Registered, unfenced brokers (ActiveBrokerCount).', status.activeBrokers);
  gauge('fencedbrokercount', 'Registered, fenced brokers (FencedBrokerCount).', status.fencedBrokers);
  gauge(
    'preferredreplicaimbalancecount',
    'Partitions led by other than their first replica (PreferredReplicaImbalanceCount).',
    status.preferredReplicaImbalance,
  );
  out
    .family(
      'kafka_controller_controllerstats_leaderelectionrateandtimems_count',
      'counter',
      'Partitions given a new leader by the controller (LeaderElectionRateAndTimeMs count).',
    )
    .sample('kafka_controller_controllerstats_leaderelectionrateandtimems_count', '', counts.leaderElections);

  out.family('kafka_brokers', 'gauge', 'Registered, unfenced brokers (kafka-exporter).').sample('kafka_brokers', '', status.activeBrokers);
  out.family('kafka_broker_info', 'gauge', 'One per unfenced broker, its first endpoint as address (kafka-exporter).');
  for (const broker of brokers) {
    if (broker.fenced) continue;
    const endpoint = broker.endpoints[0];
    out.sample('kafka_broker_info', labels({ address: endpoint ? `${endpoint.host}:${endpoint.port}` : '', id: broker.id }), 1);
  }
  out.family('kafka_topic_partitions', 'gauge', 'Partitions of a topic (kafka-exporter).');
  for (const topic of topics) out.sample('kafka_topic_partitions', labels({ topic: topic.name }), topic.partitions.length);
  const texts = labelTexts.of(topics);
  const rows = topics.flatMap((topic, i) =>
    topic.partitions.map((partition) => ({ partition, labels: texts[i]![partition.partitionIndex]! })),
  );
  const perPartition = (name: string, help: string, value: (partition: TopicState['partitions'][number]) => number) => {
    out.family(name, 'gauge', `${help} (kafka-exporter)`);
    for (const row of rows) out.sample(name, row.labels, value(row.partition));
  };
  perPartition('kafka_topic_partition_leader', 'The leader broker id, -1 when offline.', (p) => p.leaderId);
  perPartition('kafka_topic_partition_replicas', 'Assigned replicas.', (p) => p.replicas.length);
  perPartition('kafka_topic_partition_in_sync_replica', 'In-sync replicas.', (p) => p.isr.length);
  perPartition('kafka_topic_partition_leader_is_preferred', '1 when the leader is the first replica.', (p) =>
    p.leaderId === p.replicas[0] ? 1 : 0,
  );
  perPartition('kafka_topic_partition_under_replicated_partition', '1 when the ISR is smaller than the replica set.', (p) =>
    p.isr.length < p.replicas.length ? 1 : 0,
  );
}
