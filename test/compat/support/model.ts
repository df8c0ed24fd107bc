/**
 * The compatibility suite's shared model (issue 6): the records a scenario sends, what a client
 * reports back, and the checks that compare the two. Every client driver (test/compat/drivers/)
 * speaks in these types.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const FIXTURES = join(REPO, 'test', 'fixtures', 'compat');

export type Codec = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
export const CODECS: readonly Codec[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
export type Acks = '0' | '1' | 'all';
export const ACKS: readonly Acks[] = ['0', '1', 'all'];

export interface Rec {
  partition: number;
  key: string | null;
  value: string | null;
  headers: [string, string][];
  /** CreateTime; the producer's clock when absent. */
  timestamp?: number;
}

export interface Batch {
  compression: Codec;
  acks: Acks;
  idempotent: boolean;
  records: Rec[];
}

export interface Consumed {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: [string, string][];
}

export interface Ack {
  batch: number;
  /** Index of the record over all batches, in input order. */
  index: number;
  partition: number;
  offset: number;
}

/**
 * Records tagged `tag`: values carry the index and non-ASCII text, every 7th key is null, every
 * record has two headers. Partitions round-robin over `partitions`.
 */
export function makeRecords(
  tag: string,
  count: number,
  partitions: number,
  options: { from?: number; timestamp?: (i: number) => number; sameHeaders?: boolean; nullKeys?: boolean } = {},
): Rec[] {
  const from = options.from ?? 0;
  return Array.from({ length: count }, (_, n) => {
    const i = from + n;
    return {
      partition: i % partitions,
      key: options.nullKeys !== false && i % 7 === 3 ? null : `key-${tag}-${i % 5}`,
      value: `${tag} record ${i} — ünïcødé ✓ ${'x'.repeat(i % 40)}`,
      headers: options.sameHeaders
        ? [['tag', tag]]
        : [
            ['tag', tag],
            ['seq', String(i)],
          ],
      ...(options.timestamp === undefined ? {} : { timestamp: options.timestamp(i) }),
    };
  });
}

/** One batch per (codec, acks), plus idempotent acks=all batches, records tagged by the combination. */
export function codecAcksMatrix(
  tag: string,
  codecs: readonly Codec[],
  acks: readonly Acks[],
  options: { perBatch?: number; partitions: number; idempotent?: boolean; sameHeaders?: boolean; nullKeys?: boolean },
): Batch[] {
  const perBatch = options.perBatch ?? 12;
  const batches: Batch[] = [];
  for (const compression of codecs) {
    for (const a of acks) {
      batches.push({
        compression,
        acks: a,
        idempotent: false,
        records: makeRecords(`${tag}-${compression}-acks${a}`, perBatch, options.partitions, options),
      });
    }
    if (options.idempotent !== false) {
      batches.push({
        compression,
        acks: 'all',
        idempotent: true,
        records: makeRecords(`${tag}-${compression}-idempotent`, perBatch, options.partitions, options),
      });
    }
  }
  return batches;
}

const view = (r: Rec | Consumed): { key: string | null; value: string | null; headers: [string, string][] } => ({
  key: r.key,
  value: r.value,
  headers: r.headers,
});

/**
 * The consumed records of `topic` are exactly `expected` (in produce order per partition):
 * same keys, values and headers, offsets contiguous from `startOffsets` (0 by default), and each
 * acknowledged offset holds the record that was acknowledged.
 */
export function expectExactly(
  consumed: readonly Consumed[],
  topic: string,
  expected: readonly Rec[],
  options: { acks?: readonly Ack[]; startOffsets?: Map<number, number>; checkTimestamps?: boolean } = {},
): void {
  const mine = consumed.filter((r) => r.topic === topic);
  const partitions = new Set([...mine.map((r) => r.partition), ...expected.map((r) => r.partition)]);
  for (const p of [...partitions].sort((a, b) => a - b)) {
    const got = mine.filter((r) => r.partition === p);
    const want = expected.filter((r) => r.partition === p);
    expect(got.map(view), `${topic}[${p}]: records, in order`).toEqual(want.map(view));
    const start = options.startOffsets?.get(p) ?? 0;
    expect(
      got.map((r) => r.offset),
      `${topic}[${p}]: offsets`,
    ).toEqual(got.map((_, i) => start + i));
    if (options.checkTimestamps) {
      expect(
        got.map((r) => r.timestamp),
        `${topic}[${p}]: timestamps`,
      ).toEqual(want.map((r) => r.timestamp));
    }
  }
  if (options.acks) {
    const byOffset = new Map(mine.map((r) => [`${r.partition}/${r.offset}`, r]));
    const acked = options.acks.filter((a) => a.offset >= 0);
    for (const a of acked) {
      const record = byOffset.get(`${a.partition}/${a.offset}`);
      expect(record && view(record), `ack ${a.index} at ${topic}[${a.partition}]@${a.offset}`).toEqual(view(expected[a.index]!));
    }
  }
}

/** What each client's admin scenario reports (test/fixtures/compat drivers and the in-process ones). */
export interface AdminReport {
  topicsAfterCreate: string[];
  duplicateCreate: string;
  partitions: Record<string, number>;
  configsA: Record<string, string | null>;
  configsB: Record<string, string | null>;
  configsAfterSet: Record<string, string | null>;
  configsAfterReset: Record<string, string | null>;
  invalidAlter: string;
  brokerConfigs: Record<string, string | null>;
  clusterNodes: number;
  topicsAfterDelete: string[];
  deleteUnknown: string;
}

/** librdkafka's short names for Kafka's error names. */
const ERROR_ALIASES: Record<string, string> = { UNKNOWN_TOPIC_OR_PART: 'UNKNOWN_TOPIC_OR_PARTITION' };
const kafkaError = (name: string): string => ERROR_ALIASES[name] ?? name;

/** What a Kafka broker would have answered to the admin scenario of prefix `prefix`. */
export function expectedAdminReport(prefix: string): AdminReport {
  const a = `${prefix}-a`;
  const b = `${prefix}-b`;
  return {
    topicsAfterCreate: [a, b],
    duplicateCreate: 'TOPIC_ALREADY_EXISTS',
    partitions: { [a]: 3, [b]: 1 },
    configsA: { 'retention.ms': '3600000', 'cleanup.policy': 'delete', 'max.message.bytes': '1048588' },
    configsB: { 'cleanup.policy': 'compact' },
    configsAfterSet: { 'retention.ms': '7200000', 'max.message.bytes': '500000' },
    configsAfterReset: { 'retention.ms': '7200000', 'max.message.bytes': '1048588' },
    invalidAlter: 'INVALID_CONFIG',
    brokerConfigs: { 'num.partitions': '1' },
    clusterNodes: 1,
    topicsAfterDelete: [a],
    deleteUnknown: 'UNKNOWN_TOPIC_OR_PARTITION',
  };
}

/**
 * The admin scenario, compared as one object so that every deviation shows at once. A client
 * without some admin APIs reports only `keys` (exactly those: a missing one fails too).
 */
export function expectAdminReport(report: Partial<AdminReport>, prefix: string, keys?: readonly (keyof AdminReport)[]): void {
  const normalized: Partial<AdminReport> = { ...report };
  for (const key of ['duplicateCreate', 'invalidAlter', 'deleteUnknown'] as const) {
    const name = report[key];
    if (name !== undefined) normalized[key] = kafkaError(name);
  }
  const expected = expectedAdminReport(prefix);
  expect(normalized).toEqual(keys === undefined ? expected : Object.fromEntries(keys.map((k) => [k, expected[k]])));
}
