export { AdminApiModule } from './admin-api.module.js';
export { ADMIN_API_KEYS, ADMIN_HTTP_KEYS, adminApiOptions, adminHttp } from './config.js';
export type { KafkaEndpoint } from './rest/cluster-client.js';
export type { RestV3Options } from './rest/rest-v3.js';
