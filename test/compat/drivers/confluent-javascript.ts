/**
 * @confluentinc/kafka-javascript (librdkafka's Node.js binding) driven in-process. It is not a
 * dependency of the repo (its install builds librdkafka): @strom/testing builds it once into the
 * strom cache dir, and it is loaded from there with createRequire. Its two APIs are used: the
 * KafkaJS-compatible one (promises: producer, admin, group consumer) and the native one
 * (KafkaConsumer.assign + consume, offsetsForTimes, getMetadata) for reading without a group.
 *
 * The types below are the few parts of the module used here (it ships its own .d.ts, but it
 * is not installed where tsc looks).
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ensureConfluentKafkaJavascript } from '@strom/testing';
import { totalEnd, waitForTotalEnd } from './kafkajs.js';
import type { Ack, Batch, Consumed } from '../support/model.js';

export interface KjsError extends Error {
  /** Kafka's error name (librdkafka's short names: UNKNOWN_TOPIC_OR_PART), or a librdkafka local error. */
  type?: string;
  code?: number;
  errors?: KjsError[];
}

export interface KjsRecordMetadata {
  topicName: string;
  partition: number;
  errorCode: number;
  baseOffset?: string;
}

export interface KjsProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  send(record: {
    topic: string;
    messages: { partition?: number; key: string | null; value: string | null; headers?: Record<string, string>; timestamp?: string }[];
  }): Promise<KjsRecordMetadata[]>;
}

export interface KjsMessage {
  topic: string;
  partition: number;
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, Buffer | Buffer[] | string>;
}

export interface KjsConsumer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  subscribe(subscription: { topics: string[] }): Promise<void>;
  run(config: { eachMessage: (payload: { topic: string; partition: number; message: KjsMessage }) => Promise<void> }): Promise<void>;
  commitOffsets(offsets: { topic: string; partition: number; offset: string }[]): Promise<void>;
  /** Unlike kafkajs' ({ topic, partitions }), one entry per partition. */
  assignment(): { topic: string; partition: number }[];
}

export interface KjsAdmin {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  createTopics(options: {
    topics: { topic: string; numPartitions?: number; replicationFactor?: number; configEntries?: { name: string; value: string }[] }[];
  }): Promise<boolean>;
  deleteTopics(options: { topics: string[] }): Promise<unknown>;
  listTopics(): Promise<string[]>;
  fetchTopicMetadata(options: { topics: string[] }): Promise<{ name: string; partitions: { partitionId: number }[] }[]>;
  fetchTopicOffsets(topic: string): Promise<{ partition: number; offset: string; high: string; low: string }[]>;
  fetchTopicOffsetsByTimestamp(topic: string, timestamp: number): Promise<{ partition: number; offset: string }[]>;
  fetchOffsets(options: {
    groupId: string;
    topics: string[];
  }): Promise<{ topic: string; partitions: { partition: number; offset: string }[] }[]>;
}

interface KjsKafka {
  producer(config: Record<string, unknown>): KjsProducer;
  consumer(config: Record<string, unknown>): KjsConsumer;
  admin(config?: Record<string, unknown>): KjsAdmin;
}

interface NativeMessage {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null | undefined;
  value: Buffer | null;
  headers?: Record<string, Buffer>[];
}

interface NativeTopicPartitionOffset {
  topic: string;
  partition: number;
  offset: number;
}

interface NativeKafkaConsumer {
  connect(options: Record<string, unknown>, cb: (err: Error | null) => void): void;
  disconnect(cb: (err: Error | null) => void): void;
  assign(assignments: NativeTopicPartitionOffset[]): void;
  consume(count: number, cb: (err: Error | null, messages: NativeMessage[]) => void): void;
  setDefaultConsumeTimeout(ms: number): void;
  offsetsForTimes(
    partitions: NativeTopicPartitionOffset[],
    timeout: number,
    cb: (err: Error | null, offsets: NativeTopicPartitionOffset[]) => void,
  ): void;
  getMetadata(options: Record<string, unknown>, cb: (err: Error | null, metadata: { brokers: { id: number }[] }) => void): void;
  on(event: 'partition.eof', listener: (eof: NativeTopicPartitionOffset) => void): void;
}

