import 'reflect-metadata';
import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { bootApp, type RunningApp } from './bootstrap.js';
import { ConfigError, describeConfig, loadConfig, type ConfigSchema, type ConfigValues } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { RuntimeModule } from './runtime.module.js';

interface Closable {
  close(): Promise<void>;
}

export interface ProcessResources {
  bus: Closable;
  metadataStore?: Closable;
}

export interface ProcessOptions<S extends ConfigSchema> {
  name: string;
  schema: S;
  /** The app's module, possibly configured from the loaded config. */
  module: Type<unknown> | DynamicModule | ((config: ConfigValues<S>) => Type<unknown> | DynamicModule);
  /** Opens the bus (and the metadata store, if the app owns metadata). */
  connect(config: ConfigValues<S>, logger: Logger): Promise<ProcessResources>;
  /** Serve HTTP on this host and port (the admin API). */
  http?(config: ConfigValues<S>): { host: string; port: number };
  argv?: readonly string[];
}

@Module({})
class ProcessRootModule {}

/** One composition root: the runtime bindings plus the app modules. */
export function compose(bindings: Parameters<typeof RuntimeModule.forRoot>[0], modules: (Type<unknown> | DynamicModule)[]): DynamicModule {
  return { module: ProcessRootModule, imports: [RuntimeModule.forRoot(bindings), ...modules] };
}

/**
 * Runs one app as its own process (distributed mode): config from flags and env (`--help`
 * lists them), a pino logger, the app's resources, the NestJS app, graceful shutdown, and the
 * resources closed after the app. Exits 2 with one clear line on bad config.
 */
export async function runProcess<S extends ConfigSchema>(options: ProcessOptions<S>): Promise<RunningApp | undefined> {
  const argv = options.argv ?? process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(
      `strom ${options.name}: runs the ${options.name} service on its own.\n\nOptions (flag, env):\n${describeConfig(options.schema)}\n`,
    );
    return undefined;
  }
  let config: ConfigValues<S>;
  try {
    config = loadConfig(options.schema, { argv });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`strom ${options.name}: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const values = config as Record<string, unknown>;
  const logger = createLogger(options.name, (values.logLevel as 'info' | undefined) ?? 'info');
  const appModule = typeof options.module === 'function' && !isModuleClass(options.module) ? options.module(config) : options.module;
  const resources = await options.connect(config, logger);
  const running = await bootApp({
    name: options.name,
    module: compose({ bus: resources.bus, logger, metadataStore: resources.metadataStore }, [
      appModule as Type<unknown> | DynamicModule,
    ]) as unknown as Type<unknown>,
    logger,
    http: options.http?.(config),
    shutdownTimeoutMs: values.shutdownTimeoutMs as number | undefined,
    handleSignals: true,
    onStopped: async () => {
      await resources.bus.close();
      await resources.metadataStore?.close();
    },
  });
  logger.info(`${options.name} ready`);
  return running;
}

/** A Nest module class (decorated) rather than a factory function of the config. */
function isModuleClass(candidate: unknown): candidate is Type<unknown> {
  return typeof candidate === 'function' && Reflect.getMetadataKeys(candidate).length > 0;
}
