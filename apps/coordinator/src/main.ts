#!/usr/bin/env node
import { NatsBus } from '@strom/bus';
import { openMetadataStore } from '@strom/metadata-store';
import { runProcess } from '@strom/runtime';
import { COORDINATOR_KEYS, coordinatorOptions } from './config.js';
import { CoordinatorModule } from './coordinator.module.js';

await runProcess({
  name: 'coordinator',
  keys: COORDINATOR_KEYS,
  module: (config) => CoordinatorModule.forRoot(coordinatorOptions(config)),
  connect: async (config) => ({
    bus: await NatsBus.connect({ servers: config.string('strom.nats.url'), name: 'strom-coordinator' }),
    metadataStore: await openMetadataStore({ kind: 'postgres', url: config.string('strom.database.url') }),
  }),
});
