import { randomInt } from 'node:crypto';
import { ErrorCode } from '@strom/errors';
import type { FetchRequest } from '@strom/protocol';
import {
  FullFetchContext,
  IncrementalFetchContext,
  SessionErrorContext,
  SessionlessFetchContext,
  type FetchContext,
} from './fetch-context.js';
import {
  FETCH_TOPIC_ID_MIN_VERSION,
  FINAL_EPOCH,
  INITIAL_EPOCH,
  INVALID_SESSION_ID,
  fetchMetadata,
  isFromFollower,
  isFullFetch,
  nextEpoch,
} from './fetch-metadata.js';
import { FetchSession, forgottenPartitionKeys, requestPartitions, type CachedPartition } from './fetch-session.js';

/** Kafka's max.incremental.fetch.session.cache.slots default. */
export const DEFAULT_MAX_FETCH_SESSIONS = 1000;

/** Kafka's min.incremental.fetch.session.eviction.ms default. */
export const DEFAULT_FETCH_SESSION_EVICTION_MS = 120_000;

/** Strom's bound on the partitions one session may cache (Kafka has none). */
export const DEFAULT_MAX_PARTITIONS_PER_SESSION = 50_000;

/** Session ids are in [1, MAX_SESSION_ID], as Kafka's `nextInt(1, Int.MaxValue)`. */
const MAX_SESSION_ID = 2147483646;

/** Random draws before falling back to the first free id (only a broken `randomSessionId` gets there). */
const SESSION_ID_DRAWS = 32;

export interface FetchSessionCacheOptions {
  /** The most sessions cached at once (Kafka's max.incremental.fetch.session.cache.slots); 0 disables sessions. */
  maxSessions?: number;
  /**
   * How long a session must go unused to be stale, and how old it must be before a session with more
   * partitions may evict it (Kafka's min.incremental.fetch.session.eviction.ms).
   */
  evictionAfterMs?: number;
  /**
   * The most partitions one session may cache. A full fetch over it gets no session (session id 0);
   * an incremental fetch growing a session over it closes the session with FETCH_SESSION_ID_NOT_FOUND,
   * on which clients fall back to full fetches. Kafka has no such bound.
   */
  maxPartitionsPerSession?: number;
  /** The clock, in milliseconds. Default `Date.now`. */
  clock?: () => number;
  /** Draws a candidate session id in [1, 2^31-2]. Default a uniform random draw. */
  randomSessionId?: () => number;
}

/** A read-only snapshot of a cached session. */
export interface FetchSessionInfo {
  readonly id: number;
  /** The epoch the session's next request must carry. */
  readonly epoch: number;
  /** Whether a follower created it; privileged sessions are harder to evict. */
  readonly privileged: boolean;
  /** Whether it identifies topics by id (created by a v13+ request). */
  readonly usesTopicIds: boolean;
  readonly creationMs: number;
  readonly lastUsedMs: number;
  readonly partitionCount: number;
}

/** Orders sessions for eviction (Kafka's `EvictableKey`): unprivileged first, then fewer partitions, then lower id. */
function compareEvictable(aPrivileged: boolean, aSize: number, aId: number, b: FetchSession): number {
  if (aPrivileged !== b.privileged) return aPrivileged ? 1 : -1;
  if (aSize !== b.cachedSize) return aSize - b.cachedSize;
  return aId - b.id;
}

function checkInteger(name: string, value: number, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
  return value;
}

/**
 * Kafka's incremental fetch sessions (KIP-227): `FetchSessionCache`, `FetchSessionCacheShard` and
 * `FetchManager.newContext` of kafka.server.FetchSession.scala (3.9), as one unsharded cache.
 * Single-threaded: a context holds its session across the broker's asynchronous read and detects a
 * request of the same session that came in meanwhile by the session epoch, as Kafka does.
 */
export class FetchSessionCache {
  readonly maxSessions: number;
  readonly evictionAfterMs: number;
  readonly maxPartitionsPerSession: number;
  private readonly clock: () => number;
  private readonly randomSessionId: () => number;
  private readonly sessions = new Map<number, FetchSession>();
  private cachedPartitions = 0;
  private evictionCount = 0;
  private readonly createSession = this.maybeCreateSession.bind(this);

