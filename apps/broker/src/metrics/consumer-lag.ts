import type { Bus } from '@strom/bus';
import { CoordinatorSubjects, decodeResponseBody, encodeForwardedRequest } from '@strom/contracts';
import { ErrorCode } from '@strom/errors';
import {
  ApiKey,
  BatchAttribute,
  BatchField,
  createListGroupsRequest,
  createOffsetFetchRequest,
  createOffsetFetchRequestGroup,
} from '@strom/protocol';
import { labelBytes, labels, type ExpositionWriter, type LabelBytes, type Logger } from '@strom/runtime';
import type { PartitionReplica } from '../replica/partition-replica.js';
import type { ReplicaManager } from '../replica/replica-manager.js';

/** ListGroups v4 filters by state (unused here); OffsetFetch v8 fetches many groups at once, topics by name. */
const LIST_GROUPS_VERSION = 4;
const OFFSET_FETCH_VERSION = 8;
/** Groups per OffsetFetch: one bus message stays well under its payload limit. */
const GROUPS_PER_OFFSET_FETCH = 100;
/** Time-lag reads started at once (each reads one batch of a lagging partition): the next start after they all end. */
const MAX_TIME_LAG_READS = 1_000;
/**
 * A scrape that starts at most this many time-lag reads waits for them, at most TIME_LAG_WAIT_MS:
 * a small cluster's time lags are in the scrape that first sees their offsets. More reads than
 * that go on beside the scrape, which answers without waiting for them.
 */
const TIME_LAG_READS_WAITED_FOR = 100;
const TIME_LAG_WAIT_MS = 20;
const CLIENT = { clientId: 'strom-metrics', clientHost: '/127.0.0.1' };

/**
 * Every group's committed offsets on the partitions led here, a row per (group, partition), in
 * columns: a scrape of 20,000 rows makes three arrays, not 20,000 objects.
 */
interface CommittedRows {
  groups: string[];
  replicas: PartitionReplica[];
  committed: number[];
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
  /** Entries in {@link timestamps}. */
  private timestampCount = 0;
  /**
   * Per group, each partition's `{consumergroup="…",topic="…",partition="…"}`, encoded once and
   * kept while the group has offsets: 20,000 rows a scrape need not make 20,000 strings.
   */
  private labelSets = new Map<string, WeakMap<PartitionReplica, LabelBytes>>();
  /** The time-lag reads under way, started by an earlier scrape or this one. */
  private reading: Promise<void> | undefined;

