export { OrchestratorModule } from './orchestrator.module.js';
export { TemporalWorkerService, type OrchestratorOptions } from './temporal-worker.service.js';
export { ORCHESTRATOR_KEYS, orchestratorOptions } from './config.js';
