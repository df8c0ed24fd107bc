import { describe, expect, it } from 'vitest';
import { MAX_REGEX_WORKERS, RegexWorker } from '../src/strom-api/regex-worker.js';

/** One batch: the fields' bytes one after another, and per field its record index, start and length. */
function batch(fields: readonly string[]): { bytes: Uint8Array; spans: Int32Array } {
  const bytes = Buffer.from(fields.join(''), 'utf8');
  const spans: number[] = [];
  let at = 0;
  for (const [record, field] of fields.entries()) {
    const length = Buffer.byteLength(field);
    spans.push(record, at, length);
    at += length;
  }
  return { bytes: new Uint8Array(bytes), spans: Int32Array.from(spans) };
}

/** RegExp takes 2^40 steps for `^(a+)+$` on this. */
const CATASTROPHIC = `${'a'.repeat(40)}!`;

describe('the regex worker', () => {
  it('answers which records match, on the fields decoded as UTF-8', async () => {
    const regex = new RegexWorker('^ÄRGER-[0-9]+$', 'iu');
    try {
      const { bytes, spans } = batch(['ärger-12', 'ärger-x', 'ÄRGER-7', 'other']);
      expect([...(await regex.match(bytes, spans, 4, Date.now() + 10_000))!]).toEqual([1, 0, 1, 0]);
    } finally {
      regex.close();
    }
  });

  it('stops a catastrophic pattern when the deadline comes, and starts a new worker for the next batch', async () => {
    const regex = new RegexWorker('^(a+)+$', 'u');
    try {
      const startedMs = Date.now();
      const { bytes, spans } = batch([CATASTROPHIC]);
      expect(await regex.match(bytes, spans, 1, startedMs + 500)).toBeUndefined();
      expect(Date.now() - startedMs).toBeLessThan(2_000);
      const next = batch(['aaaa']);
      expect([...(await regex.match(next.bytes, next.spans, 1, Date.now() + 10_000))!]).toEqual([1]);
    } finally {
      regex.close();
    }
  });

  it(`runs at most ${MAX_REGEX_WORKERS} workers at once: another search waits for one until its deadline`, async () => {
    const stuck = Array.from({ length: MAX_REGEX_WORKERS }, () => new RegexWorker('^(a+)+$', 'u'));
    const waiting = new RegexWorker('b', 'u');
    try {
      const stuckDeadlineMs = Date.now() + 1_500;
      const answers = stuck.map((regex) => {
        const { bytes, spans } = batch([CATASTROPHIC]);
        return regex.match(bytes, spans, 1, stuckDeadlineMs);
      });
      const early = batch(['b']);
      const earlyStartedMs = Date.now();
      // No worker free before its deadline: answered as out of time, without running.
      expect(await waiting.match(early.bytes, early.spans, 1, Date.now() + 300)).toBeUndefined();
      expect(Date.now() - earlyStartedMs).toBeLessThan(1_000);
      // A wait that outlasts the stuck ones gets the first worker they give up.
      const late = batch(['b']);
      expect([...(await waiting.match(late.bytes, late.spans, 1, Date.now() + 10_000))!]).toEqual([1]);
      expect(Date.now()).toBeGreaterThanOrEqual(stuckDeadlineMs);
      expect(await Promise.all(answers)).toEqual(stuck.map(() => undefined));
    } finally {
      for (const regex of [...stuck, waiting]) regex.close();
    }
  });
});