  async write(out: ExpositionWriter): Promise<void> {
    let rows: CommittedRows;
    try {
      rows = await this.committedOffsets();
    } catch (error) {
      // The coordinator is away: the rest of the scrape still answers, without lag.
      this.logger.warn({ err: error }, 'metrics: the committed offsets could not be read, consumer lag left out');
      return;
    }
    const { groups, replicas, committed } = rows;
    const count = replicas.length;
    const labelTexts = new Array<LabelBytes>(count);
    const lags = new Array<number>(count);
    for (let i = 0; i < count; i++) {
      labelTexts[i] = this.seriesLabels(groups[i]!, replicas[i]!);
      lags[i] = Math.max(replicas[i]!.highWatermark - committed[i]!, 0);
    }
    this.forgetGoneGroups(groups);
    const timeLags = await this.timeLagsMs(replicas, committed, lags);
    out
      .family('kafka_consumergroup_current_offset', 'gauge', 'The committed offset of a group on a partition (kafka-exporter).')
      .samples('kafka_consumergroup_current_offset', labelTexts, committed);
    out
      .family('kafka_consumergroup_lag', 'gauge', "Records between a group's committed offset and the high watermark (kafka-exporter).")
      .samples('kafka_consumergroup_lag', labelTexts, lags);
    out.family(
      'kafka_consumergroup_lag_seconds',
      'gauge',
      'How old the next record a group would read is: now minus the first timestamp of its batch; 0 when caught up (absent until read).',
    );
    for (let i = 0; i < count; i++) {
      const lagMs = timeLags[i];
      if (lagMs !== undefined) out.sample('kafka_consumergroup_lag_seconds', labelTexts[i]!, lagMs / 1000);
    }
    // Per group and topic: rows of one group and topic are consecutive (OffsetFetch answers by group, then topic).
    const sums = new Map<string, { current: number; lag: number }>();
    let sum = { current: 0, lag: 0 };
    let lastGroup = '';
    let lastTopic = '';
    for (let i = 0; i < count; i++) {
      const group = groups[i]!;
      const topic = replicas[i]!.topic;
      if (i === 0 || group !== lastGroup || topic !== lastTopic) {
        lastGroup = group;
        lastTopic = topic;
        const key = labels({ consumergroup: group, topic });
        sum = sums.get(key) ?? { current: 0, lag: 0 };
        sums.set(key, sum);
      }
      sum.current += committed[i]!;
      sum.lag += lags[i]!;
    }
    out.family(
      'kafka_consumergroup_current_offset_sum',
      'gauge',
      "The sum of a group's committed offsets on a topic's partitions led here (kafka-exporter).",
    );
    for (const [key, each] of sums) out.sample('kafka_consumergroup_current_offset_sum', key, each.current);
    out.family('kafka_consumergroup_lag_sum', 'gauge', "The sum of a group's lag on a topic's partitions led here (kafka-exporter).");
    for (const [key, each] of sums) out.sample('kafka_consumergroup_lag_sum', key, each.lag);
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
  private forgetGoneGroups(groups: readonly string[]): void {
    if (this.labelSets.size === 0) return;
    const present = new Set<string>(groups);
    for (const group of this.labelSets.keys()) if (!present.has(group)) this.labelSets.delete(group);
  }

  /** Every group's committed offsets on the partitions this broker leads. */
  private async committedOffsets(): Promise<CommittedRows> {
    const listed = await this.forward(ApiKey.ListGroups, LIST_GROUPS_VERSION, createListGroupsRequest());
    if (listed.errorCode !== ErrorCode.NONE) throw new Error(`ListGroups answered error ${listed.errorCode}`);
    const groups = listed.groups.map((group) => group.groupId).sort();
    let led: Map<string, PartitionReplica[]> | undefined;
    const rows: CommittedRows = { groups: [], replicas: [], committed: [] };
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
            rows.groups.push(group.groupId);
            rows.replicas.push(replica);
            rows.committed.push(Number(partition.committedOffset));
          }
        }
      }
    }
    return rows;
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
   * caught up; undefined while not read yet. The last batches appended are known without a read
   * (PartitionReplica.recentBatches). A record's timestamp does not change, so each other
   * (partition, offset) is read once and kept while a group sits there. The reads of a scrape
   * (at most MAX_TIME_LAG_READS, none while the previous scrape's still run) go on beside it, and
   * what is read after the scrape answers shows in the next one: the first scrapes of a large
   * cluster fill the time lags in turns instead of each waiting for a thousand reads of the disk.
   * A scrape with few reads to make waits for them (TIME_LAG_READS_WAITED_FOR).
   */
  private async timeLagsMs(
    replicas: readonly PartitionReplica[],
    committed: readonly number[],
    lags: readonly number[],
  ): Promise<(number | undefined)[]> {
    const count = replicas.length;
    const offsets = new Array<number | undefined>(count);
    for (let i = 0; i < count; i++) offsets[i] = lags[i] === 0 ? undefined : Math.max(committed[i]!, replicas[i]!.logStartOffset);
    if (this.reading === undefined) {
      const toRead: { replica: PartitionReplica; offset: number }[] = [];
      const queued = new Map<PartitionReplica, Set<number>>();
      for (let i = 0; i < count && toRead.length < MAX_TIME_LAG_READS; i++) {
        const offset = offsets[i];
        const replica = replicas[i]!;
        if (offset === undefined || this.timestamps.get(replica)?.has(offset) || queued.get(replica)?.has(offset)) continue;
        if (replica.recentBatches.firstTimestampAt(offset) !== undefined) continue;
        toRead.push({ replica, offset });
        queued.set(replica, (queued.get(replica) ?? new Set<number>()).add(offset));
      }
      if (toRead.length > 0) {
        const reading = this.readTimestamps(toRead).finally(() => (this.reading = undefined));
        this.reading = reading;
        if (toRead.length <= TIME_LAG_READS_WAITED_FOR) await waitAtMost(reading, TIME_LAG_WAIT_MS);
      }
    }
    const known = this.timestamps;
    const now = this.clock();
    const lagsMs = new Array<number | undefined>(count);
    let used = 0;
    for (let i = 0; i < count; i++) {
      const offset = offsets[i];
      if (offset === undefined) {
        lagsMs[i] = 0;
        continue;
      }
      const read = known.get(replicas[i]!)?.get(offset);
      if (read !== undefined) used++;
      const timestampMs = read ?? replicas[i]!.recentBatches.firstTimestampAt(offset);
      lagsMs[i] = timestampMs === undefined ? undefined : Math.max(now - timestampMs, 0);
    }
    // What no group sits on any more is forgotten, in one pass once it is as much again as what is used.
    if (this.timestampCount > 2 * used + MAX_TIME_LAG_READS) this.keepOnly(replicas, offsets);
    return lagsMs;
  }

  /** Keeps the timestamps of these (replica, offset) pairs and drops the rest. */
  private keepOnly(replicas: readonly PartitionReplica[], offsets: readonly (number | undefined)[]): void {
    const kept = new Map<PartitionReplica, Map<number, number>>();
    let count = 0;
    for (let i = 0; i < replicas.length; i++) {
      const offset = offsets[i];
      const replica = replicas[i]!;
      const timestampMs = offset === undefined ? undefined : this.timestamps.get(replica)?.get(offset);
      if (offset === undefined || timestampMs === undefined) continue;
      let byOffset = kept.get(replica);
      if (byOffset === undefined) kept.set(replica, (byOffset = new Map()));
      if (!byOffset.has(offset)) count++;
      byOffset.set(offset, timestampMs);
    }
    this.timestamps = kept;
    this.timestampCount = count;
  }

  /** Reads the first timestamps at these offsets into the kept ones (those of the scrape, or its successor's). */
  private async readTimestamps(toRead: readonly { replica: PartitionReplica; offset: number }[]): Promise<void> {
    await Promise.all(
      toRead.map(async ({ replica, offset }) => {
        // A partition deleted or gone offline under the read has no time lag to show.
        const timestampMs = await firstTimestampAt(replica, offset).catch(() => undefined);
        if (timestampMs === undefined) return;
        let byOffset = this.timestamps.get(replica);
        if (byOffset === undefined) this.timestamps.set(replica, (byOffset = new Map()));
        if (!byOffset.has(offset)) this.timestampCount++;
        byOffset.set(offset, timestampMs);
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

/** Resolves when `promise` does or `ms` have passed, whichever is first. */
async function waitAtMost(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/**
 * The first timestamp of the batch holding `offset` (its records' timestamp under LogAppendTime),
 * or undefined when there is none to read.
 */
async function firstTimestampAt(replica: PartitionReplica, offset: number): Promise<number | undefined> {
  const read = await replica.storage.read(offset, { maxBytes: 1, maxOffset: replica.highWatermark });
  if (read.error !== null || read.records.length < BatchField.Records) return undefined;
  const logAppendTime = (read.records.readInt16BE(BatchField.Attributes) & BatchAttribute.TimestampTypeLogAppendTime) !== 0;
  return Number(read.records.readBigInt64BE(logAppendTime ? BatchField.MaxTimestamp : BatchField.BaseTimestamp));
}
