import { batches, createFetchRequest, createFetchRequestFetchPartition, createFetchRequestFetchTopic } from '@strom/protocol';
import { describe, expect, it } from 'vitest';
import type { handleFetch } from '../src/api/fetch.js';
import { oneRecordBatch, singleBrokerFetch } from './fetch-test-broker.js';

const TOPIC_ID = '5a0e2c9b-71d4-4f3a-8e6b-2d9c0f1a3b47';

const broker = (count: number) => singleBrokerFetch('orders', TOPIC_ID, count, 1_000);

const batch = oneRecordBatch;
const BATCH_BYTES = batch(1000).length;

async function fetchAll(fetch: ReturnType<typeof handleFetch>, count: number, maxBytes: number, partitionMaxBytes: number) {
  const request = createFetchRequest({
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes,
    sessionEpoch: -1,
    topics: [
      createFetchRequestFetchTopic({
        topicId: TOPIC_ID,
        partitions: Array.from({ length: count }, (_, partition) =>
          createFetchRequestFetchPartition({ partition, currentLeaderEpoch: -1, fetchOffset: 0n, partitionMaxBytes }),
        ),
      }),
    ],
  });
  const response = await fetch(request, 13);
  return response.responses[0]!.partitions.map((data) => {
    expect(data.errorCode).toBe(0);
    return [...batches(data.records ?? Buffer.alloc(0))].length;
  });
}

describe('Fetch byte limits across partitions (Kafka ReplicaManager.readFromLog)', () => {
  it('gives each later partition what the earlier ones left of max_bytes, in whole batches', async () => {
    const { replicas, fetch } = broker(4);
    for (const replica of replicas) for (let i = 0; i < 3; i++) await replica.produce(batch(1000), 9);
    // Room for 5 batches in all: 3 from partition 0, 2 from partition 1, none after.
    expect(await fetchAll(fetch, 4, 5 * BATCH_BYTES + 10, 1 << 20)).toEqual([3, 2, 0, 0]);
    // Each partition capped at 2 batches, the response at 5.
    expect(await fetchAll(fetch, 4, 5 * BATCH_BYTES + 10, 2 * BATCH_BYTES + 10)).toEqual([2, 2, 1, 0]);
  });

  it('returns a batch larger than the limits only from the first partition with data (KIP-74)', async () => {
    const { replicas, fetch } = broker(3);
    await replicas[1]!.produce(batch(5000), 9);
    await replicas[2]!.produce(batch(5000), 9);
    // Partition 0 is empty: partition 1's oversized batch is the first data, partition 2's is not.
    expect(await fetchAll(fetch, 3, 1 << 20, 1000)).toEqual([0, 1, 0]);
    await replicas[0]!.produce(batch(100), 9);
    expect(await fetchAll(fetch, 3, 1 << 20, 1000)).toEqual([1, 0, 0]);
  });

  it('answers many partitions within max_bytes, a later partition getting what empty ones left', async () => {
    const count = 60;
    const { replicas, fetch } = broker(count);
    // Only every third partition has data: the budget the empty ones do not use goes to later ones.
    for (const [index, replica] of replicas.entries())
      if (index % 3 === 2) for (let i = 0; i < 2; i++) await replica.produce(batch(1000), 9);
    const perPartition = await fetchAll(fetch, count, 30 * BATCH_BYTES + 10, 2 * BATCH_BYTES + 10);
    expect(perPartition.reduce((sum, n) => sum + n, 0)).toBe(30);
    expect(perPartition).toEqual(Array.from({ length: count }, (_, index) => (index % 3 === 2 && index < 45 ? 2 : 0)));
  });
});

describe('a long-polling Fetch woken by an append', () => {
  it('reads again only after the appends of the same I/O round, answering them in one response', async () => {
    const { replicas, fetch } = broker(2);
    const request = createFetchRequest({
      replicaId: -1,
      maxWaitMs: 5_000,
      minBytes: 1,
      maxBytes: 1 << 20,
      sessionEpoch: -1,
      topics: [
        createFetchRequestFetchTopic({
          topicId: TOPIC_ID,
          partitions: [0, 1].map((partition) =>
            createFetchRequestFetchPartition({ partition, currentLeaderEpoch: -1, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }),
          ),
        }),
      ],
    });
    const answered = fetch(request, 13);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Partition 0's append wakes the poll; partition 1's lands later in the same round (after
    // many microtasks, as a second produce request's does), before the round's end.
    void replicas[0]!.produce(batch(10), 9);
    let chain = Promise.resolve();
    for (let i = 0; i < 200; i++) chain = chain.then(() => undefined);
    void chain.then(() => replicas[1]!.produce(batch(10), 9));
    const response = await answered;
    expect(response.responses[0]!.partitions.map((data) => [...batches(data.records ?? Buffer.alloc(0))].length)).toEqual([1, 1]);
  });
});
