import { ErrorCode } from '@strom/errors';
import {
  ApiKey,
  createFetchResponsePartitionData,
  decodeRequest,
  encodeRecordBatch,
  encodeRequestFrame,
  type FetchRequest,
} from '@strom/protocol';
import type { PartitionInfo } from '@strom/contracts';
import { truncationPoint } from '@strom/replication';
import { MemoryLog } from '@strom/storage';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { topicDefaults, topicSettings } from '../src/replica/log-config.js';

/** Kafka's topic defaults, as a broker without overrides has them. */
const DEFAULT_TOPIC_POLICY = topicSettings({}, topicDefaults()).policy;
import { DelayedProduces } from '../src/replica/delayed-produce.js';
import { PartitionReplica, type ReplicationContext } from '../src/replica/partition-replica.js';
import { followerAction, followerFetchRequest, type FollowerFetchSettings } from '../src/replica-fetcher/follower-fetch.js';

const settings: FollowerFetchSettings = {
  brokerId: 2,
  brokerEpoch: 7n,
  maxWaitMs: 500,
  minBytes: 1,
  maxBytes: 10_485_760,
  partitionMaxBytes: 1_048_576,
};
const position = {
  topic: 'orders',
  topicId: '0b4f6c1e-8d3a-4b6e-9a51-3c2d1e0f9a87',
  partition: 3,
  fetchOffset: 42,
  logStartOffset: 5,
  currentLeaderEpoch: 4,
  lastFetchedEpoch: 3,
};

/** Encodes and decodes as the leader would: what goes over the wire, not the object built. */
function onTheWire(request: FetchRequest, apiVersion: number): FetchRequest {
  const frame = encodeRequestFrame({ apiKey: ApiKey.Fetch, apiVersion, correlationId: 1, clientId: 'test' }, request);
  return decodeRequest(frame.subarray(4)).body as FetchRequest;
}

describe('a follower Fetch (ReplicaFetcherThread.buildFetch)', () => {
  it('v15+: carries the broker id and epoch in replica_state, topic ids, and the epochs of each partition', () => {
    const decoded = onTheWire(followerFetchRequest(settings, [position], 17), 17);
    expect(decoded.replicaId).toBe(-1);
    expect(decoded.replicaState).toMatchObject({ replicaId: 2, replicaEpoch: 7n });
    expect(decoded).toMatchObject({ maxWaitMs: 500, minBytes: 1, maxBytes: 10_485_760, isolationLevel: 0, sessionId: 0, sessionEpoch: -1 });
    expect(decoded.topics).toHaveLength(1);
    expect(decoded.topics[0]!.topicId).toBe(position.topicId);
    expect(decoded.topics[0]!.partitions[0]).toMatchObject({
      partition: 3,
      currentLeaderEpoch: 4,
      fetchOffset: 42n,
      lastFetchedEpoch: 3,
      logStartOffset: 5n,
      partitionMaxBytes: 1_048_576,
    });
  });

  it('v12: the broker id in replica_id and topics by name; older versions are refused', () => {
    const decoded = onTheWire(followerFetchRequest(settings, [position, { ...position, partition: 4 }], 12), 12);
    expect(decoded.replicaId).toBe(2);
    expect(decoded.topics).toHaveLength(1);
    expect(decoded.topics[0]!.topic).toBe('orders');
    expect(decoded.topics[0]!.partitions.map((p) => p.partition)).toEqual([3, 4]);
    expect(() => followerFetchRequest(settings, [position], 11)).toThrow(RangeError);
  });

  it('reads the answer: records to append, a diverging epoch, out of range, or back off', () => {
    const records = Buffer.from([1, 2, 3]);
    expect(followerAction(createFetchResponsePartitionData({ highWatermark: 40n, records }))).toEqual({
      kind: 'append',
      records,
      highWatermark: 40,
    });
    expect(followerAction(createFetchResponsePartitionData({ divergingEpoch: { epoch: 2, endOffset: 30n } }))).toEqual({
      kind: 'diverging',
      leaderEndOffset: { leaderEpoch: 2, endOffset: 30 },
    });
    expect(
      followerAction(
        createFetchResponsePartitionData({ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, logStartOffset: 50n, highWatermark: 60n }),
      ),
    ).toEqual({ kind: 'out-of-range', leaderLogStartOffset: 50, leaderHighWatermark: 60 });
    expect(followerAction(createFetchResponsePartitionData({ errorCode: ErrorCode.FENCED_LEADER_EPOCH }))).toEqual({
      kind: 'back-off',
      errorCode: ErrorCode.FENCED_LEADER_EPOCH,
    });
  });
});

