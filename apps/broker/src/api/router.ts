import { apiDefinition, ApiKey, type DecodedRequest, type RequestBodies, type ResponseBodies } from '@strom/protocol';
import { CloseConnectionError, type ClientContext, type RequestHandler, type ResponseBody } from '../network/request-handler.js';

/** Handles one API: the request body and version in, the response body (or none) out. */
export type ApiHandler<K extends ApiKey> = (
  body: RequestBodies[K],
  apiVersion: number,
  client: ClientContext,
) => Promise<ResponseBodies[K] | undefined> | ResponseBodies[K] | undefined;

type AnyApiHandler = (body: unknown, apiVersion: number, client: ClientContext) => Promise<ResponseBody> | ResponseBody;

export interface ApiVersionRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

/**
 * Routes each request to the handler of its API. What is registered is exactly what ApiVersions
 * announces, with the version range of the vendored specs (Kafka 4.x's); an API that is not
 * registered is answered as Kafka answers a disabled one: the connection is closed.
 */
export class ApiRouter implements RequestHandler {
  private readonly handlers = new Map<number, AnyApiHandler>();

  register<K extends ApiKey>(apiKey: K, handler: ApiHandler<K>): this {
    if (!apiDefinition(apiKey)) throw new Error(`unknown API key ${apiKey}`);
    if (this.handlers.has(apiKey)) throw new Error(`API ${apiDefinition(apiKey)!.name} registered twice`);
    this.handlers.set(apiKey, handler as AnyApiHandler);
    return this;
  }

  handle(request: DecodedRequest, client: ClientContext): Promise<ResponseBody> | ResponseBody {
    const handler = this.handlers.get(request.apiKey);
    if (!handler)
      throw new CloseConnectionError(`API ${apiDefinition(request.apiKey)?.name ?? request.apiKey} is not enabled on this broker`);
    return handler(request.body, request.apiVersion, client);
  }

  /** The version ranges ApiVersions announces, by API key. */
  supportedVersions(): ApiVersionRange[] {
    return [...this.handlers.keys()]
      .sort((a, b) => a - b)
      .map((apiKey) => {
        const definition = apiDefinition(apiKey)!;
        return { apiKey, minVersion: definition.minVersion, maxVersion: definition.maxVersion };
      });
  }
}

export { ApiKey };
