/**
 * Lost page cache (issue 11, point 4): power goes while pipelined appends, segment rolls,
 * DeleteRecords and checkpoints run; everything not fsynced is gone (see SimulatedDisk for the
 * model). Under an fsync-per-append policy (log.flush.interval.messages=1, or Strom's group
 * commit) every append whose promise resolved must be there after recovery, at the offset it
 * was given, exactly once, offsets contiguous, and idempotent producer state must still
 * recognise a retry of the last acknowledged batch. Without such a policy the same crash loses
 * acknowledged appends: the control case shows the simulation can make this test fail.
 *
 * Each test runs several crash rounds on one data directory, crash points drawn from a seeded
 * PRNG (`LOST_PAGE_CACHE_SEED=<n>` replays one); a failure names its seed.
 */
import { randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readRecords } from '../src/batch.js';
import type { LogConfig } from '../src/config.js';
import type { DiskLog } from '../src/disk-log.js';
import { LogDirectory } from '../src/log-directory.js';
import { PRODUCER_BATCHES_RETAINED } from '../src/producer-state.js';
import { headersOf, tempDir, testBatch } from './helpers.js';
import { SimulatedDisk } from './simulated-disk.js';

const TOPIC = 'lost';
const TOPIC_ID = '0b6a1c2e-8d4f-4e21-9a7b-3c5d6e7f8091';
const LEADER = { leaderEpoch: 0 };
const PRODUCERS = [7001n, 7002n, 7003n];
/** Small segments: a roll every few appends. */
const SEGMENTS: Partial<LogConfig> = { segmentBytes: 1024, segmentIndexBytes: 4096, indexIntervalBytes: 256, fileDeleteDelayMs: 0 };
const ROUNDS = 12;
const MAX_APPENDS_PER_ROUND = 150;
/** Crash points are drawn from the first this many mutating file operations after opening the log. */
const MAX_CRASH_OPERATION = 450;
/** Some rounds lose power while opening (recovering) the log instead, within this many operations. */
const MAX_CRASH_OPERATION_IN_OPEN = 30;

describe('lost page cache: a power loss drops every write not fsynced', () => {
  const durable: [string, Partial<LogConfig>][] = [
    ['log.flush.interval.messages=1', { flushMessages: 1 }],
    ["Strom's group commit (fsyncMode 'group')", { fsyncMode: 'group' }],
  ];
  for (const [name, policy] of durable) {
    it(`keeps every acknowledged append with ${name}`, async () => {
      const seed = chooseSeed();
      await using dir = await tempDir('strom-lost-page-cache-');
      const history = new History();
      const rng = prng(seed);
      await withSeed(seed, async () => {
        for (let round = 0; round < ROUNDS; round++) {
          // The first round writes no checkpoint (which would fsync the data directory): the new
          // partition directory's own name must be made durable by the log.
          const maintenance = round > 0;
          await crashRound(dir.path, { ...SEGMENTS, ...policy }, rng, history, crashPoint(rng, maintenance), maintenance);
          await verifyAfterCrash(dir.path, { ...SEGMENTS, ...policy }, rng, history);
          expect(history.violations, `round ${round}`).toEqual([]);
        }
      });
      expect(history.acked, `seed ${seed}`).toBeGreaterThan(ROUNDS * 5);
      expect(history.crashesMidAppends, `seed ${seed}`).toBeGreaterThan(0);
    });
  }

  it('loses acknowledged appends under the default flush policy (the simulation bites)', async () => {
    const seed = chooseSeed();
    await using dir = await tempDir('strom-lost-page-cache-');
    const history = new History();
    const rng = prng(seed);
    await withSeed(seed, async () => {
      await crashRound(dir.path, SEGMENTS, rng, history, { afterOpen: Number.POSITIVE_INFINITY }, true);
      await verifyAfterCrash(dir.path, SEGMENTS, rng, history);
    });
    expect(history.acked, `seed ${seed}`).toBe(MAX_APPENDS_PER_ROUND);
    expect(
      history.violations.filter((v) => v.startsWith('lost')),
      `seed ${seed}`,
    ).not.toEqual([]);
  });
});

