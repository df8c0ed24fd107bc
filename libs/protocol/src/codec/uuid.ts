/**
 * UUIDs are carried as strings in the canonical lower-case 8-4-4-4-12 hex form
 * (`"d5c1c4c3-0b1e-4b7a-9a0e-4f1e2b3c4d5e"`). Decoding always produces that form; encoding
 * accepts either case. Kafka tools print topic IDs in URL-safe base64 instead; use
 * {@link uuidToKafkaString} / {@link uuidFromKafkaString} to convert.
 */

/** The all-zero UUID, Kafka's `Uuid.ZERO_UUID`, the default of every uuid field. */
export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}

/** Formats 16 bytes at `offset` as a canonical UUID string. */
export function uuidFromBytes(buf: Buffer, offset = 0): string {
  const hex = buf.toString('hex', offset, offset + 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Writes a UUID string as 16 bytes at `offset`; the caller has validated it with {@link isUuid}. */
export function writeUuidBytes(value: string, buf: Buffer, offset: number): void {
  buf.write(value.slice(0, 8), offset, 4, 'hex');
  buf.write(value.slice(9, 13), offset + 4, 2, 'hex');
  buf.write(value.slice(14, 18), offset + 6, 2, 'hex');
  buf.write(value.slice(19, 23), offset + 8, 2, 'hex');
  buf.write(value.slice(24, 36), offset + 10, 6, 'hex');
}

export function uuidToBytes(value: string): Buffer {
  if (!isUuid(value)) throw new TypeError(`not a UUID: ${JSON.stringify(value)}`);
  const out = Buffer.alloc(16);
  writeUuidBytes(value, out, 0);
  return out;
}

/** Kafka's `Uuid.toString()`: URL-safe base64 without padding, e.g. for topic IDs in tools. */
export function uuidToKafkaString(value: string): string {
  return uuidToBytes(value).toString('base64url');
}

export function uuidFromKafkaString(text: string): string {
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.length !== 16) throw new TypeError(`not a Kafka UUID: ${JSON.stringify(text)}`);
  return uuidFromBytes(bytes);
}
