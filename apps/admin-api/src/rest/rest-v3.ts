import { Inject, Injectable, type NestMiddleware, type OnModuleDestroy } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '@strom/kafka-client';
import { LOGGER, type Logger } from '@strom/runtime';
import type { KafkaEndpoint } from './cluster-client.js';
import { ClusterClients } from './cluster-clients.js';
import { NO_CLUSTER_OPERATIONS, type ClusterOperations } from './cluster-operations.js';
import { RestError } from './errors.js';
import { openApiDocument } from './openapi.js';
import { isRestPath, STROM_PREFIX, V3_PREFIX, type Route } from './route.js';
import type { RouteTable } from './route-table.js';

export interface RestV3Options {
  /** The cluster's bootstrap address (asked when a connection opens). */
  readonly kafka: () => KafkaEndpoint;
  /** Bound on each Kafka request the API makes (default: DEFAULT_REQUEST_TIMEOUT_MS). */
  readonly requestTimeoutMs?: number;
  /** Where the cluster's Temporal workflows are read (distributed mode); none when absent (embedded mode). */
  readonly operations?: () => ClusterOperations;
}

export const REST_V3_OPTIONS = Symbol('REST_V3_OPTIONS');
export const REST_V3_ROUTES = Symbol('REST_V3_ROUTES');
/** The compiled {@link RouteTable} of the routes. */
export const REST_V3_TABLE = Symbol('REST_V3_TABLE');

type Request = IncomingMessage & { originalUrl?: string; body?: unknown; protocol?: string };

const JSON_HEADERS = { 'content-type': 'application/json' };

/**
 * Serves `/v3/…` from the route table: matches the path, validates the body, runs the handler
 * and writes JSON; every failure in v3's error shape. On a SASL listener each request carries HTTP
 * Basic credentials and runs as that user (cluster-clients.ts). `GET /v3/openapi.json` and
 * `GET /strom/v1/openapi.json` answer the admin API's one document: this table and strom-api's paths. A NestJS middleware rather than controllers because v3's paths
 * (`…/configs:alter`, `…/topics/-/configs`) are not Express route patterns.
 */
@Injectable()
export class RestV3Middleware implements NestMiddleware, OnModuleDestroy {
  private readonly clients: ClusterClients;
  private readonly document: string;
  private readonly operations: ClusterOperations;

  constructor(
    @Inject(REST_V3_OPTIONS) options: RestV3Options,
    @Inject(REST_V3_ROUTES) routes: readonly Route[],
    @Inject(REST_V3_TABLE) private readonly table: RouteTable,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.clients = new ClusterClients({
      endpoint: options.kafka,
      clientId: 'strom-admin-api',
      requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    });
    this.document = JSON.stringify(openApiDocument(routes));
    this.operations = options.operations?.() ?? NO_CLUSTER_OPERATIONS;
  }

  use(request: Request, response: ServerResponse, next: (error?: unknown) => void): void {
    const url = new URL(request.originalUrl ?? request.url ?? '/', 'http://localhost');
    // Strom's own paths this table does not have belong to the record search and the console's API (src/strom-api).
    const strom = url.pathname.startsWith(`${STROM_PREFIX}/`) && url.pathname !== `${STROM_PREFIX}/openapi.json`;
    if (!isRestPath(url.pathname) || (strom && !this.table.has(url.pathname))) {
      next();
      return;
    }
    void this.serve(request, url, response);
  }

  async onModuleDestroy(): Promise<void> {
    this.clients.close();
    await this.operations.close();
  }

  private async serve(request: Request, url: URL, response: ServerResponse): Promise<void> {
    try {
      const path = url.pathname;
      if (request.method === 'GET' && (path === `${V3_PREFIX}/openapi.json` || path === `${STROM_PREFIX}/openapi.json`)) {
        response.writeHead(200, JSON_HEADERS).end(this.document);
        return;
      }
      const { route, params } = this.table.match(request.method ?? 'GET', path);
      // Only JSON bodies, as kafka-rest: a form or text/plain body is what another site can make a
      // browser send without asking (CSRF), with the Basic credentials it holds for this origin.
      if (hasContent(request) && !isJsonContentType(request.headers['content-type'])) {
        throw new RestError(415, 415, 'HTTP 415 Unsupported Media Type');
      }
      const body = request.body !== undefined && isEmptyObject(request.body) && !hasContent(request) ? undefined : request.body;
      this.table.validate(route, body);
      const origin = `${request.protocol ?? 'http'}://${request.headers.host ?? 'localhost'}`;
      const result = await route.handle({
        params,
        query: url.searchParams,
        body,
        baseUrl: `${origin}${V3_PREFIX}`,
        origin,
        client: this.clients.forRequest(request.headers.authorization),
        operations: this.operations,
      });
      if (result.body === undefined) response.writeHead(result.status).end();
      else response.writeHead(result.status, JSON_HEADERS).end(JSON.stringify(result.body, bigintAsNumber));
    } catch (error) {
      const rest = error instanceof RestError ? error : undefined;
      if (!rest) this.logger.error({ err: error, method: request.method, url: url.pathname }, 'admin API request failed');
      const answer = rest ?? new RestError(500, 500, 'Internal Server Error');
      const headers = answer.status === 401 ? { ...JSON_HEADERS, 'www-authenticate': 'Basic realm="Strom"' } : JSON_HEADERS;
      if (!response.headersSent) response.writeHead(answer.status, headers).end(JSON.stringify(answer.body));
      else response.end();
    }
  }
}

function isJsonContentType(contentType: string | undefined): boolean {
  return /^application\/json\s*(;|$)/i.test(contentType ?? '');
}

function hasContent(request: Request): boolean {
  const length = request.headers['content-length'];
  return (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined;
}

function isEmptyObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0;
}

/** Offsets are int64 in v3 and JSON numbers on the wire (as Jackson writes a long). */
function bigintAsNumber(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? Number(value) : value;
}
