// npm run simulate -- --seeds N --seed S: the deterministic replication simulation of
// test/simulation/replication.test.ts over seeds S..S+N-1. A failing seed is printed with the
// command that replays it (`--seeds 1 --seed <seed>`); the same seed replays the same run.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const usage = 'usage: npm run simulate -- --seeds N --seed S';
let values;
try {
  ({ values } = parseArgs({ options: { seeds: { type: 'string', default: '10000' }, seed: { type: 'string', default: '1' } } }));
} catch (error) {
  console.error(`${error.message}\n${usage}`);
  process.exit(2);
}
for (const [name, value, min] of [
  ['--seeds', Number(values.seeds), 1],
  ['--seed', Number(values.seed), 0],
]) {
  if (!Number.isSafeInteger(value) || value < min) {
    console.error(`${name} must be a whole number of at least ${min}\n${usage}`);
    process.exit(2);
  }
}
const result = spawnSync(
  process.execPath,
  [
    join(repo, 'node_modules', 'vitest', 'vitest.mjs'),
    'run',
    'test/simulation/replication.test.ts',
    '-t',
    'keeps every acknowledged record',
  ],
  { cwd: repo, stdio: 'inherit', env: { ...process.env, STROM_SIM_SEEDS: values.seeds, STROM_SIM_SEED: values.seed } },
);
process.exit(result.status ?? 1);
