#!/usr/bin/env node
import { NatsBus } from '@strom/bus';
import { openMetadataStore } from '@strom/metadata-store';
import { runProcess } from '@strom/runtime';
import { coordinatorConfig } from './config.js';
import { CoordinatorModule } from './coordinator.module.js';

await runProcess({
  name: 'coordinator',
  schema: coordinatorConfig,
  module: CoordinatorModule.forRoot(),
  connect: async (config) => ({
    bus: await NatsBus.connect({ servers: config.natsUrl, name: 'strom-coordinator' }),
    metadataStore: await openMetadataStore({ kind: 'postgres', url: config.databaseUrl }),
  }),
});
