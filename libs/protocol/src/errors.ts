import { ErrorCode, KafkaError } from '@strom/errors';

/**
 * Bytes that do not form a valid message: truncated input, a length that points past the
 * end of the frame, a varint that does not terminate, a null where the version forbids it,
 * trailing garbage. Also thrown when encoding a value the wire format cannot carry (an int
 * out of range, a null in a non-nullable field, a string longer than its length prefix
 * allows). `code` is the Kafka error code a broker answers with (INVALID_REQUEST unless the
 * subclass says otherwise); decoders never throw anything else for bad input.
 */
export class ProtocolError extends KafkaError {
  /** What was being decoded or encoded, e.g. `ProduceRequest v9`. */
  readonly context: string;
  /** The field that failed, e.g. `TopicProduceData.Name`, or undefined if not field-specific. */
  readonly field: string | undefined;
  /** The byte offset in the input where decoding failed, when known. */
  readonly offset: number | undefined;

  constructor(message: string, details: { context: string; field?: string | undefined; offset?: number | undefined; code?: ErrorCode }) {
    const where = details.field === undefined ? details.context : `${details.context} ${details.field}`;
    const at = details.offset === undefined ? '' : ` at byte ${details.offset}`;
    super(details.code ?? ErrorCode.INVALID_REQUEST, `${where}: ${message}${at}`);
    this.context = details.context;
    this.field = details.field;
    this.offset = details.offset;
  }
}

/**
 * A version outside a message's validVersions, an API key this codec does not know, or a
 * value that a version cannot carry (a non-default value in a field the version lacks and
 * that is not ignorable; unknown tagged fields on a non-flexible version). Code:
 * UNSUPPORTED_VERSION.
 *
 * For requests, `header` holds whatever of the request header could be decoded, so that a
 * broker can still answer (Kafka answers an unsupported ApiVersions request with an
 * ApiVersions v0 response carrying UNSUPPORTED_VERSION and its own version ranges).
 */
export class UnsupportedVersionError extends ProtocolError {
  readonly apiKey: number | undefined;
  readonly apiVersion: number | undefined;
  readonly header: Readonly<{ apiKey: number; apiVersion: number; correlationId: number; clientId: string | null }> | undefined;

  constructor(
    message: string,
    details: {
      context: string;
      field?: string;
      apiKey?: number;
      apiVersion?: number;
      header?: { apiKey: number; apiVersion: number; correlationId: number; clientId: string | null };
    },
  ) {
    super(message, { context: details.context, field: details.field, code: ErrorCode.UNSUPPORTED_VERSION });
    this.apiKey = details.apiKey;
    this.apiVersion = details.apiVersion;
    this.header = details.header;
  }
}

/**
 * A frame whose 4-byte size prefix is negative or larger than the reader's `maxFrameBytes`.
 * Raised as soon as the prefix is read, before any of the frame is buffered; the connection
 * cannot be resynchronised afterwards and should be closed.
 */
export class FrameSizeError extends ProtocolError {
  readonly size: number;
  readonly maxFrameBytes: number;

  constructor(size: number, maxFrameBytes: number) {
    super(size < 0 ? `negative frame size ${size}` : `frame of ${size} bytes exceeds maxFrameBytes ${maxFrameBytes}`, {
      context: 'frame',
      code: ErrorCode.INVALID_REQUEST,
    });
    this.size = size;
    this.maxFrameBytes = maxFrameBytes;
  }
}
