// npm run torture -- --trials N --seed S [--parallel P]: the seeded kill -9 trials of
// test/crash/crash-trials.test.ts, seeds S..S+N-1, split over P runners (each its own broker on
// its own port). A failing trial prints its seed; `--trials 1 --seed <seed>` replays it.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const usage = 'usage: npm run torture -- --trials N --seed S [--parallel P]';
let values;
try {
  ({ values } = parseArgs({
    options: {
      trials: { type: 'string', default: '100' },
      seed: { type: 'string', default: '1' },
      parallel: { type: 'string', default: '1' },
    },
  }));
} catch (error) {
  console.error(`${error.message}\n${usage}`);
  process.exit(2);
}
const trials = Number(values.trials);
const seed = Number(values.seed);
const parallel = Number(values.parallel);
for (const [name, value, min] of [
  ['--trials', trials, 1],
  ['--seed', seed, 0],
  ['--parallel', parallel, 1],
]) {
  if (!Number.isSafeInteger(value) || value < min) {
    console.error(`${name} must be a whole number of at least ${min}\n${usage}`);
    process.exit(2);
  }
}

const runners = Math.min(parallel, trials);
const runs = [];
let next = seed;
for (let i = 0; i < runners; i++) {
  const count = Math.floor(trials / runners) + (i < trials % runners ? 1 : 0);
  const first = next;
  next += count;
  runs.push(
    new Promise((resolve) => {
      const child = spawn(
        process.execPath,
        [join(repo, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', join(repo, 'test', 'crash', 'torture.config.ts')],
        {
          cwd: repo,
          stdio: ['ignore', 'inherit', 'inherit'],
          env: { ...process.env, STROM_CRASH_TRIALS: String(count), STROM_CRASH_SEED: String(first) },
        },
      );
      child.on('close', (code) => resolve({ first, count, code }));
    }),
  );
}
const results = await Promise.all(runs);
for (const { first, count, code } of results)
  console.log(`[torture] seeds ${first}..${first + count - 1}: ${code === 0 ? 'passed' : `FAILED (exit ${code})`}`);
process.exit(results.every((r) => r.code === 0) ? 0 : 1);
