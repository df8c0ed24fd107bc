import { ErrorCode } from '@strom/errors';
import { createFetchResponse, ZERO_UUID, type FetchResponse, type FetchResponseFetchableTopicResponse } from '@strom/protocol';
import { INVALID_SESSION_ID, nextEpoch } from './fetch-metadata.js';
import {
  CachedPartition,
  partitionKey,
  recordsSize,
  type FetchPartitionResult,
  type FetchSession,
  type FetchSessionPartition,
} from './fetch-session.js';

/** Which of Kafka's FetchContext classes a context is. */
export type FetchContextKind = 'full' | 'incremental' | 'sessionless' | 'error';

/**
 * What to do for one Fetch request (Kafka's `FetchContext`). The broker reads `partitions`, answers
 * each (UNKNOWN_TOPIC_ID for those whose `topic` is undefined), and passes the answers to
 * `buildResponse` once, which picks the partitions the response carries, updates the session and
 * sets the response's error code and session id. `nodeEndpoints` are the broker's to fill in.
 */
export interface FetchContext {
  readonly kind: FetchContextKind;
  /** The response's top-level error: NONE, except for an `error` context. */
  readonly errorCode: ErrorCode;
  /**
   * The partitions to read now, in Kafka's order: the request's for a full or sessionless fetch,
   * the whole session's for an incremental one, none for a session error.
   */
  readonly partitions: readonly FetchSessionPartition[];
  /**
   * The response (Kafka's `updateAndGenerateResponseData`). For a full fetch this is when the
   * session is created (at `nowMs`, default the cache's clock) if the cache has room for it.
   * Call at most once.
   */
  buildResponse(results: Iterable<FetchPartitionResult>, nowMs?: number): FetchResponse;
  /** The empty response sent instead when the request is throttled (Kafka's `getThrottledResponse`). */
  throttledResponse(throttleTimeMs: number): FetchResponse;
}

/** Creates a session in the cache and returns its id, or INVALID_SESSION_ID when there is no room. */
export type CreateSession = (
  nowMs: number,
  privileged: boolean,
  usesTopicIds: boolean,
  size: number,
  createPartitions: () => Map<string, CachedPartition>,
) => number;

/**
 * Builds the response body (Kafka's `FetchResponse.of`): partitions grouped into topics in the given
 * order, a new topic starting whenever the topic (by id if non-zero, else by name) changes.
 */
export function fetchResponse(
  errorCode: ErrorCode,
  throttleTimeMs: number,
  sessionId: number,
  results: Iterable<FetchPartitionResult>,
): FetchResponse {
  const responses: FetchResponseFetchableTopicResponse[] = [];
  let previous: FetchResponseFetchableTopicResponse | undefined;
  for (const result of results) {
    const topic = result.topic ?? '';
    const data = result.data.partitionIndex === result.partition ? result.data : { ...result.data, partitionIndex: result.partition };
    const sameTopic =
      previous !== undefined && (previous.topicId !== ZERO_UUID ? previous.topicId === result.topicId : previous.topic === topic);
    if (previous !== undefined && sameTopic) {
      previous.partitions.push(data);
    } else {
      previous = { topic, topicId: result.topicId, partitions: [data] };
      responses.push(previous);
    }
  }
  return createFetchResponse({ errorCode, throttleTimeMs, sessionId, responses });
}

/** The results keyed like session partitions; a partition answered twice keeps its first position and last answer. */
function indexResults(results: Iterable<FetchPartitionResult>, usesTopicIds: boolean): Map<string, FetchPartitionResult> {
  const indexed = new Map<string, FetchPartitionResult>();
  for (const result of results) indexed.set(partitionKey(usesTopicIds, result), result);
  return indexed;
}

/**
 * Kafka's `SessionErrorContext`: the request named a missing session, a wrong epoch, or the wrong
 * kind of topic identifiers for its session. The response carries only the top-level error.
 */
export class SessionErrorContext implements FetchContext {
  readonly kind = 'error';
  readonly partitions: readonly FetchSessionPartition[] = [];

  constructor(readonly errorCode: ErrorCode) {}

  buildResponse(): FetchResponse {
    return fetchResponse(this.errorCode, 0, INVALID_SESSION_ID, []);
  }

  /** As in Kafka, a throttled response does not carry the session error. */
  throttledResponse(throttleTimeMs: number): FetchResponse {
    return fetchResponse(ErrorCode.NONE, throttleTimeMs, INVALID_SESSION_ID, []);
  }
}

/** Kafka's `SessionlessFetchContext`: a full fetch that neither uses nor creates a session (session id 0). */
export class SessionlessFetchContext implements FetchContext {
  readonly kind = 'sessionless';
  readonly errorCode = ErrorCode.NONE;
  readonly partitions: readonly FetchSessionPartition[];

  constructor(
    fetchData: ReadonlyMap<string, FetchSessionPartition>,
    private readonly usesTopicIds: boolean,
  ) {
    this.partitions = [...fetchData.values()];
  }

