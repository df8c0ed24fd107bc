// Builds the web console (apps/admin-api/console, Preact bundled by Vite) into its dist/, which
// the admin API serves at `/`. Part of `npm run build`, `npm start` and `npm test`: it builds only
// when a source is newer than the last build, so a start with nothing changed costs a directory
// walk, not a build (and does not load Vite at all).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../apps/admin-api/console/', import.meta.url));
const built = join(root, 'dist', 'index.html');

/** The newest modification time of `path` and, for a directory, of everything under it. */
function newestMs(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestMs(join(path, name))));
}

const sources = ['index.html', 'vite.config.ts', 'src'].map((name) => join(root, name));
const sourceMs = Math.max(...sources.map(newestMs), statSync(fileURLToPath(import.meta.url)).mtimeMs);
const force = process.argv.includes('--force');
if (force || !existsSync(built) || statSync(built).mtimeMs < sourceMs) {
  const { build } = await import('vite');
  const startedMs = performance.now();
  await build({ configFile: join(root, 'vite.config.ts') });
  process.stderr.write(`web console built in ${Math.round(performance.now() - startedMs)} ms (apps/admin-api/console/dist)\n`);
}
