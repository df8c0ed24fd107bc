export { CoordinatorModule } from './coordinator.module.js';
export { CoordinatorService } from './coordinator.service.js';
export * from './contract.js';
export { coordinatorConfig } from './config.js';
