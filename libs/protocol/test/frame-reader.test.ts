import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameReader, FrameSizeError, ProtocolError } from '../src/index.js';

function frame(payload: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length, 0);
  return Buffer.concat([size, payload]);
}

describe('FrameReader', () => {
  it('returns the frames of a stream however it is split into chunks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 20 }),
        (payloads, cuts) => {
          const stream = Buffer.concat(payloads.map((p) => frame(Buffer.from(p))));
          const reader = new FrameReader({ maxFrameBytes: 64 });
          const got: Buffer[] = [];
          let pos = 0;
          for (let i = 0; pos < stream.length; i++) {
            const n = cuts[i % cuts.length]!;
            got.push(...reader.push(stream.subarray(pos, pos + n)));
            pos += n;
          }
          expect(got.map((b) => b.toString('hex'))).toEqual(payloads.map((p) => Buffer.from(p).toString('hex')));
          expect(reader.idle).toBe(true);
          expect(reader.bufferedBytes).toBe(0);
        },
      ),
      { numRuns: 300, seed: 1 },
    );
  });

  it('returns a frame inside one chunk as a slice of it (no copy)', () => {
    const chunk = frame(Buffer.from('hello'));
    const [f] = new FrameReader({ maxFrameBytes: 100 }).push(chunk);
    expect(f!.buffer).toBe(chunk.buffer);
    expect(f!.toString()).toBe('hello');
  });

  it('handles a size prefix split byte by byte, and empty frames', () => {
    const reader = new FrameReader({ maxFrameBytes: 100 });
    const stream = Buffer.concat([frame(Buffer.alloc(0)), frame(Buffer.from('ab'))]);
    const got: Buffer[] = [];
    for (const b of stream) got.push(...reader.push(Buffer.from([b])));
    expect(got.map((b) => b.toString())).toEqual(['', 'ab']);
  });

  it('rejects an oversized frame as soon as its size is read, before buffering it', () => {
    const reader = new FrameReader({ maxFrameBytes: 1000 });
    const prefix = Buffer.alloc(4);
    prefix.writeInt32BE(1001, 0);
    reader.push(prefix.subarray(0, 3));
    expect(reader.bufferedBytes).toBe(3);
    let err: unknown;
    try {
      reader.push(prefix.subarray(3));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FrameSizeError);
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as FrameSizeError).size).toBe(1001);
    expect((err as FrameSizeError).maxFrameBytes).toBe(1000);
    expect(reader.bufferedBytes).toBe(0);
    // The stream cannot be resynchronised: later pushes fail the same way.
    expect(() => reader.push(Buffer.alloc(10))).toThrow(FrameSizeError);
  });

  it('rejects a 2 GiB size without allocating it', () => {
    const reader = new FrameReader({ maxFrameBytes: 100 * 1024 * 1024 });
    expect(() => reader.push(Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]))).toThrow(/exceeds maxFrameBytes/);
  });

  it('rejects a negative size', () => {
    const reader = new FrameReader({ maxFrameBytes: 100 });
    expect(() => reader.push(Buffer.from([0xff, 0xff, 0xff, 0xfe]))).toThrow(/negative frame size -2/);
  });

  it('accepts a frame of exactly maxFrameBytes', () => {
    const reader = new FrameReader({ maxFrameBytes: 3 });
    expect(reader.push(frame(Buffer.from('abc'))).length).toBe(1);
  });

  it('refuses a bad maxFrameBytes option', () => {
    expect(() => new FrameReader({ maxFrameBytes: -1 })).toThrow(RangeError);
    expect(() => new FrameReader({ maxFrameBytes: 1.5 })).toThrow(RangeError);
  });

  it('keeps completed frames intact when later chunks arrive', () => {
    const reader = new FrameReader({ maxFrameBytes: 100 });
    const whole = frame(Buffer.from('split-frame'));
    const first = reader.push(whole.subarray(0, 7));
    expect(first).toEqual([]);
    const [f] = reader.push(whole.subarray(7));
    reader.push(frame(Buffer.from('next')));
    expect(f!.toString()).toBe('split-frame');
  });
});
