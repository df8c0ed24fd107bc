#!/usr/bin/env node
import { NatsBus } from '@strom/bus';
import { runProcess } from '@strom/runtime';
import { AdminApiModule } from './admin-api.module.js';
import { ADMIN_API_KEYS, adminApiOptions, adminHttp } from './config.js';

await runProcess({
  name: 'admin-api',
  keys: ADMIN_API_KEYS,
  module: (config) => AdminApiModule.forRoot(adminApiOptions(config)),
  http: adminHttp,
  connect: async (config) => ({ bus: await NatsBus.connect({ servers: config.string('strom.nats.url'), name: 'strom-admin-api' }) }),
});
