import { createLogger } from '@strom/runtime';
import { describe, expect, it } from 'vitest';
import { ReplicationStats, type ReplicaCounts } from '../src/replica/replication-stats.js';

const healthy: ReplicaCounts = {
  partitions: 3,
  leaders: 1,
  underReplicatedPartitions: 0,
  underMinIsrPartitions: 0,
  offlineReplicas: 0,
  maxFollowerLag: 0,
};

/** A logger that keeps what it was given. */
function recording(): { logger: ReturnType<typeof createLogger>; lines: Array<{ level: string; msg: string; fields: object }> } {
  const lines: Array<{ level: string; msg: string; fields: object }> = [];
  const logger = createLogger('test', 'silent');
  for (const level of ['info', 'warn'] as const) {
    (logger as unknown as Record<string, unknown>)[level] = (fields: object, msg: string) => lines.push({ level, msg, fields });
  }
  return { logger, lines };
}

describe('replication status (under-replicated and offline partitions, ISR changes, follower lag)', () => {
  it('counts ISR shrinks and expands, and logs when the status changes and as a reminder while troubled', () => {
    let counts = healthy;
    const { logger, lines } = recording();
    const stats = new ReplicationStats(() => counts, logger);

    stats.check(0);
    expect(lines).toEqual([]);

    stats.recordIsrChange(3, 2);
    counts = { ...healthy, underReplicatedPartitions: 1 };
    stats.check(1_000);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'warn', msg: 'replication status' });
    expect(lines[0]!.fields).toEqual({ ...counts, isrShrinks: 1, isrExpands: 0 });

    stats.check(2_000);
    expect(lines).toHaveLength(1);
    stats.check(31_000);
    expect(lines).toHaveLength(2);

    counts = { ...healthy, maxFollowerLag: 0 };
    stats.recordIsrChange(2, 3);
    stats.recordIsrChange(3, 3);
    stats.check(32_000);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatchObject({ level: 'info', fields: { underReplicatedPartitions: 0, isrShrinks: 1, isrExpands: 1 } });
    expect(stats.status()).toEqual({ ...healthy, isrShrinks: 1, isrExpands: 1 });

    counts = { ...healthy, maxFollowerLag: 500 };
    stats.check(33_000);
    expect(lines[3]).toMatchObject({ level: 'warn', fields: { maxFollowerLag: 500 } });
    counts = { ...healthy, maxFollowerLag: 20 };
    stats.check(34_000);
    expect(lines).toHaveLength(4);
  });
});
