import { ErrorCode } from '@strom/errors';
import {
  createFetchRequest,
  createFetchRequestFetchPartition,
  createFetchRequestFetchTopic,
  createFetchRequestForgottenTopic,
  createFetchRequestReplicaState,
  createFetchResponseEpochEndOffset,
  createFetchResponsePartitionData,
  decodeResponse,
  encodeResponse,
  ApiKey,
  ZERO_UUID,
  type FetchRequest,
  type FetchRequestFetchPartition,
  type FetchResponse,
  type FetchResponsePartitionData,
} from '@strom/protocol';
import { describe, expect, it } from 'vitest';
import {
  FetchSessionCache,
  FINAL_EPOCH,
  INITIAL_EPOCH,
  fetchErrorPartitionData,
  fetchMetadata,
  fetchResponse,
  isFromFollower,
  isFullFetch,
  nextEpoch,
  type FetchContext,
  type FetchPartitionResult,
  type FetchSessionCacheOptions,
  type FetchSessionPartition,
} from '../src/fetch-session/index.js';

const FOO_ID = '6d2c1c5e-8f0a-4b6e-9a51-0c1f7b9d0001';
const BAR_ID = '6d2c1c5e-8f0a-4b6e-9a51-0c1f7b9d0002';
const NEW_ID = '6d2c1c5e-8f0a-4b6e-9a51-0c1f7b9d0003';
const KNOWN_TOPICS = new Map<string, string>([
  [FOO_ID, 'foo'],
  [BAR_ID, 'bar'],
]);
const nameById = (topicId: string): string | undefined => KNOWN_TOPICS.get(topicId);

type PartitionSpec = number | (Partial<FetchRequestFetchPartition> & { partition: number });

interface RequestSpec {
  sessionId?: number;
  epoch?: number;
  /** Topic name (v12-) or topic id (v13+) to partitions. */
  topics?: [string, PartitionSpec[]][];
  forgotten?: [string, number[]][];
  replicaId?: number;
  replicaStateId?: number;
}

/** A decoded-looking Fetch request of `version`: topics by name below v13, by id from v13. */
function request(version: number, spec: RequestSpec = {}): FetchRequest {
  const byId = version >= 13;
  const ident = (topic: string) => (byId ? { topic: '', topicId: topic } : { topic, topicId: ZERO_UUID });
  return createFetchRequest({
    replicaId: spec.replicaId ?? -1,
    replicaState: createFetchRequestReplicaState({ replicaId: spec.replicaStateId ?? -1 }),
    sessionId: spec.sessionId ?? 0,
    sessionEpoch: spec.epoch ?? -1,
    topics: (spec.topics ?? []).map(([topic, partitions]) =>
      createFetchRequestFetchTopic({
        ...ident(topic),
        partitions: partitions.map((p) =>
          createFetchRequestFetchPartition(
            typeof p === 'number' ? { partition: p, partitionMaxBytes: 1024 } : { partitionMaxBytes: 1024, ...p },
          ),
        ),
      }),
    ),
    forgottenTopicsData: (spec.forgotten ?? []).map(([topic, partitions]) =>
      createFetchRequestForgottenTopic({ ...ident(topic), partitions }),
    ),
  });
}

/** A steady partition: high watermark 100, log start 0, no records. */
function steady(init: Partial<FetchResponsePartitionData> = {}): FetchResponsePartitionData {
  return createFetchResponsePartitionData({ highWatermark: 100n, lastStableOffset: 100n, logStartOffset: 0n, records: null, ...init });
}

/** Answers every partition of a context like a broker: UNKNOWN_TOPIC_ID when unresolved, else `data(p)`. */
function answer(
  context: FetchContext,
  data: (p: FetchSessionPartition) => FetchResponsePartitionData = () => steady(),
): FetchPartitionResult[] {
  return context.partitions.map((p) => ({
    topicId: p.topicId,
    topic: p.topic,
    partition: p.partition,
    data: p.topic === undefined ? fetchErrorPartitionData(p.partition, ErrorCode.UNKNOWN_TOPIC_ID) : data(p),
  }));
}

/** `topic:partition` (by name, or by id when the name is empty) of every partition of a response. */
function listed(response: FetchResponse): string[] {
  return response.responses.flatMap((t) => t.partitions.map((p) => `${t.topic === '' ? t.topicId : t.topic}:${p.partitionIndex}`));
}

function names(partitions: readonly FetchSessionPartition[]): string[] {
  return partitions.map((p) => `${p.topic ?? p.topicId}:${p.partition}`);
}

function fakeClock(start = 1_000_000) {
  const clock = { now: start, read: () => clock.now };
  return clock;
}

function newCache(options: FetchSessionCacheOptions = {}) {
  const clock = fakeClock();
  let next = 1000;
  const cache = new FetchSessionCache({ clock: clock.read, randomSessionId: () => next++, ...options });
  return { cache, clock };
}

