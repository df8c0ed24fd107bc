import type { Bus } from '@strom/bus';
import { CoordinatorSubjects, decodeResponseBody, encodeForwardedRequest } from '@strom/contracts';
import { ErrorCode } from '@strom/errors';
import { ApiKey, BatchField, createListGroupsRequest, createOffsetFetchRequest, createOffsetFetchRequestGroup } from '@strom/protocol';
import { labelBytes, labels, type ExpositionWriter, type LabelBytes, type Logger } from '@strom/runtime';
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

  /** Per partition: the first timestamp of the batch at each offset a group sits on. */
  private timestamps = new Map<PartitionReplica, Map<number, number>>();
  /**
   * Per group, each partition's `{consumergroup="…",topic="…",partition="…"}`, encoded once and
   * kept while the group has offsets: 20,000 rows a scrape need not make 20,000 strings.
   */
  private labelSets = new Map<string, WeakMap<PartitionReplica, LabelBytes>>();

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
      labels: this.seriesLabels(entry.group, entry.replica),
      lag: Math.max(entry.replica.highWatermark - entry.committed, 0),
    }));
    this.forgetGoneGroups(offsets);
    const timeLags = await this.timeLagsMs(rows);
    out.family('kafka_consumergroup_current_offset', 'gauge', 'The committed offset of a group on a partition (kafka-exporter).');
    for (const row of rows) out.sample('kafka_consumergroup_current_offset', row.labels, row.committed);
    out.family('kafka_consumergroup_lag', 'gauge', "Records between a group's committed offset and the high watermark (kafka-exporter).");
    for (const row of rows) out.sample('kafka_consumergroup_lag', row.labels, row.lag);
    out.family(
      'kafka_consumergroup_lag_seconds',
      'gauge',
      'How old the next record a group would read is: now minus the first timestamp of its batch; 0 when caught up (absent until read).',
    );
    for (const [i, row] of rows.entries()) {
      const lagMs = timeLags[i];
      if (lagMs !== undefined) out.sample('kafka_consumergroup_lag_seconds', row.labels, lagMs / 1000);
    }
    // Per group and topic: rows of one group and topic are consecutive (OffsetFetch answers by group, then topic).
    const sums = new Map<string, { current: number; lag: number }>();
    let lastKey = '';
    let lastGroup = '';
    let lastTopic = '';
    for (const row of rows) {
      if (row.group !== lastGroup || row.replica.topic !== lastTopic) {
        lastGroup = row.group;
        lastTopic = row.replica.topic;
        lastKey = labels({ consumergroup: row.group, topic: row.replica.topic });
      }
      const key = lastKey;
      const sum = sums.get(key) ?? { current: 0, lag: 0 };
      sum.current += row.committed;
      sum.lag += row.lag;
      sums.set(key, sum);
    }
    out.family(
      'kafka_consumergroup_current_offset_sum',
      'gauge',
      "The sum of a group's committed offsets on a topic's partitions led here (kafka-exporter).",
    );
    for (const [key, sum] of sums) out.sample('kafka_consumergroup_current_offset_sum', key, sum.current);
    out.family('kafka_consumergroup_lag_sum', 'gauge', "The sum of a group's lag on a topic's partitions led here (kafka-exporter).");
    for (const [key, sum] of sums) out.sample('kafka_consumergroup_lag_sum', key, sum.lag);
  }

  private seriesLabels(group: string, replica: PartitionReplica): LabelBytes {
    let texts = this.labelSets.get(group);
    if (texts === undefined) {
      texts = new WeakMap();
      this.labelSets.set(group, texts);
    }
    let text = texts.get(replica);
    if (text === undefined) {
      text = labelBytes({ consumergroup: group, topic: replica.topic, partition: replica.partition });
      texts.set(replica, text);
    }
    return text;
  }

  /** Drops the label texts of groups with no offsets left (a deleted group). */
  private forgetGoneGroups(offsets: readonly GroupPartitionOffset[]): void {
    if (this.labelSets.size === 0) return;
    const present = new Set<string>();
    for (const { group } of offsets) present.add(group);
    for (const group of this.labelSets.keys()) if (!present.has(group)) this.labelSets.delete(group);
  }

  /** Every group's committed offsets on the partitions this broker leads. */
  private async committedOffsets(): Promise<GroupPartitionOffset[]> {
    const listed = await this.forward(ApiKey.ListGroups, LIST_GROUPS_VERSION, createListGroupsRequest());
    if (listed.errorCode !== ErrorCode.NONE) throw new Error(`ListGroups answered error ${listed.errorCode}`);
    const groups = listed.groups.map((group) => group.groupId).sort();
    let led: Map<string, PartitionReplica[]> | undefined;
    const offsets: GroupPartitionOffset[] = [];
    for (let i = 0; i < groups.length; i += GROUPS_PER_OFFSET_FETCH) {
      const request = createOffsetFetchRequest({
        groups: groups.slice(i, i + GROUPS_PER_OFFSET_FETCH).map((groupId) => createOffsetFetchRequestGroup({ groupId, topics: null })),
      });
      const fetched = await this.forward(ApiKey.OffsetFetch, OFFSET_FETCH_VERSION, request);
      led ??= this.ledByTopic();
      for (const group of fetched.groups) {
        if (group.errorCode !== ErrorCode.NONE) continue;
        for (const topic of group.topics) {
          const replicas = led.get(topic.name);
          if (replicas === undefined) continue;
          for (const partition of topic.partitions) {
            const replica = replicas[partition.partitionIndex];
            if (partition.errorCode !== ErrorCode.NONE || partition.committedOffset < 0n || replica === undefined) continue;
            offsets.push({ group: group.groupId, replica, committed: Number(partition.committedOffset) });
          }
        }
      }
    }
    return offsets;
  }

  /** The replicas led here, per topic by partition index: 20,000 rows look a replica up without making a key each. */
  private ledByTopic(): Map<string, PartitionReplica[]> {
    const led = new Map<string, PartitionReplica[]>();
    for (const replica of this.replicas.hosted()) {
      if (!replica.isLeader) continue;
      let replicas = led.get(replica.topic);
      if (replicas === undefined) {
        replicas = [];
        led.set(replica.topic, replicas);
      }
      replicas[replica.partition] = replica;
    }
    return led;
  }

  /**
   * Per row: now minus the first timestamp of the batch holding the next record to read; 0 when
   * caught up; undefined while not read yet. A record's timestamp does not change, so each
   * (partition, offset) is read once and kept while a group sits there; at most
   * MAX_TIME_LAG_READS new ones a scrape, so the first scrapes of a large cluster fill it in turns.
   */
  private async timeLagsMs(
    rows: readonly { replica: PartitionReplica; committed: number; lag: number }[],
  ): Promise<(number | undefined)[]> {
    const known = this.timestamps;
    const kept = new Map<PartitionReplica, Map<number, number>>();
    const toRead: { replica: PartitionReplica; offset: number }[] = [];
    const queued = new Map<PartitionReplica, Set<number>>();
    const offsets = rows.map(({ replica, committed, lag }) => {
      if (lag === 0) return undefined;
      const offset = Math.max(committed, replica.logStartOffset);
      if (known.get(replica)?.has(offset) || toRead.length >= MAX_TIME_LAG_READS || queued.get(replica)?.has(offset)) return offset;
      toRead.push({ replica, offset });
      queued.set(replica, (queued.get(replica) ?? new Set<number>()).add(offset));
      return offset;
    });
    await Promise.all(
      toRead.map(async ({ replica, offset }) => {
        const timestampMs = await firstTimestampAt(replica, offset);
        if (timestampMs !== undefined) known.set(replica, (known.get(replica) ?? new Map<number, number>()).set(offset, timestampMs));
      }),
    );
    const now = this.clock();
    const lags = rows.map((row, i) => {
      const offset = offsets[i];
      if (offset === undefined) return 0;
      const timestampMs = known.get(row.replica)?.get(offset);
      if (timestampMs === undefined) return undefined;
      kept.set(row.replica, (kept.get(row.replica) ?? new Map<number, number>()).set(offset, timestampMs));
      return Math.max(now - timestampMs, 0);
    });
    // Only what a group still sits on stays: a moved group's old offsets are forgotten.
    this.timestamps = kept;
    return lags;
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

/** The first timestamp of the batch holding `offset`, or undefined when there is none to read. */
async function firstTimestampAt(replica: PartitionReplica, offset: number): Promise<number | undefined> {
  const read = await replica.storage.read(offset, { maxBytes: 1, maxOffset: replica.highWatermark });
  if (read.error !== null || read.records.length < BatchField.Records) return undefined;
  return Number(read.records.readBigInt64BE(BatchField.BaseTimestamp));
}
