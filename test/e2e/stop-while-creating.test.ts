import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { startStromCli, STROM_MAIN, type StromCli } from './strom-cli-process.js';

const execFileAsync = promisify(execFile);
const PARTITIONS = 6000;
/** The shutdown budget: opening every log of the topic first took longer than this (it was 20-30 s for 8,000). */
const SHUTDOWN_TIMEOUT_MS = 10_000;

/**
 * CreateTopics answers once the topic is in the metadata; the broker then creates the logs of its
 * partitions, a directory and files each. A broker told to stop meanwhile created every remaining
 * log before closing them all: with thousands of partitions that outlasted the shutdown budget,
 * and the broker exited without a clean shutdown. It now stops at once and creates the rest at
 * its next start.
 */
describe('stopping a broker while it creates the logs of a new topic', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'strom-stop-creating-'));
  const running: StromCli[] = [];
  afterAll(async () => {
    for (const strom of running) {
      if (strom.child.exitCode === null) {
        strom.child.kill('SIGKILL');
        await strom.exited;
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stops cleanly within its budget, and the next start has every partition', async () => {
    const first = await startStromCli(dataDir, ['--override', `strom.shutdown.timeout.ms=${SHUTDOWN_TIMEOUT_MS}`]);
    running.push(first);
    await execFileAsync(
      process.execPath,
      [STROM_MAIN, 'topics', 'create', 'wide', '--partitions', String(PARTITIONS), '--bootstrap-server', first.bootstrap],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(await first.stop()).toBe(0);
    expect(first.messages).toContain('strom stopped');
    expect(first.messages).not.toContain('shutdown took too long: exiting');

    const second = await startStromCli(dataDir, ['--override', `strom.shutdown.timeout.ms=${SHUTDOWN_TIMEOUT_MS}`]);
    running.push(second);
    const kafka = new Kafka({ clientId: 'stop-creating', brokers: [second.bootstrap], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    const sent = await producer.send({
      topic: 'wide',
      acks: -1,
      messages: [0, PARTITIONS - 1].map((partition) => ({ partition, value: `p${partition}` })),
    });
    await producer.disconnect();
    expect(sent.map(({ partition, errorCode, baseOffset }) => [partition, errorCode, baseOffset]).sort()).toEqual([
      [0, 0, '0'],
      [PARTITIONS - 1, 0, '0'],
    ]);
    const admin = kafka.admin();
    await admin.connect();
    const [described] = (await admin.fetchTopicMetadata({ topics: ['wide'] })).topics;
    await admin.disconnect();
    expect(described!.partitions.length).toBe(PARTITIONS);
    expect(await second.stop()).toBe(0);
    expect(second.messages).toContain('strom stopped');
  }, 240_000);
});
