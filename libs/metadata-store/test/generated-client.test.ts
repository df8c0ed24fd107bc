import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url).pathname;
const committed = join(root, 'libs/metadata-store/src/generated/prisma');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

describe('the committed Prisma client', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'strom-prisma-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('is what prisma generate makes of prisma/schema.prisma today', () => {
    // Same relative layout as the repo, so the output path (inlined in the client) is the same.
    mkdirSync(join(scratch, 'prisma'));
    writeFileSync(join(scratch, 'prisma/schema.prisma'), readFileSync(join(root, 'prisma/schema.prisma')));
    const result = spawnSync(join(root, 'node_modules/.bin/prisma'), ['generate', '--schema', join(scratch, 'prisma/schema.prisma')], {
      cwd: scratch,
      encoding: 'utf8',
      env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.execPath, PRISMA_HIDE_UPDATE_MESSAGE: '1' },
      timeout: 60_000,
    });
    expect(result.status, result.stderr).toBe(0);
    const fresh = join(scratch, 'libs/metadata-store/src/generated/prisma');
    const list = (dir: string) =>
      files(dir)
        .map((file) => relative(dir, file))
        .sort();
    expect(list(fresh)).toEqual(list(committed));
    for (const file of list(committed)) {
      expect(readFileSync(join(fresh, file), 'utf8'), `${file} is stale: run npm run prisma:generate`).toBe(
        readFileSync(join(committed, file), 'utf8'),
      );
    }
  }, 90_000);
});
