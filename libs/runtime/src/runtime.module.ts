import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { MetricsRegistry } from './metrics/index.js';
import { BUS, LOGGER, METADATA_STORE, METRICS } from './tokens.js';

export interface RuntimeBindings {
  /** The bus every service speaks (in-process or NATS). */
  bus: unknown;
  logger: Logger;
  /** The metadata store, for the apps that own metadata (absent elsewhere). */
  metadataStore?: unknown;
  /** Where the modules register their metrics; a composition that serves none gets one nobody scrapes. */
  metrics?: MetricsRegistry;
}

/**
 * Binds the shared tokens for one composition. The composition creates the bus and the store
 * (so it decides in-process vs NATS, the journal store vs Postgres) and closes them after the app stops.
 */
@Global()
@Module({})
export class RuntimeModule {
  static forRoot(bindings: RuntimeBindings): DynamicModule {
    const providers = [
      { provide: BUS, useValue: bindings.bus },
      { provide: LOGGER, useValue: bindings.logger },
      { provide: METRICS, useValue: bindings.metrics ?? new MetricsRegistry() },
      ...(bindings.metadataStore === undefined ? [] : [{ provide: METADATA_STORE, useValue: bindings.metadataStore }]),
    ];
    return { module: RuntimeModule, providers, exports: providers.map((provider) => provider.provide) };
  }
}