// ---- the workload --------------------------------------------------------------------------

interface Sent {
  tag: string;
  records: number;
  producerId?: bigint;
  baseSequence?: number;
}

interface Placed extends Sent {
  firstOffset: number;
  lastOffset: number;
}

/** What the log must hold, across rounds. */
class History {
  appends = 0;
  acked = 0;
  crashesMidAppends = 0;
  /** Batches acknowledged, or found by a recovery (durable from then on), by tag. */
  readonly known = new Map<string, Placed>();
  /** Per producer, the acknowledged batch with the highest offset. */
  readonly lastAcked = new Map<bigint, Placed>();
  readonly nextSequence = new Map<bigint, number>(PRODUCERS.map((id) => [id, 0]));
  logStartOffset = 0;
  /** Highest DeleteRecords offset asked for, and answered. */
  deleteAsked = 0;
  deleteAnswered = 0;
  readonly violations: string[] = [];

  takeSequence(producerId: bigint, records: number): number {
    const sequence = this.nextSequence.get(producerId)!;
    this.nextSequence.set(producerId, sequence + records);
    return sequence;
  }

  onAcked(placed: Placed): void {
    this.acked++;
    this.known.set(placed.tag, placed);
    if (placed.producerId === undefined) return;
    const last = this.lastAcked.get(placed.producerId);
    if (!last || last.firstOffset < placed.firstOffset) this.lastAcked.set(placed.producerId, placed);
  }
}

/** When a round loses power: at the n-th mutating file operation while opening the log, or after. */
type CrashPoint = { inOpen: number } | { afterOpen: number };

const crashPoint = (rng: Rng, inOpenToo: boolean): CrashPoint =>
  inOpenToo && rng.chance(0.15) ? { inOpen: 1 + rng.int(MAX_CRASH_OPERATION_IN_OPEN) } : { afterOpen: 1 + rng.int(MAX_CRASH_OPERATION) };

/**
 * Opens the log on a disk that loses power at `crashAt`, and loads it until then: bursts of
 * pipelined appends and, with `maintenance`, DeleteRecords and checkpoints in between.
 */
async function crashRound(
  root: string,
  config: Partial<LogConfig>,
  rng: Rng,
  history: History,
  crashAt: CrashPoint,
  maintenance: boolean,
): Promise<void> {
  const disk = new SimulatedDisk(root, 'inOpen' in crashAt ? { crashAtOperation: crashAt.inOpen } : {});
  const pending: Promise<unknown>[] = [];
  const track = (promise: Promise<unknown>): void => {
    promise.catch(() => undefined); // failures after the crash are expected; settled below
    pending.push(promise);
  };
  const settled = { acked: 0 };
  try {
    const directory = await LogDirectory.open({ path: root, io: disk });
    const log = await directory.openLog(TOPIC, 0, { config, topicId: TOPIC_ID });
    if ('afterOpen' in crashAt) disk.crashAfter(crashAt.afterOpen);
    let ackedEnd = log.logEndOffset;
    for (let issued = 0; !disk.crashed && !log.isOffline && issued < MAX_APPENDS_PER_ROUND;) {
      const burst = Math.min(1 + rng.int(12), MAX_APPENDS_PER_ROUND - issued);
      for (let i = 0; i < burst; i++, issued++) {
        track(
          appendOne(log, rng, history).then((placed) => {
            settled.acked++;
            ackedEnd = Math.max(ackedEnd, placed.lastOffset + 1);
          }),
        );
      }
      if (maintenance && rng.chance(0.08)) track(deleteRecords(log, rng, history, ackedEnd));
      if (maintenance && rng.chance(0.1)) track(directory.checkpoint());
      // Sometimes let the writer drain, sometimes pile more appends onto the pending fsync.
      if (rng.chance(0.5)) await new Promise((resolve) => setImmediate(resolve));
      else await Promise.resolve();
    }
  } catch (error) {
    if (!disk.crashed) throw error; // lost power while opening: nothing acknowledged this round
  }
  await Promise.allSettled(pending);
  if (disk.crashed && settled.acked < pending.length) history.crashesMidAppends++;
  disk.crash(); // if it has not yet: after everything was answered
  if (disk.bypassed.length > 0) history.violations.push(`created outside the FileIo: ${disk.bypassed.join(', ')}`);
}

