export { CoordinatorModule } from './coordinator.module.js';
export { CoordinatorService, CoordinatorSubjects } from './coordinator.service.js';
export { coordinatorConfig } from './config.js';
