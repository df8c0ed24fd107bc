import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { npmStartNodeFlags } from '../src/npm-start.js';

const REPO = resolve(import.meta.dirname, '..', '..', '..');

describe('npmStartNodeFlags', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function repoWithStart(start: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'strom-npm-start-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ scripts: { start } }));
    return dir;
  }

  it("reads this repository's start script: npm start gives the broker its heap (README, bench/compare/PROFILE.md)", () => {
    expect(npmStartNodeFlags(REPO)).toContain('--initial-old-space-size=128');
  });

  it('takes every flag between node and the CLI, and none when there are none', () => {
    expect(npmStartNodeFlags(repoWithStart('tsc -b && node --a=1 --b apps/strom/dist/main.js start'))).toEqual(['--a=1', '--b']);
    expect(npmStartNodeFlags(repoWithStart('node apps/strom/dist/main.js start'))).toEqual([]);
  });

  it('refuses a start script that does not run the CLI, rather than guess', () => {
    expect(() => npmStartNodeFlags(repoWithStart('node somewhere-else.js'))).toThrow(/does not run apps\/strom\/dist\/main.js start/);
  });
});