describe('acks=all produces waiting for the ISR (DelayedProduce)', () => {
  afterEach(() => vi.useRealTimers());

  it('ends when the replicas reach the offset, with the verdict; or at the timeout, exactly', async () => {
    vi.useFakeTimers();
    const delayed = new DelayedProduces();
    let highWatermark = 0;
    const reached = (offset: number) => ({ done: highWatermark >= offset, errorCode: ErrorCode.NONE });
    const first = delayed.wait(10, 1_000, reached);
    const second = delayed.wait(20, 1_000, reached);
    expect(delayed.size).toBe(2);
    highWatermark = 10;
    delayed.tryComplete(reached);
    expect(await first).toBe(ErrorCode.NONE);
    await vi.advanceTimersByTimeAsync(999);
    expect(delayed.size).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(await second).toBe(ErrorCode.REQUEST_TIMED_OUT);
    expect(delayed.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('answers at once when already reached, and ends every waiting produce when leadership moves', async () => {
    const delayed = new DelayedProduces();
    expect(await delayed.wait(5, 1_000, () => ({ done: true, errorCode: ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND }))).toBe(
      ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
    );
    const waiting = delayed.wait(5, 60_000, () => ({ done: false, errorCode: ErrorCode.NONE }));
    delayed.abort(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    expect(await waiting).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  });
});

describe('a leader and a follower replica', () => {
  const partitionInfo = (isr: number[], leaderEpoch = 1, partitionEpoch = 0): PartitionInfo => ({
    partitionIndex: 0,
    leaderId: 1,
    leaderEpoch,
    partitionEpoch,
    replicas: [1, 2],
    isr,
    leaderRecoveryState: 'RECOVERED',
  });
  const context = (brokerId: number, proposals: unknown[] = []): ReplicationContext => ({
    brokerId,
    replicaLagTimeMaxMs: 30_000,
    eligibility: { isIsrEligible: () => true, aliveBrokerEpoch: () => 1 },
    proposeIsrChange: (_replica, proposal) => proposals.push(proposal),
  });
  const replica = (brokerId: number, proposals?: unknown[]) =>
    new PartitionReplica(
      'orders',
      'topic-id',
      0,
      new MemoryLog({ topic: 'orders', partition: 0 }),
      1,
      { ...DEFAULT_TOPIC_POLICY, minInSyncReplicas: 2 },
      context(brokerId, proposals),
    );
  const batch = (count: number) =>
    encodeRecordBatch({
      baseTimestamp: BigInt(Date.now()),
      records: Array.from({ length: count }, (_, i) => ({ offsetDelta: i, key: null, value: Buffer.from(`v${i}`) })),
    });

  it('acks=all completes when the follower has fetched past the batch; the follower keeps offsets and epochs', async () => {
    const leader = replica(1);
    const follower = replica(2);
    leader.makeLeader(partitionInfo([1, 2]), { ...DEFAULT_TOPIC_POLICY, minInSyncReplicas: 2 });
    follower.makeFollower(partitionInfo([1, 2]), DEFAULT_TOPIC_POLICY);
    expect(leader.storage.epochEntries()).toEqual([{ epoch: 1, startOffset: 0 }]);

    let answered = false;
    const produced = leader.produce(batch(3), 9, -1, 30_000).then((outcome) => {
      answered = true;
      return outcome;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(answered).toBe(false);
    expect(leader.highWatermark).toBe(0);

    const fetch = (offset: number) =>
      leader.followerFetch({ brokerId: 2, brokerEpoch: 1, fetchOffset: offset, logStartOffset: 0, lastFetchedEpoch: follower.latestEpoch });
    expect(fetch(0)).toEqual({ kind: 'read' });
    const read = await leader.read(0, 1 << 20, false, true, undefined, true);
    if (read.error !== null) throw new Error(read.error);
    expect(await follower.appendAsFollower(read.records, leader.highWatermark)).toMatchObject({
      kind: 'appended',
      firstOffset: 0,
      lastOffset: 2,
    });
    expect(follower.logEndOffset).toBe(3);
    expect(follower.latestEpoch).toBe(1);
    expect(answered).toBe(false);
    expect(fetch(3)).toEqual({ kind: 'read' });
    expect(await produced).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 0n });
    expect(leader.highWatermark).toBe(3);
  });

  it('a follower knows how far it is behind the leader high watermark of its last fetch, until leadership moves', async () => {
    const follower = replica(2);
    follower.makeFollower(partitionInfo([1, 2]), DEFAULT_TOPIC_POLICY);
    expect(follower.followerLag).toBe(0);
    await follower.appendAsFollower(Buffer.alloc(0), 10);
    expect(follower.followerLag).toBe(10);
    const leader = replica(1);
    leader.makeLeader(partitionInfo([1]), DEFAULT_TOPIC_POLICY);
    await leader.produce(batch(4), 9, 1, 30_000);
    const read = await leader.read(0, 1 << 20, false, true, undefined, true);
    if (read.error !== null) throw new Error(read.error);
    await follower.appendAsFollower(read.records, 10);
    expect(follower.followerLag).toBe(6);
    follower.makeFollower({ ...partitionInfo([1, 2], 2), leaderId: 3 }, DEFAULT_TOPIC_POLICY);
    expect(follower.followerLag).toBe(0);
    follower.makeLeader({ ...partitionInfo([2], 3), leaderId: 2 }, DEFAULT_TOPIC_POLICY);
    await follower.appendAsFollower(Buffer.alloc(0), 100).catch(() => undefined);
    expect(follower.followerLag).toBe(0);
  });

  it('wakes a consumer waiting on the follower (KIP-392) when the follower learns a higher high watermark, not before', async () => {
    const leader = replica(1);
    const follower = replica(2);
    leader.makeLeader(partitionInfo([1, 2]), { ...DEFAULT_TOPIC_POLICY, minInSyncReplicas: 1 });
    follower.makeFollower(partitionInfo([1, 2]), DEFAULT_TOPIC_POLICY);
    await leader.produce(batch(2), 9, 1, 30_000);
    let woken = false;
    const waiter = follower.waitForData(0, { wake: () => (woken = true) }, false, false);
    expect(waiter).toBeDefined();
    // A leader-only wait on a follower ends at once (nothing registered): that consumer must go to the leader.
    expect(follower.waitForData(0, { wake: () => undefined })).toBeUndefined();

    const read = await leader.read(0, 1 << 20, false, true, undefined, true);
    if (read.error !== null) throw new Error(read.error);
    await follower.appendAsFollower(read.records, 0);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(follower.logEndOffset).toBe(2);
    expect(woken).toBe(false);

    leader.followerFetch({ brokerId: 2, brokerEpoch: 1, fetchOffset: 2, logStartOffset: 0, lastFetchedEpoch: 1 });
    expect(leader.highWatermark).toBe(2);
    await follower.appendAsFollower(Buffer.alloc(0), leader.highWatermark);
    expect(woken).toBe(true);
    expect(follower.waitingFetches).toBe(0);
    expect(follower.highWatermark).toBe(2);
    const visible = await follower.read(0, 1 << 20, false, true);
    if (visible.error !== null) throw new Error(visible.error);
    expect(visible.records.length).toBe(read.records.length);
  });

  it('refuses acks=all under min.insync.replicas before appending, and takes acks=1', async () => {
    const leader = replica(1);
    leader.makeLeader(partitionInfo([1]), { ...DEFAULT_TOPIC_POLICY, minInSyncReplicas: 2 });
    expect(await leader.produce(batch(1), 9, -1, 30_000)).toMatchObject({ errorCode: ErrorCode.NOT_ENOUGH_REPLICAS });
    expect(leader.logEndOffset).toBe(0);
    expect(await leader.produce(batch(1), 9, 1, 30_000)).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 0n });
  });

  it('tells a diverging follower where its epoch ends, and the follower truncates there', async () => {
    const leader = replica(1);
    const follower = replica(2);
    leader.makeLeader(partitionInfo([1, 2]), { ...DEFAULT_TOPIC_POLICY, minInSyncReplicas: 1 });
    await leader.produce(batch(2), 9, 1, 0);
    // The follower led epoch 0 once and wrote 3 records nobody else has.
    await follower.storage.append([batch(3)], { leaderEpoch: 0 });
    follower.makeFollower(partitionInfo([1, 2]), DEFAULT_TOPIC_POLICY);
    const check = leader.followerFetch({ brokerId: 2, brokerEpoch: 1, fetchOffset: 3, logStartOffset: 0, lastFetchedEpoch: 0 });
    expect(check).toEqual({ kind: 'diverging', divergingEpoch: { leaderEpoch: 0, endOffset: 0 } });
    if (check.kind !== 'diverging') return;
    const history = { endOffsetFor: (epoch: number) => follower.storage.endOffsetForEpoch(epoch) };
    const point = truncationPoint(history, follower.logEndOffset, follower.highWatermark, check.divergingEpoch);
    expect(point).toEqual({ offset: 0, complete: true });
    await follower.truncateTo(point.offset);
    expect([follower.logEndOffset, follower.latestEpoch]).toEqual([0, -1]);
    expect(leader.followerFetch({ brokerId: 2, brokerEpoch: 1, fetchOffset: 0, logStartOffset: 0, lastFetchedEpoch: -1 })).toEqual({
      kind: 'read',
    });
  });

  it('ends waiting acks=all produces with NOT_LEADER_OR_FOLLOWER when it becomes a follower', async () => {
    const leader = replica(1);
    leader.makeLeader(partitionInfo([1, 2]), { ...DEFAULT_TOPIC_POLICY, minInSyncReplicas: 2 });
    const produced = leader.produce(batch(1), 9, -1, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 10));
    leader.makeFollower({ ...partitionInfo([1, 2], 2), leaderId: 2 }, DEFAULT_TOPIC_POLICY);
    expect(await produced).toMatchObject({ errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER });
    expect(await leader.produce(batch(1), 9, 1, 0)).toMatchObject({ errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER });
  });
});
