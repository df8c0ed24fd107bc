// npm run bench -- <scenario>: runs bench/<scenario>/<scenario>-bench.ts on Node 24.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const scenario = process.argv[2];
// A scenario is a directory with a <name>-bench.ts (not results/, not the shared lib/).
const available = readdirSync(new URL('.', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(new URL(`./${entry.name}/${entry.name}-bench.ts`, import.meta.url)))
  .map((entry) => entry.name);
if (!scenario || !available.includes(scenario)) {
  console.error(`usage: npm run bench -- <${available.join('|')}>`);
  process.exit(2);
}
const script = new URL(`./${scenario}/${scenario}-bench.ts`, import.meta.url).pathname;
if (!existsSync(script)) {
  console.error(`bench/${scenario} has no ${scenario}-bench.ts`);
  process.exit(2);
}
const result = spawnSync(process.execPath, ['--expose-gc', '--max-semi-space-size=128', script, ...process.argv.slice(3)], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
