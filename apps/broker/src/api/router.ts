import { apiDefinition, ApiKey, type DecodedRequest, type RequestBodies, type RequestHeader, type ResponseBodies } from '@strom/protocol';
import { CloseConnectionError, type ClientContext, type RequestHandler, type ResponseBody } from '../network/request-handler.js';

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
 * Versions Apache Kafka 4 no longer accepts (KIP-896), read off Kafka 4.4's own message classes:
 * the vendored specs are Kafka 3.9's and still list them. A request below the minimum is
 * refused as Kafka refuses an unsupported version: the connection is closed.
 */
export const KAFKA_4_MIN_VERSIONS: Readonly<Partial<Record<number, number>>> = {
  [ApiKey.Produce]: 3,
  [ApiKey.Fetch]: 4,
  [ApiKey.ListOffsets]: 1,
  [ApiKey.OffsetCommit]: 2,
  [ApiKey.OffsetFetch]: 1,
  [ApiKey.OffsetForLeaderEpoch]: 2,
  [ApiKey.CreateTopics]: 2,
  [ApiKey.DeleteTopics]: 1,
  [ApiKey.DescribeConfigs]: 1,
  [ApiKey.CreateAcls]: 1,
  [ApiKey.DeleteAcls]: 1,
  [ApiKey.DescribeAcls]: 1,
  [ApiKey.DescribeLogDirs]: 1,
  [ApiKey.AlterReplicaLogDirs]: 1,
  [ApiKey.CreateDelegationToken]: 1,
  [ApiKey.DescribeDelegationToken]: 1,
  [ApiKey.ExpireDelegationToken]: 1,
  [ApiKey.RenewDelegationToken]: 1,
  [ApiKey.WriteTxnMarkers]: 1,
  [ApiKey.AlterPartition]: 2,
};

/**
 * Kafka 4 still announces Produce from v0 (librdkafka before 2.x refuses a broker that does not,
 * KAFKA-18659) while rejecting v0-2 requests.
 */
const ANNOUNCED_MIN_VERSIONS: Readonly<Partial<Record<number, number>>> = { ...KAFKA_4_MIN_VERSIONS, [ApiKey.Produce]: 0 };

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
  private readonly unannounced = new Set<number>();

  register<K extends ApiKey>(apiKey: K, handler: ApiHandler<K>): this {
    if (!apiDefinition(apiKey)) throw new Error(`unknown API key ${apiKey}`);
    if (this.handlers.has(apiKey)) throw new Error(`API ${apiDefinition(apiKey)!.name} registered twice`);
    this.handlers.set(apiKey, handler as AnyApiHandler);
    return this;
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
    if (!handler)
      throw new CloseConnectionError(`API ${apiDefinition(request.apiKey)?.name ?? request.apiKey} is not enabled on this broker`);
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
          minVersion: Math.max(definition.minVersion, ANNOUNCED_MIN_VERSIONS[apiKey] ?? 0),
          maxVersion: definition.maxVersion,
        };
      });
  }
}

export { ApiKey };
