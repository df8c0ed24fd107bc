import type { Logger } from '@strom/runtime';
import { describe, expect, it } from 'vitest';
import { ConnectionLog } from '../src/network/connection-log.js';

/** A logger that keeps the info lines, and a clock the test moves. */
function setup(limits = { maxLinesPerInterval: 2, intervalMs: 1000, maxTrackedKeys: 3 }) {
  const lines: { fields: Record<string, unknown>; message: string }[] = [];
  const logger = { info: (fields: Record<string, unknown>, message: string) => lines.push({ fields, message }) } as unknown as Logger;
  const clock = { ms: 0 };
  const log = new ConnectionLog(logger, limits, () => clock.ms);
  return { lines, clock, log, messages: () => lines.map((l) => l.message) };
}

const BAD = 'closing connection after bad request';

describe('ConnectionLog', () => {
  it('writes at most the limit per kind and host in one interval, then one summary when it ends', () => {
    const { log, clock, lines, messages } = setup();
    for (let i = 0; i < 2871; i++) log.info(BAD, '10.0.0.1', { client: `10.0.0.1:${40000 + i}` }, BAD);
    expect(messages()).toEqual([BAD, BAD]);

    clock.ms = 999; // one ms short of the interval: still counting
    log.sweep();
    expect(lines).toHaveLength(2);

    clock.ms = 1000;
    log.sweep();
    expect(messages()).toEqual([BAD, BAD, `suppressed 2869 similar: ${BAD}`]);
    expect(lines[2]!.fields).toEqual({ kind: BAD, client: '10.0.0.1', suppressed: 2869, windowMs: 1000 });
    expect(log.trackedKeys).toBe(0);
  });

  it('a new line after the interval ends the old window and starts a new one', () => {
    const { log, clock, messages } = setup();
    for (let i = 0; i < 3; i++) log.info(BAD, 'h', {}, BAD);
    clock.ms = 1500;
    log.info(BAD, 'h', {}, BAD);
    expect(messages()).toEqual([BAD, BAD, `suppressed 1 similar: ${BAD}`, BAD]);
  });

  it('limits each kind and each host separately', () => {
    const { log, messages } = setup();
    for (let i = 0; i < 3; i++) {
      log.info(BAD, 'a', {}, BAD);
      log.info(BAD, 'b', {}, BAD);
      log.info('SASL authentication failed', 'a', {}, 'SASL authentication failed');
    }
    expect(messages().filter((m) => m === BAD)).toHaveLength(4);
    expect(messages().filter((m) => m === 'SASL authentication failed')).toHaveLength(2);
  });

  it('an interval without suppressed lines ends silently', () => {
    const { log, clock, lines } = setup();
    log.info(BAD, 'h', {}, BAD);
    clock.ms = 5000;
    log.sweep();
    expect(lines).toHaveLength(1);
    expect(log.trackedKeys).toBe(0);
  });

  it('tracks at most maxTrackedKeys, forgetting the least recently seen and reporting what it had suppressed', () => {
    const { log, messages } = setup();
    for (let i = 0; i < 3; i++) log.info(BAD, 'first', {}, BAD); // 1 suppressed
    log.info(BAD, 'second', {}, BAD);
    log.info(BAD, 'third', {}, BAD);
    log.info(BAD, 'second', {}, BAD); // 'first' is now the least recently seen
    expect(log.trackedKeys).toBe(3);

    log.info(BAD, 'fourth', {}, BAD);
    expect(log.trackedKeys).toBe(3);
    expect(messages()).toContain(`suppressed 1 similar: ${BAD}`);

    for (let host = 0; host < 100; host++) log.info(BAD, `host-${host}`, {}, BAD);
    expect(log.trackedKeys).toBe(3);
  });

  it('refuses limits that would log nothing or track nothing', () => {
    const logger = { info: () => {} } as unknown as Logger;
    expect(() => new ConnectionLog(logger, { maxLinesPerInterval: 0, intervalMs: 1000, maxTrackedKeys: 1 })).toThrow(/positive/);
    expect(() => new ConnectionLog(logger, { maxLinesPerInterval: 1, intervalMs: 1000, maxTrackedKeys: 0 })).toThrow(/positive/);
  });
});
