export { Reader, MAX_STRING_BYTES } from './reader.js';
export { Writer } from './writer.js';
export type { TaggedField } from './tagged-field.js';
export type { MessageCodec } from './message.js';
export { ZERO_UUID, isUuid, uuidFromBytes, uuidToBytes, uuidToKafkaString, uuidFromKafkaString } from './uuid.js';

/** The shared empty buffer used as the default of bytes fields (zero-length, so immutable). */
export const EMPTY_BYTES: Buffer = Buffer.alloc(0);
