#!/usr/bin/env node
import { NatsBus } from '@strom/bus';
import { runProcess } from '@strom/runtime';
import { orchestratorConfig } from './config.js';
import { OrchestratorModule } from './orchestrator.module.js';

await runProcess({
  name: 'orchestrator',
  schema: orchestratorConfig,
  module: (config) => OrchestratorModule.forRoot(config),
  connect: async (config) => ({ bus: await NatsBus.connect({ servers: config.natsUrl, name: 'strom-orchestrator' }) }),
});
