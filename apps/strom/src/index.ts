export { EMBEDDED_KEYS, startEmbedded } from './embedded.js';
export { main, version } from './cli.js';
