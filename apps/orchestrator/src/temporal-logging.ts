import type { Logger } from '@strom/runtime';
import { Runtime, type LogLevel, type LogMetadata, type Logger as TemporalLogger } from '@temporalio/worker';

let installed = false;

/**
 * Sends the Temporal SDK's logs (worker state changes, core) through our pino logger, at warn
 * and above unless the app logs more. The SDK's runtime is process-wide and can be set once,
 * before its first use; a later call is a no-op.
 */
export function installTemporalLogging(logger: Logger): void {
  if (installed) return;
  installed = true;
  const child = logger.child({ component: 'temporal' });
  const forward = (level: LogLevel, message: string, meta?: LogMetadata): void => {
    const fields = meta ?? {};
    switch (level) {
      case 'TRACE':
        return child.trace(fields, message);
      case 'DEBUG':
        return child.debug(fields, message);
      case 'INFO':
        return child.debug(fields, message);
      case 'WARN':
        return child.warn(fields, message);
      case 'ERROR':
        return child.error(fields, message);
    }
  };
  const temporalLogger: TemporalLogger = {
    log: forward,
    trace: (message, meta) => forward('TRACE', message, meta),
    debug: (message, meta) => forward('DEBUG', message, meta),
    info: (message, meta) => forward('INFO', message, meta),
    warn: (message, meta) => forward('WARN', message, meta),
    error: (message, meta) => forward('ERROR', message, meta),
  };
  try {
    Runtime.install({ logger: temporalLogger });
  } catch (error) {
    logger.debug({ err: error }, 'the Temporal runtime was already created; keeping its logger');
  }
}
