import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStrom, type EmbeddedStrom } from '../e2e/embedded-harness.js';
import { join } from 'node:path';
import { javaDriver, JVM_FLAGS } from './drivers/java.js';
import { createTopics, kafkajsClient, kafkajsProduce } from './drivers/kafkajs.js';
import { parseOutput } from './drivers/line-protocol.js';
import { ensurePython } from './drivers/python.js';
import { startChild, tail, type ChildHandle } from './support/child-process.js';
import { FIXTURES, expectExactly, makeRecords, type Consumed, type Rec } from './support/model.js';

const PARTITIONS = 6;

type Family = 'java' | 'confluent';

interface Member {
  name: string;
  handle: ChildHandle;
  stop(): Promise<void>;
}

/** A member's partitions now, replaying its ASSIGNED / REVOKED / LOST lines (up to STOPPING). */
function owned(member: Member): Set<number> {
  const set = new Set<number>();
  for (const line of member.handle.stdoutSoFar().split('\n')) {
    const [kind, list] = line.split('\t');
    if (kind === 'STOPPING') return new Set();
    const ps = list ? list.split(',').map(Number) : [];
    if (kind === 'ASSIGNED') ps.forEach((p) => set.add(p));
    if (kind === 'REVOKED' || kind === 'LOST') ps.forEach((p) => set.delete(p));
  }
  return set;
}

/** Revocations before STOPPING, each with what the member owned just before it. */
function revocations(member: Member): { revoked: number[]; ownedBefore: number[] }[] {
  const set = new Set<number>();
  const out: { revoked: number[]; ownedBefore: number[] }[] = [];
  for (const line of member.handle.stdoutSoFar().split('\n')) {
    const [kind, list] = line.split('\t');
    if (kind === 'STOPPING') break;
    const ps = list ? list.split(',').map(Number) : [];
    if (kind === 'ASSIGNED') ps.forEach((p) => set.add(p));
    if (kind === 'REVOKED' || kind === 'LOST') {
      out.push({ revoked: ps, ownedBefore: [...set].sort() });
      ps.forEach((p) => set.delete(p));
    }
  }
  return out;
}

