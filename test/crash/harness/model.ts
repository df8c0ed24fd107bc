/**
 * What the workload was told by the broker, and so what must be true after a crash: only
 * acknowledged operations are promises; an operation sent but not acknowledged may or may not
 * have happened, and the checks allow both.
 */
export interface TopicState {
  name: string;
  partitions: number;
  configs: Record<string, string>;
  compacted: boolean;
  createAcked: boolean;
  deleteSent: boolean;
  deleteAcked: boolean;
}

export interface AckedRecord {
  topic: string;
  partition: number;
  offset: number;
  key: string;
  value: string;
  /** 'idempotent acks=all gzip', ...: what to print when it goes missing. */
  producer: string;
}

export interface CommitState {
  /** The highest offset whose commit was acknowledged (commits only go up in the workload). */
  acked: number;
  /** The highest offset ever sent in a commit. */
  maxSent: number;
}

const partitionKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export class Model {
  readonly topics = new Map<string, TopicState>();
  readonly records: AckedRecord[] = [];
  /** Every value sent, per topic: nothing else may appear in a log. */
  readonly sentValues = new Map<string, Set<string>>();
  /** DeleteRecords: the offset acknowledged (a floor for the log start) and the highest sent (a ceiling). */
  private readonly lowAcked = new Map<string, number>();
  private readonly lowSent = new Map<string, number>();
  /** group \0 topic \0 partition → commit state. */
  readonly commits = new Map<string, CommitState>();
  /** Each partition's next offset as last acknowledged, so DeleteRecords and commits stay in range. */
  private readonly ackedEnd = new Map<string, number>();

  topicCreateSent(topic: TopicState): void {
    this.topics.set(topic.name, topic);
    this.sentValues.set(topic.name, new Set());
  }

  /** Topics a producer may write to: creation acknowledged, no deletion sent. */
  writableTopics(): TopicState[] {
    return [...this.topics.values()].filter((t) => t.createAcked && !t.deleteSent);
  }

  recordSent(topic: string, value: string): void {
    this.sentValues.get(topic)!.add(value);
  }

  recordsAcked(records: AckedRecord[]): void {
    for (const r of records) {
      this.records.push(r);
      const key = partitionKey(r.topic, r.partition);
      this.ackedEnd.set(key, Math.max(this.ackedEnd.get(key) ?? 0, r.offset + 1));
    }
  }

  ackedEndOf(topic: string, partition: number): number {
    return this.ackedEnd.get(partitionKey(topic, partition)) ?? 0;
  }

  deleteRecordsSent(topic: string, partition: number, offset: number): void {
    const key = partitionKey(topic, partition);
    this.lowSent.set(key, Math.max(this.lowSent.get(key) ?? 0, offset));
  }

  deleteRecordsAcked(topic: string, partition: number, offset: number): void {
    const key = partitionKey(topic, partition);
    this.lowAcked.set(key, Math.max(this.lowAcked.get(key) ?? 0, offset));
  }

  lowWatermarkAcked(topic: string, partition: number): number {
    return this.lowAcked.get(partitionKey(topic, partition)) ?? 0;
  }

  lowWatermarkSent(topic: string, partition: number): number {
    return this.lowSent.get(partitionKey(topic, partition)) ?? 0;
  }

  commitSent(group: string, topic: string, partition: number, offset: number): void {
    const key = `${group}\u0000${partitionKey(topic, partition)}`;
    const state = this.commits.get(key) ?? { acked: -1, maxSent: -1 };
    state.maxSent = Math.max(state.maxSent, offset);
    this.commits.set(key, state);
  }

  commitAcked(group: string, topic: string, partition: number, offset: number): void {
    const state = this.commits.get(`${group}\u0000${partitionKey(topic, partition)}`)!;
    state.acked = Math.max(state.acked, offset);
  }

  /** The last commit acknowledged for a group, topic and partition (-1: none). */
  committed(group: string, topic: string, partition: number): CommitState | undefined {
    return this.commits.get(`${group}\u0000${partitionKey(topic, partition)}`);
  }
}
