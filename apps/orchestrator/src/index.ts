export { OrchestratorModule } from './orchestrator.module.js';
export { TemporalWorkerService, type OrchestratorOptions } from './temporal-worker.service.js';
export { orchestratorConfig, temporalConfig } from './config.js';
