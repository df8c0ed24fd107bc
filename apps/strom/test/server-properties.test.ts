import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadServerProperties, ServerPropertiesError } from '../src/server-properties.js';

describe("server.properties: Kafka's group coordinator settings", () => {
  const dir = mkdtempSync(join(tmpdir(), 'strom-server-properties-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const load = (lines: string[]) => {
    const path = join(dir, `${lines.length}-${Math.random()}.properties`);
    writeFileSync(path, lines.join('\n'));
    return loadServerProperties(path, 1);
  };

  it('maps the group.* and offsets.* settings the file sets, in the coordinator’s units', async () => {
    const loaded = await load([
      'group.initial.rebalance.delay.ms=0',
      'group.min.session.timeout.ms=1000',
      'group.max.session.timeout.ms=60000',
      'group.max.size=10',
      'offset.metadata.max.bytes=100',
      'offsets.retention.minutes=2',
      'offsets.retention.check.interval.ms=5000',
    ]);
    expect(loaded.groups).toEqual({
      initialRebalanceDelayMs: 0,
      minSessionTimeoutMs: 1000,
      maxSessionTimeoutMs: 60_000,
      maxGroupSize: 10,
      offsetMetadataMaxBytes: 100,
      offsetsRetentionMs: 120_000,
      offsetsRetentionCheckIntervalMs: 5000,
    });
    expect((await load(['num.partitions=2'])).groups).toEqual({});
  });

  it('refuses a value Kafka refuses, naming the key', async () => {
    await expect(load(['group.max.size=0'])).rejects.toThrow(ServerPropertiesError);
    await expect(load(['group.initial.rebalance.delay.ms=soon'])).rejects.toThrow(/group\.initial\.rebalance\.delay\.ms/);
  });
});
