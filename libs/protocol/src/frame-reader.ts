import { FrameSizeError, ProtocolError } from './errors.js';

export interface FrameReaderOptions {
  /**
   * The largest frame accepted, in bytes, not counting the 4-byte size prefix (Kafka's
   * `socket.request.max.bytes`, default 100 MiB).
   */
  readonly maxFrameBytes: number;
}

/**
 * The bound of a reader whose user names none: clients reading responses (the CLI, tests). The
 * broker passes `socket.request.max.bytes` from its configuration (libs/config holds Kafka's
 * default); this equals it so a client can read any response a default broker could accept.
 */
export const DEFAULT_MAX_FRAME_BYTES = 100 * 1024 * 1024;

/**
 * Splits a byte stream into Kafka frames (int32 size, then that many bytes).
 *
 * `push` returns the frames completed by a chunk, without their size prefix. A frame that
 * lies entirely within one chunk is returned as a slice of that chunk (no copy), so chunks
 * must not be reused by the caller (socket `data` chunks never are); a frame spread over
 * several chunks is joined into a new buffer once complete. Memory held never exceeds the
 * bytes actually received for the current frame.
 *
 * A negative size or one above `maxFrameBytes` throws {@link FrameSizeError} as soon as the
 * 4 size bytes are in, before any of the frame is buffered; after that the stream cannot be
 * resynchronised and every further `push` throws the same error.
 */
export class FrameReader {
  readonly maxFrameBytes: number;
  private readonly sizeBytes = Buffer.alloc(4);
  private sizeHave = 0;
  /** Size of the frame being collected, or -1 while reading a size prefix. */
  private frameSize = -1;
  private parts: Buffer[] = [];
  private partsBytes = 0;
  private failed: FrameSizeError | undefined;

  constructor(options: FrameReaderOptions = { maxFrameBytes: DEFAULT_MAX_FRAME_BYTES }) {
    const max = options.maxFrameBytes;
    if (!Number.isInteger(max) || max < 0 || max > 0x7fffffff) {
      throw new RangeError(`maxFrameBytes must be an integer in 0..2147483647, got ${String(max)}`);
    }
    this.maxFrameBytes = max;
  }

  /** Bytes received but not yet returned as part of a frame (size prefix included). */
  get bufferedBytes(): number {
    return this.frameSize < 0 ? this.sizeHave : 4 + this.partsBytes;
  }

  /** Size of the frame being collected across chunks (prefix excluded), or 0 between frames. */
  get collectingFrameBytes(): number {
    return this.frameSize < 0 ? 0 : this.frameSize;
  }

  /** Whether the stream ended cleanly: no partial frame or size prefix is pending. */
  get idle(): boolean {
    return this.frameSize < 0 && this.sizeHave === 0;
  }

  push(chunk: Buffer): Buffer[] {
    if (this.failed !== undefined) throw this.failed;
    if (!Buffer.isBuffer(chunk)) throw new ProtocolError('chunk is not a Buffer', { context: 'frame' });
    const frames: Buffer[] = [];
    let pos = 0;
    while (pos < chunk.length) {
      if (this.frameSize < 0) {
        let size: number;
        if (this.sizeHave === 0 && chunk.length - pos >= 4) {
          size = chunk.readInt32BE(pos);
          pos += 4;
        } else {
          const n = Math.min(4 - this.sizeHave, chunk.length - pos);
          chunk.copy(this.sizeBytes, this.sizeHave, pos, pos + n);
          this.sizeHave += n;
          pos += n;
          if (this.sizeHave < 4) break;
          size = this.sizeBytes.readInt32BE(0);
        }
        this.sizeHave = 0;
        if (size < 0 || size > this.maxFrameBytes) {
          this.failed = new FrameSizeError(size, this.maxFrameBytes);
          throw this.failed;
        }
        if (chunk.length - pos >= size) {
          frames.push(chunk.subarray(pos, pos + size));
          pos += size;
          continue;
        }
        this.frameSize = size;
      }
      const n = Math.min(this.frameSize - this.partsBytes, chunk.length - pos);
      this.parts.push(chunk.subarray(pos, pos + n));
      this.partsBytes += n;
      pos += n;
      if (this.partsBytes === this.frameSize) {
        frames.push(this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.frameSize));
        this.parts = [];
        this.partsBytes = 0;
        this.frameSize = -1;
      }
    }
    return frames;
  }
}
