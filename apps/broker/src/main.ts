#!/usr/bin/env node
import { NatsBus } from '@strom/bus';
import { runProcess } from '@strom/runtime';
import { BrokerModule } from './broker.module.js';
import { BROKER_KEYS, brokerOptions } from './config.js';

await runProcess({
  name: 'broker',
  keys: BROKER_KEYS,
  instanceId: (config) => `broker-${config.int('node.id')}`,
  module: (config) => BrokerModule.forRoot(brokerOptions(config)),
  connect: async (config) => ({
    bus: await NatsBus.connect({ servers: config.string('strom.nats.url'), name: `strom-broker-${config.int('node.id')}` }),
  }),
});
