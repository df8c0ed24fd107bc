export { RetentionModule } from './retention.module.js';
export { RetentionService, type RetentionOptions } from './retention.service.js';
export { retentionConfig, retentionSchedulingConfig } from './config.js';
