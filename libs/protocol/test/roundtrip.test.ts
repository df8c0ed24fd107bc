/**
 * Property: for every message (requests, responses, headers, data records) at every valid
 * version, any value valid for that version survives encode → decode unchanged, and
 * re-encoding the decoded value reproduces the bytes exactly.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as messages from '../src/generated/messages/index.js';
import { Reader, Writer, type MessageCodec } from '../src/index.js';
import { messageArb, specs, versionList } from './support/spec-arbitraries.js';

const RUNS = 12;
const codecs = messages as unknown as Record<string, MessageCodec<unknown>>;

describe.each(specs().map((s) => [s.name, s] as const))('%s', (_name, spec) => {
  const codec = codecs[`${spec.tsName}Codec`]!;

  it('has a codec with the spec version range', () => {
    expect(codec).toBeDefined();
    expect(codec.minVersion).toBe(spec.validVersions.min);
    expect(codec.maxVersion).toBe(spec.validVersions.max);
  });

  it.each(versionList(spec))('round-trips v%i', (version) => {
    fc.assert(
      fc.property(messageArb(spec, version), (value) => {
        const w = new Writer(`${spec.name} v${version}`);
        codec.encode(w, value, version);
        const bytes = w.toBuffer();
        const r = new Reader(bytes, `${spec.name} v${version}`);
        const decoded = codec.decode(r, version);
        expect(r.remaining).toBe(0);
        expect(decoded).toEqual(value);
        const w2 = new Writer('re-encode');
        codec.encode(w2, decoded, version);
        expect(w2.toBuffer().equals(bytes)).toBe(true);
      }),
      { numRuns: RUNS, seed: 0x5720 + version },
    );
  });

  it('rejects versions outside validVersions', () => {
    const value = codec.create();
    for (const v of [spec.validVersions.min - 1, spec.validVersions.max + 1]) {
      expect(() => codec.encode(new Writer('x'), value, v)).toThrow(/not supported/);
      expect(() => codec.decode(new Reader(Buffer.alloc(64), 'x'), v)).toThrow(/not supported/);
    }
  });
});
