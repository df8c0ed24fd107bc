export * from './tools.js';
export * from './postgres.js';
export { ensureNatsServerBinary, startNatsServer, type NatsServerHandle, type StartNatsServerOptions } from './nats.js';
export * from './temporal.js';
export * from './clients.js';
export * from './tls.js';
export { npmStartNodeFlags } from './npm-start.js';
export {
  ensureJaeger,
  jaegerPath,
  jaegerVersion,
  spanTag,
  startJaeger,
  type JaegerProcess,
  type JaegerServer,
  type JaegerSpan,
} from './jaeger.js';
export { parseExposition, type Exposition, type ExpositionSample } from './exposition.js';
