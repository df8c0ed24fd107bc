import { ErrorCode } from '@strom/errors';
import {
  createFetchResponseEpochEndOffset,
  createFetchResponsePartitionData,
  type FetchRequest,
  type FetchResponse,
  type FetchResponsePartitionData,
} from '@strom/protocol';
import type { EpochEndOffset } from '@strom/replication';
import type { ReadBufferPool } from '@strom/storage';
import { tracingEnabled } from '@strom/telemetry';
import type { ClusterView } from '../cluster/cluster-view.js';
import { releaseAfterWrite, type ClientContext } from '../network/request-handler.js';
import { AclOperation, ResourceType } from '../security/acl.js';
import { ALLOW_ALL, type RequestAuthorizer } from '../security/request-authorizer.js';
import {
  fetchErrorPartitionData,
  isFromFollower,
  type FetchPartitionResult,
  type FetchSessionCache,
  type FetchSessionPartition,
} from '../fetch-session/index.js';
import type { DataWaiter, PartitionReplica } from '../replica/partition-replica.js';
import type { ReplicaManager } from '../replica/replica-manager.js';
import { findPreferredReadReplica, type ReplicaSelector } from '../replica/replica-selector.js';
import { leaderFor, leaderForNow, replicaFor } from './leadership.js';
import { tracedRead } from './partition-tracing.js';

const READ_COMMITTED = 1;
const EMPTY = Buffer.alloc(0);

export interface FetchHandlerOptions {
  /** Upper bound on max.wait.ms, so a client cannot park a request forever. */
  maxWaitCapMs: number;
  /** Read windows reused across fetches, given back once a response is written. */
  readBuffers?: ReadBufferPool;
  /** replica.selector.class (KIP-392); undefined: consumers are never sent to another replica. */
  replicaSelector?: ReplicaSelector;
}

/** Fetch v11 added `rack_id`: from it on a consumer may read from followers (Kafka's FetchParams.fetchOnlyLeader). */
const FETCH_FROM_FOLLOWER_MIN_VERSION = 11;

interface PartitionToRead {
  session: FetchSessionPartition;
  /** Set when the partition cannot be read: the error goes into the response as is. */
  errorCode: ErrorCode;
  replica: PartitionReplica | undefined;
  /** A follower's fetch whose log diverged from this leader's: answered with where, no records. */
  divergingEpoch?: EpochEndOffset;
  /** A follower's fetch position that this leader's log does not have: OFFSET_OUT_OF_RANGE with the leader's offsets. */
  outOfRange?: boolean;
  /** KIP-392: the replica the consumer should read from instead of this leader; answered without records. */
  preferredReadReplica?: number;
  /**
   * What was readable when the partition was last read (log end for a follower, else the high
   * watermark): a long poll waits for data past it. Taken before the read, so an append that
   * lands while the read is in flight wakes the poll instead of being waited past.
   */
  readableAtRead?: number;
}

/**
 * Fetch for consumers, with KIP-227 incremental fetch sessions: whole batches from each
 * partition's leader log, up to the high watermark (or the last stable offset under
 * read_committed), within the response and partition byte limits. When fewer than min.bytes are
 * available it long-polls: it waits for appends to any of the partitions (woken by the
 * replicas, no polling loop) until max.wait.ms.
 *
 * A follower's fetch (replica id ≥ 0, CLUSTER_ACTION) is checked against the leader's epochs
 * first (a diverging log gets `diverging_epoch` and no records), moves the follower's position
 * (ISR, high watermark: Kafka's updateFollowerFetchState, once per request), and reads up to the
 * log end; its long poll waits for appends.
 *
 * KIP-392: a consumer's fetch v11+ may read from a follower, up to the follower's high watermark.
 * On the leader, with `replica.selector.class` set, the selector may name another in-sync replica
 * for the client's `rack_id`: that partition is answered at once, without records, with
 * `preferred_read_replica` (Kafka's ReplicaManager.readFromLog).
 */