  constructor(options: FetchSessionCacheOptions = {}) {
    this.maxSessions = checkInteger('maxSessions', options.maxSessions ?? DEFAULT_MAX_FETCH_SESSIONS, 0, MAX_SESSION_ID - 1);
    this.evictionAfterMs = checkInteger(
      'evictionAfterMs',
      options.evictionAfterMs ?? DEFAULT_FETCH_SESSION_EVICTION_MS,
      0,
      Number.MAX_SAFE_INTEGER,
    );
    this.maxPartitionsPerSession = checkInteger(
      'maxPartitionsPerSession',
      options.maxPartitionsPerSession ?? DEFAULT_MAX_PARTITIONS_PER_SESSION,
      1,
      Number.MAX_SAFE_INTEGER,
    );
    this.clock = options.clock ?? Date.now;
    this.randomSessionId = options.randomSessionId ?? (() => randomInt(1, MAX_SESSION_ID + 1));
  }

  /** The number of cached sessions (Kafka's NumIncrementalFetchSessions). */
  get size(): number {
    return this.sessions.size;
  }

  /** The number of cached partitions, as of each session's last use (Kafka's NumIncrementalFetchPartitionsCached). */
  get totalPartitions(): number {
    return this.cachedPartitions;
  }

  /** The number of sessions evicted to make room for new ones (Kafka's IncrementalFetchSessionEvictionsPerSec, as a count). */
  get evictions(): number {
    return this.evictionCount;
  }

  /** A snapshot of a cached session, or undefined. */
  session(sessionId: number): FetchSessionInfo | undefined {
    const session = this.sessions.get(sessionId);
    if (session === undefined) return undefined;
    return {
      id: session.id,
      epoch: session.epoch,
      privileged: session.privileged,
      usesTopicIds: session.usesTopicIds,
      creationMs: session.creationMs,
      lastUsedMs: session.lastUsedMs,
      partitionCount: session.partitions.size,
    };
  }

  /** Removes a session; whether it was cached. */
  remove(sessionId: number): boolean {
    const session = this.sessions.get(sessionId);
    if (session === undefined) return false;
    this.removeSession(session);
    return true;
  }