/** Opens a session at `version` with the given topics and answers it steadily; returns its id. */
function openSession(cache: FetchSessionCache, version: number, topics: [string, PartitionSpec[]][], extra: RequestSpec = {}): number {
  const context = cache.newContext(request(version, { epoch: INITIAL_EPOCH, topics, ...extra }), version, nameById);
  expect(context.kind).toBe('full');
  return context.buildResponse(answer(context)).sessionId;
}

describe('FetchMetadata', () => {
  it('follows Kafka: the epoch after -1 is -1, after INT32_MAX it is 1', () => {
    expect(nextEpoch(INITIAL_EPOCH)).toBe(1);
    expect(nextEpoch(41)).toBe(42);
    expect(nextEpoch(2147483647)).toBe(1);
    expect(nextEpoch(FINAL_EPOCH)).toBe(FINAL_EPOCH);
    expect(nextEpoch(-7)).toBe(FINAL_EPOCH);
  });

  it('reads requests below v7 as sessionless full fetches, and epochs 0 and -1 as full', () => {
    const body = request(7, { sessionId: 5, epoch: 3 });
    expect(fetchMetadata(body, 6)).toEqual({ sessionId: 0, epoch: FINAL_EPOCH });
    expect(fetchMetadata(body, 7)).toEqual({ sessionId: 5, epoch: 3 });
    expect(isFullFetch({ sessionId: 0, epoch: 0 })).toBe(true);
    expect(isFullFetch({ sessionId: 5, epoch: -1 })).toBe(true);
    expect(isFullFetch({ sessionId: 5, epoch: 1 })).toBe(false);
  });

  it('recognises followers by the v0-14 replica id or the v15+ replica state', () => {
    expect(isFromFollower(request(12, { replicaId: 2 }))).toBe(true);
    expect(isFromFollower(request(15, { replicaStateId: 0 }))).toBe(true);
    expect(isFromFollower(request(15, {}))).toBe(false);
    expect(isFromFollower(request(12, { replicaId: -2 }))).toBe(false);
  });
});

describe('sessionless fetches', () => {
  it('serves requests below v7 without a session', () => {
    const { cache } = newCache();
    const context = cache.newContext(request(4, { topics: [['foo', [0, 1]]] }), 4, nameById);
    expect(context.kind).toBe('sessionless');
    expect(names(context.partitions)).toEqual(['foo:0', 'foo:1']);
    const response = context.buildResponse(answer(context));
    expect(response.sessionId).toBe(0);
    expect(response.errorCode).toBe(ErrorCode.NONE);
    expect(listed(response)).toEqual(['foo:0', 'foo:1']);
    expect(cache.size).toBe(0);
  });

  it('serves session 0 with epoch -1 without a session, even at v13', () => {
    const { cache } = newCache();
    const context = cache.newContext(request(13, { sessionId: 0, epoch: FINAL_EPOCH, topics: [[FOO_ID, [0]]] }), 13, nameById);
    expect(context.kind).toBe('sessionless');
    expect(context.buildResponse(answer(context)).sessionId).toBe(0);
    expect(cache.size).toBe(0);
  });

  it('keeps the first position and last parameters of a partition listed twice', () => {
    const { cache } = newCache();
    const body = request(12, {
      topics: [
        ['foo', [{ partition: 0, fetchOffset: 1n }, 1]],
        ['foo', [{ partition: 0, fetchOffset: 9n }]],
      ],
    });
    const context = cache.newContext(body, 12, nameById);
    expect(names(context.partitions)).toEqual(['foo:0', 'foo:1']);
    expect(context.partitions[0]?.fetchOffset).toBe(9n);
  });
});

