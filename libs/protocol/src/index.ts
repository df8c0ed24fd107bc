/**
 * @strom/protocol: the Kafka wire codec, generated from Apache Kafka's message specs
 * (spec/, vendored). Pure: bytes in, objects out; no sockets, files or timers.
 *
 * Value conventions: int8/int16/uint16/int32/uint32/float64 are numbers, int64 is bigint,
 * uuid is a lower-case 8-4-4-4-12 string, bytes are Buffers (copied out of the frame, except
 * `zeroCopy` fields), records are Buffer slices of the frame (never copied). Fields a version
 * lacks decode to their spec default. Unknown tagged fields are kept in
 * `unknownTaggedFields` and written back on encode.
 */
export {
  apiDefinition,
  apiDefinitions,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeRequestFrame,
  encodeResponse,
  encodeResponseFrame,
  encodeResponseFrameChunks,
  isFlexibleVersion,
  requestHeaderVersion,
  responseHeaderVersion,
  UnknownApiKeyError,
  type DecodedRequest,
  type DecodedResponse,
  type RequestHeader,
  type ResponseHeader,
} from './api.js';
export { API_DEFINITIONS, ApiKey, type ApiDefinition, type ApiName, type RequestBodies, type ResponseBodies } from './generated/api.js';
export * from './generated/messages/index.js';
export { FrameSizeError, ProtocolError, UnsupportedVersionError } from './errors.js';
export { DEFAULT_MAX_FRAME_BYTES, FrameReader, type FrameReaderOptions } from './frame-reader.js';
export {
  EMPTY_BYTES,
  isUuid,
  MAX_STRING_BYTES,
  Reader,
  uuidFromBytes,
  uuidFromKafkaString,
  uuidToBytes,
  uuidToKafkaString,
  Writer,
  ZERO_UUID,
  type MessageCodec,
  type TaggedField,
} from './codec/index.js';
export * from './records/index.js';
