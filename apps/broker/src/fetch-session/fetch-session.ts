import { ErrorCode } from '@strom/errors';
import { createFetchResponsePartitionData, ZERO_UUID, type FetchRequest, type FetchResponsePartitionData } from '@strom/protocol';

/**
 * Identifies a partition of a Fetch request (Kafka's `TopicIdPartition`). v13+ requests name topics
 * by id and the name is looked up; v12- requests name topics by name and the id is ZERO_UUID.
 */
export interface FetchPartitionKey {
  /** The topic id from a v13+ request; ZERO_UUID for v12- requests, which name topics. */
  readonly topicId: string;
  /**
   * The topic name; undefined when the topic id of a v13+ request does not resolve (yet). Such a
   * partition must be answered with UNKNOWN_TOPIC_ID (see `fetchErrorPartitionData`).
   */
  readonly topic: string | undefined;
  readonly partition: number;
}

/** A partition to read, with the fetcher's parameters (Kafka's `FetchRequest.PartitionData`). */
export interface FetchSessionPartition extends FetchPartitionKey {
  readonly fetchOffset: bigint;
  /** The fetcher's log start offset (followers only; -1 from consumers). */
  readonly logStartOffset: bigint;
  readonly partitionMaxBytes: number;
  /** The fetcher's current leader epoch, or -1 if none. */
  readonly currentLeaderEpoch: number;
  /** The epoch of the last fetched record, or -1 if none. */
  readonly lastFetchedEpoch: number;
}

/** The broker's answer for one partition of a `FetchContext`. */
export interface FetchPartitionResult extends FetchPartitionKey {
  readonly data: FetchResponsePartitionData;
}

/** Kafka's `FetchResponse.INVALID_PREFERRED_REPLICA_ID`. */
const INVALID_PREFERRED_REPLICA_ID = -1;

/**
 * Partition data carrying only an error (Kafka's `FetchResponse.partitionResponse`): high watermark
 * -1, every other field at its default. Use it for UNKNOWN_TOPIC_ID, UNKNOWN_TOPIC_OR_PARTITION,
 * TOPIC_AUTHORIZATION_FAILED and the like.
 */
export function fetchErrorPartitionData(partition: number, errorCode: ErrorCode): FetchResponsePartitionData {
  return createFetchResponsePartitionData({ partitionIndex: partition, errorCode, highWatermark: -1n });
}

/**
 * The identity of a partition in a request or session. Sessions that use topic ids (v13+) compare
 * partitions by topic id, so that a partition whose name is not known yet is the same partition
 * once it resolves; sessions that use names (v12-, where every id is zero) compare by name.
 */
export function partitionKey(usesTopicIds: boolean, key: FetchPartitionKey): string {
  return usesTopicIds ? `${key.partition}:${key.topicId}` : `${key.partition}:${key.topic ?? ''}`;
}

/**
 * The partitions of a request (Kafka's `FetchRequest.fetchData`), in request order; a partition
 * listed twice keeps its first position and its last parameters (a LinkedHashMap `put`).
 */
export function requestPartitions(
  request: FetchRequest,
  usesTopicIds: boolean,
  topicNameById: (topicId: string) => string | undefined,
): Map<string, FetchSessionPartition> {
  const partitions = new Map<string, FetchSessionPartition>();
  for (const fetchTopic of request.topics) {
    const topicId = usesTopicIds ? fetchTopic.topicId : ZERO_UUID;
    const topic = usesTopicIds ? topicNameById(fetchTopic.topicId) : fetchTopic.topic;
    for (const p of fetchTopic.partitions) {
      const entry: FetchSessionPartition = {
        topicId,
        topic,
        partition: p.partition,
        fetchOffset: p.fetchOffset,
        logStartOffset: p.logStartOffset,
        partitionMaxBytes: p.partitionMaxBytes,
        currentLeaderEpoch: p.currentLeaderEpoch,
        lastFetchedEpoch: p.lastFetchedEpoch,
      };
      partitions.set(partitionKey(usesTopicIds, entry), entry);
    }
  }
  return partitions;
}

/** The session keys of a request's forgotten partitions (Kafka's `FetchRequest.forgottenTopics`). */
export function forgottenPartitionKeys(request: FetchRequest, usesTopicIds: boolean): string[] {
  const keys: string[] = [];
  for (const forgotten of request.forgottenTopicsData) {
    const topicId = usesTopicIds ? forgotten.topicId : ZERO_UUID;
    for (const partition of forgotten.partitions) {
      keys.push(partitionKey(usesTopicIds, { topicId, topic: forgotten.topic, partition }));
    }
  }
  return keys;
}

/**
 * Kafka's `CachedPartition`: the fetcher's last request parameters for a partition of a session,
 * and the high watermark and log start offset last sent for it.
 */