describe('full fetches', () => {
  it('creates a session with a new id and epoch 1 and answers every partition', () => {
    const { cache, clock } = newCache();
    const context = cache.newContext(
      request(12, {
        epoch: 0,
        topics: [
          ['foo', [0, 1]],
          ['bar', [0]],
        ],
      }),
      12,
      nameById,
    );
    expect(context.kind).toBe('full');
    expect(context.errorCode).toBe(ErrorCode.NONE);
    const response = context.buildResponse(answer(context));
    expect(response.errorCode).toBe(ErrorCode.NONE);
    expect(response.sessionId).toBe(1000);
    expect(listed(response)).toEqual(['foo:0', 'foo:1', 'bar:0']);
    expect(response.responses.map((t) => t.topic)).toEqual(['foo', 'bar']);
    expect(cache.session(1000)).toEqual({
      id: 1000,
      epoch: 1,
      privileged: false,
      usesTopicIds: false,
      creationMs: clock.now,
      lastUsedMs: clock.now,
      partitionCount: 3,
    });
    expect(cache.size).toBe(1);
    expect(cache.totalPartitions).toBe(3);
  });

  it('generates unique positive int32 ids, skipping ids in use and invalid draws', () => {
    const draws = [7, 7, 0, -3, 2147483647, 1.5, 8];
    const cache = new FetchSessionCache({ randomSessionId: () => draws.shift() ?? 9 });
    const first = openSession(cache, 12, [['foo', [0]]]);
    const second = openSession(cache, 12, [['foo', [0]]]);
    expect([first, second]).toEqual([7, 8]);
  });

  it('falls back to the first free id when the generator keeps colliding', () => {
    const cache = new FetchSessionCache({ randomSessionId: () => 1 });
    expect([
      openSession(cache, 12, [['foo', [0]]]),
      openSession(cache, 12, [['foo', [0]]]),
      openSession(cache, 12, [['foo', [0]]]),
    ]).toEqual([1, 2, 3]);
  });

  it('draws random ids by default', () => {
    const cache = new FetchSessionCache();
    const ids = new Set(Array.from({ length: 20 }, () => openSession(cache, 12, [['foo', [0]]])));
    expect(ids.size).toBe(20);
    for (const id of ids) expect(id >= 1 && id <= 2147483646 && Number.isInteger(id)).toBe(true);
  });

  it('closes the session a full fetch names and opens a new one', () => {
    const { cache } = newCache();
    const old = openSession(cache, 12, [['foo', [0]]]);
    const context = cache.newContext(request(12, { sessionId: old, epoch: 0, topics: [['bar', [0]]] }), 12, nameById);
    expect(cache.session(old)).toBeUndefined();
    const fresh = context.buildResponse(answer(context)).sessionId;
    expect(fresh).not.toBe(old);
    expect(cache.size).toBe(1);
    expect(cache.session(fresh)?.partitionCount).toBe(1);
  });

  it('closes the session on epoch -1 and answers sessionless', () => {
    const { cache } = newCache();
    const id = openSession(cache, 12, [['foo', [0]]]);
    const context = cache.newContext(request(12, { sessionId: id, epoch: FINAL_EPOCH, topics: [['foo', [0]]] }), 12, nameById);
    expect(context.kind).toBe('sessionless');
    expect(cache.session(id)).toBeUndefined();
    expect(cache.totalPartitions).toBe(0);
    const response = context.buildResponse(answer(context));
    expect(response.sessionId).toBe(0);
    expect(listed(response)).toEqual(['foo:0']);
    expect(cache.newContext(request(12, { sessionId: id, epoch: 1 }), 12, nameById).errorCode).toBe(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
  });

  it('caches only the partitions of the request, and creates the session when the response is built', () => {
    const { cache, clock } = newCache();
    const context = cache.newContext(request(12, { epoch: 0, topics: [['foo', [0]]] }), 12, nameById);
    expect(cache.size).toBe(0);
    clock.now += 5;
    const stray: FetchPartitionResult = { topicId: ZERO_UUID, topic: 'bar', partition: 3, data: steady() };
    const response = context.buildResponse([...answer(context), stray]);
    expect(listed(response)).toEqual(['foo:0', 'bar:3']);
    expect(cache.session(response.sessionId)).toMatchObject({ partitionCount: 1, creationMs: clock.now });
    expect(() => context.buildResponse([])).toThrow(/twice/);
  });

  it('creates a session for an empty full fetch, which the next request closes', () => {
    const { cache } = newCache();
    const id = openSession(cache, 12, []);
    expect(cache.session(id)?.partitionCount).toBe(0);
    const next = cache.newContext(request(12, { sessionId: id, epoch: 1 }), 12, nameById);
    expect(next.kind).toBe('sessionless');
    expect(cache.size).toBe(0);
  });

  it('marks sessions of followers privileged', () => {
    const { cache } = newCache();
    const id = openSession(cache, 12, [['foo', [0]]], { replicaId: 1 });
    expect(cache.session(id)?.privileged).toBe(true);
  });
});

describe('incremental fetches', () => {
  it('reads every session partition with its cached parameters and moves the epoch on', () => {
    const { cache } = newCache();
    const id = openSession(cache, 12, [['foo', [{ partition: 0, fetchOffset: 5n, currentLeaderEpoch: 3, lastFetchedEpoch: 2 }, 1]]]);
    const context = cache.newContext(request(12, { sessionId: id, epoch: 1 }), 12, nameById);
    expect(context.kind).toBe('incremental');
    expect(context.partitions).toEqual([
      {
        topicId: ZERO_UUID,
        topic: 'foo',
        partition: 0,
        fetchOffset: 5n,
        logStartOffset: -1n,
        partitionMaxBytes: 1024,
        currentLeaderEpoch: 3,
        lastFetchedEpoch: 2,
      },
      expect.objectContaining({ topic: 'foo', partition: 1, fetchOffset: 0n }),
    ]);
    expect(cache.session(id)?.epoch).toBe(2);
    const response = context.buildResponse(answer(context));
    expect(response).toMatchObject({ errorCode: ErrorCode.NONE, sessionId: id, responses: [] });
  });

  it('adds, updates and forgets partitions', () => {
    const { cache } = newCache();
    const id = openSession(cache, 12, [['foo', [0, 1]]]);
    const context = cache.newContext(
      request(12, {
        sessionId: id,
        epoch: 1,
        topics: [
          ['foo', [{ partition: 1, fetchOffset: 40n, partitionMaxBytes: 99 }]],
          ['bar', [0]],
        ],
        forgotten: [['foo', [0, 7]]],
      }),
      12,
      nameById,
    );
    expect(names(context.partitions)).toEqual(['foo:1', 'bar:0']);
    expect(context.partitions[0]).toMatchObject({ fetchOffset: 40n, partitionMaxBytes: 99 });
    expect(cache.session(id)?.partitionCount).toBe(2);
    expect(cache.totalPartitions).toBe(2);
    // The added partition was never sent: it is in the response even though nothing changed.
    expect(listed(context.buildResponse(answer(context)))).toEqual(['bar:0']);
  });

  it('answers sessionless and closes the session when every partition is forgotten', () => {
    const { cache } = newCache();
    const id = openSession(cache, 12, [['foo', [0]]]);
    const context = cache.newContext(
      request(12, {
        sessionId: id,
        epoch: 1,
        topics: [['bar', [0]]],
        forgotten: [
          ['foo', [0]],
          ['bar', [0]],
        ],
      }),
      12,
      nameById,
    );
    expect(context.kind).toBe('sessionless');
    // Kafka answers the request's own partitions.
    expect(names(context.partitions)).toEqual(['bar:0']);
    expect(context.buildResponse(answer(context)).sessionId).toBe(0);
    expect(cache.size).toBe(0);
    expect(cache.totalPartitions).toBe(0);
  });

  it('rejects an unknown session with FETCH_SESSION_ID_NOT_FOUND', () => {
    const { cache } = newCache();
    for (const sessionId of [0, 4242]) {
      const context = cache.newContext(request(12, { sessionId, epoch: 1, topics: [['foo', [0]]] }), 12, nameById);
      expect(context.kind).toBe('error');
      expect(context.errorCode).toBe(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
      expect(context.partitions).toEqual([]);
      expect(context.buildResponse([])).toEqual({
        throttleTimeMs: 0,
        errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND,
        sessionId: 0,
        responses: [],
        nodeEndpoints: [],
      });
    }
  });

  it('rejects a wrong epoch with INVALID_FETCH_SESSION_EPOCH and leaves the session as it was', () => {
    const { cache } = newCache();
    const id = openSession(cache, 12, [['foo', [0]]]);
    for (const epoch of [2, -5]) {
      const context = cache.newContext(request(12, { sessionId: id, epoch, topics: [['bar', [0]]] }), 12, nameById);
      expect(context.kind).toBe('error');
      const response = context.buildResponse(answer(context));
      expect(response).toMatchObject({ errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH, sessionId: 0, responses: [] });
    }
    expect(cache.session(id)).toMatchObject({ epoch: 1, partitionCount: 1 });
    // A retry of an already-answered epoch is a wrong epoch too.
    cache.newContext(request(12, { sessionId: id, epoch: 1 }), 12, nameById).buildResponse([]);
    expect(cache.newContext(request(12, { sessionId: id, epoch: 1 }), 12, nameById).errorCode).toBe(ErrorCode.INVALID_FETCH_SESSION_EPOCH);
  });

  it('detects a request of the same session that came in while this one was reading', () => {
    const { cache } = newCache();
    const id = openSession(cache, 12, [['foo', [0]]]);
    const first = cache.newContext(request(12, { sessionId: id, epoch: 1 }), 12, nameById);
    const second = cache.newContext(request(12, { sessionId: id, epoch: 2 }), 12, nameById);
    expect(first.throttledResponse(10)).toMatchObject({
      errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH,
      sessionId: id,
      throttleTimeMs: 10,
    });
    expect(first.buildResponse(answer(first, () => steady({ highWatermark: 500n })))).toMatchObject({
      errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH,
      sessionId: id,
      responses: [],
    });
    // The stale answer did not touch the cache: the live request still sees the change.
    expect(listed(second.buildResponse(answer(second, () => steady({ highWatermark: 500n }))))).toEqual(['foo:0']);
  });

  it('moves the session epoch on by one per request', () => {
    const { cache } = newCache();
    const id = openSession(cache, 12, [['foo', [0]]]);
    let epoch = 1;
    for (let i = 0; i < 3; i++) {
      const context = cache.newContext(request(12, { sessionId: id, epoch }), 12, nameById);
      expect(context.kind).toBe('incremental');
      context.buildResponse(answer(context));
      epoch = nextEpoch(epoch);
    }
    expect(cache.session(id)?.epoch).toBe(4);
  });
});

describe('incremental responses', () => {
  /** Opens a session on foo-0 and foo-1 answered steadily, then answers one incremental round with foo-0's `data`. */
  function round(...changes: Partial<FetchResponsePartitionData>[]) {
    const { cache } = newCache();
    const id = openSession(cache, 12, [['foo', [0, 1]]]);
    const listedPerRound: string[][] = [];
    let epoch = 1;
    for (const change of changes) {
      const context = cache.newContext(request(12, { sessionId: id, epoch }), 12, nameById);
      const response = context.buildResponse(answer(context, (p) => (p.partition === 0 ? steady(change) : steady())));
      listedPerRound.push(listed(response));
      epoch = nextEpoch(epoch);
    }
    return { listedPerRound, cache, id };
  }

  it('omits partitions that did not change', () => {
    expect(round({}, {}).listedPerRound).toEqual([[], []]);
  });

  it('sends partitions that returned records', () => {
    expect(round({ records: Buffer.from([1, 2, 3]) }, {}).listedPerRound).toEqual([['foo:0'], []]);
  });

  it('does not count empty record sets as records', () => {
    expect(round({ records: Buffer.alloc(0) }).listedPerRound).toEqual([[]]);
  });

  it('sends a partition once when its high watermark or log start offset changes', () => {
    expect(round({ highWatermark: 101n }, { highWatermark: 101n }).listedPerRound).toEqual([['foo:0'], []]);
    expect(round({ logStartOffset: 7n }, { logStartOffset: 7n }).listedPerRound).toEqual([['foo:0'], []]);
  });

  it('does not compare the last stable offset (Kafka does not)', () => {
    expect(round({ lastStableOffset: 50n }).listedPerRound).toEqual([[]]);
  });

  it('always sends a preferred read replica and a diverging epoch', () => {
    expect(round({ preferredReadReplica: 2 }, { preferredReadReplica: 2 }).listedPerRound).toEqual([['foo:0'], ['foo:0']]);
    const diverging = { divergingEpoch: createFetchResponseEpochEndOffset({ epoch: 3, endOffset: 40n }) };
    expect(round(diverging, diverging).listedPerRound).toEqual([['foo:0'], ['foo:0']]);
  });

  it('always sends errors, and the partition again once the error clears', () => {
    const error = { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
    expect(round(error, error, {}, {}).listedPerRound).toEqual([['foo:0'], ['foo:0'], ['foo:0'], []]);
  });

  it('moves partitions that returned records to the end of the session', () => {
    const { cache } = newCache();
    const id = openSession(cache, 12, [['foo', [0, 1, 2]]]);
    const first = cache.newContext(request(12, { sessionId: id, epoch: 1 }), 12, nameById);
    first.buildResponse(answer(first, (p) => steady(p.partition === 0 ? { records: Buffer.from([1]) } : {})));
    const second = cache.newContext(request(12, { sessionId: id, epoch: 2 }), 12, nameById);
    expect(names(second.partitions)).toEqual(['foo:1', 'foo:2', 'foo:0']);
  });

  it('groups consecutive partitions of a topic and sets partition indexes', () => {
    const response = fetchResponse(ErrorCode.NONE, 0, 9, [
      { topicId: ZERO_UUID, topic: 'foo', partition: 0, data: steady() },
      { topicId: ZERO_UUID, topic: 'foo', partition: 1, data: steady() },
      { topicId: ZERO_UUID, topic: 'bar', partition: 0, data: steady() },
      { topicId: ZERO_UUID, topic: 'foo', partition: 2, data: steady() },
    ]);
    expect(response.responses.map((t) => [t.topic, t.partitions.map((p) => p.partitionIndex)])).toEqual([
      ['foo', [0, 1]],
      ['bar', [0]],
      ['foo', [2]],
    ]);
  });
});

describe('topic ids (v13+) and names (v12-)', () => {
  it('identifies v13+ topics by id, with names looked up, and answers by id', () => {
    const { cache } = newCache();
    const context = cache.newContext(
      request(13, {
        epoch: 0,
        topics: [
          [FOO_ID, [0]],
          [BAR_ID, [1]],
        ],
      }),
      13,
      nameById,
    );
    expect(context.partitions.map((p) => [p.topicId, p.topic, p.partition])).toEqual([
      [FOO_ID, 'foo', 0],
      [BAR_ID, 'bar', 1],
    ]);
    const response = context.buildResponse(answer(context));
    expect(response.responses.map((t) => [t.topicId, t.topic])).toEqual([
      [FOO_ID, 'foo'],
      [BAR_ID, 'bar'],
    ]);
    expect(cache.session(response.sessionId)?.usesTopicIds).toBe(true);
  });

  it('ignores topic ids below v13', () => {
    const { cache } = newCache();
    const body = request(12, { epoch: 0, topics: [['foo', [0]]] });
    const topic = body.topics[0];
    if (topic) topic.topicId = FOO_ID;
    const context = cache.newContext(body, 12, () => {
      throw new Error('no id lookups below v13');
    });
    expect(context.partitions.map((p) => [p.topicId, p.topic])).toEqual([[ZERO_UUID, 'foo']]);
  });

  it('lists unknown topic ids without a name, answered UNKNOWN_TOPIC_ID, cached until they resolve', () => {
    const { cache } = newCache();
    const topics = new Map(KNOWN_TOPICS);
    const lookup = (id: string) => topics.get(id);
    const full = cache.newContext(
      request(13, {
        epoch: 0,
        topics: [
          [FOO_ID, [0]],
          [NEW_ID, [0]],
        ],
      }),
      13,
      lookup,
    );
    expect(full.partitions.map((p) => p.topic)).toEqual(['foo', undefined]);
    const created = full.buildResponse(answer(full));
    expect(created.responses.map((t) => [t.topicId, t.topic, t.partitions[0]?.errorCode])).toEqual([
      [FOO_ID, 'foo', ErrorCode.NONE],
      [NEW_ID, '', ErrorCode.UNKNOWN_TOPIC_ID],
    ]);
    const id = created.sessionId;
    expect(cache.session(id)?.partitionCount).toBe(2);

    // Still unknown: the error is sent again.
    const second = cache.newContext(request(13, { sessionId: id, epoch: 1 }), 13, lookup);
    expect(second.partitions.map((p) => p.topic)).toEqual(['foo', undefined]);
    expect(second.buildResponse(answer(second)).responses.map((t) => t.topicId)).toEqual([NEW_ID]);

    // The topic appears: the cached partition resolves and is read (and sent: its high watermark was reset to -1).
    topics.set(NEW_ID, 'late');
    const third = cache.newContext(request(13, { sessionId: id, epoch: 2 }), 13, lookup);
    expect(third.partitions.map((p) => [p.topicId, p.topic])).toEqual([
      [FOO_ID, 'foo'],
      [NEW_ID, 'late'],
    ]);
    expect(listed(third.buildResponse(answer(third)))).toEqual(['late:0']);
  });

  it('builds responses that encode and decode at v12 (by name) and v13 (by id)', () => {
    for (const [version, topic] of [
      [12, 'foo'],
      [13, NEW_ID],
    ] as const) {
      const { cache } = newCache();
      const context = cache.newContext(request(version, { epoch: 0, topics: [[topic, [0, 1]]] }), version, nameById);
      const response = context.buildResponse(answer(context, () => steady({ records: Buffer.from([]) })));
      const frame = encodeResponse(ApiKey.Fetch, version, { correlationId: 1 }, response);
      const decoded = decodeResponse(ApiKey.Fetch, version, frame).body;
      expect(decoded.sessionId).toBe(response.sessionId);
      expect(decoded.responses.map((t) => [t.topic, t.topicId, t.partitions.map((p) => [p.partitionIndex, p.errorCode])])).toEqual([
        version === 12
          ? [
              'foo',
              ZERO_UUID,
              [
                [0, 0],
                [1, 0],
              ],
            ]
          : [
              '',
              NEW_ID,
              [
                [0, ErrorCode.UNKNOWN_TOPIC_ID],
                [1, ErrorCode.UNKNOWN_TOPIC_ID],
              ],
            ],
      ]);
    }
  });

  it('keeps the resolved name of a cached partition (Kafka only resolves unknown names)', () => {
    const { cache } = newCache();
    const topics = new Map(KNOWN_TOPICS);
    const id = openSession(cache, 13, [[FOO_ID, [0]]]);
    topics.delete(FOO_ID);
    const context = cache.newContext(request(13, { sessionId: id, epoch: 1 }), 13, (t) => topics.get(t));
    expect(context.partitions.map((p) => p.topic)).toEqual(['foo']);
  });

  it('adds and forgets v13+ partitions by topic id', () => {
    const { cache } = newCache();
    const id = openSession(cache, 13, [[FOO_ID, [0, 1]]]);
    const context = cache.newContext(
      request(13, { sessionId: id, epoch: 1, topics: [[BAR_ID, [0]]], forgotten: [[FOO_ID, [1]]] }),
      13,
      nameById,
    );
    expect(names(context.partitions)).toEqual(['foo:0', 'bar:0']);
  });

  it('rejects a session used across the v12/v13 boundary with FETCH_SESSION_TOPIC_ID_ERROR', () => {
    const { cache } = newCache();
    const byName = openSession(cache, 12, [['foo', [0]]]);
    const byId = openSession(cache, 13, [[FOO_ID, [0]]]);
    const up = cache.newContext(request(13, { sessionId: byName, epoch: 1 }), 13, nameById);
    const down = cache.newContext(request(12, { sessionId: byId, epoch: 1 }), 12, nameById);
    for (const context of [up, down]) {
      expect(context.kind).toBe('error');
      expect(context.buildResponse([])).toMatchObject({ errorCode: ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR, sessionId: 0 });
    }
    // The epoch check comes first.
    expect(cache.newContext(request(13, { sessionId: byName, epoch: 9 }), 13, nameById).errorCode).toBe(
      ErrorCode.INVALID_FETCH_SESSION_EPOCH,
    );
    expect(cache.session(byName)?.epoch).toBe(1);
  });
});

describe('throttled responses', () => {
  it('are empty, create no session, and carry no session error (as in Kafka)', () => {
    const { cache } = newCache();
    const full = cache.newContext(request(12, { epoch: 0, topics: [['foo', [0]]] }), 12, nameById);
    expect(full.throttledResponse(25)).toEqual({ throttleTimeMs: 25, errorCode: 0, sessionId: 0, responses: [], nodeEndpoints: [] });
    expect(cache.size).toBe(0);
    const error = cache.newContext(request(12, { sessionId: 77, epoch: 1 }), 12, nameById);
    expect(error.throttledResponse(25)).toMatchObject({ errorCode: ErrorCode.NONE, sessionId: 0 });
    const id = openSession(cache, 12, [['foo', [0]]]);
    const incremental = cache.newContext(request(12, { sessionId: id, epoch: 1 }), 12, nameById);
    expect(incremental.throttledResponse(25)).toMatchObject({ errorCode: ErrorCode.NONE, sessionId: id, responses: [] });
  });
});

describe('session cache bounds and eviction', () => {
  const EVICTION_MS = 1000;

  it('validates its options', () => {
    expect(() => new FetchSessionCache({ maxSessions: -1 })).toThrow(RangeError);
    expect(() => new FetchSessionCache({ evictionAfterMs: 1.5 })).toThrow(RangeError);
    expect(() => new FetchSessionCache({ maxPartitionsPerSession: 0 })).toThrow(RangeError);
  });

  it('never holds more than maxSessions sessions', () => {
    const { cache, clock } = newCache({ maxSessions: 3, evictionAfterMs: EVICTION_MS });
    for (let i = 0; i < 50; i++) {
      clock.now += 400;
      openSession(cache, 12, [['foo', Array.from({ length: 1 + (i % 5) }, (_, p) => p)]]);
      expect(cache.size).toBeLessThanOrEqual(3);
    }
    expect(cache.size).toBe(3);
    expect(cache.evictions).toBeGreaterThan(0);
  });

  it('creates no sessions when maxSessions is 0', () => {
    const { cache } = newCache({ maxSessions: 0 });
    expect(openSession(cache, 12, [['foo', [0]]])).toBe(0);
    expect(cache.size).toBe(0);
  });

  it('answers a full fetch without a session when fresh sessions fill the cache', () => {
    const { cache, clock } = newCache({ maxSessions: 2, evictionAfterMs: EVICTION_MS });
    const a = openSession(cache, 12, [['foo', [0]]]);
    const b = openSession(cache, 12, [['foo', [0]]]);
    clock.now += EVICTION_MS;
    // Equal size, not stale (exactly evictionAfterMs unused is not stale), and created too recently to be evictable.
    expect(openSession(cache, 12, [['foo', [0, 1, 2]]])).toBe(0);
    expect(cache.session(a)).toBeDefined();
    expect(cache.session(b)).toBeDefined();
  });

  it('evicts the least recently used session once it is stale', () => {
    const { cache, clock } = newCache({ maxSessions: 2, evictionAfterMs: EVICTION_MS });
    const a = openSession(cache, 12, [['foo', [0, 1, 2]]]);
    clock.now += 10;
    const b = openSession(cache, 12, [['foo', [0, 1, 2]]]);
    clock.now += EVICTION_MS - 5;
    cache.newContext(request(12, { sessionId: a, epoch: 1 }), 12, nameById).buildResponse([]);
    clock.now += 10;
    // b is stale (unused for more than evictionAfterMs), a is not: b goes even though the new session is smaller.
    const c = openSession(cache, 12, [['foo', [0]]]);
    expect(c).not.toBe(0);
    expect(cache.session(b)).toBeUndefined();
    expect(cache.session(a)).toBeDefined();
    expect(cache.evictions).toBe(1);
  });

  it('lets a bigger session evict a smaller one only after that one was used when older than evictionAfterMs', () => {
    const { cache, clock } = newCache({ maxSessions: 2, evictionAfterMs: EVICTION_MS });
    const small = openSession(cache, 12, [['foo', [0]]]);
    const mid = openSession(cache, 12, [['foo', [0, 1]]]);
    const use = (id: number, epoch: number) => cache.newContext(request(12, { sessionId: id, epoch }), 12, nameById).buildResponse([]);
    // Both in use, neither evictable yet.
    clock.now += 600;
    use(small, 1);
    use(mid, 1);
    expect(openSession(cache, 12, [['foo', [0, 1, 2]]])).toBe(0);
    // Used again when older than evictionAfterMs: evictable, the smallest first.
    clock.now += 600;
    use(small, 2);
    use(mid, 2);
    const big = openSession(cache, 12, [['foo', [0, 1, 2]]]);
    expect(big).not.toBe(0);
    expect(cache.session(small)).toBeUndefined();
    expect(cache.session(mid)).toBeDefined();
    // A session of the same size as the least valuable one cannot evict it.
    expect(openSession(cache, 12, [['foo', [0, 1]]])).toBe(0);
    expect(cache.session(mid)).toBeDefined();
  });

  it('lets a follower evict a fresh consumer session, but not the other way round', () => {
    const { cache, clock } = newCache({ maxSessions: 1, evictionAfterMs: EVICTION_MS });
    const consumer = openSession(cache, 12, [['foo', [0, 1, 2, 3]]]);
    const follower = openSession(cache, 12, [['foo', [0]]], { replicaId: 2 });
    expect(follower).not.toBe(0);
    expect(cache.session(consumer)).toBeUndefined();
    expect(cache.session(follower)?.privileged).toBe(true);
    // Old and used, but privileged: a consumer session with more partitions still cannot evict it.
    clock.now += EVICTION_MS + 1;
    cache.newContext(request(12, { sessionId: follower, epoch: 1 }), 12, nameById).buildResponse([]);
    expect(openSession(cache, 12, [['foo', [0, 1, 2, 3]]])).toBe(0);
    // A follower with more partitions can, once it is old.
    expect(openSession(cache, 12, [['foo', [0, 1]]], { replicaStateId: 3 })).not.toBe(0);
    expect(cache.session(follower)).toBeUndefined();
  });

  it('protects a fresh follower session even from a bigger follower session', () => {
    const { cache, clock } = newCache({ maxSessions: 1, evictionAfterMs: EVICTION_MS });
    const follower = openSession(cache, 12, [['foo', [0]]], { replicaId: 1 });
    clock.now += EVICTION_MS;
    cache.newContext(request(12, { sessionId: follower, epoch: 1 }), 12, nameById).buildResponse([]);
    expect(openSession(cache, 12, [['foo', [0, 1, 2]]], { replicaId: 2 })).toBe(0);
    expect(cache.session(follower)).toBeDefined();
  });

  it('lets anyone evict a stale follower session', () => {
    const { cache, clock } = newCache({ maxSessions: 1, evictionAfterMs: EVICTION_MS });
    const follower = openSession(cache, 12, [['foo', [0, 1, 2]]], { replicaId: 2 });
    clock.now += EVICTION_MS + 1;
    expect(openSession(cache, 12, [['foo', [0]]])).not.toBe(0);
    expect(cache.session(follower)).toBeUndefined();
  });

  it('keeps sessions within maxPartitionsPerSession', () => {
    const { cache } = newCache({ maxPartitionsPerSession: 2 });
    expect(openSession(cache, 12, [['foo', [0, 1, 2]]])).toBe(0);
    const id = openSession(cache, 12, [['foo', [0, 1]]]);
    expect(id).not.toBe(0);
    const grow = cache.newContext(request(12, { sessionId: id, epoch: 1, topics: [['bar', [0]]] }), 12, nameById);
    expect(grow.errorCode).toBe(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
    expect(cache.size).toBe(0);
    expect(cache.totalPartitions).toBe(0);
  });

  it('uses its clock when no time is given, and counts cached partitions', () => {
    const { cache, clock } = newCache();
    const id = openSession(cache, 12, [['foo', [0, 1]]]);
    clock.now += 42;
    cache.newContext(request(12, { sessionId: id, epoch: 1, topics: [['bar', [0]]] }), 12, nameById).buildResponse([]);
    expect(cache.session(id)).toMatchObject({ lastUsedMs: clock.now, partitionCount: 3 });
    expect(cache.totalPartitions).toBe(3);
    cache.newContext(request(12, { sessionId: id, epoch: 2, topics: [], forgotten: [['foo', [0]]] }), 12, nameById, 5);
    expect(cache.session(id)?.lastUsedMs).toBe(5);
    expect(cache.totalPartitions).toBe(2);
    expect(cache.remove(id)).toBe(true);
    expect(cache.remove(id)).toBe(false);
    expect(cache.totalPartitions).toBe(0);
  });
});
