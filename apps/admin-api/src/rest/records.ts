import { RestError } from './errors.js';

/** A key or value of a v3 produce request. */
export interface ProduceData {
  readonly type?: string;
  readonly subject?: string | null;
  readonly subject_name_strategy?: string | null;
  readonly schema_id?: number | null;
  readonly schema_version?: number | null;
  readonly schema?: string | null;
  readonly data?: unknown;
}

/** What one side (key or value) became: its bytes (null for no data) and v3's `type` for the response (none when the side was absent). */
export interface SerializedData {
  readonly bytes: Buffer | null;
  readonly type: 'BINARY' | 'JSON' | 'STRING' | undefined;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * A key or value as kafka-rest's NoSchemaRecordSerializer makes it: BINARY is base64, JSON is the
 * data as JSON text, STRING is UTF-8; null data is a null key or value. Without a type (or with a
 * schema type) kafka-rest asks Schema Registry, which Strom does not have: 422/42207 as
 * kafka-rest answers without one. Bad data is a 400 worded as kafka-rest's V3ExceptionMapper words it.
 */
export function serializeData(side: ProduceData | null | undefined): SerializedData {
  if (side === undefined || side === null) return { bytes: null, type: undefined };
  const type = side.type?.toUpperCase();
  if (type !== 'BINARY' && type !== 'JSON' && type !== 'STRING') {
    throw new RestError(
      422,
      42207,
      'Error serializing message. Schema Registry not defined, no Schema Registry client available to serialize message.',
    );
  }
  const data = side.data;
  if (data === undefined || data === null) return { bytes: null, type };
  if (type === 'JSON') return { bytes: Buffer.from(JSON.stringify(data), 'utf8'), type };
  if (typeof data !== 'string') {
    throw RestError.badRequest(`Bad Request: data=${JSON.stringify(data)} is not ${type === 'BINARY' ? 'a base64 string' : 'a string'}.`);
  }
  if (type === 'STRING') return { bytes: Buffer.from(data, 'utf8'), type };
  if (!BASE64.test(data)) throw RestError.badRequest(`Bad Request: data=${JSON.stringify(data)} is not a valid base64 string.`);
  return { bytes: Buffer.from(data, 'base64'), type };
}

/** Kafka's Utils.murmur2 (the Java client's), on 32-bit integers. */
export function murmur2(data: Buffer): number {
  const m = 0x5bd1e995;
  const length = data.length;
  let h = (0x9747b28c ^ length) | 0;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const rest = length % 4;
  if (rest === 3) h ^= data[whole + 2]! << 16;
  if (rest >= 2) h ^= data[whole + 1]! << 8;
  if (rest >= 1) h = Math.imul(h ^ data[whole]!, m);
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * The partition a record goes to without `partition_id`, as Kafka's producer chooses: murmur2 of
 * the key over all partitions; a keyless record to one of the partitions with a leader (Kafka's
 * producer sticks to one for a batch; each REST request is its own batch).
 */
export function choosePartition(key: Buffer | null, partitionCount: number, available: readonly number[]): number {
  if (key !== null) return (murmur2(key) & 0x7fffffff) % partitionCount;
  const candidates = available.length > 0 ? available : [...Array(partitionCount).keys()];
  return candidates[Math.floor(Math.random() * candidates.length)]!;
}

/** A timestamp as Java's Instant.toString writes it (kafka-rest's response): no fraction when whole seconds. */
export function instantString(timestampMs: number): string {
  return new Date(timestampMs).toISOString().replace('.000Z', 'Z');
}
