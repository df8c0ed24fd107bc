#!/usr/bin/env node
import { NatsBus } from '@strom/bus';
import { runProcess } from '@strom/runtime';
import { AdminApiModule } from './admin-api.module.js';
import { adminApiConfig } from './config.js';

await runProcess({
  name: 'admin-api',
  schema: adminApiConfig,
  module: AdminApiModule,
  http: (config) => ({ host: config.adminHost, port: config.adminPort }),
  connect: async (config) => ({ bus: await NatsBus.connect({ servers: config.natsUrl, name: 'strom-admin-api' }) }),
});
