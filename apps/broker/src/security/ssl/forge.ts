import { createRequire } from 'node:module';
import type * as Jks from 'jks-js';
import type Forge from 'node-forge';

// node-forge and jks-js (together some 0.9 MB of JavaScript) are loaded on first use: only a
// broker with TLS key or trust stores, or client certificates to name principals from, needs them.
const require = createRequire(import.meta.url);
let loadedForge: typeof Forge | undefined;
let loadedJks: typeof Jks | undefined;

export function forge(): typeof Forge {
  return (loadedForge ??= require('node-forge') as typeof Forge);
}

export function jks(): typeof Jks {
  return (loadedJks ??= require('jks-js') as typeof Jks);
}
