#!/usr/bin/env -S node --liftoff-only
// --liftoff-only: PGlite (the embedded metadata store) is a large WebAssembly module; letting V8
// optimise it with TurboFan costs ~570 MiB of transient memory and ~1.4 s of CPU at start-up, for
// queries that are rare and small. V8 reads the flag only at start, so `npm start` passes it too.
import { main } from './cli.js';

const code = await main(process.argv.slice(2));
if (code !== undefined) process.exitCode = code;
