/** @platformatic/kafka driven in-process: a producer per batch, and reads without a group (Consumer.fetch). */
import { Producer, type CompressionAlgorithmValue, type Consumer } from '@platformatic/kafka';
import { expect } from 'vitest';
import { totalEnd, waitForTotalEnd } from './kafkajs.js';
import type { Ack, Batch, Consumed } from '../support/model.js';

/** The Kafka error name in a @platformatic/kafka error (ProtocolError.apiId, possibly nested in .errors / .cause). */
export function platformaticErrorId(error: unknown): string {
  const seen = new Set<unknown>();
  const walk = (e: unknown): string | undefined => {
    if (e === null || typeof e !== 'object' || seen.has(e)) return undefined;
    seen.add(e);
    const o = e as { apiId?: string; errors?: unknown[]; cause?: unknown };
    if (typeof o.apiId === 'string') return o.apiId;
    for (const inner of o.errors ?? []) {
      const found = walk(inner);
      if (found) return found;
    }
    return walk(o.cause);
  };
  return walk(error) ?? String(error);
}

export const EARLIEST = -2n;
export const LATEST = -1n;

/** One Producer per batch; an Ack per record from the base offset each partition reports. */
export async function platformaticProduce(bootstrap: string, topic: string, batches: readonly Batch[]): Promise<Ack[]> {
  const acks: Ack[] = [];
  let index = 0;
  for (const [b, batch] of batches.entries()) {
    const producer = new Producer({
      clientId: 'compat-platformatic',
      bootstrapBrokers: [bootstrap],
      compression: batch.compression as CompressionAlgorithmValue,
      acks: batch.acks === 'all' ? -1 : Number(batch.acks),
      idempotent: batch.idempotent,
      retries: 2,
    });
    try {
      const before = batch.acks === '0' ? await totalEnd(bootstrap, topic) : 0;
      const result = await producer.send({
        messages: batch.records.map((r) => ({
          topic,
          partition: r.partition,
          key: r.key === null ? undefined : Buffer.from(r.key),
          value: r.value === null ? undefined : Buffer.from(r.value),
          headers: new Map(r.headers.map(([k, v]) => [Buffer.from(k), Buffer.from(v)])),
          ...(r.timestamp === undefined ? {} : { timestamp: BigInt(r.timestamp) }),
        })),
      });
      const next = new Map((result.offsets ?? []).map((o) => [o.partition, Number(o.offset)]));
      for (const r of batch.records) {
        const offset = next.get(r.partition);
        acks.push({ batch: b, index: index++, partition: r.partition, offset: offset ?? -1 });
        if (offset !== undefined) next.set(r.partition, offset + 1);
      }
      if (batch.acks === '0') await waitForTotalEnd(bootstrap, topic, before + batch.records.length);
    } finally {
      await producer.close();
    }
  }
  return acks;
}

/**
 * Reads partitions without a group: Consumer.fetch (raw Fetch requests) from `start` offsets
 * (ListOffsets: earliest, latest or a timestamp) until `until` offsets (the end when unset).
 */
export async function platformaticRead(
  consumer: Consumer,
  topic: string,
  start: Map<number, bigint>,
  until: Map<number, bigint>,
): Promise<Consumed[]> {
  const md = await consumer.metadata({ topics: [topic] });
  const t = md.topics.get(topic)!;
  const out: Consumed[] = [];
  const text = (b: Buffer | null | undefined) => (b === null || b === undefined ? null : b.toString('utf8'));
  const deadline = Date.now() + 30_000;
  for (const [partition, from] of start) {
    let position = from;
    const end = until.get(partition)!;
    while (position < end) {
      if (Date.now() > deadline) throw new Error(`${topic}[${partition}]: stuck at ${position} (end ${end})`);
      const response = await consumer.fetch({
        node: t.partitions[partition]!.leader,
        topics: [
          {
            topicId: t.id,
            partitions: [{ partition, fetchOffset: position, currentLeaderEpoch: -1, lastFetchedEpoch: -1, partitionMaxBytes: 1 << 20 }],
          },
        ],
      });
      const p = response.responses[0]!.partitions[0]!;
      expect(p.errorCode, `${topic}[${partition}] fetch error`).toBe(0);
      for (const batch of p.records ?? []) {
        for (const r of batch.records) {
          const offset = batch.firstOffset + BigInt(r.offsetDelta);
          if (offset < position || offset >= end) continue;
          out.push({
            topic,
            partition,
            offset: Number(offset),
            timestamp: Number(batch.firstTimestamp + r.timestampDelta),
            key: text(r.key),
            value: text(r.value),
            headers: r.headers.map(([k, v]) => [text(k) ?? '', text(v) ?? '']),
          });
          position = offset + 1n;
        }
      }
    }
  }
  return out;
}

export async function platformaticListOffsets(consumer: Consumer, topic: string, timestamp: bigint): Promise<Map<number, bigint>> {
  const offsets = (await consumer.listOffsets({ topics: [topic], timestamp })).get(topic)!;
  return new Map(offsets.map((o, p) => [p, o]));
}

/** Reads whole topics from earliest to latest. */
export async function platformaticReadAll(consumer: Consumer, topics: string[]): Promise<Consumed[]> {
  const out: Consumed[] = [];
  for (const topic of topics) {
    out.push(
      ...(await platformaticRead(
        consumer,
        topic,
        await platformaticListOffsets(consumer, topic, EARLIEST),
        await platformaticListOffsets(consumer, topic, LATEST),
      )),
    );
  }
  return out;
}
