#!/usr/bin/env node
import { NatsBus } from '@strom/bus';
import { openMetadataStore } from '@strom/metadata-store';
import { runProcess } from '@strom/runtime';
import { metadataConfig } from './config.js';
import { MetadataModule } from './metadata.module.js';

await runProcess({
  name: 'metadata',
  schema: metadataConfig,
  module: MetadataModule.forRoot(),
  connect: async (config) => ({
    bus: await NatsBus.connect({ servers: config.natsUrl, name: 'strom-metadata' }),
    metadataStore: await openMetadataStore({ kind: 'postgres', url: config.databaseUrl }),
  }),
});
