export { CoordinatorModule } from './coordinator.module.js';
export { CoordinatorService, type CoordinatorOptions } from './coordinator.service.js';
export { coordinatorConfig } from './config.js';
export { GroupCoordinator, InMemoryGroupStore, systemTime } from './groups/index.js';
