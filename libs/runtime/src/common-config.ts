import { defineConfigSchema } from './config.js';
import { logLevels } from './logger.js';

/** Fields every Strom process reads. */
export const commonConfig = defineConfigSchema({
  logLevel: { type: 'string', env: 'STROM_LOG_LEVEL', flag: 'log-level', doc: 'log level', default: 'info', oneOf: logLevels },
  shutdownTimeoutMs: {
    type: 'int',
    env: 'STROM_SHUTDOWN_TIMEOUT_MS',
    flag: 'shutdown-timeout-ms',
    doc: 'how long a graceful shutdown may take',
    default: 30_000,
    min: 0,
  },
});

/** Fields of a process that talks to the others over NATS (distributed mode). */
export const natsConfig = defineConfigSchema({
  natsUrl: {
    type: 'url',
    env: 'STROM_NATS_URL',
    flag: 'nats-url',
    doc: 'NATS server URL (distributed mode)',
    default: 'nats://127.0.0.1:4222',
  },
});

/** Fields of a process that reads or writes cluster metadata in Postgres. */
export const databaseConfig = defineConfigSchema({
  databaseUrl: {
    type: 'url',
    env: 'DATABASE_URL',
    flag: 'database-url',
    doc: 'Postgres URL of the cluster metadata',
    default: 'postgresql://postgres@127.0.0.1:5432/strom',
  },
});
