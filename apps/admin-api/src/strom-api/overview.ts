import type { ClusterClient } from '../rest/cluster-client.js';

/** The console's overview: one Metadata request, counted as Kafka's partition-state metrics count. */
export interface ClusterOverview {
  readonly cluster_id: string | null;
  readonly controller_id: number;
  readonly brokers: readonly { readonly broker_id: number; readonly host: string; readonly port: number; readonly rack: string | null }[];
  readonly topics_count: number;
  readonly internal_topics_count: number;
  readonly partitions_count: number;
  /** Partitions whose ISR is smaller than their replica set (Kafka's UnderReplicatedPartitions). */
  readonly under_replicated_partitions: number;
  /** Partitions without a leader (Kafka's OfflinePartitionsCount). */
  readonly offline_partitions: number;
  /** Throughput is a rate of /metrics counters, which one Metadata request cannot give; the reason says where to read it. */
  readonly throughput: null;
  readonly throughput_unavailable_reason: string;
}

export async function clusterOverview(client: ClusterClient): Promise<ClusterOverview> {
  const metadata = await client.metadata(null);
  const partitions = metadata.topics.flatMap((topic) => topic.partitions);
  return {
    cluster_id: metadata.clusterId,
    controller_id: metadata.controllerId,
    brokers: metadata.brokers
      .map((broker) => ({ broker_id: broker.nodeId, host: broker.host, port: broker.port, rack: broker.rack }))
      .sort((a, b) => a.broker_id - b.broker_id),
    topics_count: metadata.topics.filter((topic) => !topic.isInternal).length,
    internal_topics_count: metadata.topics.filter((topic) => topic.isInternal).length,
    partitions_count: partitions.length,
    under_replicated_partitions: partitions.filter((p) => p.leaderId >= 0 && p.isrNodes.length < p.replicaNodes.length).length,
    offline_partitions: partitions.filter((p) => p.leaderId < 0).length,
    throughput: null,
    throughput_unavailable_reason:
      "The overview reads Metadata only; throughput is the rate of kafka_server_brokertopicmetrics_bytesin_total and bytesout_total on the brokers' /metrics (the console samples it twice).",
  };
}
