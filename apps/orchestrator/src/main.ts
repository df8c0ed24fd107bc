#!/usr/bin/env node
import { NatsBus } from '@strom/bus';
import { runProcess } from '@strom/runtime';
import { ORCHESTRATOR_KEYS, orchestratorOptions } from './config.js';
import { OrchestratorModule } from './orchestrator.module.js';

await runProcess({
  name: 'orchestrator',
  keys: ORCHESTRATOR_KEYS,
  module: (config) => OrchestratorModule.forRoot(orchestratorOptions(config)),
  connect: async (config) => ({ bus: await NatsBus.connect({ servers: config.string('strom.nats.url'), name: 'strom-orchestrator' }) }),
});
