export { CoordinatorModule } from './coordinator.module.js';
export { CoordinatorService, type CoordinatorOptions } from './coordinator.service.js';
export { COORDINATOR_KEYS, coordinatorOptions } from './config.js';
export { GroupCoordinator, InMemoryGroupStore, systemTime } from './groups/index.js';
