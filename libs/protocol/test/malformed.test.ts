/**
 * Bad input must end in a typed ProtocolError naming what failed: truncation at every byte,
 * lying lengths, overflowing varints, random corruption. Never a RangeError, never a hang,
 * never an allocation sized by the attacker.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiKey, decodeRequest, decodeResponse, ProtocolError, Reader, UnknownApiKeyError, UnsupportedVersionError } from '../src/index.js';
import { sampleFrames, type SampleFrame } from './support/samples.js';

const samples = sampleFrames();

function decode(s: SampleFrame, frame: Buffer): unknown {
  return s.kind === 'request' ? decodeRequest(frame) : decodeResponse(s.apiKey, s.apiVersion, frame);
}

function expectProtocolError(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw new Error(`expected a ProtocolError, got ${String(e)}`, { cause: e });
    return e;
  }
  throw new Error('expected a ProtocolError, but decoding succeeded');
}

/** A header v1 request frame: api key, version, correlation id 9, client id "c", then `body`. */
function request(apiKey: number, apiVersion: number, body: number[], clientId = [0x00, 0x01, 0x63]): Buffer {
  const head = Buffer.alloc(8);
  head.writeInt16BE(apiKey, 0);
  head.writeInt16BE(apiVersion, 2);
  head.writeInt32BE(9, 4);
  return Buffer.concat([head, Buffer.from(clientId), Buffer.from(body)]);
}

