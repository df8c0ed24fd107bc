import { createRequire } from 'node:module';
import type { LoggerService } from '@nestjs/common';
import { pino, type Logger, type LevelWithSilent } from 'pino';
import type PinoPretty from 'pino-pretty';

export type { Logger, LevelWithSilent } from 'pino';

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** strom.log.format: `auto` is pretty on a terminal and JSON lines anywhere else. */
export type LogFormat = 'auto' | 'pretty' | 'json';

/** Where log lines go: a stream, and whether a person reads it (a terminal). */
export type LogDestination = NodeJS.WritableStream & { isTTY?: boolean };

/** A person at a terminal reads pretty lines; a pipe, a file or a log collector gets JSON lines. */
export function chooseLogFormat(format: LogFormat, destination: { isTTY?: boolean }): 'pretty' | 'json' {
  if (format !== 'auto') return format;
  return destination.isTTY === true ? 'pretty' : 'json';
}

/**
 * The logger of one process, named after the app: JSON lines (pino's format, unchanged for
 * machines), or for a person at a terminal one coloured line per event (pino-pretty).
 */
export function createLogger(
  name: string,
  level: LevelWithSilent = 'info',
  destination: LogDestination = process.stdout,
  format: LogFormat = 'auto',
): Logger {
  const options = { name, level, base: { pid: process.pid, app: name } };
  if (chooseLogFormat(format, destination) === 'json') return pino(options, destination as pino.DestinationStream);
  return pino(options, prettyDestination(destination, destination.isTTY === true && process.env['NO_COLOR'] === undefined));
}

/**
 * Formats each JSON line as it is written, in the writing call: nothing is queued, so the lines
 * written just before an exit are printed. pino-pretty is loaded only here, so a process that
 * logs JSON never loads it.
 */
function prettyDestination(destination: NodeJS.WritableStream, colorize: boolean): pino.DestinationStream {
  const { prettyFactory } = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  const pretty = prettyFactory({ colorize, singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,app' });
  return {
    write(line: string): void {
      const text = pretty(line);
      if (text) destination.write(text);
    },
  };
}

/** Routes NestJS's own log lines through pino, so one process writes one log format. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  /** Nest's routine lines (modules loaded, routes mapped) are debug detail for us. */
  log(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
  fatal(message: unknown, context?: string): void {
    this.logger.fatal({ context }, String(message));
  }
}
