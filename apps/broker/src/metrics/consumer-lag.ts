import type { Bus } from '@strom/bus';
import { CoordinatorSubjects, decodeResponseBody, encodeForwardedRequest } from '@strom/contracts';
import { ErrorCode } from '@strom/errors';
import { ApiKey, BatchField, createListGroupsRequest, createOffsetFetchRequest, createOffsetFetchRequestGroup } from '@strom/protocol';
import { labels, type ExpositionWriter, type Logger } from '@strom/runtime';
import type { PartitionReplica } from '../replica/partition-replica.js';
import type { ReplicaManager } from '../replica/replica-manager.js';

/** ListGroups v4 filters by state (unused here); OffsetFetch v8 fetches many groups at once, topics by name. */
const LIST_GROUPS_VERSION = 4;
const OFFSET_FETCH_VERSION = 8;
/** Groups per OffsetFetch: one bus message stays well under its payload limit. */
const GROUPS_PER_OFFSET_FETCH = 100;
/** Time lags read per scrape: each reads one batch header of a lagging partition. */
const MAX_TIME_LAG_READS = 1_000;
const CLIENT = { clientId: 'strom-metrics', clientHost: '/127.0.0.1' };

interface GroupPartitionOffset {
  group: string;
  replica: PartitionReplica;
  committed: number;
}

/**
 * Consumer lag, built in (what Kafka needs kafka-exporter for), with kafka-exporter's names: per
 * group and partition the committed offset and the lag behind the high watermark, and the time
 * lag (how old the next record the group would read is). Each broker reports the partitions it
 * leads, so every partition appears once in a cluster. The committed offsets come from the
 * coordinator as Kafka's tools ask for them: ListGroups, then OffsetFetch, over the bus.
 */
export class ConsumerLagMetrics {
  constructor(
    private readonly bus: Bus,
    private readonly replicas: ReplicaManager,
    private readonly requestTimeoutMs: number,
    private readonly logger: Logger,
    private readonly clock: () => number = Date.now,
  ) {}

  async write(out: ExpositionWriter): Promise<void> {
    let offsets: GroupPartitionOffset[];
    try {
      offsets = await this.committedOffsets();
    } catch (error) {
      // The coordinator is away: the rest of the scrape still answers, without lag.
      this.logger.warn({ err: error }, 'metrics: the committed offsets could not be read, consumer lag left out');
      return;
    }
    const rows = offsets.map((entry) => ({
      ...entry,
      labels: labels({ consumergroup: entry.group, topic: entry.replica.topic, partition: entry.replica.partition }),
      lag: Math.max(entry.replica.highWatermark - entry.committed, 0),
    }));
    const timeLags = await this.timeLagsMs(rows);
    out.family('kafka_consumergroup_current_offset', 'gauge', 'The committed offset of a group on a partition (kafka-exporter).');
    for (const row of rows) out.sample('kafka_consumergroup_current_offset', row.labels, row.committed);
    out.family('kafka_consumergroup_lag', 'gauge', "Records between a group's committed offset and the high watermark (kafka-exporter).");
    for (const row of rows) out.sample('kafka_consumergroup_lag', row.labels, row.lag);
    out.family(
      'kafka_consumergroup_lag_seconds',
      'gauge',
      'How old the next record a group would read is: now minus the first timestamp of its batch; 0 when caught up.',
    );
    for (const [i, row] of rows.entries()) out.sample('kafka_consumergroup_lag_seconds', row.labels, timeLags[i]! / 1000);
    const sums = new Map<string, { current: number; lag: number }>();
    for (const row of rows) {
      const key = labels({ consumergroup: row.group, topic: row.replica.topic });
      const sum = sums.get(key) ?? { current: 0, lag: 0 };
      sum.current += row.committed;
      sum.lag += row.lag;
      sums.set(key, sum);
    }
    out.family('kafka_consumergroup_current_offset_sum', 'gauge', "The sum of a group's committed offsets on a topic's partitions led here (kafka-exporter).");
    for (const [key, sum] of sums) out.sample('kafka_consumergroup_current_offset_sum', key, sum.current);
    out.family('kafka_consumergroup_lag_sum', 'gauge', "The sum of a group's lag on a topic's partitions led here (kafka-exporter).");
    for (const [key, sum] of sums) out.sample('kafka_consumergroup_lag_sum', key, sum.lag);
  }

  /** Every group's committed offsets on the partitions this broker leads. */
  private async committedOffsets(): Promise<GroupPartitionOffset[]> {
    const listed = await this.forward(ApiKey.ListGroups, LIST_GROUPS_VERSION, createListGroupsRequest());
    if (listed.errorCode !== ErrorCode.NONE) throw new Error(`ListGroups answered error ${listed.errorCode}`);
    const groups = listed.groups.map((group) => group.groupId).sort();
    const offsets: GroupPartitionOffset[] = [];
    for (let i = 0; i < groups.length; i += GROUPS_PER_OFFSET_FETCH) {
      const request = createOffsetFetchRequest({
        groups: groups.slice(i, i + GROUPS_PER_OFFSET_FETCH).map((groupId) => createOffsetFetchRequestGroup({ groupId, topics: null })),
      });
      const fetched = await this.forward(ApiKey.OffsetFetch, OFFSET_FETCH_VERSION, request);
      for (const group of fetched.groups) {
        if (group.errorCode !== ErrorCode.NONE) continue;
        for (const topic of group.topics) {
          for (const partition of topic.partitions) {
            const replica = this.replicas.replica(topic.name, partition.partitionIndex);
            if (partition.errorCode !== ErrorCode.NONE || partition.committedOffset < 0n || !replica?.isLeader) continue;
            offsets.push({ group: group.groupId, replica, committed: Number(partition.committedOffset) });
          }
        }
      }
    }
    return offsets;
  }

  /** Per row: now minus the first timestamp of the batch holding the committed offset (0 when caught up or past the cap). */
  private async timeLagsMs(rows: readonly { replica: PartitionReplica; committed: number; lag: number }[]): Promise<number[]> {
    const now = this.clock();
    let reads = 0;
    return Promise.all(
      rows.map(async ({ replica, committed, lag }) => {
        if (lag === 0 || reads++ >= MAX_TIME_LAG_READS) return 0;
        const read = await replica.storage.read(Math.max(committed, replica.logStartOffset), { maxBytes: 1, maxOffset: replica.highWatermark });
        if (read.error !== null || read.records.length < BatchField.Records) return 0;
        return Math.max(now - Number(read.records.readBigInt64BE(BatchField.BaseTimestamp)), 0);
      }),
    );
  }

  private async forward<K extends typeof ApiKey.ListGroups | typeof ApiKey.OffsetFetch>(
    apiKey: K,
    apiVersion: number,
    body: Parameters<typeof encodeForwardedRequest<K>>[2],
  ) {
    const reply = await this.bus.request(CoordinatorSubjects.kafka, encodeForwardedRequest(apiKey, apiVersion, body, CLIENT), {
      timeoutMs: this.requestTimeoutMs,
    });
    return decodeResponseBody(apiKey, apiVersion, reply);
  }
}
