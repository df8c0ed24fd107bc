#!/usr/bin/env node
import { NatsBus } from '@strom/bus';
import { runProcess } from '@strom/runtime';
import { retentionConfig } from './config.js';
import { RetentionModule } from './retention.module.js';

await runProcess({
  name: 'retention',
  schema: retentionConfig,
  module: (config) => RetentionModule.forRoot(config),
  connect: async (config) => ({ bus: await NatsBus.connect({ servers: config.natsUrl, name: 'strom-retention' }) }),
});