async function until(what: string, condition: () => boolean, timeoutMs: number, detail: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${detail()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Consumer groups with the Java consumer (JoinGroup, SyncGroup, Heartbeat, LeaveGroup,
 * OffsetCommit, OffsetFetch): 3 members over 6 partitions, a 4th joining and one leaving while
 * records keep coming, then a restart that resumes from the committed offsets. Eager (range)
 * and cooperative-sticky rebalancing.
 */
describe('consumer groups (Java consumer, librdkafka) against embedded Strom', () => {
  let strom: EmbeddedStrom;
  let classpath: string;
  let python: string;
  const members: Member[] = [];

  beforeAll(async () => {
    classpath = (await javaDriver()).classpath;
    python = ensurePython();
    strom = await startEmbeddedStrom();
  });
  afterAll(async () => {
    for (const m of members) m.handle.kill('SIGKILL');
    await strom?.stop();
  });

  const startMember = (family: Family, name: string, group: string, topic: string, strategy: 'eager' | 'cooperative'): Member => {
    const [command, args] =
      family === 'java'
        ? ['java', [...JVM_FLAGS, '-cp', classpath, 'GroupMember']]
        : [python, [join(FIXTURES, 'python', 'confluent_group_member.py')]];
    const handle = startChild(command, [...args, strom.bootstrap, group, topic, strategy], { openStdin: true, timeoutMs: 250_000 });
    const member: Member = {
      name,
      handle,
      stop: async () => {
        handle.send('STOP\n');
        const result = await Promise.race([handle.exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 30_000))]);
        if (result === undefined) {
          handle.kill('SIGKILL');
          throw new Error(`${name} did not leave within 30 s\n${tail(handle.stdoutSoFar(), 10)}`);
        }
        expect(result.code, `${name} exit\n${tail(result.stderr)}`).toBe(0);
        expect(result.stdout).toContain('CLOSED');
      },
    };
    members.push(member);
    return member;
  };

  const consumed = (ms: Member[]): Consumed[] => ms.flatMap((m) => parseOutput(m.handle.stdoutSoFar()).records);
  const covers = (ms: Member[]) => () => {
    const sets = ms.map(owned);
    const union = new Set(sets.flatMap((s) => [...s]));
    return union.size === PARTITIONS && sets.reduce((n, s) => n + s.size, 0) === PARTITIONS && sets.every((s) => s.size > 0);
  };
  const describeMembers = (ms: Member[]) => () =>
    ms
      .map(
        (m) =>
          `${m.name}: [${[...owned(m)].join(',')}] ${tail(
            m.handle
              .stdoutSoFar()
              .split('\n')
              .filter((l) => !l.startsWith('R'))
              .join('\n'),
            6,
          )}`,
      )
      .join('\n');

  const cases: [Family, 'eager' | 'cooperative', string][] = [
    ['java', 'eager', 'Java, RangeAssignor (eager)'],
    ['java', 'cooperative', 'Java, CooperativeStickyAssignor'],
    ['confluent', 'cooperative', 'confluent-kafka-python (librdkafka), cooperative-sticky'],
  ];
  for (const [family, strategy, title] of cases) {
    it(
      `${title}: members join and leave mid-stream; every record once, in order per partition; a restart resumes from the commits`,
      { timeout: 240_000 },
      async () => {
        const topic = `group-${family}-${strategy}`;
        const group = `compat-group-${family}-${strategy}`;
        await createTopics(strom.bootstrap, [{ topic, numPartitions: PARTITIONS }]);
        const sent: Rec[] = [];
        const produce = async (round: number, count: number) => {
          const records = makeRecords(`${family}-${strategy}-round${round}`, count, PARTITIONS);
          await kafkajsProduce(strom.bootstrap, topic, [{ compression: 'gzip', acks: 'all', idempotent: false, records }]);
          sent.push(...records);
          return records;
        };

        await produce(0, 120);
        const m1 = startMember(family, 'm1', group, topic, strategy);
        const m2 = startMember(family, 'm2', group, topic, strategy);
        const m3 = startMember(family, 'm3', group, topic, strategy);
        await until('3 members sharing the 6 partitions', covers([m1, m2, m3]), 90_000, describeMembers([m1, m2, m3]));
        await produce(1, 120);
        const m4 = startMember(family, 'm4', group, topic, strategy);
        await until('4 members sharing the 6 partitions', covers([m1, m2, m3, m4]), 90_000, describeMembers([m1, m2, m3, m4]));
        await produce(2, 120);
        await m2.stop();
        await until('3 members after m2 left', covers([m1, m3, m4]), 90_000, describeMembers([m1, m3, m4]));
        await produce(3, 120);
        const live = [m1, m2, m3, m4];
        await until(
          'every record consumed',
          () => new Set(consumed(live).map((r) => r.value)).size >= sent.length,
          60_000,
          describeMembers(live),
        );
        for (const m of [m1, m3, m4]) await m.stop();

        // Exactly the records produced: none twice, none missing, in order per partition.
        const all = consumed(live).sort((a, b) => a.partition - b.partition || a.offset - b.offset);
        expectExactly(all, topic, sent);

        if (strategy === 'cooperative') {
          // Cooperative-sticky: a rebalance revokes only the partitions that move, never all of a member's.
          for (const m of [m1, m2, m3, m4]) {
            for (const r of revocations(m)) {
              if (r.ownedBefore.length > 1)
                expect(r.revoked.length, `${m.name} revoked ${r.revoked} of ${r.ownedBefore}`).toBeLessThan(r.ownedBefore.length);
            }
          }
        } else {
          // Eager: m4's join revoked everything m1 owned.
          expect(revocations(m1).some((r) => r.revoked.length === r.ownedBefore.length && r.revoked.length > 0)).toBe(true);
        }

        // OffsetFetch: the group's committed offsets are the end of each partition.
        const admin = kafkajsClient(strom.bootstrap).admin();
        await admin.connect();
        try {
          const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
          expect(committed!.partitions.map((p) => [p.partition, Number(p.offset)]).sort((a, b) => a[0]! - b[0]!)).toEqual(
            Array.from({ length: PARTITIONS }, (_, p) => [p, sent.filter((r) => r.partition === p).length]),
          );
        } finally {
          await admin.disconnect();
        }

        // Restart: a new member of the group resumes from the committed offsets.
        const later = await produce(4, 60);
        const m5 = startMember(family, 'm5', group, topic, strategy);
        await until('m5 reading the new records', () => consumed([m5]).length >= later.length, 60_000, describeMembers([m5]));
        await new Promise((r) => setTimeout(r, 1_000)); // anything extra (an old record) would show up now
        await m5.stop();
        const start = new Map(
          Array.from({ length: PARTITIONS }, (_, p) => [
            p,
            sent.filter((r) => r.partition === p).length - later.filter((r) => r.partition === p).length,
          ]),
        );
        expectExactly(
          consumed([m5]).sort((a, b) => a.partition - b.partition || a.offset - b.offset),
          topic,
          later,
          { startOffsets: start },
        );
      },
    );
  }
});
