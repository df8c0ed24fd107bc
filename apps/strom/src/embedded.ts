import { AdminApiModule, ADMIN_HTTP_KEYS, adminHttp } from '@strom/admin-api';
import { BrokerModule, BrokerService, BROKER_LISTENER_KEYS, brokerOptions } from '@strom/broker';
import { InProcessBus } from '@strom/bus';
import type { ServerConfig } from '@strom/config';
import { CoordinatorModule, coordinatorOptions } from '@strom/coordinator';
import { openJournalStore } from '@strom/metadata-store';
import { MetadataModule, metadataOptions } from '@strom/metadata';
import { RetentionModule, RETENTION_SCHEDULING_KEYS, retentionOptions } from '@strom/retention';
import { bootApp, COMMON_KEYS, compose, meteredBus, MetricsRegistry, type Logger, type RunningApp } from '@strom/runtime';
import { stopTracing } from '@strom/telemetry';
import { AdminOnDemand } from './admin-on-demand.js';
import { embeddedKafkaEndpoint } from './embedded-kafka-endpoint.js';

/**
 * The in-process bus carries no frame: its payload bound is only a guard. NATS's 1 MiB default
 * stopped the metadata snapshot at ~8,000 partitions (130 bytes each); 64 MiB is NATS's own
 * ceiling for max_payload.
 */
const EMBEDDED_BUS_MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;

/** The keys `strom start` takes flags and env for: the apps' own, without NATS, Postgres or Temporal. */
export const EMBEDDED_KEYS: readonly string[] = [...COMMON_KEYS, ...BROKER_LISTENER_KEYS, ...ADMIN_HTTP_KEYS, ...RETENTION_SCHEDULING_KEYS];

/**
 * Embedded mode: broker, metadata, coordinator and retention as modules of ONE NestJS app, over
 * the in-process bus, with metadata in the journal store in the data dir; the admin API on the
 * same bus, booted on its first request (admin-on-demand.ts). The same modules, configured from
 * the same parsed configuration, run as separate processes in distributed mode; only this wiring
 * differs.
 */
export async function startEmbedded(config: ServerConfig, logger: Logger, options: { handleSignals: boolean }): Promise<RunningApp> {
  // Every option first: a setting that cannot work (a TLS key store, say) fails before anything is opened.
  const modules = [
    MetadataModule.forRoot(metadataOptions(config)),
    CoordinatorModule.forRoot(coordinatorOptions(config)),
    RetentionModule.forRoot(retentionOptions(config)),
    BrokerModule.forRoot(brokerOptions(config)),
  ];
  // One registry for both apps: the admin API's /metrics serves every module's, the bus's too.
  const metrics = new MetricsRegistry();
  const bus = meteredBus(new InProcessBus({ maxPayloadBytes: EMBEDDED_BUS_MAX_PAYLOAD_BYTES }), metrics);
  const { host, port } = adminHttp(config);
  const started: { broker?: BrokerService } = {};
  const adminApi = AdminApiModule.forRoot({ kafka: embeddedKafkaEndpoint(() => started.broker, config) });
  const admin = await AdminOnDemand.listen(host, port, compose({ bus, logger, metrics }, [adminApi]), logger, metrics);
  const {
    store: metadataStore,
    recovery,
    importedPglite,
  } = await openJournalStore(config.dataDir).catch(async (error: unknown) => {
    await admin.close();
    throw error;
  });
  if (importedPglite) logger.info({ dataDir: config.dataDir }, 'metadata imported from the PGlite store of an older version');
  if (recovery.truncatedBytes > 0) {
    logger.warn({ bytes: recovery.truncatedBytes }, 'metadata journal: a torn record at its end (an unclean stop) was dropped');
  }
  const running = await bootApp({
    name: 'strom',
    module: compose({ bus, logger, metadataStore, metrics }, modules) as never,
    logger,
    shutdownTimeoutMs: config.int('strom.shutdown.timeout.ms'),
    handleSignals: options.handleSignals,
    onStopped: async () => {
      await admin.close();
      await bus.close();
      await metadataStore.close();
      // The spans of the shutdown itself go out too (nothing when tracing is off).
      await stopTracing();
    },
  });
  started.broker = running.app.get(BrokerService);
  return { ...running, httpPort: admin.port };
}
