// Bundles the strom CLI (apps/strom/dist/entry.js, as tsc emits it, with every @strom/* module
// and the pure-JavaScript libraries it loads at start) into apps/strom/dist/main.js and a few
// chunks beside it. Part of `npm run build`, `npm start` and `npm test`: it bundles only when an
// input is newer than the last bundle.
//
// Why: unbundled, Node spends most of a start finding, reading and compiling ~1,300 module files:
// 1.05 of the 1.15 s until the ready line on a 2-core machine (`npm run bench -- footprint`).
// Bundled, the CLI loads in 0.37 s and is ready after 0.58 s, idling at 102 MiB instead of 140.
//
// What stays outside (external, loaded by Node from node_modules as before): native addons and
// their loaders, and every package not in BUNDLED below. A package is bundled only if it does not
// find files relative to itself (`__dirname`, `import.meta`): pino's transports, gRPC's protos
// and Prisma's engine do, so they stay external. Dynamic imports stay dynamic (their own chunks),
// so what is loaded only on demand (Temporal, Prisma, PGlite, the OTLP exporters) still is.
//
// Our own modules find files relative to themselves (the package version, the web console, the
// migrations, the worker threads' scripts): each `import.meta.url` in them is rewritten to the
// URL of the module's own dist file, so those paths resolve as they do unbundled.
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const outDir = join(repo, 'apps', 'strom', 'dist');
const entry = join(outDir, 'entry.js');
const output = join(outDir, 'main.js');
/** The inputs of the last bundle (paths relative to the repo), to tell whether it is current. */
const inputsFile = join(outDir, 'main.inputs.json');
const CHUNK_PREFIX = 'chunk-';

/** Packages bundled: pure JavaScript, no file found relative to the package. Anything else stays external. */
const BUNDLED = [
  /^@strom\//,
  /^@nestjs\/(common|core)(\/|$)/,
  /^rxjs(\/|$)/,
  /^tslib$/,
  /^iterare(\/|$)/,
  /^uid(\/|$)/,
  /^reflect-metadata$/,
  /^@opentelemetry\/api(\/|$)/,
  /^@nats-io\/(nats-core|jetstream|nkeys|nuid|transport-node)(\/|$)/,
  /^tweetnacl(\/|$)/,
  /^fast-safe-stringify$/,
  /^path-to-regexp(\/|$)/,
  /^re2js(\/|$)/,
];

const isBare = (id) => !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('node:') && !id.startsWith('\0');
const ours = (path) => /\/(apps|libs)\/[^/]+\/dist\//.test(path) && !path.includes(`${sep}node_modules${sep}`);

function current() {
  if (!existsSync(output) || !existsSync(inputsFile)) return false;
  const builtMs = statSync(output).mtimeMs;
  const inputs = JSON.parse(readFileSync(inputsFile, 'utf8'));
  return [fileURLToPath(import.meta.url), join(repo, 'package-lock.json'), ...inputs.map((path) => join(repo, path))].every(
    (path) => existsSync(path) && statSync(path).mtimeMs <= builtMs,
  );
}

if (!process.argv.includes('--force') && current()) process.exit(0);

const startedMs = performance.now();
const { build } = await import('rolldown');
// First: a build that fails after the old chunks are gone must not look current next time.
rmSync(inputsFile, { force: true });
for (const name of readdirSync(outDir)) if (name.startsWith(CHUNK_PREFIX)) rmSync(join(outDir, name));
// tsc emitted main.js from an earlier src/main.ts: its maps and declarations would now be wrong.
for (const name of ['main.js.map', 'main.d.ts', 'main.d.ts.map']) rmSync(join(outDir, name), { force: true });

const result = await build({
  input: { main: entry },
  platform: 'node',
  logLevel: 'warn',
  external: (id) => isBare(id) && !BUNDLED.some((pattern) => pattern.test(id)),
  plugins: [
    {
      name: 'strom-import-meta-url',
      transform(code, id) {
        if (!ours(id) || !code.includes('import.meta.url')) return null;
        const fromOut = relative(outDir, id).split(sep).join('/');
        return { code: code.replaceAll('import.meta.url', `new URL(${JSON.stringify(fromOut)}, import.meta.url).href`), map: null };
      },
    },
  ],
  output: {
    dir: outDir,
    format: 'esm',
    entryFileNames: '[name].js',
    chunkFileNames: `${CHUNK_PREFIX}[name]-[hash].js`,
    // NestJS and our error messages name classes: renaming a class to avoid a clash would show.
    keepNames: true,
  },
});

const inputs = new Set();
for (const chunk of result.output) {
  if (chunk.type !== 'chunk') continue;
  for (const id of chunk.moduleIds) if (id.startsWith(repo) && existsSync(id)) inputs.add(relative(repo, id));
  // A bundled CommonJS module's __dirname becomes the bundle's directory (import.meta.dirname):
  // a package that finds files relative to itself would look beside the bundle.
  if (/import\.meta\.(dirname|filename)/.test(chunk.code)) {
    throw new Error(`${chunk.fileName}: a bundled module uses __dirname or __filename; keep its package external`);
  }
}
writeFileSync(inputsFile, `${JSON.stringify([...inputs].sort(), null, 1)}\n`);
process.stderr.write(
  `strom CLI bundled in ${Math.round(performance.now() - startedMs)} ms (${relative(repo, output)}, ${inputs.size} modules)\n`,
);
