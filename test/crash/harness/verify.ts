import { Consumer } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import type { Model, TopicState } from './model.js';

export interface Observed {
  /** Topic → partition → [log start offset, high watermark] as ListOffsets gave them. */
  offsets: Map<string, Map<number, [number, number]>>;
  /** Acknowledged records found where they were acknowledged. */
  recordsChecked: number;
  /** Acknowledged records legitimately gone: deleted by DeleteRecords, compacted, or their topic deleted. */
  recordsGone: number;
  /** Acknowledged records of topics whose deletion was sent (acknowledged or not, and the topic is gone). */
  recordsOfDeletedTopics: number;
  commitsChecked: number;
  topicsChecked: number;
}

interface LogRecord {
  key: string | null;
  value: string | null;
}

/**
 * Checks what a crash must not break, through real clients (kafkajs for admin, @platformatic/kafka
 * for ListOffsets and Fetch) and before anything is written: every acknowledged record is
 * readable at the offset it was acknowledged with, exactly once; log start offsets are not below
 * what DeleteRecords acknowledged; no committed offset went backwards; every topic whose creation
 * was acknowledged exists with its partitions and configs, and none whose deletion was. Returns
 * the violations (empty when all holds) and what it saw.
 */
export async function verify(bootstrap: string, model: Model): Promise<{ violations: string[]; observed: Observed }> {
  const violations: string[] = [];
  const observed: Observed = {
    offsets: new Map(),
    recordsChecked: 0,
    recordsGone: 0,
    recordsOfDeletedTopics: 0,
    commitsChecked: 0,
    topicsChecked: 0,
  };
  const admin = new Kafka({ clientId: 'crash-verify', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5 } }).admin();
  const consumer = new Consumer({
    clientId: 'crash-verify',
    bootstrapBrokers: [bootstrap],
    groupId: 'crash-verify-never-joined',
    maxWaitTime: 0,
  });
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const present: TopicState[] = [];
    for (const topic of model.topics.values()) {
      const exists = existing.has(topic.name);
      if (topic.deleteAcked && exists) violations.push(`${topic.name}: deletion was acknowledged, but the topic exists`);
      if (topic.deleteAcked || !exists) {
        if (topic.createAcked && !topic.deleteSent) violations.push(`${topic.name}: creation was acknowledged, but the topic is missing`);
        else observed.recordsOfDeletedTopics += model.records.filter((r) => r.topic === topic.name).length;
        continue;
      }
      present.push(topic);
    }
    for (const topic of present) {
      observed.topicsChecked++;
      const metadata = await admin.fetchTopicMetadata({ topics: [topic.name] });
      const partitions = metadata.topics[0]!.partitions.length;
      if (partitions !== topic.partitions) violations.push(`${topic.name}: ${partitions} partitions, created with ${topic.partitions}`);
      const described = await admin.describeConfigs({ resources: [{ type: 2, name: topic.name }], includeSynonyms: false });
      const entries = new Map(described.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
      for (const [name, value] of Object.entries(topic.configs)) {
        if (entries.get(name) !== value) violations.push(`${topic.name}: ${name} is ${entries.get(name)}, created with ${value}`);
      }
      await checkRecords(consumer, model, topic, violations, observed);
    }
    for (const [key, state] of model.commits) {
      const [group, topicName, partitionText] = key.split('\u0000') as [string, string, string];
      const topic = model.topics.get(topicName)!;
      if (!present.includes(topic) || topic.deleteSent || state.acked < 0) continue;
      const fetched = await admin.fetchOffsets({ groupId: group, topics: [topicName] });
      const partition = Number(partitionText);
      const offset = Number(fetched[0]?.partitions.find((p) => p.partition === partition)?.offset ?? -1);
      observed.commitsChecked++;
      if (offset < state.acked || offset > state.maxSent)
        violations.push(
          `${group} ${topicName}[${partition}]: committed offset ${offset}, acknowledged ${state.acked}, highest sent ${state.maxSent}`,
        );
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
    await new Promise<void>((resolve) => consumer.close(true, () => resolve()));
  }
  return { violations, observed };
}

