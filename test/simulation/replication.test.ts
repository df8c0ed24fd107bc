import { describe, expect, it } from 'vitest';
import { simulate } from './sim/cluster.js';

/** Seeds per `npm test` run; `npm run simulate -- --seeds N --from S` runs more. */
const SEEDS = Number(process.env.STROM_SIM_SEEDS ?? 2000);
const FROM = Number(process.env.STROM_SIM_SEED ?? 1);

describe('replication under a seeded schedule of faults (deterministic simulation)', () => {
  it(`keeps every acknowledged record and its invariants over ${SEEDS} seeds from ${FROM}`, () => {
    const failures: string[] = [];
    let acknowledged = 0;
    let leaderChanges = 0;
    for (let seed = FROM; seed < FROM + SEEDS; seed++) {
      const result = simulate({ seed });
      acknowledged += result.acknowledged;
      leaderChanges += result.leaderChanges;
      if (result.violations.length > 0)
        failures.push(`seed ${seed} (replay: STROM_SIM_SEED=${seed} STROM_SIM_SEEDS=1): ${result.violations.join('; ')}`);
    }
    expect(failures).toEqual([]);
    // The runs did something: records were acknowledged and leaders changed under the faults.
    expect(acknowledged).toBeGreaterThan(SEEDS * 100);
    expect(leaderChanges).toBeGreaterThan(SEEDS / 2);
  }, 600_000);

  it('replays a seed exactly', () => {
    const first = simulate({ seed: 42, trace: true });
    const second = simulate({ seed: 42, trace: true });
    expect(second.trace).toEqual(first.trace);
    expect(second.events).toBe(first.events);
    expect(first.trace.length).toBeGreaterThan(0);
  });
});
