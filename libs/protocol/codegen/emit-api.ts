/**
 * Emits src/generated/api.ts (the API key table with version ranges and each API's
 * request/response codecs) and src/generated/messages/index.ts (re-exports).
 */
import { BANNER } from './emit-message.ts';
import { formatRange, isEmpty, type MessageSpec } from './spec.ts';

export interface ApiPair {
  readonly name: string;
  readonly apiKey: number;
  readonly request: MessageSpec;
  readonly response: MessageSpec;
}

/** Pairs every request with its response and checks that they agree on versions. */
export function pairApis(specs: readonly MessageSpec[]): ApiPair[] {
  const requests = new Map<number, MessageSpec>();
  const responses = new Map<number, MessageSpec>();
  for (const s of specs) {
    if (s.type !== 'request' && s.type !== 'response') continue;
    if (s.apiKey === undefined) throw new Error(`${s.fileName}: ${s.type} without apiKey`);
    const map = s.type === 'request' ? requests : responses;
    if (map.has(s.apiKey)) throw new Error(`${s.fileName}: duplicate ${s.type} for API key ${s.apiKey}`);
    map.set(s.apiKey, s);
  }
  const pairs: ApiPair[] = [];
  for (const [apiKey, request] of [...requests].sort((a, b) => a[0] - b[0])) {
    const response = responses.get(apiKey);
    if (response === undefined) throw new Error(`${request.fileName}: no response for API key ${apiKey}`);
    if (!request.name.endsWith('Request') || response.name !== request.name.replace(/Request$/, 'Response')) {
      throw new Error(`${request.fileName}: request/response names do not match (${response.name})`);
    }
    if (formatRange(request.validVersions) !== formatRange(response.validVersions)) {
      throw new Error(`${request.name}: request and response valid versions differ`);
    }
    if (formatRange(request.flexibleVersions) !== formatRange(response.flexibleVersions)) {
      throw new Error(`${request.name}: request and response flexible versions differ`);
    }
    pairs.push({ name: request.name.replace(/Request$/, ''), apiKey, request, response });
  }
  for (const apiKey of responses.keys()) {
    if (!requests.has(apiKey)) throw new Error(`API key ${apiKey}: response without request`);
  }
  return pairs;
}

export function emitApi(pairs: readonly ApiPair[]): string {
  const out: string[] = [BANNER, '// Regenerate: npm run codegen -w @strom/protocol', ''];
  out.push("import type { MessageCodec } from '../codec/index.js';");
  for (const p of pairs) {
    for (const m of [p.request, p.response]) {
      out.push(`import { ${m.tsName}Codec, type ${m.tsName} } from './messages/${m.moduleName}.js';`);
    }
  }
  out.push('');
  out.push('/** Kafka API keys by name: the spec message name without `Request`/`Response`. */');
  out.push('export const ApiKey = {');
  for (const p of pairs) out.push(`  ${p.name}: ${p.apiKey},`);
  out.push('} as const;');
  out.push('');
  out.push('/** A Kafka API key this codec knows. */');
  out.push('export type ApiKey = (typeof ApiKey)[keyof typeof ApiKey];');
  out.push('');
  out.push('/** The name of a known API, e.g. `Produce`. */');
  out.push('export type ApiName = keyof typeof ApiKey;');
  out.push('');
  out.push('/** The request body type of each API key. */');
  out.push('export interface RequestBodies {');
  for (const p of pairs) out.push(`  ${p.apiKey}: ${p.request.tsName};`);
  out.push('}');
  out.push('');
  out.push('/** The response body type of each API key. */');
  out.push('export interface ResponseBodies {');
  for (const p of pairs) out.push(`  ${p.apiKey}: ${p.response.tsName};`);
  out.push('}');
  out.push('');
  out.push('/** The version facts and codecs of one API. */');
  out.push('export interface ApiDefinition<K extends ApiKey = ApiKey> {');
  out.push('  readonly apiKey: K;');
  out.push('  readonly name: ApiName;');
  out.push('  readonly minVersion: number;');
  out.push('  readonly maxVersion: number;');
  out.push('  /** The first flexible version (compact encodings, tagged fields, header v2/v1), if any. */');
  out.push('  readonly firstFlexibleVersion: number | undefined;');
  out.push('  /** Kafka marks the highest version as unstable: not advertised unless explicitly enabled. */');
  out.push('  readonly latestVersionUnstable: boolean;');
  out.push('  readonly deprecatedVersions: { readonly min: number; readonly max: number } | undefined;');
  out.push('  /** Which Kafka listeners accept the API (`broker`, `controller`, `zkBroker`). */');
  out.push('  readonly listeners: readonly string[];');
  out.push('  readonly request: MessageCodec<RequestBodies[K]>;');
  out.push('  readonly response: MessageCodec<ResponseBodies[K]>;');
  out.push('}');
  out.push('');
  out.push('/** Every API this codec knows, by API key. */');
  out.push('export const API_DEFINITIONS: { readonly [K in ApiKey]: ApiDefinition<K> } = {');
  for (const p of pairs) {
    const r = p.request;
    const min = r.validVersions.min;
    const firstFlexible = r.hasFlexible ? Math.max(r.flexibleVersions.min, min) : undefined;
    const deprecated = isEmpty(r.deprecatedVersions)
      ? 'undefined'
      : `{ min: ${r.deprecatedVersions.min}, max: ${r.deprecatedVersions.max === Infinity ? r.validVersions.max : r.deprecatedVersions.max} }`;
    out.push(`  ${p.apiKey}: {`);
    out.push(`    apiKey: ${p.apiKey},`);
    out.push(`    name: '${p.name}',`);
    out.push(`    minVersion: ${min},`);
    out.push(`    maxVersion: ${r.validVersions.max},`);
    out.push(`    firstFlexibleVersion: ${firstFlexible === undefined ? 'undefined' : firstFlexible},`);
    out.push(`    latestVersionUnstable: ${r.latestVersionUnstable},`);
    out.push(`    deprecatedVersions: ${deprecated},`);
    out.push(`    listeners: [${r.listeners.map((l) => `'${l}'`).join(', ')}],`);
    out.push(`    request: ${r.tsName}Codec,`);
    out.push(`    response: ${p.response.tsName}Codec,`);
    out.push('  },');
  }
  out.push('};');
  out.push('');
  return out.join('\n');
}

export function emitMessagesIndex(specs: readonly MessageSpec[]): string {
  const out: string[] = [BANNER, '// Regenerate: npm run codegen -w @strom/protocol', ''];
  for (const s of [...specs].sort((a, b) => a.moduleName.localeCompare(b.moduleName))) {
    out.push(`export * from './${s.moduleName}.js';`);
  }
  out.push('');
  return out.join('\n');
}
