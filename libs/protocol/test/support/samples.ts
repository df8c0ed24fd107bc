/** Seeded sample values and encoded frames for every API, for the malformed-input tests. */
import fc from 'fast-check';
import { apiDefinitions, encodeRequest, encodeResponse, type ApiKey } from '../../src/index.js';
import { messageArb, specs } from './spec-arbitraries.js';

export interface SampleFrame {
  readonly label: string;
  readonly apiKey: ApiKey;
  readonly apiVersion: number;
  readonly kind: 'request' | 'response';
  readonly frame: Buffer;
}

/** For each API: request and response frames at its lowest, first flexible and highest version. */
export function sampleFrames(seed = 42): SampleFrame[] {
  const byName = new Map(specs().map((s) => [s.name, s]));
  const out: SampleFrame[] = [];
  for (const def of apiDefinitions()) {
    const versions = new Set([def.minVersion, def.maxVersion]);
    if (def.firstFlexibleVersion !== undefined) versions.add(def.firstFlexibleVersion);
    for (const version of versions) {
      for (const kind of ['request', 'response'] as const) {
        const codec = kind === 'request' ? def.request : def.response;
        const spec = byName.get(codec.name)!;
        const [value] = fc.sample(messageArb(spec, version), { numRuns: 1, seed: seed + def.apiKey * 31 + version });
        const frame =
          kind === 'request'
            ? encodeRequest({ apiKey: def.apiKey, apiVersion: version, correlationId: 7, clientId: 'c' }, value as never)
            : encodeResponse(def.apiKey, version, { correlationId: 7 }, value as never);
        out.push({ label: `${codec.name} v${version}`, apiKey: def.apiKey, apiVersion: version, kind, frame });
      }
    }
  }
  return out;
}
