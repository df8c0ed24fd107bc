import { commonConfig, databaseConfig, defineConfigSchema, natsConfig } from '@strom/runtime';

/** What `apps/coordinator` reads when it runs as its own process. */
export const coordinatorConfig = defineConfigSchema({ ...commonConfig, ...natsConfig, ...databaseConfig });
