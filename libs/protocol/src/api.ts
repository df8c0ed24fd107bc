/**
 * Requests and responses as whole frames: header + body, with the header version each API
 * version uses. Frames here are without the 4-byte size prefix unless a name says `Frame`.
 */
import { Reader, Writer, type TaggedField } from './codec/index.js';
import { ProtocolError, UnsupportedVersionError } from './errors.js';
import { API_DEFINITIONS, ApiKey, type ApiDefinition, type RequestBodies, type ResponseBodies } from './generated/api.js';
import { decodeRequestHeaderData, encodeRequestHeaderData } from './generated/messages/request-header.js';
import { decodeResponseHeaderData, encodeResponseHeaderData } from './generated/messages/response-header.js';

/** The request header, whatever its version (v0 has no client id: it decodes as ""). */
export interface RequestHeader {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  /** Null when the client sent a null client id (header v1+). */
  readonly clientId: string | null;
  readonly unknownTaggedFields?: TaggedField[] | undefined;
}

export interface ResponseHeader {
  readonly correlationId: number;
  readonly unknownTaggedFields?: TaggedField[] | undefined;
}

/** A decoded request: narrow on `apiKey` to get the body type. */
export type DecodedRequest = {
  [K in ApiKey]: {
    readonly apiKey: K;
    readonly apiVersion: number;
    readonly header: RequestHeader & { readonly apiKey: K };
    readonly body: RequestBodies[K];
  };
}[ApiKey];

export interface DecodedResponse<K extends ApiKey> {
  readonly header: ResponseHeader;
  readonly body: ResponseBodies[K];
}

/** An API key this codec does not know. `header` holds the decoded (v1) request header. */
export class UnknownApiKeyError extends ProtocolError {
  readonly apiKey: number;
  readonly header: RequestHeader | undefined;

  constructor(apiKey: number, header: RequestHeader | undefined) {
    super(`unknown API key ${apiKey}`, { context: 'RequestHeader' });
    this.apiKey = apiKey;
    this.header = header;
  }
}

/** The facts and codecs of an API key, or undefined for a key this codec does not know. */
export function apiDefinition(apiKey: number): ApiDefinition | undefined {
  return Object.hasOwn(API_DEFINITIONS, apiKey) ? (API_DEFINITIONS as Record<number, ApiDefinition>)[apiKey] : undefined;
}

/** Every known API, ordered by key. */
export function apiDefinitions(): ApiDefinition[] {
  return Object.values(API_DEFINITIONS as Record<number, ApiDefinition>).sort((a, b) => a.apiKey - b.apiKey);
}

/** Whether `apiVersion` of the API uses flexible encodings (compact lengths, tagged fields). */
export function isFlexibleVersion(apiKey: number, apiVersion: number): boolean {
  const first = apiDefinition(apiKey)?.firstFlexibleVersion;
  return first !== undefined && apiVersion >= first;
}

/**
 * The request header version: 2 for flexible API versions, 1 otherwise (header v0, without a
 * client id, was only ever ControlledShutdown v0's, an API Kafka 4 removed). Defined for
 * versions above an API's maximum too (they are flexible), so that the header of an
 * unsupported request can still be read. Unknown APIs get 1.
 */
export function requestHeaderVersion(apiKey: number, apiVersion: number): 1 | 2 {
  return isFlexibleVersion(apiKey, apiVersion) ? 2 : 1;
}

/**
 * The response header version: 1 for flexible API versions, 0 otherwise, and always 0 for
 * ApiVersions: a client must be able to read the ApiVersions response (and its error code)
 * before it knows which versions the broker speaks.
 */
export function responseHeaderVersion(apiKey: number, apiVersion: number): 0 | 1 {
  if (apiKey === ApiKey.ApiVersions) return 0;
  return isFlexibleVersion(apiKey, apiVersion) ? 1 : 0;
}

function requireApi(apiKey: number): ApiDefinition {
  const def = apiDefinition(apiKey);
  if (def === undefined) throw new UnknownApiKeyError(apiKey, undefined);
  return def;
}

function checkVersion(def: ApiDefinition, apiVersion: number, what: string, header?: RequestHeader): void {
  if (apiVersion >= def.minVersion && apiVersion <= def.maxVersion) return;
  throw new UnsupportedVersionError(`${def.name} version ${apiVersion} is not supported (valid: ${def.minVersion}-${def.maxVersion})`, {
    context: `${def.name}${what}`,
    apiKey: def.apiKey,
    apiVersion,
    header:
      header === undefined
        ? undefined
        : { apiKey: header.apiKey, apiVersion: header.apiVersion, correlationId: header.correlationId, clientId: header.clientId },
  });
}

/**
 * Decodes a request frame (without its size prefix). Throws {@link ProtocolError} for
 * malformed bytes (bytes after the body are ignored, as Kafka does), {@link UnknownApiKeyError}
 * for an unknown API key and {@link UnsupportedVersionError} for a version outside the
 * API's range; both of the latter carry the decoded header so a broker can answer.
 */
