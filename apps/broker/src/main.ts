#!/usr/bin/env node
import { NatsBus } from '@strom/bus';
import { runProcess } from '@strom/runtime';
import { BrokerModule } from './broker.module.js';
import { brokerConfig } from './config.js';

await runProcess({
  name: 'broker',
  schema: brokerConfig,
  module: (config) => BrokerModule.forRoot(config),
  connect: async (config) => ({ bus: await NatsBus.connect({ servers: config.natsUrl, name: `strom-broker-${config.nodeId}` }) }),
});
