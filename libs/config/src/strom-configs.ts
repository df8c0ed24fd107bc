// Strom's own settings, in the same model as Kafka's broker configs, and the flags and
// environment variables that set keys of either table. Every default of a Strom process lives
// here or in broker-configs.ts; nothing restates one where it is used.
import { BROKER_CONFIGS_BY_NAME } from './broker-configs.js';
import { atLeast, between, custom, oneOf } from './define.js';
import type { ConfigType, ConfigValue, FlagBinding, StromConfigDef, Validator } from './types.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** `auto`: pretty on a terminal, JSON lines otherwise. */
export const LOG_FORMATS = ['auto', 'pretty', 'json'] as const;

function urlProblem(value: ConfigValue): string | undefined {
  try {
    new URL(value as string);
    return undefined;
  } catch {
    return 'not a URL';
  }
}

const url = custom('a URL', urlProblem);

/** A URL, or not set. */
const optionalUrl = custom('a URL or nothing', (value: ConfigValue) => (value === null ? undefined : urlProblem(value)));

const nonEmpty: Validator = { kind: 'non-empty-string' };

function strom(name: string, type: ConfigType, defaultValue: string | null, doc: string, validator?: Validator): StromConfigDef {
  return {
    scope: 'strom',
    name,
    type,
    default: defaultValue,
    doc,
    ...(validator ? { validator } : {}),
    importance: 'MEDIUM',
    sensitive: false,
  };
}

// prettier-ignore
export const STROM_CONFIGS: readonly StromConfigDef[] = [
  strom('strom.log.level', 'STRING', 'info', 'Log level.', oneOf(...LOG_LEVELS)),
  strom('strom.log.format', 'STRING', 'auto', 'Log format: pretty (coloured, one line per event), json (JSON lines), or auto (pretty when stdout is a terminal, json otherwise).', oneOf(...LOG_FORMATS)),
  strom('strom.shutdown.timeout.ms', 'INT', '30000', 'How long a graceful shutdown may take before the process exits anyway.', atLeast(0)),
  strom('strom.health.host', 'STRING', '127.0.0.1', 'Address the health endpoint (GET /health, GET /ready) binds.', nonEmpty),
  strom('strom.health.port', 'INT', '-1', 'Port of the health endpoint (GET /health, GET /ready) of an app run on its own; -1: none.', between(-1, 65_535)),
  strom('strom.nats.url', 'STRING', 'nats://127.0.0.1:4222', 'NATS server URL (distributed mode).', url),
  strom('strom.database.url', 'STRING', 'postgresql://postgres@127.0.0.1:5432/strom', 'Postgres URL of the cluster metadata (distributed mode).', url),
  strom('strom.data.dir', 'STRING', './data', 'Where partition logs (under kafka-logs/) and, embedded, metadata live. Default: the first of log.dirs (or log.dir) when the file sets one.', nonEmpty),
  strom('strom.listener.host', 'STRING', null, "Host of the first listener, over the one `listeners` names (default: `listeners`' host; 127.0.0.1 when `listeners` is not set)."),
  strom('strom.listener.port', 'INT', null, "Port of the first listener, over the one `listeners` names (default: `listeners`' port; 9092 when `listeners` is not set).", between(0, 65_535)),
  strom('strom.listener.security.protocol', 'STRING', null, 'Security protocol of the first listener, over listener.security.protocol.map.', oneOf('PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL')),
  strom('strom.advertised.host', 'STRING', null, 'Host clients are told to connect to, over advertised.listeners (default: the listener host).'),
  strom('strom.admin.host', 'STRING', '127.0.0.1', 'Address the admin API binds.'),
  strom('strom.admin.port', 'INT', '9644', 'Port of the admin API (REST, console, /metrics).', between(0, 65_535)),
  strom('strom.admin.bootstrap.servers', 'STRING', '127.0.0.1:9092', 'host:port of a broker the admin API talks to over the Kafka protocol (distributed mode; embedded mode uses its own listener).', nonEmpty),
  strom('strom.admin.security.protocol', 'STRING', 'PLAINTEXT', "Security protocol of the listener at strom.admin.bootstrap.servers (distributed mode); with SASL_PLAINTEXT each HTTP Basic user authenticates to it as themself.", oneOf('PLAINTEXT', 'SASL_PLAINTEXT')),
  strom('strom.admin.sasl.mechanism', 'STRING', 'SCRAM-SHA-512', 'SASL mechanism the admin API authenticates HTTP Basic users with on a SASL_PLAINTEXT strom.admin.bootstrap.servers.', oneOf('PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512')),
  strom('strom.temporal.address', 'STRING', '127.0.0.1:7233', 'host:port of the Temporal frontend.'),
  strom('strom.temporal.namespace', 'STRING', 'default', 'Temporal namespace.'),
  strom('strom.temporal.task.queue', 'STRING', 'strom-orchestrator', 'Task queue of the cluster workflows: the orchestrator polls it and the metadata service starts failovers on it (two clusters sharing a Temporal namespace each need their own).', nonEmpty),
  strom('strom.admin.temporal.ui.url', 'STRING', null, 'Base URL of the Temporal Web UI (e.g. http://127.0.0.1:8233): the admin API links each cluster operation to its workflow there (distributed mode).', optionalUrl),
  strom('strom.bus.request.timeout.ms', 'INT', '10000', 'Timeout of requests from one service to another over the bus.', atLeast(1)),
  strom('strom.request.drain.timeout.ms', 'INT', '10000', 'On shutdown, how long in-flight Kafka requests may take to finish.', atLeast(0)),
];

