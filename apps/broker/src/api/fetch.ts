import { ErrorCode } from '@strom/errors';
import {
  createFetchResponse,
  createFetchResponseFetchableTopicResponse,
  createFetchResponsePartitionData,
  ZERO_UUID,
  type FetchRequest,
  type FetchResponse,
  type FetchResponsePartitionData,
} from '@strom/protocol';
import type { ClusterView } from '../cluster/cluster-view.js';
import type { PartitionReplica } from '../replica/partition-replica.js';
import type { ReplicaManager } from '../replica/replica-manager.js';
import { leaderFor } from './leadership.js';

const READ_COMMITTED = 1;
const EMPTY = Buffer.alloc(0);

export interface FetchHandlerOptions {
  /** Upper bound on max.wait.ms, so a client cannot park a request forever. */
  maxWaitCapMs: number;
}

interface PartitionToRead {
  topic: string;
  topicId: string;
  partition: number;
  fetchOffset: number;
  partitionMaxBytes: number;
  currentLeaderEpoch: number;
  /** Set when the partition cannot be read: the error goes into the response as is. */
  errorCode: number;
  replica: PartitionReplica | undefined;
}

/**
 * Fetch for consumers: whole batches from each partition's leader log, up to the high watermark
 * (or the last stable offset under read_committed), within the response and partition byte
 * limits. When fewer than min.bytes are available it long-polls: it waits for appends to any
 * of the partitions (woken by the replicas, no polling loop) until max.wait.ms.
 */
export function handleFetch(view: ClusterView, replicas: ReplicaManager, brokerId: number, options: FetchHandlerOptions) {
  return async (body: FetchRequest, apiVersion: number): Promise<FetchResponse> => {
    const byId = apiVersion >= 13;
    const readCommitted = apiVersion >= 4 && body.isolationLevel === READ_COMMITTED;
    const partitions: PartitionToRead[] = [];
    for (const topic of body.topics) {
      const name = byId ? view.topicById(topic.topicId)?.name : topic.topic;
      for (const partition of topic.partitions) {
        const entry: PartitionToRead = {
          topic: name ?? topic.topic,
          topicId: topic.topicId,
          partition: partition.partition,
          fetchOffset: Number(partition.fetchOffset),
          partitionMaxBytes: partition.partitionMaxBytes,
          currentLeaderEpoch: apiVersion >= 9 ? partition.currentLeaderEpoch : -1,
          errorCode: ErrorCode.NONE,
          replica: undefined,
        };
        if (name === undefined) entry.errorCode = ErrorCode.UNKNOWN_TOPIC_ID;
        else {
          const found = await leaderFor(view, replicas, brokerId, name, partition.partition, entry.currentLeaderEpoch);
          entry.errorCode = found.errorCode;
          entry.replica = found.replica;
        }
        partitions.push(entry);
      }
    }

    const deadline = Date.now() + Math.min(Math.max(body.maxWaitMs, 0), options.maxWaitCapMs);
    for (;;) {
      const { results, bytes } = await readAll(partitions, body.maxBytes, readCommitted);
      const hasError = results.some((result) => result.errorCode !== ErrorCode.NONE);
      const remainingMs = deadline - Date.now();
      if (bytes >= body.minBytes || hasError || remainingMs <= 0) return respond(results);
      await waitForAny(partitions, remainingMs);
    }

    function respond(results: FetchResponsePartitionData[]): FetchResponse {
      const topics: { topic: string; topicId: string; partitions: FetchResponsePartitionData[] }[] = [];
      results.forEach((result, index) => {
        const source = partitions[index]!;
        const last = topics.at(-1);
        const sameTopic = last && (byId ? last.topicId === source.topicId : last.topic === source.topic);
        if (sameTopic) last.partitions.push(result);
        else topics.push({ topic: byId ? '' : source.topic, topicId: byId ? source.topicId : ZERO_UUID, partitions: [result] });
      });
      return createFetchResponse({ responses: topics.map((topic) => createFetchResponseFetchableTopicResponse(topic)) });
    }

    function partitionResult(source: PartitionToRead, fields: Partial<FetchResponsePartitionData>): FetchResponsePartitionData {
      return createFetchResponsePartitionData({
        partitionIndex: source.partition,
        records: EMPTY,
        ...(apiVersion >= 4 ? { abortedTransactions: readCommitted ? [] : null } : {}),
        ...fields,
      });
    }

    async function readAll(
      list: PartitionToRead[],
      responseMaxBytes: number,
      committed: boolean,
    ): Promise<{ results: FetchResponsePartitionData[]; bytes: number }> {
      let bytes = 0;
      const results: FetchResponsePartitionData[] = [];
      for (const source of list) {
        if (!source.replica) {
          results.push(
            partitionResult(source, { errorCode: source.errorCode, highWatermark: -1n, lastStableOffset: -1n, logStartOffset: -1n }),
          );
          continue;
        }
        const replica = source.replica;
        const budget = Math.min(source.partitionMaxBytes, Math.max(responseMaxBytes - bytes, 0));
        const read = await replica.read(source.fetchOffset, budget, committed, bytes === 0);
        const offsets = {
          highWatermark: BigInt(replica.highWatermark),
          ...(apiVersion >= 4 ? { lastStableOffset: BigInt(replica.lastStableOffset) } : {}),
          ...(apiVersion >= 5 ? { logStartOffset: BigInt(replica.logStartOffset) } : {}),
        };
        if (read.error !== null) {
          results.push(partitionResult(source, { errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, ...offsets }));
          continue;
        }
        bytes += read.records.length;
        results.push(partitionResult(source, { errorCode: ErrorCode.NONE, ...offsets, records: read.records }));
      }
      return { results, bytes };
    }
  };
}

/** Resolves when any partition gets data past its fetch offset, or after `timeoutMs`. */
async function waitForAny(partitions: PartitionToRead[], timeoutMs: number): Promise<void> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    const waits = partitions.filter((entry) => entry.replica).map((entry) => entry.replica!.waitForData(entry.fetchOffset, abort.signal));
    if (waits.length === 0) {
      await new Promise<void>((resolve) => abort.signal.addEventListener('abort', () => resolve(), { once: true }));
      return;
    }
    await Promise.race(waits);
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}
