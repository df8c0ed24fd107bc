export { embeddedConfig, startEmbedded, type EmbeddedConfig } from './embedded.js';
export { main, version } from './cli.js';
export { loadServerProperties, ServerPropertiesError, type ServerProperties } from './server-properties.js';
