import 'reflect-metadata';
import type { INestApplicationContext, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Logger } from 'pino';
import { PinoNestLogger } from './logger.js';
import { listenFailure } from './startup-error.js';

export interface RunningApp {
  app: INestApplicationContext;
  /** Stops the app (idempotent); resolves when every module's shutdown hooks ran. */
  stop(reason: string): Promise<void>;
  /** Resolves once the app has stopped, for whatever reason. */
  stopped: Promise<void>;
  /** The port the HTTP server listens on (useful when asked for port 0). */
  httpPort?: number;
}

export interface BootOptions {
  name: string;
  module: Type<unknown>;
  logger: Logger;
  /** An HTTP app (admin API) instead of an application context. */
  http?: { host: string; port: number };
  /** How long shutdown may take before the process gives up on it (strom.shutdown.timeout.ms). */
  shutdownTimeoutMs: number;
  /** Install SIGTERM/SIGINT handlers that stop the app (true for processes, false in tests). */
  handleSignals?: boolean;
  /** Runs as the app begins to stop, before any module's shutdown hook (readiness goes down). */
  onStopping?: () => void;
  /** Runs after the app closed: release what the composition opened (bus, store). */
  onStopped?: () => Promise<void>;
}

/**
 * Boots a NestJS app with pino logging and graceful shutdown: on SIGTERM or SIGINT the app
 * closes (modules stop accepting, finish in-flight work, flush) within `shutdownTimeoutMs`;
 * a second signal exits at once.
 */
export async function bootApp(options: BootOptions): Promise<RunningApp> {
  const nestLogger = new PinoNestLogger(options.logger.child({ component: 'nest' }));
  let app: INestApplicationContext | undefined;
  let httpPort: number | undefined;
  try {
    // An application context runs the modules' init hooks while it is made: a failure there
    // (a listener's port taken) must release what the composition opened too.
    app = options.http
      ? await NestFactory.create(options.module, { logger: nestLogger, abortOnError: false })
      : await NestFactory.createApplicationContext(options.module, { logger: nestLogger, abortOnError: false });
    await app.init();
    if (options.http && 'listen' in app) {
      const http = app as unknown as {
        listen(port: number, host: string): Promise<unknown>;
        getHttpServer(): { address(): { port: number } | string | null };
      };
      const { host, port } = options.http;
      await http.listen(port, host).catch((error: unknown) => {
        throw listenFailure(error, 'admin API', host, port);
      });
      const address = http.getHttpServer().address();
      httpPort = typeof address === 'object' && address !== null ? address.port : port;
    }
  } catch (error) {
    // Half started: close what did start (listeners, stores, worker threads) so the process can exit.
    await app?.close().catch(() => undefined);
    await options.onStopped?.().catch(() => undefined);
    throw error;
  }
  const started = app;

  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  let stopping: Promise<void> | undefined;
  const shutdownTimeoutMs = options.shutdownTimeoutMs;

  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      options.logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    void stop(signal).then(
      () => process.exit(0),
      (error: unknown) => {
        options.logger.fatal({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };

  const stop = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      options.logger.info({ reason }, `${options.name} stopping`);
      options.onStopping?.();
      const timer = setTimeout(() => {
        options.logger.fatal({ shutdownTimeoutMs }, 'shutdown took too long: exiting');
        process.exit(1);
      }, shutdownTimeoutMs);
      timer.unref();
      try {
        await started.close();
        await options.onStopped?.();
      } finally {
        clearTimeout(timer);
        if (options.handleSignals) {
          process.off('SIGTERM', onSignal);
          process.off('SIGINT', onSignal);
        }
        options.logger.info(`${options.name} stopped`);
        resolveStopped();
      }
    })();
    return stopping;
  };

  if (options.handleSignals) {
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }
  return { app: started, stop, stopped, httpPort };
}
