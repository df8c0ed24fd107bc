import { commonConfig, defineConfigSchema, natsConfig } from '@strom/runtime';

export const temporalConfig = defineConfigSchema({
  temporalAddress: {
    type: 'string',
    env: 'STROM_TEMPORAL_ADDRESS',
    flag: 'temporal-address',
    doc: 'host:port of the Temporal frontend',
    default: '127.0.0.1:7233',
  },
  temporalNamespace: {
    type: 'string',
    env: 'STROM_TEMPORAL_NAMESPACE',
    flag: 'temporal-namespace',
    doc: 'Temporal namespace',
    default: 'default',
  },
});

/** What `apps/orchestrator` reads when it runs as its own process. */
export const orchestratorConfig = defineConfigSchema({ ...commonConfig, ...natsConfig, ...temporalConfig });
