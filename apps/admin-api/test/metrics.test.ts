import { InProcessBus } from '@strom/bus';
import { bootApp, compose, createLogger, EXPOSITION_CONTENT_TYPE, MetricsRegistry, type RunningApp } from '@strom/runtime';
import { parseExposition } from '@strom/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { AdminApiModule } from '../src/index.js';

describe('the admin API as its own process', () => {
  let running: RunningApp | undefined;
  afterEach(async () => running?.stop('test done'));

  it("serves its process's metrics registry at GET /metrics in Prometheus's text format", async () => {
    const metrics = new MetricsRegistry();
    metrics.register((out) => void out.family('strom_admin_probe', 'gauge', 'A probe.').sample('strom_admin_probe', '', 7));
    const logger = createLogger('admin-api-test', 'silent');
    running = await bootApp({
      name: 'admin-api',
      module: compose({ bus: new InProcessBus(), logger, metrics }, [AdminApiModule]) as never,
      logger,
      http: { host: '127.0.0.1', port: 0 },
      shutdownTimeoutMs: 5_000,
    });
    const response = await fetch(`http://127.0.0.1:${running.httpPort}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(EXPOSITION_CONTENT_TYPE);
    const exposition = parseExposition(await response.text());
    expect(exposition.value('strom_admin_probe')).toBe(7);
    expect(exposition.types.get('nodejs_heap_size_used_bytes')).toBe('gauge');
  });
});