function appendOne(log: DiskLog, rng: Rng, history: History): Promise<Placed> {
  const records = 1 + rng.int(3);
  const producerId = rng.chance(0.75) ? PRODUCERS[rng.int(PRODUCERS.length)] : undefined;
  const sent: Sent = {
    tag: `a${history.appends++}:`,
    records,
    ...(producerId === undefined ? {} : { producerId, baseSequence: history.takeSequence(producerId, records) }),
  };
  return log.append([batchOf(sent)], LEADER).then((result) => {
    if (result.kind !== 'appended') {
      history.violations.push(`append ${sent.tag} answered ${JSON.stringify(result)}`);
      throw new Error('not appended');
    }
    const placed = { ...sent, firstOffset: result.firstOffset, lastOffset: result.lastOffset };
    history.onAcked(placed);
    return placed;
  });
}

/** DeleteRecords below a random acknowledged offset (the high watermark moves up to there first). */
async function deleteRecords(log: DiskLog, rng: Rng, history: History, ackedEnd: number): Promise<void> {
  const hw = Math.min(Math.max(log.highWatermark, ackedEnd), log.logEndOffset);
  if (hw <= log.logStartOffset) return;
  log.setHighWatermark(hw);
  const offset = log.logStartOffset + 1 + rng.int(Math.ceil((hw - log.logStartOffset) / 2));
  history.deleteAsked = Math.max(history.deleteAsked, offset);
  await log.deleteRecordsBefore(offset);
  history.deleteAnswered = Math.max(history.deleteAnswered, offset);
}

const batchOf = (sent: Sent): Buffer =>
  testBatch({
    records: sent.records,
    tag: sent.tag,
    ...(sent.producerId === undefined ? {} : { producerId: sent.producerId, producerEpoch: 0, baseSequence: sent.baseSequence }),
  });

// ---- the checks ----------------------------------------------------------------------------

/** Recovers the log from what survived and checks it against the history; then shuts down or crashes again. */
async function verifyAfterCrash(root: string, config: Partial<LogConfig>, rng: Rng, history: History): Promise<void> {
  const disk = new SimulatedDisk(root);
  const directory = await LogDirectory.open({ path: root, io: disk });
  const log = await directory.openLog(TOPIC, 0, { config, topicId: TOPIC_ID });
  const fail = (message: string): void => void history.violations.push(message);
  const start = log.logStartOffset;
  if (start < history.deleteAnswered) fail(`DeleteRecords(${history.deleteAnswered}) was answered, but the log starts at ${start}`);
  if (start > Math.max(history.logStartOffset, history.deleteAsked))
    fail(`lost: the log starts at ${start}, past every DeleteRecords (${history.deleteAsked})`);

  const found = await readWholeLog(log, fail);
  const byTag = new Map<string, Placed>();
  for (const batch of found) {
    if (byTag.has(batch.tag))
      fail(`append ${batch.tag} is in the log twice (offsets ${byTag.get(batch.tag)!.firstOffset}, ${batch.firstOffset})`);
    byTag.set(batch.tag, batch);
  }
  for (const expected of history.known.values()) {
    if (expected.lastOffset < start) continue;
    const batch = byTag.get(expected.tag);
    if (!batch) fail(`lost acknowledged append ${expected.tag} at offsets ${expected.firstOffset}..${expected.lastOffset}`);
    else if (batch.firstOffset !== expected.firstOffset || batch.lastOffset !== expected.lastOffset)
      fail(`append ${expected.tag} moved from ${expected.firstOffset} to ${batch.firstOffset}`);
  }

  await checkProducerRetries(log, found, history, fail);

  // What recovery found is durable now: no later crash may lose it.
  history.known.clear();
  for (const batch of found) history.known.set(batch.tag, batch);
  history.logStartOffset = start;
  for (const producerId of PRODUCERS) {
    const last = found.filter((b) => b.producerId === producerId).at(-1);
    if (last) history.nextSequence.set(producerId, last.baseSequence! + last.records);
  }
  // The next round opens after a clean shutdown or after another crash (recovery again).
  if (rng.chance(0.5)) await directory.close();
  else disk.crash();
}

