export { CoordinatorModule } from './coordinator.module.js';
export { CoordinatorService, type CoordinatorOptions } from './coordinator.service.js';
export { COORDINATOR_KEYS, coordinatorOptions } from './config.js';
export { GroupCoordinator, systemTime } from './groups/index.js';
