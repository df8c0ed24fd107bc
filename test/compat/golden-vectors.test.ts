/**
 * Golden vectors from independent Kafka implementations (test/fixtures/golden/README.md):
 *
 * - requests/<client>/: raw request frames that real clients (kafkajs, @platformatic/kafka,
 *   kcat/librdkafka, confluent-kafka-python/librdkafka, kafka-python, the Java kafka-clients)
 *   sent to a capture server;
 * - encoded/java-<version>/: request and response frames written by Apache Kafka's own
 *   generated message classes, for every API version the codec has, in several variants.
 *
 * For each: @strom/protocol decodes the frame, re-encodes what it decoded, and must give back
 * the identical bytes; the decoded header must match the manifest. The fixtures are committed:
 * no client runs here.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse, type ApiKey } from '@strom/protocol';

const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'golden');

interface RequestFixture {
  file: string;
  client: string;
  clientVersion: string;
  apiKey: number;
  apiName: string;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  size: number;
}

interface EncodedFixture {
  file: string;
  kind: 'request' | 'response';
  apiKey: number;
  apiName: string;
  apiVersion: number;
  variant: string;
  correlationId: number;
  clientId: string | null;
  size: number;
}

/**
 * Fixtures the codec is known to get wrong, by path under test/fixtures/golden/, with the
 * reason. They run as `it.fails`: when the codec is fixed the test fails, and the entry must
 * go. Keep this list short and every entry explained.
 */
const KNOWN_FAILURES: Record<string, string> = {};

/** Where two buffers first differ, with a little hex context, for a readable failure. */
function describeMismatch(expected: Buffer, actual: Buffer): string {
  let i = 0;
  while (i < expected.length && i < actual.length && expected[i] === actual[i]) i++;
  const from = Math.max(0, i - 8);
  return (
    `re-encoded ${actual.length} bytes, expected ${expected.length}; first difference at byte ${i}: ` +
    `expected ${expected.subarray(from, i + 8).toString('hex')} got ${actual.subarray(from, i + 8).toString('hex')} (from byte ${from})`
  );
}

function roundTripRequest(
  frame: Buffer,
  expected: { apiKey: number; apiVersion: number; correlationId: number; clientId: string | null },
): void {
  const decoded = decodeRequest(frame);
  expect({
    apiKey: decoded.header.apiKey,
    apiVersion: decoded.header.apiVersion,
    correlationId: decoded.header.correlationId,
    clientId: decoded.header.clientId,
  }).toEqual(expected);
  const again = encodeRequest(decoded.header, decoded.body as never);
  if (!again.equals(frame)) expect.fail(describeMismatch(frame, again));
}

function roundTripResponse(frame: Buffer, apiKey: number, apiVersion: number, correlationId: number): void {
  const decoded = decodeResponse(apiKey as ApiKey, apiVersion, frame);
  expect(decoded.header.correlationId).toBe(correlationId);
  const again = encodeResponse(apiKey as ApiKey, apiVersion, decoded.header, decoded.body);
  if (!again.equals(frame)) expect.fail(describeMismatch(frame, again));
}

function testOrKnownFailure(path: string, name: string, body: () => void): void {
  const reason = KNOWN_FAILURES[path];
  if (reason === undefined) it(name, body);
  else it.fails(`${name} [known codec bug: ${reason}]`, body);
}

const requestsManifest = join(GOLDEN, 'requests', 'manifest.json');
const captured: RequestFixture[] = existsSync(requestsManifest)
  ? (JSON.parse(readFileSync(requestsManifest, 'utf8')) as { fixtures: RequestFixture[] }).fixtures
  : [];

const encoderDirs = existsSync(join(GOLDEN, 'encoded')) ? readdirSync(join(GOLDEN, 'encoded')).sort() : [];

describe('golden vectors', () => {
  it('are present', () => {
    expect(captured.length).toBeGreaterThan(100);
    expect(encoderDirs.length).toBeGreaterThan(0);
  });

  const clients = [...new Set(captured.map((f) => f.client))];
  for (const client of clients) {
    describe(`requests captured from ${client}`, () => {
      for (const f of captured.filter((x) => x.client === client)) {
        const path = f.file;
        testOrKnownFailure(path, `${f.file} (${f.clientVersion})`, () => {
          const frame = readFileSync(join(GOLDEN, path));
          expect(frame.length).toBe(f.size);
          roundTripRequest(frame, { apiKey: f.apiKey, apiVersion: f.apiVersion, correlationId: f.correlationId, clientId: f.clientId });
        });
      }
    });
  }

  for (const dir of encoderDirs) {
    const manifest = JSON.parse(readFileSync(join(GOLDEN, 'encoded', dir, 'manifest.json'), 'utf8')) as {
      encoder: string;
      fixtures: EncodedFixture[];
    };
    for (const kind of ['request', 'response'] as const) {
      describe(`${kind}s encoded by ${manifest.encoder}`, () => {
        for (const f of manifest.fixtures.filter((x) => x.kind === kind)) {
          const path = `encoded/${dir}/${f.file}`;
          testOrKnownFailure(path, f.file, () => {
            const frame = readFileSync(join(GOLDEN, path));
            expect(frame.length).toBe(f.size);
            if (kind === 'request') {
              roundTripRequest(frame, { apiKey: f.apiKey, apiVersion: f.apiVersion, correlationId: f.correlationId, clientId: f.clientId });
            } else {
              roundTripResponse(frame, f.apiKey, f.apiVersion, f.correlationId);
            }
          });
        }
      });
    }
  }
});
