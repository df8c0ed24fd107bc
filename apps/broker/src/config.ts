import { commonConfig, defineConfigSchema, natsConfig } from '@strom/runtime';

/** The Kafka listener and the data directory: what a broker needs in either mode. */
export const brokerListenerConfig = defineConfigSchema({
  nodeId: {
    type: 'int',
    env: 'STROM_NODE_ID',
    flag: 'node-id',
    doc: "this broker's id (Kafka node.id)",
    default: 1,
    min: 0,
    max: 2 ** 31 - 1,
  },
  host: { type: 'string', env: 'STROM_HOST', flag: 'host', doc: 'address the Kafka listener binds', default: '127.0.0.1' },
  port: { type: 'int', env: 'STROM_PORT', flag: 'port', doc: 'port of the Kafka listener', default: 9092, min: 0, max: 65_535 },
  advertisedHost: {
    type: 'string',
    env: 'STROM_ADVERTISED_HOST',
    flag: 'advertised-host',
    doc: 'host clients are told to connect to (default: --host)',
  },
  dataDir: {
    type: 'string',
    env: 'STROM_DATA_DIR',
    flag: 'data-dir',
    doc: 'where partition logs (and, embedded, metadata) live',
    default: './data',
  },
});

/** What `apps/broker` reads when it runs as its own process. */
export const brokerConfig = defineConfigSchema({ ...commonConfig, ...natsConfig, ...brokerListenerConfig });
