import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RunningApp } from '@strom/runtime';
import { TEST_STORE_PASSWORD, testTlsMaterial } from '@strom/testing';
import { startEmbeddedStrom } from './embedded-harness.js';
import { writeServerProperties } from './sasl-support.js';

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

/** Settings as server.properties lines. */
export function propertyLines(settings: Record<string, string>, prefix = ''): string[] {
  return Object.entries(settings).map(([key, value]) => `${prefix}${key}=${value}`);
}

/**
 * Embedded Strom (`strom start --config`) from these server.properties lines: the TLS listener is
 * configured exactly as a user would configure it.
 */
export async function startTlsStrom(serverProperties: string[]): Promise<TlsStrom> {
  const file = writeServerProperties(serverProperties);
  const strom = await startEmbeddedStrom([], undefined, file);
  return {
    running: strom.running,
    bootstrap: strom.bootstrap,
    port: strom.port,
    stop: async () => {
      await strom.stop();
      rmSync(dirname(file), { recursive: true, force: true });
    },
  };
}
