import { join } from 'node:path';
import { AdminApiModule, adminHttpConfig } from '@strom/admin-api';
import { BrokerModule, brokerListenerConfig, SUPPORTED_SASL_MECHANISMS, type BrokerSecurityOptions } from '@strom/broker';
import { InProcessBus } from '@strom/bus';
import { CoordinatorModule } from '@strom/coordinator';
import { openMetadataStoreInWorker } from '@strom/metadata-store';
import { MetadataModule } from '@strom/metadata';
import { RetentionModule, retentionSchedulingConfig } from '@strom/retention';
import type { ServerProperties } from './server-properties.js';
import {
  bootApp,
  commonConfig,
  compose,
  ConfigError,
  defineConfigSchema,
  type ConfigValues,
  type Logger,
  type RunningApp,
} from '@strom/runtime';

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
  securityProtocol: {
    type: 'string',
    env: 'STROM_SECURITY_PROTOCOL',
    flag: 'security-protocol',
    doc: "the Kafka listener's security protocol (server.properties: listeners + listener.security.protocol.map)",
    oneOf: ['PLAINTEXT', 'SASL_PLAINTEXT'],
    default: 'PLAINTEXT',
  },
  saslMechanisms: {
    type: 'string',
    env: 'STROM_SASL_MECHANISMS',
    flag: 'sasl-mechanisms',
    doc: 'SASL mechanisms of a SASL_PLAINTEXT listener: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 (sasl.enabled.mechanisms)',
  },
  ...adminHttpConfig,
  ...retentionSchedulingConfig,
});

export type EmbeddedConfig = ConfigValues<typeof embeddedConfig>;

/**
 * The broker's security: server.properties' settings, with --security-protocol and
 * --sasl-mechanisms (or their env) winning. Throws ConfigError for a SASL listener without a
 * mechanism Strom supports (Kafka's default, GSSAPI, is not).
 */
export function embeddedSecurity(config: EmbeddedConfig, file?: ServerProperties): BrokerSecurityOptions {
  const mechanisms = config.saslMechanisms
    ?.split(',')
    .map((mechanism) => mechanism.trim())
    .filter((mechanism) => mechanism !== '');
  const security: BrokerSecurityOptions = {
    ...file?.security,
    securityProtocol: config.securityProtocol as 'PLAINTEXT' | 'SASL_PLAINTEXT',
    ...(mechanisms ? { saslMechanisms: mechanisms } : {}),
  };
  if (security.securityProtocol === 'SASL_PLAINTEXT') {
    const enabled = security.saslMechanisms ?? ['GSSAPI'];
    if (!enabled.some((mechanism) => SUPPORTED_SASL_MECHANISMS.includes(mechanism))) {
      throw new ConfigError(
        `SASL_PLAINTEXT needs a supported SASL mechanism (--sasl-mechanisms / sasl.enabled.mechanisms): ` +
          `${enabled.join(',') || '(none)'} given, supported: ${SUPPORTED_SASL_MECHANISMS.join(', ')}`,
      );
    }
  }
  return security;
}

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
  // On a worker thread: PGlite's queries would otherwise block the event loop serving clients.
  const metadataStore = await openMetadataStoreInWorker({ kind: 'pglite', dataDir: join(config.dataDir, 'metadata') });
  const running = await bootApp({
    name: 'strom',
    module: compose({ bus, logger, metadataStore }, [
      MetadataModule.forRoot(file ? { numPartitions: file.numPartitions, defaultReplicationFactor: file.defaultReplicationFactor } : {}),
      CoordinatorModule.forRoot(file ? { groups: file.groups } : {}),
      RetentionModule.forRoot(config),
      BrokerModule.forRoot({
        ...config,
        security: embeddedSecurity(config, file),
        ...(file
          ? {
              staticConfig: file.raw,
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
