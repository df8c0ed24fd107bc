import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { LogDirectory } from '@strom/storage';
import { BrokerProcess } from '../broker-process.js';
import { Model } from './model.js';
import { Rng } from './rng.js';
import { verify } from './verify.js';
import { CODECS, Workload, type ProducerPlan } from './workload.js';

/** Retention and compaction passes every second (the least Strom takes), so compaction runs within a trial. */
export const BROKER_ARGS = ['--log-level', 'info', '--retention-check-interval-ms', '1000'];

/** What a trial counted: trials add up into a run's totals. */
export interface TrialCounts {
  rounds: number;
  recordsAcked: number;
  recordsChecked: number;
  recordsGone: number;
  recordsOfDeletedTopics: number;
  commitsChecked: number;
  topicsChecked: number;
  partitionsChecked: number;
}

export const emptyCounts = (): TrialCounts => ({
  rounds: 0,
  recordsAcked: 0,
  recordsChecked: 0,
  recordsGone: 0,
  recordsOfDeletedTopics: 0,
  commitsChecked: 0,
  topicsChecked: 0,
  partitionsChecked: 0,
});

export interface TrialReport extends TrialCounts {
  seed: number;
  /** Per round: ms from the start of the work to the SIGKILL. */
  killAfterMs: number[];
  producers: string[];
  violations: string[];
}

export interface TrialOptions {
  seed: number;
  port: number;
  /** A data dir a broker was started in once and stopped cleanly: copied, so a trial skips the first start's initdb. */
  templateDir: string;
  workDir: string;
}

/**
 * One seeded trial: from a fresh copy of the template data dir, 1 or 2 rounds of random
 * real-client work (idempotent acks=all and acks=1 producers with a codec each, topic creation
 * and deletion with small segments and compaction, DeleteRecords, offset commits), each ended by
 * SIGKILL to the broker's process group at a seeded moment, a restart, and the checks of
 * `verify` before anything is written. Last, the broker is killed once more and its logs opened
 * from disk: each partition's log end offset must be the high watermark clients were shown
 * (single replica: nothing recovered may stay hidden). The seed fixes the work and the kill points.
 */
export async function runTrial(options: TrialOptions): Promise<TrialReport> {
  const rng = new Rng(options.seed);
  const dataDir = join(options.workDir, `trial-${options.seed}`);
  rmSync(dataDir, { recursive: true, force: true });
  cpSync(options.templateDir, dataDir, { recursive: true });
  const model = new Model();
  const report: TrialReport = {
    ...emptyCounts(),
    seed: options.seed,
    rounds: rng.chance(0.35) ? 2 : 1,
    killAfterMs: [],
    producers: [],
    violations: [],
  };
  const start = () => BrokerProcess.start({ port: options.port, dataDir, args: BROKER_ARGS });
  let broker: BrokerProcess | undefined = await start();
  try {
    let observedOffsets = new Map<string, Map<number, [number, number]>>();
    for (let round = 0; round < report.rounds; round++) {
      const plans = producerPlans(rng);
      report.producers.push(...plans.map((p) => p.label));
      const killAfterMs = rng.int(150, 1_500);
      report.killAfterMs.push(killAfterMs);
      const workload = new Workload(broker.bootstrap, model, rng.fork(10 + round), `s${options.seed}r${round}`, plans);
      workload.start();
      await new Promise((resolve) => setTimeout(resolve, killAfterMs));
      await broker.kill9();
      await workload.stop();
      report.violations.push(...workload.errors);
      broker = undefined;
      broker = await start();
      const { violations, observed } = await verify(broker.bootstrap, model);
      report.violations.push(...violations.map((v) => `round ${round}: ${v}`));
      Object.assign(report, {
        recordsChecked: observed.recordsChecked,
        recordsGone: observed.recordsGone,
        recordsOfDeletedTopics: observed.recordsOfDeletedTopics,
        commitsChecked: report.commitsChecked + observed.commitsChecked,
        topicsChecked: observed.topicsChecked,
      });
      observedOffsets = observed.offsets;
      if (report.violations.length > 0) break;
    }
    report.recordsAcked = model.records.length;
    const accounted = report.recordsChecked + report.recordsGone + report.recordsOfDeletedTopics;
    if (report.violations.length === 0 && accounted !== report.recordsAcked)
      report.violations.push(`${report.recordsAcked} records acknowledged, but ${accounted} accounted for by the checks`);
    await broker.kill9();
    broker = undefined;
    if (report.violations.length === 0) {
      const directory = await LogDirectory.open({ path: join(dataDir, 'kafka-logs') });
      try {
        for (const [topic, partitions] of observedOffsets) {
          for (const [partition, [, highWatermark]] of partitions) {
            report.partitionsChecked++;
            const log = await directory.openLog(topic, partition);
            if (log.logEndOffset !== highWatermark)
              report.violations.push(`${topic}[${partition}]: log end offset ${log.logEndOffset} on disk, high watermark ${highWatermark}`);
          }
        }
      } finally {
        await directory.close();
      }
    }
  } finally {
    await broker?.kill9().catch(() => undefined);
    if (report.violations.length === 0) rmSync(dataDir, { recursive: true, force: true });
  }
  return report;
}

function producerPlans(rng: Rng): ProducerPlan[] {
  const plan = (idempotent: boolean): ProducerPlan => {
    const codec = rng.pick(CODECS);
    return { label: idempotent ? `idempotent-acks-all-${codec}` : `acks-1-${codec}`, idempotent, acks: idempotent ? -1 : 1, codec };
  };
  const plans = [plan(true), plan(false)];
  if (rng.chance(0.5)) plans.push(plan(rng.chance(0.5)));
  return plans.map((p, i) => ({ ...p, label: `${p.label}-${i}` }));
}

/** Starts a broker on a fresh data dir and stops it cleanly: the template each trial copies. */
export async function prepareTemplate(dir: string, port: number): Promise<void> {
  const broker = await BrokerProcess.start({ port, dataDir: dir, args: BROKER_ARGS });
  await broker.stop();
}
