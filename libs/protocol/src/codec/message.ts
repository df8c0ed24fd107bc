import type { Reader } from './reader.js';
import type { Writer } from './writer.js';

/**
 * What every generated message module exports as `<Name>Codec`: the message's version
 * facts and its straight-line encoder and decoder.
 */
export interface MessageCodec<T> {
  /** The spec name, e.g. `ProduceRequest`. */
  readonly name: string;
  readonly type: 'request' | 'response' | 'header' | 'data';
  /** The API key for requests and responses. */
  readonly apiKey: number | undefined;
  readonly minVersion: number;
  readonly maxVersion: number;
  /** The first flexible version, or undefined if no version is flexible. */
  readonly firstFlexibleVersion: number | undefined;
  /** Whether the highest version is still unstable in Kafka (`latestVersionUnstable`). */
  readonly latestVersionUnstable: boolean;
  /** Encodes `value` at `version` (throws UnsupportedVersionError outside min..max). */
  encode(w: Writer, value: T, version: number): void;
  /** Decodes a value at `version`; reads exactly the message, not what follows. */
  decode(r: Reader, version: number): T;
  /** A value with every field at its default, overridden by `init`. */
  create(init?: Partial<T>): T;
}