/** A retry of each producer's last acknowledged batch must be answered as a duplicate, never appended again. */
async function checkProducerRetries(log: DiskLog, found: readonly Placed[], history: History, fail: (m: string) => void): Promise<void> {
  for (const [producerId, last] of history.lastAcked) {
    if (last.lastOffset < log.logStartOffset) continue;
    const ofProducer = found.filter((b) => b.producerId === producerId);
    const newer = ofProducer.length - 1 - ofProducer.findIndex((b) => b.tag === last.tag);
    const result = await log.append([batchOf(last)], LEADER);
    if (newer < PRODUCER_BATCHES_RETAINED) {
      if (result.kind !== 'duplicate' || result.firstOffset !== last.firstOffset)
        fail(`retry of ${last.tag} (producer ${producerId}, offset ${last.firstOffset}) answered ${JSON.stringify(result)}`);
    } else if (result.kind === 'appended') fail(`retry of ${last.tag} (producer ${producerId}) was appended again`);
  }
}

/** Every batch from the log start to the log end, checking that offsets are contiguous. */
async function readWholeLog(log: DiskLog, fail: (m: string) => void): Promise<Placed[]> {
  const batches: Placed[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const read = await log.read(offset, { maxBytes: 64 * 1024 });
    if (read.error) throw new Error(`read at ${offset}: ${read.error}`);
    let at = 0;
    for (const header of headersOf(read.records)) {
      const bytes = read.records.subarray(at, at + header.sizeBytes);
      at += header.sizeBytes;
      const first = batches.length === 0;
      if (first ? header.baseOffset > offset || header.lastOffset < offset : header.baseOffset !== offset)
        fail(`offsets not contiguous: expected ${offset}, found a batch at ${header.baseOffset}..${header.lastOffset}`);
      const value = readRecords(bytes)[0]!.value!.toString('latin1');
      batches.push({
        tag: /^a\d+:/.exec(value)![0],
        records: header.recordsCount,
        firstOffset: header.baseOffset,
        lastOffset: header.lastOffset,
        ...(header.producerId < 0n ? {} : { producerId: header.producerId, baseSequence: header.baseSequence }),
      });
      offset = header.lastOffset + 1;
    }
    if (read.records.length === 0) {
      fail(`stuck: reading at ${offset} returns nothing, the log end is ${log.logEndOffset}`);
      return batches;
    }
  }
  if (offset !== log.logEndOffset) fail(`last batch ends at ${offset}, log end is ${log.logEndOffset}`);
  return batches;
}

// ---- seeded randomness ---------------------------------------------------------------------

interface Rng {
  /** 0 ≤ n < bound. */
  int(bound: number): number;
  chance(p: number): boolean;
}

/** Runs `run`, naming the seed in whatever it throws. */
async function withSeed(seed: number, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    if (error instanceof Error) error.message = `seed ${seed} (LOST_PAGE_CACHE_SEED=${seed} replays it): ${error.message}`;
    throw error;
  }
}

function chooseSeed(): number {
  const fromEnv = process.env.LOST_PAGE_CACHE_SEED;
  return fromEnv ? Number(fromEnv) : randomInt(2 ** 31);
}

/** mulberry32 */
function prng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { int: (bound) => Math.floor(next() * bound), chance: (p) => next() < p };
}