export interface ConfluentKafkaJavascript {
  librdkafkaVersion: string;
  features: string[];
  KafkaConsumer: new (config: Record<string, unknown>, topicConfig: Record<string, unknown>) => NativeKafkaConsumer;
  KafkaJS: {
    Kafka: new (config: Record<string, unknown>) => KjsKafka;
    logLevel: { NOTHING: number };
  };
}

/** Builds the module on first use (minutes, once per machine), then loads it. Synchronous: call it before the broker starts. */
export function loadConfluentKafkaJavascript(): ConfluentKafkaJavascript {
  const require = createRequire(join(ensureConfluentKafkaJavascript(), 'package.json'));
  return require('@confluentinc/kafka-javascript') as ConfluentKafkaJavascript;
}

export const OFFSET_BEGINNING = -2;
export const OFFSET_END = -1;

export class ConfluentJs {
  constructor(
    readonly lib: ConfluentKafkaJavascript,
    readonly bootstrap: string,
  ) {}

  kafka(clientId = 'compat-confluent-js'): KjsKafka {
    return new this.lib.KafkaJS.Kafka({ kafkaJS: { brokers: [this.bootstrap], clientId, logLevel: this.lib.KafkaJS.logLevel.NOTHING } });
  }

  async withAdmin<T>(use: (admin: KjsAdmin) => Promise<T>): Promise<T> {
    const admin = this.kafka().admin();
    await admin.connect();
    try {
      return await use(admin);
    } finally {
      await admin.disconnect();
    }
  }

  /** One KafkaJS-API producer per batch (acks, compression and idempotence are producer settings there); an Ack per record. */
  async produce(topic: string, batches: readonly Batch[], extra: Record<string, unknown> = {}): Promise<Ack[]> {
    const acks: Ack[] = [];
    let index = 0;
    for (const [b, batch] of batches.entries()) {
      const producer = this.kafka().producer({
        kafkaJS: { acks: batch.acks === 'all' ? -1 : Number(batch.acks), compression: batch.compression, idempotent: batch.idempotent },
        'linger.ms': 5,
        ...extra,
      });
      await producer.connect();
      try {
        const before = batch.acks === '0' ? await totalEnd(this.bootstrap, topic) : 0;
        const result = await producer.send({
          topic,
          messages: batch.records.map((r) => ({
            partition: r.partition,
            key: r.key,
            value: r.value,
            headers: Object.fromEntries(r.headers),
            ...(r.timestamp === undefined ? {} : { timestamp: String(r.timestamp) }),
          })),
        });
        // send() reports the lowest offset of each partition; librdkafka says -1001 (invalid) with acks=0.
        const next = new Map(result.map((m) => [m.partition, Number(m.baseOffset ?? -1)]));
        for (const r of batch.records) {
          const offset = next.get(r.partition) ?? -1;
          acks.push({ batch: b, index: index++, partition: r.partition, offset: offset < 0 ? -1 : offset });
          if (offset >= 0) next.set(r.partition, offset + 1);
        }
        if (batch.acks === '0') await waitForTotalEnd(this.bootstrap, topic, before + batch.records.length);
      } finally {
        await producer.disconnect();
      }
    }
    return acks;
  }

  /** A native KafkaConsumer that never joins its group (assign only, no commits), connected. */
  async nativeConsumer(): Promise<NativeKafkaConsumer> {
    const consumer = new this.lib.KafkaConsumer(
      {
        'bootstrap.servers': this.bootstrap,
        'client.id': 'compat-confluent-js-native',
        'group.id': 'compat-confluent-js-never-joined',
        'enable.auto.commit': false,
        'enable.partition.eof': true,
        'fetch.wait.max.ms': 100,
        log_level: 0,
      },
      {},
    );
    await new Promise<void>((resolve, reject) => consumer.connect({}, (err) => (err ? reject(err) : resolve())));
    consumer.setDefaultConsumeTimeout(200);
    return consumer;
  }

