/**
 * The process drivers (test/fixtures/compat/: Java, confluent-kafka-python, kafka-python) share
 * one line protocol, base64 for every byte field ('-' for null):
 *
 *   stdin of `produce <topic>`:
 *     P <compression> <acks 0|1|all> <idempotent 0|1>     starts a producer (closing the previous)
 *     R <partition> <timestamp|-> <key> <value> <headers>  one record of that producer
 *   stdout:
 *     A <batch> <index> <partition> <offset>             a record acknowledged (offset -1: acks=0)
 *     E <batch> <index> <error>                          a record that failed
 *     T <topic> <partition> <offset>                     offsetsForTimes answer (-1: none)
 *     READY                                              the consumer is positioned
 *     R <topic> <partition> <offset> <timestamp> <key> <value> <headers>   a consumed record
 *     DONE <count>                                       the consumer stopped
 *     J <json>                                           an admin report
 *
 * Headers are `k:v,k:v` (both base64) or '-'. Fields are tab-separated.
 */
import { expect } from 'vitest';
import { startChild, tail, type ChildHandle } from '../support/child-process.js';
import type { Ack, AdminReport, Batch, Consumed } from '../support/model.js';

export interface ClientOutput {
  acks: Ack[];
  errors: string[];
  records: Consumed[];
  /** offsetsForTimes answers: `${topic}/${partition}` → offset (-1: none). */
  timestampOffsets: Map<string, number>;
  reports: unknown[];
  stderr: string;
}

const b64 = (s: string | null): string => (s === null ? '-' : Buffer.from(s, 'utf8').toString('base64'));
const unb64 = (s: string): string | null => (s === '-' ? null : Buffer.from(s, 'base64').toString('utf8'));

export function encodeBatches(batches: readonly Batch[]): string {
  const lines: string[] = [];
  for (const batch of batches) {
    lines.push(['P', batch.compression, batch.acks, batch.idempotent ? '1' : '0'].join('\t'));
    for (const r of batch.records) {
      const headers = r.headers.length === 0 ? '-' : r.headers.map(([k, v]) => `${b64(k)}:${b64(v)}`).join(',');
      lines.push(['R', r.partition, r.timestamp ?? '-', b64(r.key), b64(r.value), headers].join('\t'));
    }
  }
  return lines.join('\n') + '\n';
}

function decodeHeaders(s: string): [string, string][] {
  if (s === '-' || s === '') return [];
  return s.split(',').map((pair) => {
    const [k, v] = pair.split(':');
    return [unb64(k!) ?? '', unb64(v!) ?? ''];
  });
}

export function parseOutput(stdout: string, stderr = ''): ClientOutput {
  const out: ClientOutput = { acks: [], errors: [], records: [], timestampOffsets: new Map(), reports: [], stderr };
  for (const line of stdout.split('\n')) {
    const f = line.split('\t');
    switch (f[0]) {
      case 'A':
        out.acks.push({ batch: Number(f[1]), index: Number(f[2]), partition: Number(f[3]), offset: Number(f[4]) });
        break;
      case 'E':
        out.errors.push(f.slice(1).join(' '));
        break;
      case 'T':
        out.timestampOffsets.set(`${f[1]}/${f[2]}`, Number(f[3]));
        break;
      case 'R':
        out.records.push({
          topic: f[1]!,
          partition: Number(f[2]),
          offset: Number(f[3]),
          timestamp: Number(f[4]),
          key: unb64(f[5]!),
          value: unb64(f[6]!),
          headers: decodeHeaders(f[7]!),
        });
        break;
      case 'J':
        out.reports.push(JSON.parse(f.slice(1).join('\t')));
        break;
    }
  }
  return out;
}

export interface ConsumeOptions {
  partitions?: number[];
  /** earliest | latest | ts:<ms> | offset:<n> */
  start: string;
  /** Stop at the end offsets seen once positioned (default), or after this many records. */
  count?: number;
  timeoutMs?: number;
}

/** A client family driven through its own program. */
export interface ProcessDriver {
  name: string;
  produce(bootstrap: string, topic: string, batches: readonly Batch[]): Promise<ClientOutput>;
  consume(bootstrap: string, topics: string | string[], options: ConsumeOptions): Promise<ClientOutput>;
  /** Starts a consumer; resolves once it says it is positioned. */
  startConsumer(bootstrap: string, topics: string | string[], options: ConsumeOptions): Promise<{ done: Promise<ClientOutput> }>;
  admin(bootstrap: string, prefix: string): Promise<AdminReport>;
}

export function lineDriver(name: string, command: string, prefixArgs: readonly string[], env?: NodeJS.ProcessEnv): ProcessDriver {
  const consumeArgs = (bootstrap: string, topics: string | string[], o: ConsumeOptions): string[] => [
    ...prefixArgs,
    bootstrap,
    'consume',
    typeof topics === 'string' ? topics : topics.join(','),
    o.partitions === undefined ? 'all' : o.partitions.join(','),
    o.start,
    o.count === undefined ? 'end' : `count:${o.count}`,
  ];
  const finish = async (handle: ChildHandle, what: string): Promise<ClientOutput> => {
    const r = await handle.exited;
    if (r.timedOut || r.code !== 0) {
      throw new Error(
        `${name} ${what}: ${r.timedOut ? 'timed out' : `exit ${r.code ?? r.signal}`}\n${tail(r.stderr)}\n${tail(r.stdout, 5)}`,
      );
    }
    return parseOutput(r.stdout, r.stderr);
  };
  return {
    name,
    produce: async (bootstrap, topic, batches) =>
      finish(
        startChild(command, [...prefixArgs, bootstrap, 'produce', topic], { stdin: encodeBatches(batches), timeoutMs: 120_000, env }),
        'produce',
      ),
    consume: async (bootstrap, topics, o) =>
      finish(startChild(command, consumeArgs(bootstrap, topics, o), { timeoutMs: o.timeoutMs ?? 90_000, env }), 'consume'),
    startConsumer: async (bootstrap, topics, o) => {
      const handle = startChild(command, consumeArgs(bootstrap, topics, o), { timeoutMs: o.timeoutMs ?? 90_000, env });
      const done = finish(handle, 'consume');
      done.catch(() => undefined);
      await Promise.race([handle.waitFor(/^READY$/, 60_000), done.then(() => undefined)]);
      return { done };
    },
    admin: async (bootstrap, prefix) => {
      const out = await finish(startChild(command, [...prefixArgs, bootstrap, 'admin', prefix], { timeoutMs: 90_000, env }), 'admin');
      expect(out.reports).toHaveLength(1);
      return out.reports[0] as AdminReport;
    },
  };
}
