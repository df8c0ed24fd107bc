import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@strom/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyCounts, prepareTemplate, runTrial, type TrialReport } from './harness/trial.js';

/**
 * Seeded kill -9 trials (issue 11). `npm test` runs 30 from seed 1; `npm run torture -- --trials N
 * --seed S` runs this file with STROM_CRASH_TRIALS / STROM_CRASH_SEED, and a failing seed replays
 * with `--trials 1 --seed <seed>`.
 */
const TRIALS = Number(process.env.STROM_CRASH_TRIALS ?? 30);
const FIRST_SEED = Number(process.env.STROM_CRASH_SEED ?? 1);
/** Stop after this many failed trials: each keeps its data dir for a look. */
const MAX_FAILURES = 5;

describe('seeded kill -9 trials', () => {
  let workDir: string;
  let templateDir: string;
  let port: number;

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'strom-crash-'));
    templateDir = join(workDir, 'template');
    port = await freePort();
    await prepareTemplate(templateDir, port);
  });
  afterAll(() => {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it(
    `${TRIALS} trials from seed ${FIRST_SEED}: no acknowledged write lost, duplicated or hidden`,
    { timeout: 120_000 + TRIALS * 60_000 },
    async () => {
      const failed: TrialReport[] = [];
      const totals = emptyCounts();
      const startedMs = Date.now();
      for (let seed = FIRST_SEED; seed < FIRST_SEED + TRIALS && failed.length < MAX_FAILURES; seed++) {
        const report = await runTrial({ seed, port, templateDir, workDir });
        for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += report[key];
        const line =
          `[crash] seed ${seed}: ${report.rounds} round(s), kill after ${report.killAfterMs.join('+')} ms, ` +
          `${report.recordsAcked} acked, ${report.recordsChecked} checked, ${report.recordsGone} deleted or compacted, ` +
          `${report.recordsOfDeletedTopics} in deleted topics, ` +
          `${report.commitsChecked} commits, ${report.topicsChecked} topics (${report.producers.join(', ')})`;
        process.stderr.write(`${line}\n`);
        if (report.violations.length > 0) {
          failed.push(report);
          process.stderr.write(
            `[crash] seed ${seed} FAILED (replay: npm run torture -- --trials 1 --seed ${seed}; data dir kept in ${workDir}):\n  ${report.violations.slice(0, 20).join('\n  ')}\n`,
          );
        }
      }
      const last = FIRST_SEED + TRIALS - 1;
      process.stderr.write(
        `[crash] ${TRIALS} trials, seeds ${FIRST_SEED}..${last}, ${totals.rounds} kill -9 rounds in ${Math.round((Date.now() - startedMs) / 1000)} s: ` +
          `${totals.recordsAcked} records acknowledged, ${totals.recordsChecked} read back at their offsets exactly once, ` +
          `${totals.recordsGone} legitimately deleted (DeleteRecords) or compacted, ${totals.recordsOfDeletedTopics} in deleted topics, ${totals.commitsChecked} committed offsets and ${totals.topicsChecked} topics checked, ` +
          `${totals.partitionsChecked} partitions with log end = high watermark; failed seeds: ${failed.map((f) => f.seed).join(', ') || 'none'}\n`,
      );
      expect(
        failed.map((f) => ({ seed: f.seed, violations: f.violations.slice(0, 10) })),
        'failed trials',
      ).toEqual([]);
    },
  );
});
