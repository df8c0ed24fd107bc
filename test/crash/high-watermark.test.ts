import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@strom/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePython } from '../compat/drivers/python.js';
import { runChild } from '../compat/support/child-process.js';
import { BrokerProcess } from './broker-process.js';

const SCRIPT = join(import.meta.dirname, 'fixtures', 'durability.py');
const TOPIC = 'dur';
const PARTITIONS = 3;
const RECORDS = 20_000;

interface Check {
  watermarks: Record<string, [number, number]>;
  consumed: Record<string, number>;
  distinct: number;
  duplicates: number;
}

/**
 * Issue 11's repro, as a user of confluent-kafka-python sees it: 20,000 records acknowledged with
 * acks=all, kill -9, restart, and then, before anything is written again, every partition's high
 * watermark is its log end and a consumer from the beginning reads every record. Then the same
 * after a clean stop and start (which checkpoints the high watermark), and after another kill -9.
 */
describe('acknowledged records are visible right after a restart', () => {
  let dataDir: string;
  let port: number;
  let python: string;
  let broker: BrokerProcess | undefined;

  beforeAll(async () => {
    python = ensurePython();
    dataDir = mkdtempSync(join(tmpdir(), 'strom-hw-'));
    port = await freePort();
  });
  afterAll(async () => {
    await broker?.kill9().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });

  const python3 = async (...args: string[]): Promise<unknown> => {
    const { stdout } = await runChild(python, [SCRIPT, `127.0.0.1:${port}`, ...args], {
      timeoutMs: 120_000,
      env: { PYTHONDONTWRITEBYTECODE: '1' },
    });
    return JSON.parse(stdout.trim().split('\n').pop()!);
  };

  it('after kill -9, after a clean restart, and after kill -9 again', { timeout: 400_000 }, async () => {
    broker = await BrokerProcess.start({ port, dataDir });
    const produced = (await python3('produce', TOPIC, String(PARTITIONS), String(RECORDS))) as {
      acked: Record<string, number>;
      errors: string[];
      unflushed: number;
    };
    expect(produced.errors).toEqual([]);
    const acked = produced.acked;
    expect(Object.values(acked).reduce((a, b) => a + b, 0)).toBe(RECORDS);
    const expected: Check = {
      watermarks: Object.fromEntries(Object.entries(acked).map(([p, n]) => [p, [0, n]])),
      consumed: acked,
      distinct: RECORDS,
      duplicates: 0,
    };

    const restarts: [string, () => Promise<void>][] = [
      ['kill -9', () => broker!.kill9()],
      ['clean stop', async () => void (await broker!.stop())],
      ['kill -9 after the clean restart', () => broker!.kill9()],
    ];
    for (const [how, stop] of restarts) {
      await stop();
      broker = await BrokerProcess.start({ port, dataDir });
      expect(await python3('check', TOPIC, String(PARTITIONS), String(RECORDS)), `after ${how}`).toEqual(expected);
    }
  });
});
