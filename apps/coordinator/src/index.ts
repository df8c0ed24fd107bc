export { CoordinatorModule } from './coordinator.module.js';
export { CoordinatorService, type CoordinatorOptions } from './coordinator.service.js';
export * from './contract.js';
export { coordinatorConfig } from './config.js';
