import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The flags the repository's `npm start` gives node (package.json's start script reads
 * `node <flags> apps/strom/dist/main.js start`), so a test or benchmark that spawns the built CLI
 * runs Strom as a user's `npm start` does.
 */
export function npmStartNodeFlags(repoDir: string): string[] {
  const packageJson = JSON.parse(readFileSync(join(repoDir, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  const start = packageJson.scripts?.['start'] ?? '';
  const match = /\bnode((?: --\S+)*) apps\/strom\/dist\/main\.js start\b/.exec(start);
  if (!match) throw new Error(`package.json's start script does not run apps/strom/dist/main.js start: ${start}`);
  return match[1]!.trim().split(/\s+/).filter(Boolean);
}
