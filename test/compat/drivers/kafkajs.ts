/** kafkajs, in-process: producing, admin, and the end offsets the other drivers wait on. */
import { zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { CompressionCodecs, CompressionTypes, Kafka, logLevel } from 'kafkajs';
import type { Ack, Batch, Codec } from '../support/model.js';

/** kafkajs ships gzip only; codecs are plug-ins. zstd is a plain zstd frame, so node:zlib's is one. */
export function registerKafkajsZstd(): void {
  CompressionCodecs[CompressionTypes.ZSTD] = () => ({
    compress: async (encoder: { buffer: Buffer }) => zstdCompressSync(encoder.buffer),
    decompress: async (buffer: Buffer) => zstdDecompressSync(buffer),
  });
}

export function kafkajsClient(bootstrap: string, clientId = 'compat-kafkajs'): Kafka {
  return new Kafka({ clientId, brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3 } });
}

export async function createTopics(bootstrap: string, topics: { topic: string; numPartitions: number }[]): Promise<void> {
  const admin = kafkajsClient(bootstrap, 'compat-setup').admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics, waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

export const KAFKAJS_CODEC: Record<Codec, CompressionTypes> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

/** Produces batches with kafkajs (one producer per batch); returns an Ack per record (offset -1 for acks=0). */
export async function kafkajsProduce(bootstrap: string, topic: string, batches: readonly Batch[]): Promise<Ack[]> {
  const kafka = kafkajsClient(bootstrap);
  const acks: Ack[] = [];
  let index = 0;
  for (const [b, batch] of batches.entries()) {
    const producer = kafka.producer(batch.idempotent ? { idempotent: true, maxInFlightRequests: 1 } : {});
    await producer.connect();
    try {
      const before = batch.acks === '0' ? await totalEnd(bootstrap, topic) : 0;
      const result = await producer.send({
        topic,
        acks: batch.acks === 'all' ? -1 : Number(batch.acks),
        compression: KAFKAJS_CODEC[batch.compression],
        messages: batch.records.map((r) => ({
          partition: r.partition,
          key: r.key,
          value: r.value,
          headers: Object.fromEntries(r.headers),
          ...(r.timestamp === undefined ? {} : { timestamp: String(r.timestamp) }),
        })),
      });
      const next = new Map(result.map((m) => [m.partition, Number(m.baseOffset)]));
      for (const r of batch.records) {
        const offset = next.get(r.partition);
        acks.push({ batch: b, index: index++, partition: r.partition, offset: offset ?? -1 });
        if (offset !== undefined) next.set(r.partition, offset + 1);
      }
      if (batch.acks === '0') await waitForTotalEnd(bootstrap, topic, before + batch.records.length);
    } finally {
      await producer.disconnect();
    }
  }
  return acks;
}

/** Sum of the high watermarks of a topic's partitions. */
export async function totalEnd(bootstrap: string, topic: string): Promise<number> {
  let total = 0;
  for (const high of (await endOffsets(bootstrap, topic)).values()) total += high;
  return total;
}

/** acks=0: nothing says when the broker appended; waits until the end offsets add up to `total`. */
export async function waitForTotalEnd(bootstrap: string, topic: string, total: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await totalEnd(bootstrap, topic)) < total) {
    if (Date.now() > deadline) throw new Error(`${topic}: the end offsets never added up to ${total}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The high watermark of each partition of a topic. */
export async function endOffsets(bootstrap: string, topic: string): Promise<Map<number, number>> {
  const admin = kafkajsClient(bootstrap, 'compat-watch').admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
  } finally {
    await admin.disconnect();
  }
}
