#!/usr/bin/env node
import { NatsBus } from '@strom/bus';
import { openMetadataStore } from '@strom/metadata-store';
import { runProcess } from '@strom/runtime';
import { distributedMetadataOptions, METADATA_KEYS } from './config.js';
import { MetadataModule } from './metadata.module.js';

await runProcess({
  name: 'metadata',
  keys: METADATA_KEYS,
  module: (config) => MetadataModule.forRoot(distributedMetadataOptions(config)),
  connect: async (config) => ({
    bus: await NatsBus.connect({ servers: config.string('strom.nats.url'), name: 'strom-metadata' }),
    metadataStore: await openMetadataStore({ kind: 'postgres', url: config.string('strom.database.url') }),
  }),
});
