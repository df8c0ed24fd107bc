export * from './logger.js';
export * from './bootstrap.js';
export * from './tokens.js';
export * from './runtime.module.js';
export * from './process.js';
export * from './startup-error.js';
export { tuneGarbageCollection } from './gc-tuning.js';
export { HealthServer, type HealthState } from './health.js';
export * from './metrics/index.js';
