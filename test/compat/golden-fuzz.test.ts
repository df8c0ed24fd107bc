/**
 * Fuzzing the decoder with mutated golden frames: every request and response the independent
 * encoders produced (test/fixtures/golden), mutated with a seeded generator (bit flips, byte
 * overwrites, truncation, appended garbage, lengths pushed to extremes). Decoding must either
 * succeed or throw a ProtocolError — never another exception, never a hang — within a bounded
 * time budget. The seed is fixed so a failure replays; STROM_FUZZ_SEED picks another.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeRequest, decodeResponse, ProtocolError, type ApiKey } from '@strom/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'golden');
const seed = Number(process.env.STROM_FUZZ_SEED ?? 20261125);
const budgetMs = 20_000;

function binFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? binFiles(path) : name.endsWith('.bin') ? [path] : [];
  });
}

interface ResponseFixture {
  file: string;
  kind: string;
  apiKey: number;
  apiVersion: number;
}

const requests = [
  ...binFiles(join(GOLDEN, 'requests')),
  ...binFiles(join(GOLDEN, 'encoded')).filter((path) => path.includes('/requests/')),
].map((path) => readFileSync(path));
const responses: { apiKey: number; apiVersion: number; frame: Buffer }[] = readdirSync(join(GOLDEN, 'encoded')).flatMap((version) => {
  const manifest = JSON.parse(readFileSync(join(GOLDEN, 'encoded', version, 'manifest.json'), 'utf8')) as { fixtures: ResponseFixture[] };
  return manifest.fixtures
    .filter((fixture) => fixture.kind === 'response')
    .map((fixture) => ({
      apiKey: fixture.apiKey,
      apiVersion: fixture.apiVersion,
      frame: readFileSync(join(GOLDEN, 'encoded', version, fixture.file)),
    }));
});

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.constantFrom(0x00, 0x7f, 0x80, 0xff, 0xfe, 0x01) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('int32' as const), at: fc.nat(), value: fc.constantFrom(-1, -2, 0x7fffffff, 0x40000000, 65_536) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(frame: Buffer, mutations: Mutation[]): Buffer {
  let out = Buffer.from(frame);
  for (const m of mutations) {
    if (out.length === 0) break;
    if (m.kind === 'flip') out[m.at % out.length]! ^= 1 << m.bit;
    else if (m.kind === 'set') out[m.at % out.length] = m.value;
    else if (m.kind === 'truncate') out = out.subarray(0, m.at % out.length);
    else if (m.kind === 'append') out = Buffer.concat([out, m.bytes]);
    else if (out.length >= 4) out.writeInt32BE(m.value, m.at % (out.length - 3));
  }
  return out;
}

let refused = 0;

function onlyProtocolErrors(decode: () => unknown): void {
  try {
    decode();
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    refused++;
  }
}

describe('fuzzing the decoders with mutated golden frames', () => {
  it('has golden frames to mutate', () => {
    expect(requests.length).toBeGreaterThan(1000);
    expect(responses.length).toBeGreaterThan(1000);
  });

  it('request decoding of mutated frames only ever throws ProtocolError', () => {
    const deadline = Date.now() + budgetMs / 2;
    fc.assert(
      fc.property(fc.nat({ max: requests.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), (index, mutations) => {
        if (Date.now() > deadline) return;
        onlyProtocolErrors(() => decodeRequest(mutate(requests[index]!, mutations)));
      }),
      { seed, numRuns: 20_000 },
    );
    expect(refused).toBeGreaterThan(1000);
  }, 60_000);

  it('response decoding of mutated frames only ever throws ProtocolError', () => {
    const deadline = Date.now() + budgetMs / 2;
    fc.assert(
      fc.property(fc.nat({ max: responses.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), (index, mutations) => {
        if (Date.now() > deadline) return;
        const { apiKey, apiVersion, frame } = responses[index]!;
        onlyProtocolErrors(() => decodeResponse(apiKey as ApiKey, apiVersion, mutate(frame, mutations)));
      }),
      { seed: seed + 1, numRuns: 20_000 },
    );
  }, 60_000);
});
