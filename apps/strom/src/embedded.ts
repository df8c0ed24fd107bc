import { join } from 'node:path';
import { AdminApiModule, adminHttpConfig } from '@strom/admin-api';
import { BrokerModule, brokerListenerConfig } from '@strom/broker';
import { InProcessBus } from '@strom/bus';
import { CoordinatorModule } from '@strom/coordinator';
import { openMetadataStore } from '@strom/metadata-store';
import { MetadataModule } from '@strom/metadata';
import { RetentionModule, retentionSchedulingConfig } from '@strom/retention';
import type { ServerProperties } from './server-properties.js';
import { bootApp, commonConfig, compose, defineConfigSchema, type ConfigValues, type Logger, type RunningApp } from '@strom/runtime';

/** Everything `strom start` reads: the apps' own fields, without NATS, Postgres or Temporal. */
export const embeddedConfig = defineConfigSchema({
  ...commonConfig,
  config: {
    type: 'string',
    env: 'STROM_CONFIG',
    flag: 'config',
    doc: "a Kafka server.properties file (Kafka's key names); flags and env win over it",
  },
  ...brokerListenerConfig,
  ...adminHttpConfig,
  ...retentionSchedulingConfig,
});

export type EmbeddedConfig = ConfigValues<typeof embeddedConfig>;

/**
 * Embedded mode: broker, metadata, coordinator, retention and the admin API as modules of ONE
 * NestJS app, over the in-process bus, with metadata in PGlite under the data dir. The same
 * modules run as separate processes in distributed mode; only this wiring differs.
 */
export async function startEmbedded(
  config: EmbeddedConfig,
  logger: Logger,
  options: { handleSignals: boolean; serverProperties?: ServerProperties },
): Promise<RunningApp> {
  const file = options.serverProperties;
  const bus = new InProcessBus();
  const metadataStore = await openMetadataStore({ kind: 'pglite', dataDir: join(config.dataDir, 'metadata') });
  const running = await bootApp({
    name: 'strom',
    module: compose({ bus, logger, metadataStore }, [
      MetadataModule.forRoot(file ? { numPartitions: file.numPartitions, defaultReplicationFactor: file.defaultReplicationFactor } : {}),
      CoordinatorModule,
      RetentionModule.forRoot(config),
      BrokerModule.forRoot({
        ...config,
        ...(file
          ? {
              staticConfig: file.raw,
              topicDefaults: file.topicDefaults,
              autoCreateTopicsEnable: file.autoCreateTopicsEnable,
              maxConnections: file.maxConnections,
              limits: { maxFrameBytes: file.maxFrameBytes, idleTimeoutMs: file.idleTimeoutMs },
            }
          : {}),
      }),
      AdminApiModule,
    ]) as never,
    logger,
    http: { host: config.adminHost, port: config.adminPort },
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    handleSignals: options.handleSignals,
    onStopped: async () => {
      await bus.close();
      await metadataStore.close();
    },
  });
  return running;
}
