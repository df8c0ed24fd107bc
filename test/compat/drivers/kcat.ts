/** kcat, librdkafka's CLI. */
import { ensureKcat } from '@strom/testing';
import { runChild } from '../support/child-process.js';
import type { Acks, Batch, Consumed } from '../support/model.js';
import { totalEnd, waitForTotalEnd } from './kafkajs.js';

export function kcatPath(): string {
  return ensureKcat();
}

const kcatAcks = (acks: Acks): string => (acks === 'all' ? '-1' : acks);

/**
 * Produces each batch with one kcat -P per partition (kcat takes one partition, one header set
 * and no timestamps per invocation: records of a batch must share their headers). Keys use ':'.
 */
export async function kcatProduce(kcat: string, bootstrap: string, topic: string, batches: readonly Batch[]): Promise<void> {
  for (const batch of batches) {
    const before = batch.acks === '0' ? await totalEnd(bootstrap, topic) : 0;
    const partitions = [...new Set(batch.records.map((r) => r.partition))];
    for (const partition of partitions) {
      const records = batch.records.filter((r) => r.partition === partition);
      const headers = records[0]!.headers;
      for (const r of records) {
        if (JSON.stringify(r.headers) !== JSON.stringify(headers)) throw new Error('kcat: one header set per invocation');
        if (r.key?.includes(':') || r.value === null || r.value.includes('\n') || r.timestamp !== undefined) {
          throw new Error(`kcat cannot send ${JSON.stringify(r)}`);
        }
      }
      await runChild(
        kcat,
        [
          '-P',
          '-b',
          bootstrap,
          '-t',
          topic,
          '-p',
          String(partition),
          '-K:',
          '-z',
          batch.compression,
          '-X',
          `acks=${kcatAcks(batch.acks)}`,
          '-X',
          `enable.idempotence=${batch.idempotent}`,
          '-X',
          'linger.ms=5',
          ...headers.flatMap(([k, v]) => ['-H', `${k}=${v}`]),
        ],
        { stdin: records.map((r) => (r.key === null ? `:${r.value}` : `${r.key}:${r.value}`)).join('\n') + '\n', timeoutMs: 30_000 },
      );
    }
    if (batch.acks === '0') await waitForTotalEnd(bootstrap, topic, before + batch.records.length);
  }
}

/** kcat -J consumption of every partition of a topic from `offset` (beginning | end | s@<ts> | <n>). */
export function kcatConsumeArgs(bootstrap: string, topic: string, offset: string, count?: number): string[] {
  return [
    '-C',
    '-b',
    bootstrap,
    '-t',
    topic,
    '-o',
    offset,
    '-J',
    '-X',
    'fetch.wait.max.ms=200',
    ...(count === undefined ? ['-e'] : ['-c', String(count)]),
  ];
}

export function parseKcatJson(stdout: string): Consumed[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => {
      const j = JSON.parse(l) as {
        topic: string;
        partition: number;
        offset: number;
        ts: number;
        key: string | null;
        payload: string | null;
        headers?: string[];
      };
      const headers: [string, string][] = [];
      for (let i = 0; i + 1 < (j.headers ?? []).length; i += 2) headers.push([j.headers![i]!, j.headers![i + 1]!]);
      return { topic: j.topic, partition: j.partition, offset: j.offset, timestamp: j.ts, key: j.key, value: j.payload, headers };
    });
}

/** Reads a topic to its end with kcat (-e: exits once every partition reported its end). */
export async function kcatConsume(kcat: string, bootstrap: string, topic: string, offset = 'beginning'): Promise<Consumed[]> {
  const { stdout } = await runChild(kcat, kcatConsumeArgs(bootstrap, topic, offset), { timeoutMs: 60_000 });
  return parseKcatJson(stdout);
}