export function decodeRequest(frame: Buffer): DecodedRequest {
  const r = new Reader(frame, 'RequestHeader');
  const apiKey = r.int16('RequestHeader.RequestApiKey');
  const apiVersion = r.int16('RequestHeader.RequestApiVersion');
  r.pos = 0;
  const headerVersion = requestHeaderVersion(apiKey, apiVersion);
  r.context = `RequestHeader v${headerVersion}`;
  const h = decodeRequestHeaderData(r, headerVersion);
  const header: RequestHeader = {
    apiKey,
    apiVersion,
    correlationId: h.correlationId,
    clientId: h.clientId,
    unknownTaggedFields: h.unknownTaggedFields,
  };
  const def = apiDefinition(apiKey);
  if (def === undefined) throw new UnknownApiKeyError(apiKey, header);
  checkVersion(def, apiVersion, 'Request', header);
  r.context = `${def.request.name} v${apiVersion}`;
  const body = def.request.decode(r, apiVersion);
  // Bytes after a request's known fields are ignored, as Kafka's parser does (some librdkafka
  // versions send them, e.g. with Metadata v12 from the admin client).
  return { apiKey, apiVersion, header, body } as DecodedRequest;
}

function writeRequest(w: Writer, header: RequestHeader, body: unknown): void {
  const def = requireApi(header.apiKey);
  checkVersion(def, header.apiVersion, 'Request');
  const headerVersion = requestHeaderVersion(header.apiKey, header.apiVersion);
  w.context = `RequestHeader v${headerVersion}`;
  encodeRequestHeaderData(
    w,
    {
      requestApiKey: header.apiKey,
      requestApiVersion: header.apiVersion,
      correlationId: header.correlationId,
      clientId: header.clientId,
      unknownTaggedFields: header.unknownTaggedFields,
    },
    headerVersion,
  );
  w.context = `${def.request.name} v${header.apiVersion}`;
  (def.request.encode as (w: Writer, v: unknown, version: number) => void)(w, body, header.apiVersion);
}

/** Encodes a request: header + body, WITHOUT the 4-byte size prefix (see {@link encodeRequestFrame}). */
export function encodeRequest<K extends ApiKey>(header: RequestHeader & { readonly apiKey: K }, body: RequestBodies[K]): Buffer {
  const w = new Writer('request');
  writeRequest(w, header, body);
  return w.toBuffer();
}

/** Encodes a request WITH its 4-byte size prefix, ready for the socket. */
export function encodeRequestFrame<K extends ApiKey>(header: RequestHeader & { readonly apiKey: K }, body: RequestBodies[K]): Buffer {
  const w = new Writer('request');
  writeRequest(w, header, body);
  return w.toFrame();
}

/**
 * Decodes a response frame (without its size prefix) of the given API and version, which
 * the caller knows from the request with the same correlation id.
 */
export function decodeResponse<K extends ApiKey>(apiKey: K, apiVersion: number, frame: Buffer): DecodedResponse<K> {
  const def = requireApi(apiKey);
  checkVersion(def, apiVersion, 'Response');
  const headerVersion = responseHeaderVersion(apiKey, apiVersion);
  const r = new Reader(frame, `ResponseHeader v${headerVersion}`);
  const h = decodeResponseHeaderData(r, headerVersion);
  r.context = `${def.response.name} v${apiVersion}`;
  const body = def.response.decode(r, apiVersion) as ResponseBodies[K];
  r.expectEnd();
  return { header: { correlationId: h.correlationId, unknownTaggedFields: h.unknownTaggedFields }, body };
}

function writeResponse(w: Writer, apiKey: number, apiVersion: number, header: ResponseHeader, body: unknown): void {
  const def = requireApi(apiKey);
  checkVersion(def, apiVersion, 'Response');
  const headerVersion = responseHeaderVersion(apiKey, apiVersion);
  w.context = `ResponseHeader v${headerVersion}`;
  encodeResponseHeaderData(w, { correlationId: header.correlationId, unknownTaggedFields: header.unknownTaggedFields }, headerVersion);
  w.context = `${def.response.name} v${apiVersion}`;
  (def.response.encode as (w: Writer, v: unknown, version: number) => void)(w, body, apiVersion);
}

/** Encodes a response: header + body, WITHOUT the 4-byte size prefix. */
export function encodeResponse<K extends ApiKey>(apiKey: K, apiVersion: number, header: ResponseHeader, body: ResponseBodies[K]): Buffer {
  const w = new Writer('response');
  writeResponse(w, apiKey, apiVersion, header, body);
  return w.toBuffer();
}

/** Encodes a response WITH its 4-byte size prefix, as one buffer. */
export function encodeResponseFrame<K extends ApiKey>(
  apiKey: K,
  apiVersion: number,
  header: ResponseHeader,
  body: ResponseBodies[K],
): Buffer {
  const w = new Writer('response');
  writeResponse(w, apiKey, apiVersion, header, body);
  return w.toFrame();
}

/**
 * Encodes a response WITH its 4-byte size prefix as a list of slices for a vectored write
 * (`socket.cork()` + writes, or `writev`): record sets are referenced, not copied.
 */
export function encodeResponseFrameChunks<K extends ApiKey>(
  apiKey: K,
  apiVersion: number,
  header: ResponseHeader,
  body: ResponseBodies[K],
): Buffer[] {
  const w = new Writer('response');
  writeResponse(w, apiKey, apiVersion, header, body);
  return w.toFrameChunks();
}
