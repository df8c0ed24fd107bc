import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrokerService } from '@strom/broker';
import { loadServerConfig } from '@strom/config';
import { createLogger, type RunningApp } from '@strom/runtime';
import { EMBEDDED_KEYS, startEmbedded } from '@strom/strom';

export interface EmbeddedStrom {
  running: RunningApp;
  /** host:port of the Kafka listener. */
  bootstrap: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

/** Starts embedded Strom in this process on ephemeral ports with a fresh data dir. */
export async function startEmbeddedStrom(
  extraArgs: string[] = [],
  dataDir?: string,
  serverPropertiesPath?: string,
): Promise<EmbeddedStrom> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'strom-e2e-'));
  const argv = ['--port', '0', '--admin-port', '0', '--data-dir', dir, ...extraArgs];
  if (serverPropertiesPath) argv.push('--config', serverPropertiesPath);
  const config = await loadServerConfig({ argv, env: {}, keys: EMBEDDED_KEYS });
  const running = await startEmbedded(
    config,
    createLogger('strom-e2e', (process.env.STROM_TEST_LOG_LEVEL as 'info' | undefined) ?? 'silent'),
    { handleSignals: false },
  );
  const port = running.app.get(BrokerService).port!;
  return {
    running,
    bootstrap: `127.0.0.1:${port}`,
    port,
    dataDir: dir,
    stop: async () => {
      await running.stop('test done');
      if (!dataDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
