import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const fixture = new URL('./fixtures/loaded-packages.mjs', import.meta.url).pathname;

describe('embedded Strom loads only what it uses', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'strom-footprint-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts without Prisma, pg, PGlite, the Temporal client or node-forge, and boots the admin API on its first request', () => {
    const run = spawnSync(process.execPath, [fixture, dataDir], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    const { beforeAdmin, afterAdmin, health } = JSON.parse(run.stdout.trim().split('\n').pop()!) as {
      beforeAdmin: string[];
      afterAdmin: string[];
      health: number;
    };
    // Each costs start-up time and memory for nothing in embedded mode (bench/footprint).
    const unused = [
      '@prisma/client',
      '@prisma/adapter-pg',
      'pg',
      '@electric-sql/pglite',
      'pglite-prisma-adapter',
      '@temporalio/client',
      '@grpc/grpc-js',
      'node-forge',
      'jks-js',
    ];
    // The admin API's request validation (~15 ms and ~13 MiB to load) comes with its first request.
    expect(beforeAdmin).not.toContain('ajv');
    expect(afterAdmin).toContain('ajv');
    expect(beforeAdmin.filter((name) => unused.includes(name))).toEqual([]);
    expect(beforeAdmin).not.toContain('express');
    expect(health).toBe(200);
    expect(afterAdmin).toContain('express');
    expect(afterAdmin.filter((name) => unused.includes(name))).toEqual([]);
  });
});