export class CachedPartition {
  topic: string | undefined;
  readonly topicId: string;
  readonly partition: number;
  partitionMaxBytes: number;
  fetchOffset: bigint;
  fetcherLogStartOffset: bigint;
  currentLeaderEpoch: number;
  lastFetchedEpoch: number;
  highWatermark: bigint;
  localLogStartOffset: bigint;

  constructor(request: FetchSessionPartition, response?: FetchResponsePartitionData) {
    this.topic = request.topic;
    this.topicId = request.topicId;
    this.partition = request.partition;
    this.partitionMaxBytes = request.partitionMaxBytes;
    this.fetchOffset = request.fetchOffset;
    this.fetcherLogStartOffset = request.logStartOffset;
    this.currentLeaderEpoch = request.currentLeaderEpoch;
    this.lastFetchedEpoch = request.lastFetchedEpoch;
    this.highWatermark = response?.highWatermark ?? -1n;
    this.localLogStartOffset = response?.logStartOffset ?? -1n;
  }

  updateRequestParams(request: FetchSessionPartition): void {
    this.partitionMaxBytes = request.partitionMaxBytes;
    this.fetchOffset = request.fetchOffset;
    this.fetcherLogStartOffset = request.logStartOffset;
    this.currentLeaderEpoch = request.currentLeaderEpoch;
    this.lastFetchedEpoch = request.lastFetchedEpoch;
  }

  /** Resolves the name of a partition added while its topic id was unknown. */
  maybeResolveUnknownName(topicNameById: (topicId: string) => string | undefined): void {
    if (this.topic === undefined) this.topic = topicNameById(this.topicId);
  }

  /** A snapshot of the cached request parameters, as a partition to read. */
  toRequestPartition(): FetchSessionPartition {
    return {
      topicId: this.topicId,
      topic: this.topic,
      partition: this.partition,
      fetchOffset: this.fetchOffset,
      logStartOffset: this.fetcherLogStartOffset,
      partitionMaxBytes: this.partitionMaxBytes,
      currentLeaderEpoch: this.currentLeaderEpoch,
      lastFetchedEpoch: this.lastFetchedEpoch,
    };
  }

  /**
   * Whether an incremental response must include this partition (Kafka's
   * `CachedPartition.maybeUpdateResponseData`): it returned records, its high watermark or log start
   * offset changed, it names a preferred read replica, it has an error, or it reports a diverging
   * epoch. With `update`, the cached high watermark and log start offset follow the response; an
   * error sets the cached high watermark to -1 so that the partition is sent again once the error
   * clears.
   */
  maybeUpdateResponseData(data: FetchResponsePartitionData, update: boolean): boolean {
    let mustRespond = recordsSize(data) > 0;
    if (this.highWatermark !== data.highWatermark) {
      mustRespond = true;
      if (update) this.highWatermark = data.highWatermark;
    }
    if (this.localLogStartOffset !== data.logStartOffset) {
      mustRespond = true;
      if (update) this.localLogStartOffset = data.logStartOffset;
    }
    if (data.preferredReadReplica !== INVALID_PREFERRED_REPLICA_ID) mustRespond = true;
    if (data.errorCode !== ErrorCode.NONE) {
      if (update) this.highWatermark = -1n;
      mustRespond = true;
    }
    if (data.divergingEpoch.epoch >= 0) mustRespond = true;
    return mustRespond;
  }
}

/** The byte size of a partition's records (Kafka's `FetchResponse.recordsSize`): 0 for null. */
export function recordsSize(data: FetchResponsePartitionData): number {
  return data.records === null ? 0 : data.records.length;
}

/**
 * Kafka's `FetchSession`: a session's cached partitions, in the order they are read (partitions
 * that returned records move to the end, so that the others get the next turn at the byte limit).
 */
export class FetchSession {
  readonly partitions = new Map<string, CachedPartition>();
  /** The partition count at the last touch (Kafka's `cachedSize`); -1 when never touched. */
  cachedSize = -1;
  /** Whether the last touch made the session evictable by any new session (created over evictionAfterMs ago). */
  evictableByAll = false;
  /** Whether the last touch made the session evictable by a privileged new session (unprivileged, or old). */
  evictableByPrivileged = false;

  constructor(
    readonly id: number,
    readonly privileged: boolean,
    readonly usesTopicIds: boolean,
    readonly creationMs: number,
    public lastUsedMs: number,
    public epoch: number,
  ) {}

  /** Applies an incremental request: adds or updates its partitions, then removes the forgotten ones. */
  update(fetchData: ReadonlyMap<string, FetchSessionPartition>, toForget: readonly string[]): void {
    for (const [key, request] of fetchData) {
      const cached = this.partitions.get(key);
      if (cached === undefined) this.partitions.set(key, new CachedPartition(request));
      else cached.updateRequestParams(request);
    }
    for (const key of toForget) this.partitions.delete(key);
  }
}
