import type { ServerConfig } from '@strom/config';
import { COMMON_KEYS } from '@strom/runtime';
import type { KafkaEndpoint } from './rest/cluster-client.js';
import type { RestV3Options } from './rest/rest-v3.js';
import { TemporalClusterOperations } from './rest/temporal-operations.js';

/** The keys of the admin API's HTTP server: what it takes flags for in either mode. */
export const ADMIN_HTTP_KEYS: readonly string[] = ['strom.admin.host', 'strom.admin.port'];

/** The keys `apps/admin-api` takes flags and env for when it runs as its own process. */
export const ADMIN_API_KEYS: readonly string[] = [
  ...COMMON_KEYS,
  'strom.nats.url',
  ...ADMIN_HTTP_KEYS,
  'strom.admin.bootstrap.servers',
  'strom.admin.security.protocol',
  'strom.admin.sasl.mechanism',
  'strom.temporal.address',
  'strom.temporal.namespace',
  'strom.admin.temporal.ui.url',
];

/** Where the admin API serves HTTP, from the one parsed configuration. */
export function adminHttp(config: ServerConfig): { host: string; port: number } {
  return { host: config.string('strom.admin.host'), port: config.int('strom.admin.port') };
}

/**
 * The admin API as its own process: the first of `strom.admin.bootstrap.servers` is the broker it
 * talks to over the Kafka protocol; on SASL_PLAINTEXT each HTTP Basic user authenticates there with
 * `strom.admin.sasl.mechanism`. Cluster operations are the workflows on the Temporal frontend at
 * `strom.temporal.address`, linked to the Temporal Web UI at `strom.admin.temporal.ui.url` when set.
 */
export function adminApiOptions(config: ServerConfig): RestV3Options {
  const bootstrap = config.string('strom.admin.bootstrap.servers').split(',')[0]!.trim();
  const sasl = config.string('strom.admin.security.protocol') === 'SASL_PLAINTEXT';
  const endpoint: KafkaEndpoint = sasl
    ? { bootstrap, protocol: 'SASL_PLAINTEXT', saslMechanism: config.string('strom.admin.sasl.mechanism') }
    : { bootstrap };
  const temporal = {
    address: config.string('strom.temporal.address'),
    namespace: config.string('strom.temporal.namespace'),
    uiUrl: config.optionalString('strom.admin.temporal.ui.url'),
  };
  return { kafka: () => endpoint, operations: () => new TemporalClusterOperations(temporal) };
}