  async disconnectNative(consumer: NativeKafkaConsumer): Promise<void> {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }

  async brokerCount(): Promise<number> {
    const consumer = await this.nativeConsumer();
    try {
      const metadata = await new Promise<{ brokers: unknown[] }>((resolve, reject) =>
        consumer.getMetadata({ timeout: 10_000 }, (err, md) => (err ? reject(err) : resolve(md))),
      );
      return metadata.brokers.length;
    } finally {
      await this.disconnectNative(consumer);
    }
  }

  /** librdkafka's offsetsForTimes (ListOffsets by timestamp) for each partition of `topic`. */
  async offsetsForTimes(topic: string, partitions: number[], timestamp: number): Promise<Map<number, number>> {
    const consumer = await this.nativeConsumer();
    try {
      const found = await new Promise<NativeTopicPartitionOffset[]>((resolve, reject) =>
        consumer.offsetsForTimes(
          partitions.map((partition) => ({ topic, partition, offset: timestamp })),
          10_000,
          (err, offsets) => (err ? reject(err) : resolve(offsets)),
        ),
      );
      return new Map(found.map((o) => [o.partition, o.offset]));
    } finally {
      await this.disconnectNative(consumer);
    }
  }

  /**
   * Reads `topic` without a group: assigns each partition at its start (an offset, or
   * OFFSET_BEGINNING / OFFSET_END for librdkafka to resolve), calls `positioned` once every
   * partition reported its end (librdkafka's partition EOF), then reads until `count` records
   * came (or, without count, stops at that first end of every partition).
   */
  async read(
    topic: string,
    starts: Map<number, number>,
    options: { count?: number; positioned?: () => Promise<void>; timeoutMs?: number } = {},
  ): Promise<Consumed[]> {
    const consumer = await this.nativeConsumer();
    const records: Consumed[] = [];
    const pendingEof = new Set(starts.keys());
    consumer.on('partition.eof', (eof) => {
      if (eof.topic === topic) pendingEof.delete(eof.partition);
    });
    try {
      consumer.assign([...starts].map(([partition, offset]) => ({ topic, partition, offset })));
      const deadline = Date.now() + (options.timeoutMs ?? 60_000);
      let positioned = false;
      for (;;) {
        if (options.count !== undefined ? records.length >= options.count : pendingEof.size === 0) break;
        if (Date.now() > deadline) {
          throw new Error(`${topic}: read ${records.length} records, partitions without EOF: ${[...pendingEof].join(',')}`);
        }
        const messages = await new Promise<NativeMessage[]>((resolve, reject) =>
          consumer.consume(100, (err, ms) => (err ? reject(err) : resolve(ms))),
        );
        for (const m of messages) records.push(fromNative(m));
        if (!positioned && pendingEof.size === 0) {
          positioned = true;
          await options.positioned?.();
        }
      }
      return records;
    } finally {
      await this.disconnectNative(consumer);
    }
  }
}

function fromNative(m: NativeMessage): Consumed {
  return {
    topic: m.topic,
    partition: m.partition,
    offset: m.offset,
    timestamp: m.timestamp,
    key: m.key === null || m.key === undefined ? null : m.key.toString('utf8'),
    value: m.value === null ? null : m.value.toString('utf8'),
    headers: (m.headers ?? []).flatMap((h) => Object.entries(h).map(([k, v]): [string, string] => [k, v.toString('utf8')])),
  };
}

/** A KafkaJS-API message as a Consumed record. */
export function fromKjs(topic: string, partition: number, m: KjsMessage): Consumed {
  const headers: [string, string][] = [];
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    for (const one of Array.isArray(v) ? v : [v]) headers.push([k, one.toString()]);
  }
  return {
    topic,
    partition,
    offset: Number(m.offset),
    timestamp: Number(m.timestamp),
    key: m.key === null ? null : m.key.toString('utf8'),
    value: m.value === null ? null : m.value.toString('utf8'),
    headers,
  };
}
