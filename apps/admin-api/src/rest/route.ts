import type { ClusterClient } from './cluster-client.js';
import type { ClusterOperations } from './cluster-operations.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** What a handler gets: the path parameters (checked), the query, the validated body, and how to link. */
export interface RouteContext {
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly body: unknown;
  /** `http://host:port/v3`: the prefix of every `self` and `related` link (v3 resources), as the request reached us. */
  readonly baseUrl: string;
  /** `http://host:port`, as the request reached us: the prefix of Strom's own links. */
  readonly origin: string;
  readonly client: ClusterClient;
  /** The cluster's Temporal workflows (none in embedded mode). */
  readonly operations: ClusterOperations;
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
  /** {@link V3_PREFIX} (Confluent's REST v3, the default) or {@link STROM_PREFIX} (Strom's own additions). */
  readonly prefix?: string;
  /** Under the prefix, with `{name}` path parameters, as Confluent's openapi.yaml spells v3's. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  /** More than the summary says, for the document (OpenAPI `description`). */
  readonly description?: string;
  readonly tag: string;
  /** The request body's schema name, when the operation takes one. */
  readonly requestBody?: string;
  /** Status → response schema name (null: no content). Errors (400, 404, 5XX) are added for every route. */
  readonly responses: Readonly<Record<number, string | null>>;
  handle(context: RouteContext): Promise<RouteResult>;
}

/** Confluent's REST v3 paths. */
export const V3_PREFIX = '/v3';
/** Strom's own operations, under a prefix of their own so that they never meet a future v3 path. */
export const STROM_PREFIX = '/strom/v1';

/** Whether a request path is the admin REST API's (either prefix). */
export function isRestPath(pathname: string): boolean {
  return [V3_PREFIX, STROM_PREFIX].some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`));
}

/** The route's path from the root. */
export function fullPath(route: Route): string {
  return `${route.prefix ?? V3_PREFIX}${route.path}`;
}

/** Path parameters that are integers in v3 (and so 404 when they are not). */
export const INTEGER_PARAMS: ReadonlySet<string> = new Set(['broker_id', 'partition_id']);
