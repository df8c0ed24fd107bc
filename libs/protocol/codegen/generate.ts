/**
 * Generates libs/protocol/src/generated/ from the vendored Kafka message specs in
 * libs/protocol/spec/. Run with Node 24 (type stripping): `node libs/protocol/codegen/generate.ts`
 * or `npm run codegen -w @strom/protocol`. With `--check` it writes nothing and exits 1 if
 * the committed output is stale.
 *
 * Output, all marked "DO NOT EDIT":
 *   src/generated/messages/<message>.ts  one module per message (requests, responses,
 *                                        headers, data records)
 *   src/generated/messages/index.ts      re-exports
 *   src/generated/api.ts                 ApiKey table, version ranges, codecs per API
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { emitApi, emitMessagesIndex, pairApis } from './emit-api.ts';
import { emitMessage } from './emit-message.ts';
import { loadSpecs, type MessageSpec } from './spec.ts';

const here = dirname(fileURLToPath(import.meta.url));
export const PACKAGE_ROOT = resolve(here, '..');
export const SPEC_DIR = join(PACKAGE_ROOT, 'spec');
export const GENERATED_DIR = join(PACKAGE_ROOT, 'src', 'generated');

function checkUniqueExports(specs: readonly MessageSpec[]): void {
  const seen = new Map<string, string>();
  const claim = (name: string, owner: string): void => {
    const other = seen.get(name);
    if (other !== undefined) throw new Error(`exported name ${name} from ${owner} collides with ${other}`);
    seen.set(name, owner);
  };
  for (const spec of specs) {
    for (const s of spec.structs) {
      claim(s.tsName, spec.fileName);
      claim(`create${s.tsName}`, spec.fileName);
    }
    claim(`encode${spec.tsName}`, spec.fileName);
    claim(`decode${spec.tsName}`, spec.fileName);
    claim(`${spec.tsName}Codec`, spec.fileName);
  }
}

/** Everything the generator would write, keyed by absolute path, without touching the disk. */
export function generate(specDir: string = SPEC_DIR, outDir: string = GENERATED_DIR): Map<string, string> {
  const specs = loadSpecs(specDir);
  checkUniqueExports(specs);
  const files = new Map<string, string>();
  for (const spec of specs) files.set(join(outDir, 'messages', `${spec.moduleName}.ts`), emitMessage(spec));
  files.set(join(outDir, 'messages', 'index.ts'), emitMessagesIndex(specs));
  files.set(join(outDir, 'api.ts'), emitApi(pairApis(specs)));
  return files;
}

/** Generated files on disk that the generator would no longer produce. */
export function staleFiles(files: Map<string, string>, outDir: string = GENERATED_DIR): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (!files.has(p)) out.push(p);
    }
  };
  walk(outDir);
  return out;
}

function main(): void {
  const check = process.argv.includes('--check');
  const files = generate();
  let changed = 0;
  for (const [path, content] of files) {
    let current: string | undefined;
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      current = undefined;
    }
    if (current === content) continue;
    changed++;
    if (check) {
      console.error(`stale: ${path}`);
      continue;
    }
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  for (const path of staleFiles(files)) {
    changed++;
    if (check) console.error(`not generated any more: ${path}`);
    else rmSync(path);
  }
  if (check && changed > 0) process.exit(1);
  console.log(check ? 'generated code is up to date' : `${files.size} files generated, ${changed} changed`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