  buildResponse(results: Iterable<FetchPartitionResult>): FetchResponse {
    return fetchResponse(ErrorCode.NONE, 0, INVALID_SESSION_ID, indexResults(results, this.usesTopicIds).values());
  }

  throttledResponse(throttleTimeMs: number): FetchResponse {
    return fetchResponse(ErrorCode.NONE, throttleTimeMs, INVALID_SESSION_ID, []);
  }
}

/**
 * Kafka's `FullFetchContext`: a full fetch (epoch 0) that asks for a new session. The response
 * carries every partition; the session caches each answered partition of the request, and its id
 * is 0 when the cache had no room.
 */
export class FullFetchContext implements FetchContext {
  readonly kind = 'full';
  readonly errorCode = ErrorCode.NONE;
  readonly partitions: readonly FetchSessionPartition[];
  private built = false;

  constructor(
    private readonly fetchData: ReadonlyMap<string, FetchSessionPartition>,
    private readonly usesTopicIds: boolean,
    private readonly privileged: boolean,
    private readonly createSession: CreateSession,
    private readonly clock: () => number,
  ) {
    this.partitions = [...fetchData.values()];
  }

  buildResponse(results: Iterable<FetchPartitionResult>, nowMs: number = this.clock()): FetchResponse {
    if (this.built) throw new Error('FetchContext.buildResponse called twice');
    this.built = true;
    const updates = indexResults(results, this.usesTopicIds);
    let size = 0;
    for (const key of updates.keys()) if (this.fetchData.has(key)) size++;
    const sessionId = this.createSession(nowMs, this.privileged, this.usesTopicIds, size, () => {
      const cached = new Map<string, CachedPartition>();
      for (const [key, result] of updates) {
        const request = this.fetchData.get(key);
        // Kafka caches every answered partition; an answer for a partition the request did not
        // name has no request parameters to cache, so it is sent but not cached.
        if (request !== undefined) cached.set(key, new CachedPartition(request, result.data));
      }
      return cached;
    });
    return fetchResponse(ErrorCode.NONE, 0, sessionId, updates.values());
  }

  throttledResponse(throttleTimeMs: number): FetchResponse {
    return fetchResponse(ErrorCode.NONE, throttleTimeMs, INVALID_SESSION_ID, []);
  }
}

/**
 * Kafka's `IncrementalFetchContext`: a request in an existing session (epoch > 0). The partitions to
 * read are the whole session's; the response carries only those that changed since the last one.
 */
export class IncrementalFetchContext implements FetchContext {
  readonly kind = 'incremental';
  readonly errorCode = ErrorCode.NONE;
  readonly partitions: readonly FetchSessionPartition[];
  private built = false;

  constructor(
    private readonly requestEpoch: number,
    private readonly session: FetchSession,
    topicNameById: (topicId: string) => string | undefined,
  ) {
    const partitions: FetchSessionPartition[] = [];
    for (const cached of session.partitions.values()) {
      // A partition added while its topic id was unknown gets its name once the id resolves.
      if (session.usesTopicIds) cached.maybeResolveUnknownName(topicNameById);
      partitions.push(cached.toRequestPartition());
    }
    this.partitions = partitions;
  }

  /** The session id this context answers for. */
  get sessionId(): number {
    return this.session.id;
  }

  /** Whether another request of the session came in since this one (its epoch moved on): a duplicate. */
  private epochMovedOn(): boolean {
    return this.session.epoch !== nextEpoch(this.requestEpoch);
  }

  buildResponse(results: Iterable<FetchPartitionResult>): FetchResponse {
    if (this.built) throw new Error('FetchContext.buildResponse called twice');
    this.built = true;
    if (this.epochMovedOn()) return fetchResponse(ErrorCode.INVALID_FETCH_SESSION_EPOCH, 0, this.session.id, []);
    const selected: FetchPartitionResult[] = [];
    const cachedPartitions = this.session.partitions;
    for (const [key, result] of indexResults(results, this.session.usesTopicIds)) {
      const cached = cachedPartitions.get(key);
      if (cached === undefined) {
        // Not a session partition (Kafka would fail here): sent as is, nothing to compare with.
        selected.push(result);
      } else if (cached.maybeUpdateResponseData(result.data, true)) {
        selected.push(result);
        if (recordsSize(result.data) > 0) {
          // Move it to the end: the partitions that returned nothing are read first next time.
          cachedPartitions.delete(key);
          cachedPartitions.set(key, cached);
        }
      }
    }
    return fetchResponse(ErrorCode.NONE, 0, this.session.id, selected);
  }

  throttledResponse(throttleTimeMs: number): FetchResponse {
    const errorCode = this.epochMovedOn() ? ErrorCode.INVALID_FETCH_SESSION_EPOCH : ErrorCode.NONE;
    return fetchResponse(errorCode, throttleTimeMs, this.session.id, []);
  }
}