export function handleFetch(
  view: ClusterView,
  replicas: ReplicaManager,
  brokerId: number,
  sessions: FetchSessionCache,
  options: FetchHandlerOptions,
  authorization: RequestAuthorizer = ALLOW_ALL,
) {
  return async (body: FetchRequest, apiVersion: number, client?: ClientContext): Promise<FetchResponse> => {
    const context = sessions.newContext(body, apiVersion, (topicId) => view.topicById(topicId)?.name);
    if (context.kind === 'error') return context.buildResponse([]);
    const readCommitted = apiVersion >= 4 && body.isolationLevel === READ_COMMITTED;
    // Kafka: a follower (replica id ≥ 0) needs CLUSTER_ACTION on the cluster, a consumer READ on each topic.
    const follower = isFromFollower(body);
    const followerId = body.replicaId !== -1 ? body.replicaId : body.replicaState.replicaId;
    const followerEpoch = apiVersion >= 15 ? Number(body.replicaState.replicaEpoch) : -1;
    const followerAllowed = !follower || !client || authorization.allowedOnCluster(client, AclOperation.CLUSTER_ACTION);
    const fetchOnlyLeader = follower || apiVersion < FETCH_FROM_FOLLOWER_MIN_VERSION;
    const selector = follower || apiVersion < FETCH_FROM_FOLLOWER_MIN_VERSION ? undefined : options.replicaSelector;
    const partitions: PartitionToRead[] = [];
    for (const session of context.partitions) {
      if (session.topic === undefined) {
        partitions.push({ session, errorCode: ErrorCode.UNKNOWN_TOPIC_ID, replica: undefined });
        continue;
      }
      if (
        !followerAllowed ||
        (!follower && client && !authorization.allowed(client, AclOperation.READ, ResourceType.TOPIC, session.topic))
      ) {
        partitions.push({ session, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, replica: undefined });
        continue;
      }
      const topic = view.topicByName(session.topic);
      if (apiVersion >= 13 && topic && topic.id !== session.topicId) {
        partitions.push({ session, errorCode: ErrorCode.INCONSISTENT_TOPIC_ID, replica: undefined });
        continue;
      }
      const currentLeaderEpoch = apiVersion >= 9 ? session.currentLeaderEpoch : -1;
      // The common case without an await per partition: a fetch may name a thousand of them.
      const found =
        (fetchOnlyLeader ? leaderForNow(view, replicas, brokerId, session.topic, session.partition, currentLeaderEpoch) : undefined) ??
        (await (fetchOnlyLeader ? leaderFor : replicaFor)(view, replicas, brokerId, session.topic, session.partition, currentLeaderEpoch));
      const errorCode = found.errorCode === ErrorCode.KAFKA_STORAGE_ERROR ? storageError(apiVersion) : found.errorCode;
      const entry: PartitionToRead = { session, errorCode, replica: found.replica };
      if (follower && found.replica) checkFollowerPosition(entry, found.replica);
      if (selector && found.replica) entry.preferredReadReplica = preferredReadReplica(found.replica, selector, entry.session);
      partitions.push(entry);
    }

    const deadline = Date.now() + Math.min(Math.max(body.maxWaitMs, 0), options.maxWaitCapMs);
    // Every read of this request takes its buffers from one lease, given back once the response
    // that points into them is written (or left to the GC if it never is).
    const lease = options.readBuffers?.lease();
    for (;;) {
      const { results, bytes } = await readAll();
      const hasError =
        partitions.some(
          (entry) =>
            entry.errorCode !== ErrorCode.NONE || entry.divergingEpoch || entry.outOfRange || entry.preferredReadReplica !== undefined,
        ) || results.some((result) => result.data.errorCode !== ErrorCode.NONE);
      const remainingMs = deadline - Date.now();
      if (bytes >= body.minBytes || hasError || remainingMs <= 0) {
        countTraffic(partitions, results, follower);
        const response = context.buildResponse(results);
        if (lease) releaseAfterWrite(response, () => lease.releaseAll());
        return response;
      }
      await waitForAny(partitions, remainingMs, follower, fetchOnlyLeader);
    }

    function preferredReadReplica(replica: PartitionReplica, chosen: ReplicaSelector, session: FetchSessionPartition): number | undefined {
      const leader = replica.leaderState;
      if (!leader) return undefined;
      const now = Date.now();
      return findPreferredReadReplica(chosen, {
        clientRack: body.rackId,
        fetchOffset: Number(session.fetchOffset),
        nowMs: now,
        leaderId: brokerId,
        leaderLogEndOffset: replica.logEndOffset,
        followers: leader.assignedReplicas
          .filter((id) => id !== brokerId)
          .flatMap((id) => {
            const state = leader.follower(id);
            return state ? [{ ...state, inSync: leader.isr.has(id) }] : [];
          }),
        node: (id) => {
          const node = client ? view.brokerNode(id, client.listenerName) : view.broker(id);
          return node && !node.fenced ? { rack: node.rack } : undefined;
        },
      });
    }

    function checkFollowerPosition(entry: PartitionToRead, replica: PartitionReplica): void {
      const check = replica.followerFetch({
        brokerId: followerId,
        brokerEpoch: followerEpoch,
        fetchOffset: Number(entry.session.fetchOffset),
        logStartOffset: Number(entry.session.logStartOffset),
        lastFetchedEpoch: apiVersion >= 12 ? entry.session.lastFetchedEpoch : -1,
      });
      if (check.kind === 'diverging') entry.divergingEpoch = check.divergingEpoch;
      else if (check.kind === 'error' && check.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) entry.outOfRange = true;
      else if (check.kind === 'error') {
        entry.errorCode = check.errorCode;
        entry.replica = undefined;
      }
    }

    async function readAll(): Promise<{ results: FetchPartitionResult[]; bytes: number }> {
      let bytes = 0;
      // Kafka's ReplicaManager.readFromLog gives the partition where the response's max_bytes runs
      // out a partial batch up to the limit, and every later partition nothing. Strom sends whole
      // batches, so once a partition has more than the response has room for, the response is
      // full: the later partitions are answered without a read (a fetch of a thousand partitions
      // would otherwise read each one's next batch only to find it does not fit).
      let full = false;
      const results: FetchPartitionResult[] = [];
      // Reads of the log, in the request's order; answered in waves below.
      const pending: { slot: number; entry: PartitionToRead; fields: Partial<FetchResponsePartitionData> }[] = [];
      for (const entry of partitions) {
        const key = { topicId: entry.session.topicId, topic: entry.session.topic, partition: entry.session.partition };
        if (entry.replica?.isDetached) {
          // The partition went away during a long poll (topic deleted): an error for it, not a closed connection.
          entry.errorCode = apiVersion >= 13 ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
          entry.replica = undefined;
        } else if (entry.replica && fetchOnlyLeader && !entry.replica.isLeader) {
          // Leadership moved during a long poll.
          entry.errorCode = ErrorCode.NOT_LEADER_OR_FOLLOWER;
          entry.replica = undefined;
        }
        if (!entry.replica) {
          // Empty records, not null, as Kafka's FetchResponse.partitionResponse (librdkafka cannot parse a null record set).
          results.push({ ...key, data: { ...fetchErrorPartitionData(entry.session.partition, entry.errorCode), records: EMPTY } });
          continue;
        }
        const replica = entry.replica;
        const fields: Partial<FetchResponsePartitionData> = {
          partitionIndex: entry.session.partition,
          highWatermark: BigInt(replica.highWatermark),
          records: EMPTY,
          ...(apiVersion >= 4
            ? { lastStableOffset: BigInt(replica.lastStableOffset), abortedTransactions: readCommitted ? [] : null }
            : {}),
          ...(apiVersion >= 5 ? { logStartOffset: BigInt(replica.logStartOffset) } : {}),
        };
        if (entry.divergingEpoch) {
          const divergingEpoch = createFetchResponseEpochEndOffset({
            epoch: entry.divergingEpoch.leaderEpoch,
            endOffset: BigInt(entry.divergingEpoch.endOffset),
          });
          results.push({ ...key, data: createFetchResponsePartitionData({ ...fields, errorCode: ErrorCode.NONE, divergingEpoch }) });
          continue;
        }
        if (entry.outOfRange) {
          results.push({ ...key, data: createFetchResponsePartitionData({ ...fields, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE }) });
          continue;
        }
        if (entry.preferredReadReplica !== undefined) {
          const preferredReadReplica = entry.preferredReadReplica;
          results.push({ ...key, data: createFetchResponsePartitionData({ ...fields, errorCode: ErrorCode.NONE, preferredReadReplica }) });
          continue;
        }
        pending.push({ slot: results.length, entry, fields });
        results.push({ ...key, data: createFetchResponsePartitionData({ ...fields, errorCode: ErrorCode.NONE }) });
      }
      // Kafka's ReplicaManager.readFromLog: the first partition read gets the request's max_bytes as
      // given, each later one what is left (never below 0), and only the first partition with data
      // may return a batch larger than that (KIP-74). The reads of a wave run at once: a read joins
      // it only while its whole partition limit fits in what the reads before it may leave, so it
      // gets the same limit as read one after another; the next wave starts from what is left.
      for (let next = 0; next < pending.length;) {
        const wave: { read: (typeof pending)[number]; limit: number; budget: number }[] = [];
        let promised = 0;
        do {
          const read = pending[next]!;
          const limit = full ? 0 : read.slot === 0 ? body.maxBytes : Math.max(body.maxBytes - bytes - promised, 0);
          const budget = Math.min(read.entry.session.partitionMaxBytes, limit);
          wave.push({ read, limit, budget });
          promised += Math.max(budget, 0);
          next++;
        } while (
          next < pending.length &&
          (full || fitsWhole(pending[next]!.entry.session.partitionMaxBytes, body.maxBytes - bytes - promised))
        );
        // Only while nothing is in the response yet may a read return a batch larger than its limit.
        const minOneBatch = !full && bytes === 0;
        const answers = await Promise.all(
          wave.map(({ read, budget }) =>
            tracingEnabled()
              ? tracedRead(read.entry.session.topic, read.entry.session.partition, Number(read.entry.session.fetchOffset), () =>
                  readPartition(read.entry, budget, minOneBatch && budget >= 0),
                )
              : readPartition(read.entry, budget, minOneBatch && budget >= 0),
          ),
        );
        for (const [i, { read, limit, budget }] of wave.entries()) {
          const answer = answers[i]!;
          // Read as if first (one batch at least); kept only if no partition before it has data.
          // Once the response is full, the reads after it in the wave are dropped as well.
          if (full || (answer.records.length > Math.max(budget, 0) && bytes > 0)) answer.records = EMPTY;
          bytes += answer.records.length;
          if (limit <= read.entry.session.partitionMaxBytes && answer.more) full = true;
          results[read.slot] = {
            ...results[read.slot]!,
            data: createFetchResponsePartitionData({ ...read.fields, errorCode: answer.errorCode, records: answer.records }),
          };
        }
      }
      return { results, bytes };
    }

    /**
     * One partition's part of the response: its records, or the error reading them got, and
     * whether readable data was left behind (the limit cut the read).
     */
    async function readPartition(
      entry: PartitionToRead,
      budget: number,
      minOneBatch: boolean,
    ): Promise<{ errorCode: ErrorCode; records: Buffer; more: boolean }> {
      const replica = entry.replica!;
      const fetchOffset = Number(entry.session.fetchOffset);
      entry.readableAtRead = follower ? replica.logEndOffset : replica.highWatermark;
      const readableEnd = follower ? replica.logEndOffset : readCommitted ? replica.lastStableOffset : replica.highWatermark;
      const read = await replica.read(fetchOffset, Math.max(budget, 0), readCommitted, minOneBatch, lease, follower);
      if (read.error !== null) {
        const errorCode = read.error === 'KAFKA_STORAGE_ERROR' ? storageError(apiVersion) : ErrorCode.OFFSET_OUT_OF_RANGE;
        return { errorCode, records: EMPTY, more: false };
      }
      // A negative budget reads nothing (Kafka: LogSegment.read's IllegalArgumentException, answered
      // UNKNOWN_SERVER_ERROR for the partition when there was data to read there).
      if (budget < 0 && fetchOffset < (readCommitted ? replica.lastStableOffset : replica.highWatermark)) {
        return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, records: EMPTY, more: false };
      }
      return { errorCode: ErrorCode.NONE, records: read.records, more: read.nextOffset < readableEnd };
    }
  };
}

