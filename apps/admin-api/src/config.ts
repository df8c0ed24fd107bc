import { commonConfig, defineConfigSchema, natsConfig } from '@strom/runtime';

export const adminHttpConfig = defineConfigSchema({
  adminHost: { type: 'string', env: 'STROM_ADMIN_HOST', flag: 'admin-host', doc: 'address the admin API binds', default: '127.0.0.1' },
  adminPort: {
    type: 'int',
    env: 'STROM_ADMIN_PORT',
    flag: 'admin-port',
    doc: 'port of the admin API (REST, console, /metrics)',
    default: 9644,
    min: 0,
    max: 65_535,
  },
});

/** What `apps/admin-api` reads when it runs as its own process. */
export const adminApiConfig = defineConfigSchema({ ...commonConfig, ...natsConfig, ...adminHttpConfig });
