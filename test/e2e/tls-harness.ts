import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrokerModule, BrokerService, type BrokerSecurityOptions } from '@strom/broker';
import { InProcessBus } from '@strom/bus';
import { CoordinatorModule } from '@strom/coordinator';
import { MetadataModule } from '@strom/metadata';
import { openMetadataStoreInWorker } from '@strom/metadata-store';
import { bootApp, compose, createLogger, type RunningApp } from '@strom/runtime';
import { TEST_STORE_PASSWORD, testTlsMaterial } from '@strom/testing';

export interface TlsStrom {
  running: RunningApp;
  /** 127.0.0.1:port of the TLS listener (the broker certificate has 127.0.0.1 as a SAN). */
  bootstrap: string;
  port: number;
  stop(): Promise<void>;
}

/** The broker's key store and trust store (the test CA), JKS as Kafka's defaults read them. */
export function brokerSslSettings(): Record<string, string> {
  const tls = testTlsMaterial();
  return {
    'ssl.keystore.location': tls.broker.keystoreJks,
    'ssl.keystore.password': TEST_STORE_PASSWORD,
    'ssl.key.password': TEST_STORE_PASSWORD,
    'ssl.truststore.location': tls.truststoreJks,
    'ssl.truststore.password': TEST_STORE_PASSWORD,
  };
}

/**
 * Broker, metadata and group coordinator in this process (embedded mode's modules over the
 * in-process bus) with the listener's security given as broker options: the seam that
 * server.properties' listener settings are wired to, without going through the configuration
 * parsing.
 */
export async function startTlsStrom(security: BrokerSecurityOptions): Promise<TlsStrom> {
  const dataDir = mkdtempSync(join(tmpdir(), 'strom-tls-e2e-'));
  const logger = createLogger('strom-tls-e2e', (process.env.STROM_TEST_LOG_LEVEL as 'info' | undefined) ?? 'silent');
  const bus = new InProcessBus();
  const metadataStore = await openMetadataStoreInWorker({ kind: 'pglite', dataDir: join(dataDir, 'metadata') });
  const running = await bootApp({
    name: 'strom-tls',
    module: compose({ bus, logger, metadataStore }, [
      MetadataModule.forRoot({}),
      CoordinatorModule.forRoot({}),
      BrokerModule.forRoot({ nodeId: 1, host: '127.0.0.1', port: 0, dataDir, security }),
    ]) as never,
    logger,
    handleSignals: false,
    onStopped: async () => {
      await bus.close();
      await metadataStore.close();
    },
  });
  const port = running.app.get(BrokerService).port!;
  return {
    running,
    bootstrap: `127.0.0.1:${port}`,
    port,
    stop: async () => {
      await running.stop('test done');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
