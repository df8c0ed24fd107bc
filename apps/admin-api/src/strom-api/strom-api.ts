import { Inject, Injectable, type NestMiddleware, type OnModuleDestroy } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '@strom/kafka-client';
import { LOGGER, type Logger } from '@strom/runtime';
import { ClusterClients } from '../rest/cluster-clients.js';
import { RestError } from '../rest/errors.js';
import type { RestV3Options } from '../rest/rest-v3.js';
import { clusterOverview } from './overview.js';
import { searchRecords, type FoundRecord, type SearchResult } from './record-search.js';
import { parseSearchQuery } from './search-query.js';
import { TrafficListener } from './traffic-listener.js';

/** Strom's own admin API, beside Confluent's v3: what v3 has no operation for. */
export const STROM_API_PREFIX = '/strom/v1';

export const STROM_API_OPTIONS = Symbol('STROM_API_OPTIONS');

type Request = IncomingMessage & { originalUrl?: string };

const JSON_HEADERS = { 'content-type': 'application/json' };
const RECORDS_PATH = /^\/topics\/([^/]+)\/records$/;

/**
 * Serves `/strom/v1/…`: `GET /overview` (brokers and partition health from Metadata, throughput
 * from the brokers' traffic reports on the bus) and
 * `GET /topics/{topic}/records` (the message browser's search, record-search.ts), errors in v3's
 * shape. Over the Kafka protocol as the v3 API does: on a SASL listener as the HTTP Basic user,
 * so the broker's ACLs decide what each user may search. Their paths are in the admin API's one
 * OpenAPI document (rest/openapi.ts), which the v3 middleware serves at `/strom/v1/openapi.json` too.
 */
@Injectable()
export class StromApiMiddleware implements NestMiddleware, OnModuleDestroy {
  private readonly clients: ClusterClients;

  constructor(
    @Inject(STROM_API_OPTIONS) options: RestV3Options,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(TrafficListener) private readonly traffic: TrafficListener,
  ) {
    this.clients = new ClusterClients({
      endpoint: options.kafka,
      clientId: 'strom-admin-api',
      requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    });
  }

  use(request: Request, response: ServerResponse, next: (error?: unknown) => void): void {
    const url = new URL(request.originalUrl ?? request.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith(`${STROM_API_PREFIX}/`)) {
      next();
      return;
    }
    void this.serve(request, url, response);
  }

  onModuleDestroy(): void {
    this.clients.close();
  }

  private async serve(request: Request, url: URL, response: ServerResponse): Promise<void> {
    try {
      const path = url.pathname.slice(STROM_API_PREFIX.length);
      const records = RECORDS_PATH.exec(path);
      if (request.method !== 'GET' && (path === '/overview' || records)) throw new RestError(405, 405, 'HTTP 405 Method Not Allowed');
      if (path === '/overview') {
        const client = this.clients.forRequest(request.headers.authorization);
        response.writeHead(200, JSON_HEADERS).end(JSON.stringify(await clusterOverview(client, this.traffic.throughput)));
      } else if (records) {
        const topic = decodeURIComponent(records[1]!);
        const client = this.clients.forRequest(request.headers.authorization);
        const result = await searchRecords(client, parseSearchQuery(topic, url.searchParams));
        response.writeHead(200, JSON_HEADERS).end(JSON.stringify(searchAnswer(topic, result)));
      } else {
        throw RestError.notFound('HTTP 404 Not Found');
      }
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

/** The search as JSON: bytes in base64 (the console shows them as text, JSON or hex), offsets as numbers. */
function searchAnswer(topic: string, result: SearchResult) {
  const next = [...result.next].map(([partition, offset]) => ({
    partition,
    offset: Number(offset),
    end_offset: Number(result.end.get(partition)),
  }));
  return {
    topic,
    records: result.records.map(recordJson),
    scanned_records: result.scannedRecords,
    stopped_by: result.stoppedBy,
    elapsed_ms: result.elapsedMs,
    next,
    cursor: result.stoppedBy === 'end' ? null : next.map(({ partition, offset }) => `${partition}:${offset}`).join(','),
  };
}

function recordJson(record: FoundRecord) {
  return {
    partition: record.partition,
    offset: Number(record.offset),
    timestamp: record.timestamp,
    timestamp_type: record.timestampType,
    key: record.key?.toString('base64') ?? null,
    value: record.value?.toString('base64') ?? null,
    headers: record.headers.map((header) => ({ key: header.key, value: header.value?.toString('base64') ?? null })),
  };
}