/** Whether a partition read limited to `partitionMaxBytes` gets all of it from `leftBytes` (a non-positive limit reads nothing). */
const fitsWhole = (partitionMaxBytes: number, leftBytes: number): boolean => partitionMaxBytes <= 0 || partitionMaxBytes <= leftBytes;

/**
 * A partition whose disk failed. Kafka answers Fetch v5 and older with NOT_LEADER_OR_FOLLOWER
 * instead: those clients may not know KAFKA_STORAGE_ERROR, and would not retry it.
 */
const storageError = (apiVersion: number): ErrorCode =>
  apiVersion <= 5 ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.KAFKA_STORAGE_ERROR;

/**
 * Resolves when any partition gets data past its fetch offset (for a follower: written), or after
 * `timeoutMs`; with `leaderOnly`, also when a partition's replica stops leading. One listener is
 * registered with every partition and taken back from all of them once the first wakes it.
 */
/** Per topic: the partitions fetched, those answered with an error, and the record bytes sent (to consumers or to followers). */
function countTraffic(partitions: readonly PartitionToRead[], results: readonly FetchPartitionResult[], follower: boolean): void {
  for (let i = 0; i < partitions.length; i++) {
    const traffic = partitions[i]!.replica?.traffic;
    if (!traffic) continue;
    const data = results[i]!.data;
    traffic.fetchRequests++;
    if (data.errorCode !== ErrorCode.NONE) traffic.failedFetchRequests++;
    const bytes = data.records?.length ?? 0;
    if (follower) traffic.replicationBytesOut += bytes;
    else traffic.bytesOut += bytes;
  }
}

