import 'reflect-metadata';
import { Module, type DynamicModule, type Type } from '@nestjs/common';
import type { Bus } from '@strom/bus';
import { ConfigError, describeFlags, loadServerConfig, type ServerConfig } from '@strom/config';
import { startTracing, stopTracing, TracingConfigError } from '@strom/telemetry';
import { bootApp, type RunningApp } from './bootstrap.js';
import { tuneGarbageCollection } from './gc-tuning.js';
import { HealthServer } from './health.js';
import { createLogger, type LevelWithSilent, type LogFormat, type Logger } from './logger.js';
import { meteredBus, MetricsRegistry } from './metrics/index.js';
import { RuntimeModule } from './runtime.module.js';
import { StartupError } from './startup-error.js';

interface Closable {
  close(): Promise<void>;
}

export interface ProcessResources {
  bus: Bus;
  metadataStore?: Closable;
}

export interface ProcessOptions {
  name: string;
  /** The configuration keys this app takes flags and environment variables for (`--help` lists them). */
  keys: readonly string[];
  /** The app's module, configured from the parsed configuration. */
  module(config: ServerConfig): Type<unknown> | DynamicModule;
  /** Opens the bus (and the metadata store, if the app owns metadata). */
  connect(config: ServerConfig, logger: Logger): Promise<ProcessResources>;
  /** Which of its app's processes this one is (the broker's node id): its spans' `service.instance.id`. */
  instanceId?(config: ServerConfig): string;
  /** Serve HTTP on this host and port (the admin API). */
  http?(config: ServerConfig): { host: string; port: number };
  argv?: readonly string[];
}

@Module({})
class ProcessRootModule {}

/** One composition root: the runtime bindings plus the app modules. */
export function compose(bindings: Parameters<typeof RuntimeModule.forRoot>[0], modules: (Type<unknown> | DynamicModule)[]): DynamicModule {
  return { module: ProcessRootModule, imports: [RuntimeModule.forRoot(bindings), ...modules] };
}

/**
 * Runs one app as its own process (distributed mode): the configuration from flags, env and
 * `--config server.properties` (`--help` lists the flags), a pino logger, the app's resources,
 * the NestJS app, graceful shutdown, and the resources closed after the app. Its metrics are
 * served at `/metrics` on the health endpoint (and by the admin API on its own port). Exits 2
 * with one line naming the key on bad configuration.
 */
export async function runProcess(options: ProcessOptions): Promise<RunningApp | undefined> {
  const argv = options.argv ?? process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(
      `strom ${options.name}: runs the ${options.name} service on its own.\n\nOptions (flag, env, key):\n${describeFlags(options.keys)}\n`,
    );
    return undefined;
  }
  let config: ServerConfig;
  let appModule: Type<unknown> | DynamicModule;
  try {
    config = await loadServerConfig({ argv, env: process.env, keys: options.keys });
    appModule = options.module(config);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`strom ${options.name}: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  tuneGarbageCollection();
  try {
    await startTracing(`strom-${options.name}`, options.instanceId?.(config));
  } catch (error) {
    if (error instanceof TracingConfigError) {
      process.stderr.write(`strom ${options.name}: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(
    options.name,
    config.string('strom.log.level') as LevelWithSilent,
    process.stdout,
    config.string('strom.log.format') as LogFormat,
  );
  for (const warning of config.warnings) logger.warn(`configuration: ${warning}`);
  const metrics = new MetricsRegistry();
  let health: HealthServer | undefined;
  let running: RunningApp;
  try {
    health = await startHealth(options.name, config, logger, metrics);
    const resources = await options.connect(config, logger);
    const bus = meteredBus(resources.bus, metrics);
    running = await bootApp({
      name: options.name,
      module: compose({ bus, logger, metadataStore: resources.metadataStore, metrics }, [appModule]) as unknown as Type<unknown>,
      logger,
      http: options.http?.(config),
      shutdownTimeoutMs: config.int('strom.shutdown.timeout.ms'),
      handleSignals: true,
      onStopping: () => health?.set('stopping'),
      onStopped: async () => {
        await bus.close();
        await resources.metadataStore?.close();
        await health?.close();
        await stopTracing();
      },
    });
  } catch (error) {
    if (error instanceof StartupError) {
      process.stderr.write(`strom ${options.name}: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  health?.set('ready');
  logger.info(`${options.name} ready`);
  return running;
}

/** The health and metrics endpoint, when strom.health.port asks for one: up before anything else starts. */
async function startHealth(
  name: string,
  config: ServerConfig,
  logger: Logger,
  metrics: MetricsRegistry,
): Promise<HealthServer | undefined> {
  const port = config.int('strom.health.port');
  if (port < 0) return undefined;
  const host = config.string('strom.health.host');
  const health = new HealthServer(name, metrics);
  const bound = await health.start(host, port);
  logger.info({ host, port: bound }, 'health endpoint listening (GET /health, GET /ready, GET /metrics)');
  return health;
}

/** The keys every process takes flags for: logging and shutdown. */
export const COMMON_KEYS: readonly string[] = ['strom.log.level', 'strom.log.format', 'strom.shutdown.timeout.ms'];

/** The health endpoint of an app run on its own (embedded mode and the admin API serve /health on the admin port). */
export const HEALTH_KEYS: readonly string[] = ['strom.health.host', 'strom.health.port'];