  /**
   * The context of a Fetch request (Kafka's `FetchManager.newContext`):
   * - epoch 0 or -1 (a full fetch; every request below v7): closes the session the request names, if
   *   any; epoch -1 is then sessionless, epoch 0 asks for a new session (`full`);
   * - any other epoch is incremental: an unknown session is FETCH_SESSION_ID_NOT_FOUND, an epoch
   *   other than the session's is INVALID_FETCH_SESSION_EPOCH, and a request version that does not
   *   match the session's use of topic ids (v13+ or not) is FETCH_SESSION_TOPIC_ID_ERROR. Otherwise
   *   the request's partitions are added to or updated in the session, its forgotten ones removed,
   *   and the session's epoch moves on; a session left without partitions is closed and the request
   *   answered sessionless.
   * v13+ requests name topics by id: `topicNameById` resolves them, and a partition whose id does
   * not resolve is listed with an undefined `topic` (and cached so, until it resolves).
   */
  newContext(
    request: FetchRequest,
    apiVersion: number,
    topicNameById: (topicId: string) => string | undefined,
    nowMs: number = this.clock(),
  ): FetchContext {
    const metadata = fetchMetadata(request, apiVersion);
    const usesTopicIds = apiVersion >= FETCH_TOPIC_ID_MIN_VERSION;
    const fetchData = requestPartitions(request, usesTopicIds, topicNameById);
    if (isFullFetch(metadata)) {
      // Any session a full fetch names is closed.
      if (metadata.sessionId !== INVALID_SESSION_ID) this.remove(metadata.sessionId);
      if (metadata.epoch === FINAL_EPOCH) return new SessionlessFetchContext(fetchData, usesTopicIds);
      return new FullFetchContext(fetchData, usesTopicIds, isFromFollower(request), this.createSession, this.clock);
    }
    const session = this.sessions.get(metadata.sessionId);
    if (session === undefined) return new SessionErrorContext(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
    if (session.epoch !== metadata.epoch) return new SessionErrorContext(ErrorCode.INVALID_FETCH_SESSION_EPOCH);
    if (session.usesTopicIds !== usesTopicIds) return new SessionErrorContext(ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR);
    session.update(fetchData, forgottenPartitionKeys(request, usesTopicIds));
    if (session.partitions.size === 0) {
      this.removeSession(session);
      return new SessionlessFetchContext(fetchData, usesTopicIds);
    }
    if (session.partitions.size > this.maxPartitionsPerSession) {
      this.removeSession(session);
      return new SessionErrorContext(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
    }
    this.touch(session, nowMs);
    session.epoch = nextEpoch(session.epoch);
    return new IncrementalFetchContext(metadata.epoch, session, topicNameById);
  }

  /** Kafka's `maybeCreateSession`: creates a session if there is room or one can be evicted. */
  private maybeCreateSession(
    nowMs: number,
    privileged: boolean,
    usesTopicIds: boolean,
    size: number,
    createPartitions: () => Map<string, CachedPartition>,
  ): number {
    if (size > this.maxPartitionsPerSession) return INVALID_SESSION_ID;
    if (this.sessions.size >= this.maxSessions && !this.tryEvict(privileged, size, nowMs)) return INVALID_SESSION_ID;
    const session = new FetchSession(this.newSessionId(), privileged, usesTopicIds, nowMs, nowMs, nextEpoch(INITIAL_EPOCH));
    for (const [key, cached] of createPartitions()) session.partitions.set(key, cached);
    this.sessions.set(session.id, session);
    this.touch(session, nowMs);
    return session.id;
  }

  /**
   * Kafka's `tryEvict`. A new session A may evict an existing session B if B is stale (unused for
   * more than evictionAfterMs: the least recently used session goes first), or else if B is the
   * least valuable evictable session and A is worth more: A is privileged and B is not, or both are
   * alike and A has more partitions. Evictability is decided when a session is used: an
   * unprivileged session is evictable by privileged ones from the start; by unprivileged ones, and
   * privileged sessions at all, only once used after being evictionAfterMs old.
   */
  private tryEvict(privileged: boolean, size: number, nowMs: number): boolean {
    let leastRecentlyUsed: FetchSession | undefined;
    let leastValuable: FetchSession | undefined;
    for (const session of this.sessions.values()) {
      if (
        leastRecentlyUsed === undefined ||
        session.lastUsedMs < leastRecentlyUsed.lastUsedMs ||
        (session.lastUsedMs === leastRecentlyUsed.lastUsedMs && session.id < leastRecentlyUsed.id)
      ) {
        leastRecentlyUsed = session;
      }
      const evictable = privileged ? session.evictableByPrivileged : session.evictableByAll;
      if (
        evictable &&
        (leastValuable === undefined || compareEvictable(session.privileged, session.cachedSize, session.id, leastValuable) < 0)
      ) {
        leastValuable = session;
      }
    }
    if (leastRecentlyUsed === undefined) return false;
    if (nowMs - leastRecentlyUsed.lastUsedMs > this.evictionAfterMs) {
      this.evict(leastRecentlyUsed);
      return true;
    }
    // The new session's key has id 0, below every session id: on a tie it cannot evict.
    if (leastValuable === undefined || compareEvictable(privileged, size, 0, leastValuable) < 0) return false;
    this.evict(leastValuable);
    return true;
  }

  private evict(session: FetchSession): void {
    this.removeSession(session);
    this.evictionCount++;
  }

  private removeSession(session: FetchSession): void {
    if (this.sessions.get(session.id) !== session) return;
    this.sessions.delete(session.id);
    this.cachedPartitions -= session.cachedSize;
  }

  /** Kafka's `touch`: records the use and re-decides the session's evictability. */
  private touch(session: FetchSession, nowMs: number): void {
    session.lastUsedMs = nowMs;
    if (session.cachedSize !== -1) this.cachedPartitions -= session.cachedSize;
    session.cachedSize = session.partitions.size;
    this.cachedPartitions += session.cachedSize;
    const old = nowMs - session.creationMs > this.evictionAfterMs;
    session.evictableByPrivileged = !session.privileged || old;
    session.evictableByAll = old;
  }

  /** A new unique session id in [1, 2^31-2] (Kafka's `newSessionId`). */
  private newSessionId(): number {
    for (let draw = 0; draw < SESSION_ID_DRAWS; draw++) {
      const id = this.randomSessionId();
      if (Number.isInteger(id) && id >= 1 && id <= MAX_SESSION_ID && !this.sessions.has(id)) return id;
    }
    // Terminates within size + 1 steps: there are fewer sessions than ids.
    let id = 1;
    while (this.sessions.has(id)) id++;
    return id;
  }
}
