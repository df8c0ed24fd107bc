export { AdminApiModule } from './admin-api.module.js';
export { ADMIN_API_KEYS, ADMIN_HTTP_KEYS, adminHttp } from './config.js';