export const STROM_CONFIGS_BY_NAME: ReadonlyMap<string, StromConfigDef> = new Map(STROM_CONFIGS.map((def) => [def.name, def]));

/**
 * Kafka keys Kafka gives no usable default for a single Strom node, with the value Strom uses
 * when neither the file, the environment nor a flag sets them. DescribeConfigs still reports
 * Kafka's default for them (they are not static broker config unless set).
 */
export const STROM_DEFAULTS_FOR_KAFKA_KEYS: Readonly<Record<string, string>> = {
  // Kafka requires node.id and process.roles; a Strom process without a file is broker 1.
  'node.id': '1',
  'process.roles': 'broker',
  // Kafka binds every interface (PLAINTEXT://:9092); Strom binds loopback unless told otherwise.
  listeners: 'PLAINTEXT://127.0.0.1:9092',
};

/** The environment variable that names the server.properties file (flag `--config`). */
export const CONFIG_FILE_BINDING = { flag: 'config', env: 'STROM_CONFIG' } as const;

// prettier-ignore
export const FLAG_BINDINGS: readonly FlagBinding[] = [
  { key: 'strom.log.level', flag: 'log-level', env: 'STROM_LOG_LEVEL' },
  { key: 'strom.log.format', flag: 'log-format', env: 'STROM_LOG_FORMAT' },
  { key: 'strom.shutdown.timeout.ms', flag: 'shutdown-timeout-ms', env: 'STROM_SHUTDOWN_TIMEOUT_MS' },
  { key: 'strom.health.host', flag: 'health-host', env: 'STROM_HEALTH_HOST' },
  { key: 'strom.health.port', flag: 'health-port', env: 'STROM_HEALTH_PORT' },
  { key: 'strom.nats.url', flag: 'nats-url', env: 'STROM_NATS_URL' },
  { key: 'strom.database.url', flag: 'database-url', env: 'DATABASE_URL' },
  { key: 'node.id', flag: 'node-id', env: 'STROM_NODE_ID' },
  { key: 'strom.listener.host', flag: 'host', env: 'STROM_HOST' },
  { key: 'strom.listener.port', flag: 'port', env: 'STROM_PORT' },
  { key: 'strom.advertised.host', flag: 'advertised-host', env: 'STROM_ADVERTISED_HOST' },
  { key: 'strom.listener.security.protocol', flag: 'security-protocol', env: 'STROM_SECURITY_PROTOCOL' },
  { key: 'sasl.enabled.mechanisms', flag: 'sasl-mechanisms', env: 'STROM_SASL_MECHANISMS' },
  { key: 'strom.data.dir', flag: 'data-dir', env: 'STROM_DATA_DIR' },
  { key: 'strom.admin.host', flag: 'admin-host', env: 'STROM_ADMIN_HOST' },
  { key: 'strom.admin.port', flag: 'admin-port', env: 'STROM_ADMIN_PORT' },
  { key: 'strom.admin.bootstrap.servers', flag: 'admin-bootstrap-servers', env: 'STROM_ADMIN_BOOTSTRAP_SERVERS' },
  { key: 'strom.admin.security.protocol', flag: 'admin-security-protocol', env: 'STROM_ADMIN_SECURITY_PROTOCOL' },
  { key: 'strom.admin.sasl.mechanism', flag: 'admin-sasl-mechanism', env: 'STROM_ADMIN_SASL_MECHANISM' },
  { key: 'log.retention.check.interval.ms', flag: 'retention-check-interval-ms', env: 'STROM_RETENTION_CHECK_INTERVAL_MS' },
  { key: 'log.cleaner.backoff.ms', flag: 'cleaner-backoff-ms', env: 'STROM_CLEANER_BACKOFF_MS' },
  { key: 'strom.temporal.address', flag: 'temporal-address', env: 'STROM_TEMPORAL_ADDRESS' },
  { key: 'strom.temporal.namespace', flag: 'temporal-namespace', env: 'STROM_TEMPORAL_NAMESPACE' },
  { key: 'strom.temporal.task.queue', flag: 'temporal-task-queue', env: 'STROM_TEMPORAL_TASK_QUEUE' },
  { key: 'strom.admin.temporal.ui.url', flag: 'admin-temporal-ui-url', env: 'STROM_ADMIN_TEMPORAL_UI_URL' },
];

