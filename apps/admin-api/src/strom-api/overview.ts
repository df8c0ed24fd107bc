import { BrokerTrafficSubjects } from '@strom/contracts';
import type { ClusterClient } from '../rest/cluster-client.js';
import { SILENT_INTERVALS, type BrokerThroughput, type ClusterThroughput } from './cluster-throughput.js';

interface Rates {
  readonly bytes_in_per_sec: number;
  readonly bytes_out_per_sec: number;
  readonly messages_in_per_sec: number;
}

/** The cluster's traffic: each live broker's rates over its two latest reports on the bus, and their sums. */
export interface OverviewThroughput extends Rates {
  readonly brokers: readonly (Rates & { readonly broker_id: number; readonly window_ms: number })[];
}

/** The console's overview: one Metadata request, counted as Kafka's partition-state metrics count, and the brokers' throughput. */
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
  /** Null until a broker has reported its traffic twice; the reason then says why. */
  readonly throughput: OverviewThroughput | null;
  readonly throughput_unavailable_reason?: string;
}

export async function clusterOverview(client: ClusterClient, traffic: ClusterThroughput): Promise<ClusterOverview> {
  const metadata = await client.metadata(null);
  const partitions = metadata.topics.flatMap((topic) => topic.partitions);
  const health = {
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
  };
  const perBroker = traffic.perBroker();
  if (perBroker.length === 0) return { ...health, throughput: null, throughput_unavailable_reason: unavailableReason(traffic) };
  return { ...health, throughput: overviewThroughput(perBroker) };
}

function overviewThroughput(perBroker: readonly BrokerThroughput[]): OverviewThroughput {
  const brokers = perBroker.map((broker) => ({
    broker_id: broker.brokerId,
    bytes_in_per_sec: broker.bytesInPerSec,
    bytes_out_per_sec: broker.bytesOutPerSec,
    messages_in_per_sec: broker.messagesInPerSec,
    window_ms: broker.windowMs,
  }));
  const sum = (rate: keyof Rates) => brokers.reduce((total, broker) => total + broker[rate], 0);
  return {
    bytes_in_per_sec: sum('bytes_in_per_sec'),
    bytes_out_per_sec: sum('bytes_out_per_sec'),
    messages_in_per_sec: sum('messages_in_per_sec'),
    brokers,
  };
}

function unavailableReason(traffic: ClusterThroughput): string {
  return traffic.brokersHeard === 0
    ? `No broker has reported its traffic on the bus (subject ${BrokerTrafficSubjects.report}) within the last ${SILENT_INTERVALS} of its report intervals.`
    : 'Brokers report their traffic totals every second; a rate needs two reports, and none has come twice yet since the admin API started listening.';
}
