import { commonConfig, databaseConfig, defineConfigSchema, natsConfig } from '@strom/runtime';

/** What `apps/metadata` reads when it runs as its own process. */
export const metadataConfig = defineConfigSchema({ ...commonConfig, ...natsConfig, ...databaseConfig });
