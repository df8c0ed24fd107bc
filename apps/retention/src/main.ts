#!/usr/bin/env node
import { NatsBus } from '@strom/bus';
import { runProcess } from '@strom/runtime';
import { RETENTION_KEYS, retentionOptions } from './config.js';
import { RetentionModule } from './retention.module.js';

await runProcess({
  name: 'retention',
  keys: RETENTION_KEYS,
  module: (config) => RetentionModule.forRoot(retentionOptions(config)),
  connect: async (config) => ({ bus: await NatsBus.connect({ servers: config.string('strom.nats.url'), name: 'strom-retention' }) }),
});
