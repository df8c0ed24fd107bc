import { readFileSync } from 'node:fs';
import { BrokerService } from '@strom/broker';
import { ConfigError, describeFlags, loadServerConfig, type ServerConfig } from '@strom/config';
import { createLogger, StartupError, tuneGarbageCollection, type LevelWithSilent, type LogFormat, type RunningApp } from '@strom/runtime';
import { startTracing, TracingConfigError } from '@strom/telemetry';
import { adminUsage, runAdminCommand, UsageError } from './admin-commands.js';
import { EMBEDDED_KEYS, startEmbedded } from './embedded.js';

export const version: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
  .version;

const usage = `strom ${version} — an event streaming platform that speaks the Kafka protocol

Usage:
  strom start [options]    run embedded Strom (broker, metadata, coordinator, retention,
                           admin API) in one process
  strom --help             this text
  strom --version          the version

${adminUsage}
Options of 'strom start' (flag, environment variable, the key it sets):
${describeFlags(EMBEDDED_KEYS)}
`;

/** Runs the CLI; resolves with the exit code for commands that end by themselves. */
export async function main(argv: readonly string[]): Promise<number | undefined> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(usage);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === '-v' || command === 'version') {
    process.stdout.write(`${version}\n`);
    return 0;
  }
  if (command === 'topics' || command === 'groups') {
    try {
      return await runAdminCommand(
        command,
        rest,
        (line) => process.stdout.write(`${line}\n`),
        (line) => process.stderr.write(`${line}\n`),
      );
    } catch (error) {
      process.stderr.write(`strom ${command}: ${(error as Error).message}\n`);
      return error instanceof UsageError ? 2 : 1;
    }
  }
  if (command !== 'start') {
    process.stderr.write(`strom: unknown command '${command}' (see strom --help)\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(usage);
    return 0;
  }
  let config: ServerConfig;
  try {
    config = await loadServerConfig({ argv: rest, env: process.env, keys: EMBEDDED_KEYS });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`strom start: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  tuneGarbageCollection();
  try {
    await startTracing('strom');
  } catch (error) {
    if (error instanceof TracingConfigError) {
      process.stderr.write(`strom start: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const logger = createLogger(
    'strom',
    config.string('strom.log.level') as LevelWithSilent,
    process.stdout,
    config.string('strom.log.format') as LogFormat,
  );
  for (const warning of config.warnings) logger.warn(`configuration: ${warning}`);
  let running: RunningApp;
  try {
    running = await startEmbedded(config, logger, { handleSignals: true });
  } catch (error) {
    if (error instanceof StartupError || error instanceof ConfigError) {
      process.stderr.write(`strom start: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const admin = config.string('strom.admin.host');
  const listeners = running.app.get(BrokerService).boundListeners;
  logger.info(
    {
      kafka: `${listeners[0]?.host}:${listeners[0]?.port}`,
      listeners: listeners.map(({ name, host, port }) => `${name}://${host}:${port}`).join(','),
      admin: `http://${admin}:${running.httpPort}`,
      dataDir: config.dataDir,
      version,
    },
    `Strom ${version} ready (embedded)`,
  );
  return undefined;
}
