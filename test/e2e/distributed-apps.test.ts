import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { NatsBus, requestJson } from '@strom/bus';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { cleanEnv, freshDatabase, mainOf, startApp, type AppProcess } from './app-process.js';

const execFileAsync = promisify(execFile);
const apps = ['broker', 'metadata', 'coordinator', 'retention', 'orchestrator', 'admin-api'] as const;

describe('each app as its own process (distributed mode) on real NATS and Postgres', () => {
  const running: AppProcess[] = [];
  afterAll(() => {
    for (const app of running) app.child.kill('SIGKILL');
  });

  it.each(apps)('%s prints its flags and env names with --help', async (app) => {
    const { stdout } = await execFileAsync(process.execPath, [mainOf(app), '--help'], { encoding: 'utf8', timeout: 30_000 });
    expect(stdout).toContain(`strom ${app}`);
    expect(stdout).toContain('STROM_NATS_URL');
  });

  it('metadata and coordinator boot from env, serve over NATS, and stop cleanly on SIGTERM', async () => {
    const databaseUrl = await freshDatabase(`strom_apps_${process.pid}`);
    const env = { STROM_NATS_URL: inject('natsUrl'), DATABASE_URL: databaseUrl };
    const metadata = await startApp('metadata', env);
    running.push(metadata);
    const coordinator = await startApp('coordinator', { ...env, STROM_HEALTH_PORT: '0' });
    running.push(coordinator);
    // Asked for, the health endpoint answers live and ready once the app said it was ready; not asked for, there is none.
    const healthPort = coordinator.lines.find((line) => line.msg.startsWith('health endpoint listening'))?.port as number;
    const probe = async (path: string) => (await fetch(`http://127.0.0.1:${healthPort}${path}`)).status;
    expect([await probe('/health'), await probe('/ready')]).toEqual([200, 200]);
    expect(metadata.lines.some((line) => line.msg.startsWith('health endpoint'))).toBe(false);

    const bus = await NatsBus.connect({ servers: inject('natsUrl'), name: 'distributed-apps-test' });
    try {
      const { version } = await requestJson<{ version: string }>(bus, 'strom.metadata.version', {}, { timeoutMs: 10_000 });
      expect(BigInt(version)).toBeGreaterThanOrEqual(0n);
      const block = await requestJson<{ firstProducerId: string; size: number }>(
        bus,
        'strom.coordinator.producer-ids.block',
        { size: 10 },
        { timeoutMs: 10_000 },
      );
      expect(block.size).toBe(10);
    } finally {
      await bus.close();
    }
    metadata.child.kill('SIGTERM');
    coordinator.child.kill('SIGTERM');
    expect(await metadata.exited).toBe(0);
    expect(await coordinator.exited).toBe(0);
    expect(await probe('/health').catch(() => 'closed')).toBe('closed');
  }, 90_000);

  it('refuses a bad env value with one line naming it', async () => {
    const failure = await execFileAsync(process.execPath, [mainOf('retention')], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...cleanEnv(), STROM_RETENTION_CHECK_INTERVAL_MS: 'often' },
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr.trim()).toBe(
      'strom retention: STROM_RETENTION_CHECK_INTERVAL_MS: log.retention.check.interval.ms: ' +
        'Invalid value often for configuration log.retention.check.interval.ms: Not a number of type LONG',
    );
  });
});
