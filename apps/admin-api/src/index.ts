export { AdminApiModule } from './admin-api.module.js';
export { adminApiConfig, adminHttpConfig } from './config.js';