async function waitForAny(partitions: PartitionToRead[], timeoutMs: number, follower: boolean, leaderOnly: boolean): Promise<void> {
  let wake!: () => void;
  const woken = new Promise<void>((resolve) => (wake = resolve));
  const listener = { wake };
  const waiting: { replica: PartitionReplica; waiter: DataWaiter }[] = [];
  let ready = false;
  for (const entry of partitions) {
    const replica = entry.replica;
    if (!replica) continue;
    // Wait for data past what the last read could see: waiting on the fetch offset alone would
    // return at once whenever fewer than min.bytes are readable, and spin until max.wait.ms;
    // waiting past what is readable now would sleep through an append made during that read
    // (with acks=all, the producer waits on the very fetch that sleeps).
    const readable = entry.readableAtRead ?? (follower ? replica.logEndOffset : replica.highWatermark);
    const waiter = replica.waitForData(Math.max(Number(entry.session.fetchOffset), readable), listener, follower, leaderOnly);
    if (!waiter) {
      ready = true;
      break;
    }
    waiting.push({ replica, waiter });
  }
  const timer = ready ? undefined : setTimeout(wake, timeoutMs);
  try {
    if (!ready) await woken;
    // Coalesced: the appends of the same I/O round (one produce request's partitions, several
    // producers' requests read together) all land before the fetch reads again, so they go out
    // in one response instead of one response each.
    await new Promise<void>((resolve) => setImmediate(resolve));
  } finally {
    clearTimeout(timer);
    for (const { replica, waiter } of waiting) replica.stopWaiting(waiter);
  }
}
