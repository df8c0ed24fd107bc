/**
 * NestJS injection tokens shared by the apps. A composition (embedded mode, or one app as its
 * own process) binds each to an implementation: the bus to the in-process bus or NATS, the
 * metadata store to the journal store or Postgres.
 */
export const BUS = Symbol.for('strom.bus');
export const METADATA_STORE = Symbol.for('strom.metadata-store');
export const LOGGER = Symbol.for('strom.logger');
/** The process's MetricsRegistry: each module registers what it exports at `/metrics`. */
export const METRICS = Symbol.for('strom.metrics');
