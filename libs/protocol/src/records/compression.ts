/**
 * Record-batch compression codecs, as Kafka's clients write them: gzip, snappy (the
 * xerial-framed stream of the Java client, and raw blocks as librdkafka may send), lz4 (the
 * LZ4 frame format) and zstd. Pure computation: bytes in, bytes out. Decompression is bounded
 * by `maxBytes` so a small batch cannot expand into a huge allocation.
 */
import { constants as zlibConstants, gunzipSync, gzipSync, zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { compressFrameSync, decompressFrameSync } from 'lz4-napi';
import { compressSync as snappyCompress, uncompressSync as snappyUncompress } from 'snappy';
import { ErrorCode } from '@strom/errors';
import { ProtocolError } from '../errors.js';
import { Compression } from './record-batch.js';

/** Decompressed records of one batch may not exceed this unless the caller says otherwise. */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024;

/** Bytes that do not decompress under the batch's codec, or expand past the limit. */
export class CompressionError extends ProtocolError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { context: 'RecordBatch', field: 'Records', code: ErrorCode.CORRUPT_MESSAGE });
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;
/** The Java client's SnappyOutputStream block size. */
const XERIAL_BLOCK_BYTES = 32 * 1024;

export function compress(codec: Compression, data: Buffer): Buffer {
  switch (codec) {
    case Compression.None:
      return data;
    case Compression.Gzip:
      return gzipSync(data);
    case Compression.Snappy:
      return xerialCompress(data);
    case Compression.Lz4:
      return compressFrameSync(data);
    case Compression.Zstd:
      return zstdCompressSync(data, { params: { [zlibConstants.ZSTD_c_compressionLevel]: 3 } });
    default:
      throw new CompressionError(`unknown compression codec ${String(codec)}`);
  }
}

export function decompress(codec: Compression, data: Buffer, maxBytes: number = DEFAULT_MAX_DECOMPRESSED_BYTES): Buffer {
  let out: Buffer;
  try {
    switch (codec) {
      case Compression.None:
        out = data;
        break;
      case Compression.Gzip:
        out = gunzipSync(data, { maxOutputLength: maxBytes });
        break;
      case Compression.Snappy:
        out = snappyDecompress(data, maxBytes);
        break;
      case Compression.Lz4:
        out = decompressFrameSync(data);
        break;
      case Compression.Zstd:
        out = zstdDecompressSync(data, { maxOutputLength: maxBytes });
        break;
      default:
        throw new CompressionError(`unknown compression codec ${String(codec)}`);
    }
  } catch (error) {
    if (error instanceof CompressionError) throw error;
    throw new CompressionError(`records do not decompress: ${(error as Error).message}`, { cause: error });
  }
  if (out.length > maxBytes) throw new CompressionError(`records decompress to ${out.length} bytes, more than ${maxBytes}`);
  return out;
}

/** The xerial snappy stream: magic, version 1, compatible version 1, then [length][block]... */
function xerialCompress(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(XERIAL_HEADER_BYTES);
  XERIAL_MAGIC.copy(header, 0);
  header.writeInt32BE(1, 8);
  header.writeInt32BE(1, 12);
  parts.push(header);
  for (let pos = 0; pos < data.length; pos += XERIAL_BLOCK_BYTES) {
    const block = snappyCompress(data.subarray(pos, Math.min(pos + XERIAL_BLOCK_BYTES, data.length)));
    const length = Buffer.alloc(4);
    length.writeInt32BE(block.length, 0);
    parts.push(length, block);
  }
  return Buffer.concat(parts);
}

function snappyDecompress(data: Buffer, maxBytes: number): Buffer {
  if (data.length < XERIAL_HEADER_BYTES || !data.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC)) {
    return snappyUncompress(data) as Buffer;
  }
  const parts: Buffer[] = [];
  let total = 0;
  let pos = XERIAL_HEADER_BYTES;
  while (pos < data.length) {
    if (pos + 4 > data.length) throw new CompressionError('truncated xerial snappy block length');
    const length = data.readInt32BE(pos);
    pos += 4;
    if (length < 0 || pos + length > data.length) throw new CompressionError(`xerial snappy block of ${length} bytes overruns the data`);
    const block = snappyUncompress(data.subarray(pos, pos + length)) as Buffer;
    pos += length;
    total += block.length;
    if (total > maxBytes) throw new CompressionError(`records decompress to more than ${maxBytes} bytes`);
    parts.push(block);
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts, total);
}
