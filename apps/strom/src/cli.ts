import { readFileSync } from 'node:fs';
import { BrokerService } from '@strom/broker';
import { ConfigError, createLogger, describeConfig, loadConfig, type LevelWithSilent } from '@strom/runtime';
import { adminUsage, runAdminCommand, UsageError } from './admin-commands.js';
import { embeddedConfig, embeddedSecurity, startEmbedded } from './embedded.js';
import { loadServerProperties, ServerPropertiesError, type ServerProperties } from './server-properties.js';

export const version: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
  .version;

const usage = `strom ${version} — an event streaming platform that speaks the Kafka protocol

Usage:
  strom start [options]    run embedded Strom (broker, metadata, coordinator, retention,
                           admin API) in one process
  strom --help             this text
  strom --version          the version

${adminUsage}
Options of 'strom start' (flag, environment variable, meaning):
${describeConfig(embeddedConfig)}
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
  let config;
  let serverProperties: ServerProperties | undefined;
  try {
    const first = loadConfig(embeddedConfig, { argv: rest });
    if (first.config !== undefined) {
      serverProperties = await loadServerProperties(first.config, first.nodeId);
      config = loadConfig(embeddedConfig, { argv: rest, defaults: serverProperties.settings });
    } else config = first;
    embeddedSecurity(config, serverProperties);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof ServerPropertiesError) {
      process.stderr.write(`strom start: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const logger = createLogger('strom', config.logLevel as LevelWithSilent);
  for (const warning of serverProperties?.warnings ?? []) logger.warn(`server.properties: ${warning}`);
  const running = await startEmbedded(config, logger, { handleSignals: true, serverProperties });
  const kafkaPort = running.app.get(BrokerService).port ?? config.port;
  logger.info(
    {
      kafka: `${config.host}:${kafkaPort}`,
      admin: `http://${config.adminHost}:${running.httpPort ?? config.adminPort}`,
      dataDir: config.dataDir,
      version,
    },
    `Strom ${version} ready (embedded)`,
  );
  return undefined;
}
