export { RetentionModule } from './retention.module.js';
export { RetentionService, type RetentionOptions } from './retention.service.js';
export { RETENTION_KEYS, RETENTION_SCHEDULING_KEYS, retentionOptions } from './config.js';
