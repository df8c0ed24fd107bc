import {
  createFetchRequest,
  createFetchRequestFetchPartition,
  createFetchRequestFetchTopic,
  createFetchRequestReplicaState,
  type FetchResponse,
} from '@strom/protocol';
import { describe, expect, it } from 'vitest';
import { oneRecordBatch, singleBrokerFetch } from './fetch-test-broker.js';

const TOPIC_ID = '5a0e4c1e-8d3a-4b6e-9a51-3c2d1e0f9a21';

const broker = (count: number) => singleBrokerFetch('wide', TOPIC_ID, count);

const batch = oneRecordBatch;

/** A consumer's sessionless Fetch v15 of every partition from offset 0. */
function consumerFetch(
  partitions: number,
  options: { maxWaitMs: number; minBytes: number; maxBytes: number; partitionMaxBytes?: (partition: number) => number },
) {
  return createFetchRequest({
    replicaId: -1,
    replicaState: createFetchRequestReplicaState({ replicaId: -1, replicaEpoch: -1n }),
    maxWaitMs: options.maxWaitMs,
    minBytes: options.minBytes,
    maxBytes: options.maxBytes,
    topics: [
      createFetchRequestFetchTopic({
        topicId: TOPIC_ID,
        partitions: Array.from({ length: partitions }, (_, partition) =>
          createFetchRequestFetchPartition({
            partition,
            currentLeaderEpoch: 1,
            fetchOffset: 0n,
            partitionMaxBytes: options.partitionMaxBytes?.(partition) ?? 1 << 20,
          }),
        ),
      }),
    ],
  });
}

const recordBytes = (response: FetchResponse): number[] =>
  response.responses[0]!.partitions.map((partition) => partition.records?.length ?? 0);

/** Lets the handler's pending reads finish and the poll park. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('a Fetch of many partitions', () => {
  it('parks one long poll on every partition, is woken by an append to any, and leaves no registration behind', async () => {
    const { replicas, fetch } = broker(50);
    const answered = fetch(consumerFetch(50, { maxWaitMs: 120_000, minBytes: 1, maxBytes: 1 << 20 }), 15);
    for (let i = 0; i < 5 && replicas.some((replica) => replica.waitingFetches === 0); i++) await settle();
    expect(replicas.map((replica) => replica.waitingFetches)).toEqual(replicas.map(() => 1));

    await replicas[37]!.produce(batch(10), 9, 1, 30_000);
    const response = await answered;
    const withRecords = response.responses[0]!.partitions.filter((partition) => (partition.records?.length ?? 0) > 0);
    expect(withRecords.map((partition) => partition.partitionIndex)).toEqual([37]);
    expect(replicas.every((replica) => replica.waitingFetches === 0)).toBe(true);
  }, 10_000);

  it('takes its registrations back when max.wait.ms ends the poll', async () => {
    const { replicas, fetch } = broker(20);
    const response = await fetch(consumerFetch(20, { maxWaitMs: 20, minBytes: 1, maxBytes: 1 << 20 }), 15);
    expect(recordBytes(response)).toEqual(replicas.map(() => 0));
    expect(replicas.every((replica) => replica.waitingFetches === 0)).toBe(true);
  });

  it('gives the partitions after the one where max_bytes ran out nothing, as Kafka does', async () => {
    const { replicas, fetch } = broker(3);
    for (let i = 0; i < 2; i++) await replicas[0]!.produce(batch(1000), 9, 1, 30_000);
    await replicas[1]!.produce(batch(10), 9, 1, 30_000);
    await replicas[2]!.produce(batch(10), 9, 1, 30_000);
    const first = batch(1000).length;
    // Room for partition 0's first batch and half of its second: Kafka would send that half as a
    // partial batch and nothing after it; partition 1's small batch would fit in what is left.
    const response = await fetch(consumerFetch(3, { maxWaitMs: 0, minBytes: 1, maxBytes: first + Math.floor(first / 2) }), 15);
    expect(recordBytes(response)).toEqual([first, 0, 0]);
  });

  it('goes on with the next partitions after one cut by its own partition_max_bytes', async () => {
    const { replicas, fetch } = broker(3);
    for (let i = 0; i < 2; i++) await replicas[0]!.produce(batch(1000), 9, 1, 30_000);
    await replicas[1]!.produce(batch(10), 9, 1, 30_000);
    const first = batch(1000).length;
    const small = batch(10).length;
    const response = await fetch(
      consumerFetch(3, { maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, partitionMaxBytes: (p) => (p === 0 ? first + 10 : 1 << 20) }),
      15,
    );
    expect(recordBytes(response)).toEqual([first, small, 0]);
  });
});
