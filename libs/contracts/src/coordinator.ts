/**
 * The coordinator's bus contract. Group requests travel as Kafka itself encodes them: a broker
 * forwards `[apiKey int16][apiVersion int16][clientId string][clientHost string][request body]` and gets back the response body
 * encoded for the same version, so nothing is re-modelled (and int64s stay exact).
 */
import { apiDefinition, Reader, Writer, type ApiKey, type RequestBodies, type ResponseBodies } from '@strom/protocol';

export const CoordinatorSubjects = {
  /** Request: a forwarded Kafka request (see {@link encodeForwardedRequest}). Reply: the response body. */
  kafka: 'strom.coordinator.kafka',
  /** Request: JSON `{ size }`. Reply: JSON `{ firstProducerId: string, size }`. */
  producerIdBlock: 'strom.coordinator.producer-ids.block',
} as const;

/** Who sent a forwarded request, as the coordinator reports it (DescribeGroups). */
export interface ForwardedClient {
  clientId: string;
  /** Kafka's form: '/' + the client's IP. */
  clientHost: string;
}

export function encodeForwardedRequest<K extends ApiKey>(
  apiKey: K,
  apiVersion: number,
  body: RequestBodies[K],
  client: ForwardedClient,
): Buffer {
  const definition = apiDefinition(apiKey);
  if (!definition) throw new Error(`unknown API key ${apiKey}`);
  const w = new Writer(`forwarded ${definition.request.name} v${apiVersion}`);
  w.int16(apiKey, 'apiKey');
  w.int16(apiVersion, 'apiVersion');
  w.string(client.clientId, 'clientId');
  w.string(client.clientHost, 'clientHost');
  (definition.request.encode as (w: Writer, v: unknown, version: number) => void)(w, body, apiVersion);
  return w.toBuffer();
}

export function decodeForwardedRequest(frame: Buffer): { apiKey: ApiKey; apiVersion: number; body: unknown; client: ForwardedClient } {
  const r = new Reader(frame, 'forwarded request');
  const apiKey = r.int16('apiKey') as ApiKey;
  const apiVersion = r.int16('apiVersion');
  const client = { clientId: r.string('clientId'), clientHost: r.string('clientHost') };
  const definition = apiDefinition(apiKey);
  if (!definition) throw new Error(`unknown API key ${apiKey}`);
  const body = definition.request.decode(r, apiVersion);
  r.expectEnd();
  return { apiKey, apiVersion, body, client };
}

export function encodeResponseBody<K extends ApiKey>(apiKey: K, apiVersion: number, body: ResponseBodies[K]): Buffer {
  const definition = apiDefinition(apiKey)!;
  const w = new Writer(`${definition.response.name} v${apiVersion}`);
  (definition.response.encode as (w: Writer, v: unknown, version: number) => void)(w, body, apiVersion);
  return w.toBuffer();
}

export function decodeResponseBody<K extends ApiKey>(apiKey: K, apiVersion: number, bytes: Buffer): ResponseBodies[K] {
  const definition = apiDefinition(apiKey)!;
  const r = new Reader(bytes, `${definition.response.name} v${apiVersion}`);
  const body = definition.response.decode(r, apiVersion) as ResponseBodies[K];
  r.expectEnd();
  return body;
}