async function checkRecords(consumer: Consumer, model: Model, topic: TopicState, violations: string[], observed: Observed): Promise<void> {
  const starts = (await consumer.listOffsets({ topics: [topic.name], timestamp: -2n })).get(topic.name)!;
  const ends = (await consumer.listOffsets({ topics: [topic.name], timestamp: -1n })).get(topic.name)!;
  const offsets = new Map<number, [number, number]>();
  observed.offsets.set(topic.name, offsets);
  const sent = model.sentValues.get(topic.name)!;
  for (let partition = 0; partition < topic.partitions; partition++) {
    const start = Number(starts[partition]);
    const end = Number(ends[partition]);
    offsets.set(partition, [start, end]);
    const floor = model.lowWatermarkAcked(topic.name, partition);
    if (start < floor)
      violations.push(`${topic.name}[${partition}]: log start ${start} below the acknowledged DeleteRecords offset ${floor}`);
    const log = await readPartition(consumer, topic.name, partition, start, end);
    const seen = new Map<string, number>();
    for (const [offset, record] of log) {
      if (record.value === null || !sent.has(record.value)) {
        violations.push(`${topic.name}[${partition}]@${offset}: a record nobody sent (${record.value?.slice(0, 40)})`);
        continue;
      }
      const before = seen.get(record.value);
      if (before !== undefined)
        violations.push(`${topic.name}[${partition}]: ${record.value.slice(0, 40)} at ${before} and again at ${offset}`);
      seen.set(record.value, offset);
    }
    const latestByKey = new Map<string, number>();
    if (topic.compacted) for (const [offset, record] of log) if (record.key !== null) latestByKey.set(record.key, offset);
    for (const acked of model.records) {
      if (acked.topic !== topic.name || acked.partition !== partition) continue;
      const found = log.get(acked.offset);
      if (found?.value === acked.value) {
        observed.recordsChecked++;
        continue;
      }
      const deleted = acked.offset < start && acked.offset < model.lowWatermarkSent(topic.name, partition);
      const compactedAway = topic.compacted && found === undefined && (latestByKey.get(acked.key) ?? -1) > acked.offset;
      if (deleted || compactedAway) {
        observed.recordsGone++;
        continue;
      }
      const where =
        acked.offset >= end
          ? `at or past the high watermark ${end}`
          : acked.offset < start
            ? `below the log start ${start}`
            : 'within the log';
      violations.push(
        `${topic.name}[${partition}]@${acked.offset} (${acked.producer}): acknowledged ${acked.value.slice(0, 40)}, found ${found ? found.value?.slice(0, 40) : 'nothing'} (${where})`,
      );
    }
  }
}

/** Fetches [from, to) batch by batch; a batch emptied by compaction still moves the position on. */
async function readPartition(
  consumer: Consumer,
  topic: string,
  partition: number,
  from: number,
  to: number,
): Promise<Map<number, LogRecord>> {
  const out = new Map<number, LogRecord>();
  if (from >= to) return out;
  const metadata = await consumer.metadata({ topics: [topic], forceUpdate: true });
  const t = metadata.topics.get(topic)!;
  const text = (b: Buffer | null | undefined): string | null => (b === null || b === undefined ? null : b.toString('utf8'));
  let position = BigInt(from);
  for (let round = 0; position < BigInt(to); round++) {
    if (round > 10_000) throw new Error(`${topic}[${partition}]: reading is stuck at ${position} (end ${to})`);
    const response = await consumer.fetch({
      node: t.partitions[partition]!.leader,
      topics: [
        {
          topicId: t.id,
          partitions: [{ partition, fetchOffset: position, currentLeaderEpoch: -1, lastFetchedEpoch: -1, partitionMaxBytes: 4 << 20 }],
        },
      ],
    });
    const p = response.responses[0]!.partitions[0]!;
    if (p.errorCode !== 0) throw new Error(`${topic}[${partition}]: fetch at ${position} answered error ${p.errorCode}`);
    const batches = p.records ?? [];
    if (batches.length === 0)
      throw new Error(`${topic}[${partition}]: fetch at ${position} returned nothing below the high watermark ${to}`);
    for (const batch of batches) {
      for (const r of batch.records) {
        const offset = batch.firstOffset + BigInt(r.offsetDelta);
        if (offset >= position && offset < BigInt(to)) out.set(Number(offset), { key: text(r.key), value: text(r.value) });
      }
      const next = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n;
      if (next > position) position = next;
    }
  }
  return out;
}
