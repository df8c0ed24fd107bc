import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@strom/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { javaDriver } from './drivers/java.js';
import { createTopics } from './drivers/kafkajs.js';
import { kcatConsume, kcatPath } from './drivers/kcat.js';
import { parseOutput } from './drivers/line-protocol.js';
import { startChild, tail, type ChildHandle } from './support/child-process.js';
import { REPO } from './support/model.js';

const MAIN = join(REPO, 'apps', 'strom', 'dist', 'main.js');
const TOPIC = 'kill9';
const PARTITIONS = 3;

/**
 * kill -9 of a broker (a separate process: `node apps/strom/dist/main.js start`, built by
 * `npx tsc -b`) under an acks=all load from the Java producer (idempotent, its default), then a
 * restart on the same data dir and port: every acknowledged record is in the log, at the
 * offset it was acknowledged with, exactly once, and readable right after the restart, before the
 * producer (stopped meanwhile) writes again. Records never acknowledged may or may not be.
 */
describe('kill -9 under acks=all load, then restart', () => {
  let dataDir: string;
  let port: number;
  let broker: ChildHandle | undefined;
  let javaClasspath: string;
  let kcat: string;

  const startBroker = async (): Promise<ChildHandle> => {
    const child = startChild(
      process.execPath,
      [MAIN, 'start', '--port', String(port), '--admin-port', '0', '--data-dir', dataDir, '--log-level', 'info'],
      { timeoutMs: 300_000 },
    );
    await child.waitFor(/ready \(embedded\)/, 60_000);
    return child;
  };

  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build with npx tsc -b`);
    javaClasspath = (await javaDriver()).classpath;
    kcat = kcatPath();
    dataDir = mkdtempSync(join(tmpdir(), 'strom-kill9-'));
    port = await freePort();
    broker = await startBroker();
  });
  afterAll(async () => {
    if (broker) {
      broker.kill('SIGTERM');
      const stopped = await Promise.race([broker.exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 15_000))]);
      if (!stopped) broker.kill('SIGKILL');
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every acknowledged record', { timeout: 180_000 }, async () => {
    const bootstrap = `127.0.0.1:${port}`;
    await createTopics(bootstrap, [{ topic: TOPIC, numPartitions: PARTITIONS }]);
    const producer = startChild(
      'java',
      [
        '-XX:TieredStopAtLevel=1',
        '-XX:+UseSerialGC',
        '-Xmx256m',
        '-cp',
        javaClasspath,
        'CompatClient',
        bootstrap,
        'load',
        TOPIC,
        String(PARTITIONS),
      ],
      { timeoutMs: 150_000 },
    );
    const acked = () => parseOutput(producer.stdoutSoFar()).acks.length;
    const waitForAcks = async (n: number, timeoutMs: number): Promise<boolean> => {
      const deadline = Date.now() + timeoutMs;
      while (acked() < n) {
        if (Date.now() > deadline) return false;
        await new Promise((r) => setTimeout(r, 50));
      }
      return true;
    };
    try {
      expect(await waitForAcks(5_000, 60_000), `acks before the kill; producer stderr: ${tail(producer.stdoutSoFar(), 5)}`).toBe(true);
      const oldBroker = broker!;
      oldBroker.kill('SIGKILL');
      // The producer holds still until the records acknowledged so far are checked: a write after
      // the restart would move the high watermark and hide a restart that hid them (issue 11).
      producer.kill('SIGSTOP');
      const killed = await oldBroker.exited;
      expect(killed.signal).toBe('SIGKILL');
      await new Promise((r) => setTimeout(r, 200)); // the last acks still in the pipe
      const beforeKill = parseOutput(producer.stdoutSoFar()).acks;
      const ackedAtKill = beforeKill.length;
      broker = await startBroker();
      const readBack = new Map((await kcatConsume(kcat, bootstrap, TOPIC)).map((r) => [`${r.partition}/${r.offset}`, r.value]));
      const hidden = beforeKill.filter((a) => readBack.get(`${a.partition}/${a.offset}`) !== `v-${a.index}`);
      expect(
        hidden.slice(0, 20),
        `${hidden.length} of ${ackedAtKill} records acknowledged before the kill not readable right after the restart`,
      ).toEqual([]);
      producer.kill('SIGCONT');
      // The producer reconnects to the same port and goes on: a few thousand more after the restart.
      const progressed = await waitForAcks(ackedAtKill + 2_000, 60_000);
      producer.kill('SIGKILL');
      await producer.exited;

      const out = parseOutput(producer.stdoutSoFar());
      const consumed = await kcatConsume(kcat, bootstrap, TOPIC);
      const at = new Map(consumed.map((r) => [`${r.partition}/${r.offset}`, r.value]));
      process.stderr.write(
        `[kill9] ${ackedAtKill} acks before the kill, ${out.acks.length} in all, ${consumed.length} records in the log, ${out.errors.length} failed sends\n`,
      );
      const missing = out.acks.filter((a) => at.get(`${a.partition}/${a.offset}`) !== `v-${a.index}`);
      expect(missing.slice(0, 20), `${missing.length} of ${out.acks.length} acknowledged records missing or different`).toEqual([]);
      // Offsets are contiguous per partition, and an idempotent producer's record is in the log once.
      for (let p = 0; p < PARTITIONS; p++) {
        const offsets = consumed.filter((r) => r.partition === p).map((r) => r.offset);
        expect(offsets, `kill9[${p}] offsets`).toEqual(offsets.map((_, i) => i));
      }
      const counts = new Map<string, number>();
      for (const r of consumed) counts.set(r.value!, (counts.get(r.value!) ?? 0) + 1);
      const duplicated = [...counts].filter(([, n]) => n > 1).map(([v]) => v);
      expect(duplicated.slice(0, 20), `${duplicated.length} records written more than once`).toEqual([]);
      expect(
        progressed,
        `the producer went on after the restart (${acked() - ackedAtKill} acks after ${ackedAtKill}); errors: ${out.errors.slice(0, 5).join('; ')}`,
      ).toBe(true);
    } finally {
      producer.kill('SIGKILL');
    }
  });
});