describe('truncation', () => {
  it(`every strict prefix of ${samples.length} sample frames is a ProtocolError`, () => {
    let checked = 0;
    for (const s of samples) {
      expect(() => decode(s, s.frame), s.label).not.toThrow();
      for (let k = 0; k < s.frame.length; k++) {
        const err = expectProtocolError(() => decode(s, s.frame.subarray(0, k)));
        expect(err).not.toBeInstanceOf(UnsupportedVersionError);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('names the message, version and field that ran out', () => {
    const s = samples.find((x) => x.label === 'ProduceRequest v3' && x.kind === 'request')!;
    // Header v1 with client id "c" is 11 bytes; the transactional id's 2-byte length says 3 bytes
    // follow, so byte 14 leaves one of them.
    const err = expectProtocolError(() => decodeRequest(s.frame.subarray(0, 14)));
    expect(err.message).toBe('ProduceRequest v3 ProduceRequest.TransactionalId: truncated: needs 3 bytes, 1 remain at byte 13');
    expect(err.context).toBe('ProduceRequest v3');
    expect(err.field).toBe('ProduceRequest.TransactionalId');
    expect(err.code).toBe(42); // INVALID_REQUEST
  });

  it('trailing bytes after a response body are refused; after a request body ignored, as Kafka does', () => {
    const response = samples.find((x) => x.kind === 'response')!;
    const err = expectProtocolError(() => decode(response, Buffer.concat([response.frame, Buffer.from([0])])));
    expect(err.message).toMatch(/1 unexpected trailing bytes/);
    const request = samples.find((x) => x.kind === 'request')!;
    expect(decode(request, Buffer.concat([request.frame, Buffer.from([1, 0, 0])]))).toEqual(decode(request, request.frame));
  });
});

describe('random corruption', () => {
  it('decodes or throws ProtocolError, nothing else', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: samples.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        (index, edits) => {
          const s = samples[index]!;
          const frame = Buffer.from(s.frame);
          for (const [pos, byte] of edits) if (frame.length > 0) frame[pos % frame.length] = byte;
          try {
            decode(s, frame);
          } catch (e) {
            if (!(e instanceof ProtocolError)) throw e;
          }
        },
      ),
      { numRuns: 3000, seed: 99 },
    );
  });
});

describe('lying lengths', () => {
  it('a string longer than the frame', () => {
    const err = expectProtocolError(() => decodeRequest(request(ApiKey.ApiVersions, 0, [], [0x7f, 0xff, 0x61])));
    expect(err.field).toBe('RequestHeader.ClientId');
    expect(err.message).toMatch(/truncated: needs 32767 bytes, 1 remain/);
  });

  it('a negative string length other than -1', () => {
    const err = expectProtocolError(() => decodeRequest(request(ApiKey.ApiVersions, 0, [], [0xff, 0xfe])));
    expect(err.message).toMatch(/invalid string length -2/);
  });

  it('a non-nullable string with length -1', () => {
    // MetadataRequest v1: topics => [name]; name is a non-nullable STRING.
    const err = expectProtocolError(() => decodeRequest(request(ApiKey.Metadata, 1, [0, 0, 0, 1, 0xff, 0xff])));
    expect(err.field).toBe('MetadataRequestTopic.Name');
    expect(err.message).toMatch(/non-nullable string has length -1/);
  });

  it('a huge array count is refused before any allocation', () => {
    const err = expectProtocolError(() => decodeRequest(request(ApiKey.Metadata, 1, [0x7f, 0xff, 0xff, 0xff])));
    expect(err.field).toBe('MetadataRequest.Topics');
    expect(err.message).toMatch(/array of 2147483647 elements cannot fit in 0 remaining bytes/);
  });

  it('a negative array count', () => {
    const err = expectProtocolError(() => decodeRequest(request(ApiKey.Metadata, 1, [0xff, 0xff, 0xff, 0xfe])));
    expect(err.message).toMatch(/invalid array length -2/);
  });

  it('a huge compact array count', () => {
    // MetadataRequest v9 (flexible): header v2 (client id + tagged fields), then topics as COMPACT_NULLABLE_ARRAY.
    const frame = request(ApiKey.Metadata, 9, [0x00, 0xff, 0xff, 0xff, 0xff, 0x0f]);
    const err = expectProtocolError(() => decodeRequest(frame));
    expect(err.message).toMatch(/array of 4294967294 elements cannot fit/);
  });

  it('negative records length', () => {
    // ProduceRequest v3: transactional_id null, acks, timeout, one topic "t", one partition, records length -2.
    const body = [0xff, 0xff, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0x74, 0, 0, 0, 1, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xfe];
    const err = expectProtocolError(() => decodeRequest(request(ApiKey.Produce, 3, body)));
    expect(err.field).toBe('PartitionProduceData.Records');
    expect(err.message).toMatch(/invalid bytes length -2/);
  });

  it('a tagged field larger than what remains', () => {
    // ApiVersionsRequest v3: header v2 tagged fields: 1 field, tag 5, size 100, no data.
    const frame = request(ApiKey.ApiVersions, 3, [0x01, 0x05, 0x64]);
    const err = expectProtocolError(() => decodeRequest(frame));
    expect(err.message).toMatch(/truncated/);
  });

  it('a known tagged field whose value is shorter than its declared size', () => {
    // ApiVersionsResponse v3 (header v0): error 0, no api keys, throttle 0, then tag 3 (a bool) declared as 2 bytes.
    const frame = Buffer.from([0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 1, 3, 2, 1, 0]);
    const err = expectProtocolError(() => decodeResponse(ApiKey.ApiVersions, 3, frame));
    expect(err.field).toBe('ApiVersionsResponse.ZkMigrationReady');
    expect(err.message).toMatch(/1 bytes left over/);
  });
});

describe('varints', () => {
  it('a varint longer than 5 bytes overflows', () => {
    const r = new Reader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), 'test');
    expect(() => r.uvarint('f')).toThrow(/varint overflows 32 bits/);
  });

  it('a 5th byte with bits above 32 overflows', () => {
    const r = new Reader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x10]), 'test');
    expect(() => r.uvarint('f')).toThrow(ProtocolError);
  });

  it('the largest 32-bit varint is fine', () => {
    const r = new Reader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]), 'test');
    expect(r.uvarint('f')).toBe(0xffffffff);
  });

  it('a truncated varint', () => {
    expect(() => new Reader(Buffer.from([0x80, 0x80]), 'test').uvarint('f')).toThrow(/truncated varint/);
  });

  it('a varlong longer than 10 bytes overflows', () => {
    const r = new Reader(Buffer.alloc(11, 0xff), 'test');
    expect(() => r.varlong('f')).toThrow(/varlong overflows 64 bits/);
  });

  it('an overflowing tagged-field count in a request header', () => {
    const frame = request(ApiKey.ApiVersions, 3, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    expectProtocolError(() => decodeRequest(frame));
  });
});

describe('API key and version', () => {
  it('an unknown API key carries the decoded header', () => {
    const err = expectProtocolError(() => decodeRequest(request(9999, 0, [])));
    expect(err).toBeInstanceOf(UnknownApiKeyError);
    expect((err as UnknownApiKeyError).header).toMatchObject({ apiKey: 9999, correlationId: 9, clientId: 'c' });
  });

  it('an unsupported version carries the decoded header (ApiVersions v99, header v2)', () => {
    const err = expectProtocolError(() => decodeRequest(request(ApiKey.ApiVersions, 99, [0x00, 0x02, 0x78])));
    expect(err).toBeInstanceOf(UnsupportedVersionError);
    expect(err.code).toBe(35);
    const u = err as UnsupportedVersionError;
    expect(u.apiKey).toBe(ApiKey.ApiVersions);
    expect(u.apiVersion).toBe(99);
    expect(u.header).toEqual({ apiKey: ApiKey.ApiVersions, apiVersion: 99, correlationId: 9, clientId: 'c' });
  });

  it('a frame too short for the header', () => {
    expectProtocolError(() => decodeRequest(Buffer.alloc(0)));
    expectProtocolError(() => decodeRequest(Buffer.from([0, 18, 0])));
  });
});