export const FLAG_BINDINGS_BY_KEY: ReadonlyMap<string, FlagBinding> = new Map(FLAG_BINDINGS.map((binding) => [binding.key, binding]));

/** The flag bindings of these keys (every binding when absent). */
export function bindingsOf(keys: readonly string[] | undefined): FlagBinding[] {
  return keys === undefined ? [...FLAG_BINDINGS] : FLAG_BINDINGS.filter((binding) => keys.includes(binding.key));
}

/** Every environment variable a process taking flags for these keys reads, STROM_CONFIG included. */
export function envNames(keys?: readonly string[]): string[] {
  return [CONFIG_FILE_BINDING.env, ...bindingsOf(keys).map((binding) => binding.env)];
}

/** Help lines: flag, environment variable, the key it sets, what it does and its default. */
export function describeFlags(keys?: readonly string[]): string {
  const row = (flag: string, env: string, doc: string) => `  ${flag.padEnd(30)} ${env.padEnd(34)} ${doc}`;
  const rows = [
    row(
      '--config <path>',
      CONFIG_FILE_BINDING.env,
      "a Kafka server.properties (Kafka's key names, and strom.* keys); flags and env win over it",
    ),
    row('--override <key>=<value>', '', 'sets any key, over the file and env (repeatable, as kafka-server-start.sh takes it)'),
  ];
  for (const binding of bindingsOf(keys)) {
    const def = STROM_CONFIGS_BY_NAME.get(binding.key) ?? BROKER_CONFIGS_BY_NAME.get(binding.key);
    if (!def) throw new Error(`flag --${binding.flag} binds ${binding.key}, which no table defines`);
    const fallback = STROM_DEFAULTS_FOR_KAFKA_KEYS[def.name] ?? def.default;
    const type = def.type === 'INT' || def.type === 'LONG' ? 'int' : def.type === 'LIST' ? 'list' : 'string';
    rows.push(
      row(`--${binding.flag} <${type}>`, binding.env, `${binding.key}: ${def.doc}${fallback === null ? '' : ` (default ${fallback})`}`),
    );
  }
  return rows.join('\n');
}
