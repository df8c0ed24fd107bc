import type { ClusterClient } from './cluster-client.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** What a handler gets: the path parameters (checked), the query, the validated body, and how to link. */
export interface RouteContext {
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly body: unknown;
  /** `http://host:port/v3`: the prefix of every `self` and `related` link, as the request reached us. */
  readonly baseUrl: string;
  readonly client: ClusterClient;
}

export interface RouteResult {
  readonly status: number;
  readonly body?: unknown;
}

/**
 * One operation of the API: where it is, what it takes and answers (schema names in schemas.ts),
 * and its handler. The table of these both dispatches requests (with body validation) and
 * produces the served OpenAPI document (openapi.ts).
 */
export interface Route {
  readonly method: HttpMethod;
  /** Under `/v3`, with `{name}` path parameters, as Confluent's openapi.yaml spells it. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly tag: string;
  /** The request body's schema name, when the operation takes one. */
  readonly requestBody?: string;
  /** Status → response schema name (null: no content). Errors (400, 404, 5XX) are added for every route. */
  readonly responses: Readonly<Record<number, string | null>>;
  handle(context: RouteContext): Promise<RouteResult>;
}

/** Path parameters that are integers in v3 (and so 404 when they are not). */
export const INTEGER_PARAMS: ReadonlySet<string> = new Set(['broker_id', 'partition_id']);
