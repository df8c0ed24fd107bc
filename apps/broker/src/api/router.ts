import { apiDefinition, ApiKey, type DecodedRequest, type RequestBodies, type RequestHeader, type ResponseBodies } from '@strom/protocol';
import { CloseConnectionError, type ClientContext, type RequestHandler, type ResponseBody } from '../network/request-handler.js';
import type { ApiAuthorization } from '../security/api-authorization.js';

/** Handles one API: the request body and version in, the response body (or none) out. */
export type ApiHandler<K extends ApiKey> = (
  body: RequestBodies[K],
  apiVersion: number,
  client: ClientContext,
  header: RequestHeader,
) => Promise<ResponseBodies[K] | undefined> | ResponseBodies[K] | undefined;

type AnyApiHandler = (
  body: unknown,
  apiVersion: number,
  client: ClientContext,
  header: RequestHeader,
) => Promise<ResponseBody> | ResponseBody;

/**
 * Kafka 4 still announces Produce from v0 (librdkafka before 2.x refuses a broker that does not,
 * KAFKA-18659) while its spec, and so the codec, only accepts v3 and up (KIP-896).
 */
const ANNOUNCED_MIN_VERSIONS: Readonly<Partial<Record<number, number>>> = { [ApiKey.Produce]: 0 };

/** The highest version Kafka enables by default: the latest one unless the spec marks it unstable. */
export function stableMaxVersion(apiKey: ApiKey): number {
  const definition = apiDefinition(apiKey)!;
  return definition.latestVersionUnstable ? definition.maxVersion - 1 : definition.maxVersion;
}

export interface ApiVersionRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

/**
 * Routes each request to the handler of its API. What is registered is exactly what ApiVersions
 * announces, with the version range of the vendored specs (Kafka 4.4's) less a latest version the
 * spec marks unstable; an API that is not registered, or a version above that range, is answered
 * as Kafka answers a disabled one: the connection is closed.
 *
 * Every API must have an entry in the authorization table the router is made with (the checks
 * Kafka makes for it, or an explicit "none, as Kafka"): registering one without is a startup
 * error, and a request for one is refused, so an API cannot be served unchecked by oversight.
 */
export class ApiRouter implements RequestHandler {
  private readonly handlers = new Map<number, AnyApiHandler>();
  private readonly unannounced = new Set<number>();

  constructor(private readonly authorization: Readonly<Partial<Record<ApiKey, ApiAuthorization>>>) {}

  register<K extends ApiKey>(apiKey: K, handler: ApiHandler<K>): this {
    if (!apiDefinition(apiKey)) throw new Error(`unknown API key ${apiKey}`);
    if (this.handlers.has(apiKey)) throw new Error(`API ${apiDefinition(apiKey)!.name} registered twice`);
    if (!this.authorization[apiKey]) throw new Error(`API ${apiDefinition(apiKey)!.name} has no authorization rule`);
    this.handlers.set(apiKey, handler as AnyApiHandler);
    return this;
  }

  /** The authorization rule of a registered API. */
  authorizationOf(apiKey: ApiKey): ApiAuthorization | undefined {
    return this.handlers.has(apiKey) ? this.authorization[apiKey] : undefined;
  }

  /**
   * Registers a handler that ApiVersions does not announce: how Kafka treats the APIs of a
   * disabled feature (clients that send them anyway get the feature's error answer).
   */
  registerUnannounced<K extends ApiKey>(apiKey: K, handler: ApiHandler<K>): this {
    this.register(apiKey, handler);
    this.unannounced.add(apiKey);
    return this;
  }

  handle(request: DecodedRequest, client: ClientContext): Promise<ResponseBody> | ResponseBody {
    const handler = this.handlers.get(request.apiKey);
    if (!handler || !this.authorization[request.apiKey])
      throw new CloseConnectionError(`API ${apiDefinition(request.apiKey)?.name ?? request.apiKey} is not enabled on this broker`);
    if (request.apiVersion > stableMaxVersion(request.apiKey)) {
      // Kafka refuses a version it does not enable (unstable.api.versions.enable=false) by closing.
      throw new CloseConnectionError(
        `${apiDefinition(request.apiKey)!.name} v${request.apiVersion} is unstable and not enabled on this broker`,
      );
    }
    return handler(request.body, request.apiVersion, client, request.header);
  }

  /** The version ranges ApiVersions announces, by API key. */
  supportedVersions(): ApiVersionRange[] {
    return [...this.handlers.keys()]
      .filter((apiKey) => !this.unannounced.has(apiKey))
      .sort((a, b) => a - b)
      .map((apiKey) => {
        const definition = apiDefinition(apiKey)!;
        return {
          apiKey,
          minVersion: ANNOUNCED_MIN_VERSIONS[apiKey] ?? definition.minVersion,
          maxVersion: stableMaxVersion(apiKey as ApiKey),
        };
      });
  }
}

export { ApiKey };
