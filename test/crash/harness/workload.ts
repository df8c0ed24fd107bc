import { Consumer, Producer, type CompressionAlgorithmValue } from '@platformatic/kafka';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { Codec } from '../../compat/support/model.js';
import type { Model, TopicState } from './model.js';
import type { Rng } from './rng.js';

export const CODECS: readonly Codec[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const GROUPS = ['crash-g1', 'crash-g2'];
const MAX_TOPICS = 6;
/** Each client call is bounded; after the kill every call fails within this. */
const REQUEST_TIMEOUT_MS = 3_000;
const STOP_TIMEOUT_MS = 15_000;
/** The clients' own timeouts do not cover every wait (a call can outlive its closed client): a bound of ours. */
const CALL_TIMEOUT_MS = 2 * REQUEST_TIMEOUT_MS;

export interface ProducerPlan {
  label: string;
  idempotent: boolean;
  acks: -1 | 1;
  codec: Codec;
}

/** One round of work against a running broker, until `stop()`; every acknowledgement goes into the model. */
export class Workload {
  private stopped = false;
  /** Resolves when stop() is called: calls still waiting are abandoned then (not acknowledged). */
  private readonly stopping: Promise<void>;
  private markStopping: () => void = () => undefined;
  private readonly admin: Admin;
  private readonly producers: { plan: ProducerPlan; client: Producer; rng: Rng }[] = [];
  /** One committer per group: a consumer that commits without joining (generation -1), as Java's assign() + commitSync() does. */
  private readonly committers = new Map<string, Consumer>();
  private readonly actors: Promise<void>[] = [];
  private counter = 0;
  readonly errors: string[] = [];

  constructor(
    private readonly bootstrap: string,
    private readonly model: Model,
    private readonly rng: Rng,
    private readonly names: string,
    plans: readonly ProducerPlan[],
  ) {
    this.stopping = new Promise((resolve) => (this.markStopping = resolve));
    this.admin = new Kafka({
      clientId: 'crash-admin',
      brokers: [bootstrap],
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
      requestTimeout: REQUEST_TIMEOUT_MS,
      connectionTimeout: 1_000,
    }).admin();
    for (const group of GROUPS) {
      const committer = new Consumer({
        clientId: 'crash-committer',
        bootstrapBrokers: [bootstrap],
        groupId: group,
        retries: 0,
        timeout: REQUEST_TIMEOUT_MS,
        connectTimeout: 1_000,
      });
      committer.generationId = -1;
      committer.memberId = '';
      this.committers.set(group, committer);
    }
    for (const [i, plan] of plans.entries()) {
      this.producers.push({
        plan,
        rng: rng.fork(100 + i),
        client: new Producer({
          clientId: `crash-${plan.label.replaceAll(' ', '-')}`,
          bootstrapBrokers: [bootstrap],
          idempotent: plan.idempotent,
          acks: plan.acks,
          compression: plan.codec as CompressionAlgorithmValue,
          retries: 0,
          timeout: REQUEST_TIMEOUT_MS,
          connectTimeout: 1_000,
        }),
      });
    }
  }

  start(): void {
    this.actors.push(this.adminLoop(this.rng.fork(1)));
    for (const producer of this.producers) this.actors.push(this.produceLoop(producer));
  }

  /** Stops every actor and closes every client; resolves when no request can reach a broker any more. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.markStopping();
    // Closing first fails whatever is still in flight; a call left hanging could otherwise land
    // on the restarted broker in the middle of the checks.
    await Promise.allSettled([
      this.admin.disconnect(),
      ...this.producers.map((p) => p.client.close(true)),
      ...[...this.committers.values()].map((c) => new Promise<void>((resolve) => c.close(true, () => resolve()))),
    ]);
    const settled = await Promise.race([Promise.allSettled(this.actors).then(() => true), sleep(STOP_TIMEOUT_MS).then(() => false)]);
    if (!settled) throw new Error(`the workload's clients did not stop within ${STOP_TIMEOUT_MS} ms of being closed`);
  }

  private async adminLoop(rng: Rng): Promise<void> {
    await this.attempt(() => this.admin.connect());
    while (!this.stopped) {
      const writable = this.model.writableTopics();
      const roll = rng.next();
      if (writable.length === 0 || (roll < 0.25 && this.model.topics.size < MAX_TOPICS)) await this.createTopic(rng);
      else if (roll < 0.3 && writable.length >= 2) await this.deleteTopic(rng.pick(writable));
      else if (roll < 0.55) await this.deleteRecords(rng, rng.pick(writable));
      else await this.commit(rng, rng.pick(writable));
      await sleep(rng.int(0, 60));
    }
  }

  private async createTopic(rng: Rng): Promise<void> {
    const compacted = rng.chance(0.3);
    const configs: Record<string, string> = {
      'segment.bytes': String(rng.pick([1_048_576, 2_097_152])),
      'segment.ms': String(rng.pick([100, 1_000, 604_800_000])),
      'segment.index.bytes': String(rng.pick([1_024, 4_096, 10_485_760])),
    };
    if (rng.chance(0.2)) configs['flush.messages'] = '1';
    if (compacted) {
      Object.assign(configs, { 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': '0.01', 'min.compaction.lag.ms': '0' });
    }
    const topic: TopicState = {
      name: `${this.names}-${this.model.topics.size}`,
      partitions: rng.int(1, 3),
      configs,
      compacted,
      createAcked: false,
      deleteSent: false,
      deleteAcked: false,
    };
    this.model.topicCreateSent(topic);
    const ok = await this.attempt(() =>
      this.admin.createTopics({
        topics: [
          {
            topic: topic.name,
            numPartitions: topic.partitions,
            replicationFactor: 1,
            configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })),
          },
        ],
        timeout: REQUEST_TIMEOUT_MS,
      }),
    );
    if (ok?.value === true) topic.createAcked = true;
    else if (ok?.value === false) this.errors.push(`CreateTopics ${topic.name} answered "already exists"`);
  }

  private async deleteTopic(topic: TopicState): Promise<void> {
    topic.deleteSent = true;
    if ((await this.attempt(() => this.admin.deleteTopics({ topics: [topic.name], timeout: REQUEST_TIMEOUT_MS }))) !== undefined)
      topic.deleteAcked = true;
  }

  private async deleteRecords(rng: Rng, topic: TopicState): Promise<void> {
    const partition = rng.int(0, topic.partitions - 1);
    const end = this.model.ackedEndOf(topic.name, partition);
    const low = this.model.lowWatermarkSent(topic.name, partition);
    if (end <= low) return;
    const offset = rng.int(low + 1, end);
    this.model.deleteRecordsSent(topic.name, partition, offset);
    const ok = await this.attempt(() =>
      this.admin.deleteTopicRecords({ topic: topic.name, partitions: [{ partition, offset: String(offset) }] }),
    );
    if (ok !== undefined) this.model.deleteRecordsAcked(topic.name, partition, offset);
  }

  private async commit(rng: Rng, topic: TopicState): Promise<void> {
    const group = rng.pick(GROUPS);
    const partition = rng.int(0, topic.partitions - 1);
    const before = this.model.committed(group, topic.name, partition)?.maxSent ?? 0;
    const offset = Math.max(before, rng.int(0, this.model.ackedEndOf(topic.name, partition)));
    this.model.commitSent(group, topic.name, partition, offset);
    const committer = this.committers.get(group)!;
    const ok = await this.attempt(() =>
      committer.commit({ offsets: [{ topic: topic.name, partition, offset: BigInt(offset), leaderEpoch: -1 }] }),
    );
    if (ok !== undefined) this.model.commitAcked(group, topic.name, partition, offset);
  }

  private async produceLoop(producer: { plan: ProducerPlan; client: Producer; rng: Rng }): Promise<void> {
    const { plan, client, rng } = producer;
    while (!this.stopped) {
      // @platformatic/kafka reads snappy only as raw blocks, not in the xerial framing that Kafka's
      // cleaner (and Strom's, alike) writes compacted snappy batches in: the checks could not read them.
      const writable = this.model.writableTopics().filter((t) => !(t.compacted && plan.codec === 'snappy'));
      if (writable.length === 0) {
        await sleep(20);
        continue;
      }
      const topic = rng.pick(writable);
      const partition = rng.int(0, topic.partitions - 1);
      const count = rng.int(1, 40);
      const messages = Array.from({ length: count }, () => {
        const n = this.counter++;
        const key = topic.compacted ? `k${rng.int(0, 15)}` : `k${n}`;
        const value = `${this.names}-${plan.label}-${n}`.padEnd(rng.int(16, 1_500), '.');
        this.model.recordSent(topic.name, value);
        return { key, value };
      });
      let result;
      try {
        result = await withTimeout(
          client.send({
            messages: messages.map((m) => ({ topic: topic.name, partition, key: Buffer.from(m.key), value: Buffer.from(m.value) })),
          }),
          CALL_TIMEOUT_MS,
          this.stopping,
        );
      } catch {
        await sleep(rng.int(5, 50));
        continue;
      } finally {
        await sleep(rng.int(0, 10));
      }
      const base = result.offsets?.find((o) => o.topic === topic.name && o.partition === partition)?.offset;
      if (base === undefined) {
        this.errors.push(`${plan.label}: acknowledged with no offset for ${topic.name}[${partition}]`);
        continue;
      }
      this.model.recordsAcked(
        messages.map((m, i) => ({
          topic: topic.name,
          partition,
          offset: Number(base) + i,
          key: m.key,
          value: m.value,
          producer: plan.label,
        })),
      );
    }
  }

  /**
   * Runs one admin call. Resolves with its result when the broker acknowledged it, undefined when
   * it failed (not acknowledged: it may or may not have happened).
   */
  private async attempt<T>(call: () => Promise<T>): Promise<{ value: T } | undefined> {
    if (this.stopped) return undefined;
    try {
      return { value: await withTimeout(call(), CALL_TIMEOUT_MS, this.stopping) };
    } catch {
      return undefined;
    }
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Rejects after `ms`, or once `abandoned` resolves (the broker was killed): the call is then taken
 * as not acknowledged, though it may have happened.
 */
async function withTimeout<T>(promise: Promise<T>, ms: number, abandoned: Promise<void>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
      }),
      abandoned.then(() => Promise.reject(new Error('abandoned: the broker was killed'))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
