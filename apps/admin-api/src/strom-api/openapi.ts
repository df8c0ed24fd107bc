import { MAX_FILTER_CHARS } from './record-filter.js';
import { SEARCH_LIMITS } from './search-query.js';

const integer = { type: 'integer' } as const;
const text = { type: 'string' } as const;
const base64 = { type: 'string', format: 'byte', nullable: true } as const;
const rate = (description: string) => ({ type: 'number', minimum: 0, description }) as const;
const RATES = {
  bytes_in_per_sec: rate('Record batch bytes appended by producers per second (BytesInPerSec).'),
  bytes_out_per_sec: rate('Record bytes sent to consumers per second (BytesOutPerSec).'),
  messages_in_per_sec: rate('Records appended by producers per second (MessagesInPerSec).'),
} as const;

/** The schemas of the record search and the overview; `Error` is REST v3's (rest/schemas.ts), the same shape. */
export const STROM_API_SCHEMAS = {
  Overview: {
    type: 'object',
    required: [
      'cluster_id',
      'controller_id',
      'brokers',
      'topics_count',
      'internal_topics_count',
      'partitions_count',
      'under_replicated_partitions',
      'offline_partitions',
      'throughput',
    ],
    properties: {
      cluster_id: { type: 'string', nullable: true },
      controller_id: integer,
      brokers: {
        type: 'array',
        items: {
          type: 'object',
          required: ['broker_id', 'host', 'port', 'rack'],
          properties: { broker_id: integer, host: text, port: integer, rack: { type: 'string', nullable: true } },
        },
      },
      topics_count: integer,
      internal_topics_count: integer,
      partitions_count: integer,
      under_replicated_partitions: integer,
      offline_partitions: integer,
      throughput: {
        type: 'object',
        nullable: true,
        description:
          "The brokers' traffic, from the totals each publishes on the bus every second: each live broker's rates between its two latest reports, and their sums. Null until a broker has reported twice; `throughput_unavailable_reason` then says why.",
        required: ['bytes_in_per_sec', 'bytes_out_per_sec', 'messages_in_per_sec', 'brokers'],
        properties: {
          ...RATES,
          brokers: {
            type: 'array',
            items: {
              type: 'object',
              required: ['broker_id', 'bytes_in_per_sec', 'bytes_out_per_sec', 'messages_in_per_sec', 'window_ms'],
              properties: {
                broker_id: integer,
                ...RATES,
                window_ms: { type: 'number', minimum: 0, description: "The time between the broker's two reports, on its clock." },
              },
            },
          },
        },
      },
      throughput_unavailable_reason: { type: 'string', description: 'Present when `throughput` is null.' },
    },
  },
  BrowsedRecord: {
    type: 'object',
    required: ['partition', 'offset', 'timestamp', 'timestamp_type', 'key', 'value', 'headers'],
    properties: {
      partition: integer,
      offset: integer,
      timestamp: { type: 'integer', description: 'Milliseconds since the epoch.' },
      timestamp_type: { type: 'string', enum: ['CREATE_TIME', 'LOG_APPEND_TIME'] },
      key: base64,
      value: base64,
      headers: { type: 'array', items: { type: 'object', required: ['key', 'value'], properties: { key: text, value: base64 } } },
    },
  },
  RecordSearch: {
    type: 'object',
    required: ['topic', 'records', 'scanned_records', 'stopped_by', 'elapsed_ms', 'next', 'cursor'],
    properties: {
      topic: text,
      records: { type: 'array', items: { $ref: '#/components/schemas/BrowsedRecord' } },
      scanned_records: integer,
      stopped_by: {
        type: 'string',
        enum: ['end', 'limit', 'scan', 'bytes', 'time'],
        description: 'end: every partition was read to its high watermark as the search began; otherwise the bound that stopped it.',
      },
      elapsed_ms: integer,
      next: {
        type: 'array',
        items: {
          type: 'object',
          required: ['partition', 'offset', 'end_offset'],
          properties: { partition: integer, offset: integer, end_offset: integer },
        },
      },
      cursor: { type: 'string', nullable: true, description: 'Pass as `cursor` for the next page; null when the search reached the end.' },
    },
  },
} as const;

const query = (name: string, description: string, schema: object) => ({ name, in: 'query', required: false, description, schema });
const bounded = (name: string, description: string, bounds: { readonly default: number; readonly max: number }) =>
  query(name, description, { type: 'integer', minimum: 1, maximum: bounds.max, default: bounds.default });

const json = (schema: string) => ({ content: { 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } } });
const errors = { 400: { description: 'Bad request', ...json('Error') }, 404: { description: 'Not found', ...json('Error') } };

/**
 * The paths of the record search and the overview, for the one OpenAPI document of the admin API
 * (rest/openapi.ts); their bounds come from the code that applies them.
 */
export const STROM_API_PATHS = {
  '/strom/v1/overview': {
    get: {
      operationId: 'getOverview',
      summary: 'Brokers and partition health (Metadata): under-replicated and offline partitions; the brokers’ throughput',
      responses: { 200: { description: 'The overview', ...json('Overview') } },
    },
  },
  '/strom/v1/topics/{topic_name}/records': {
    get: {
      operationId: 'searchRecords',
      summary: 'Read and filter a topic’s records on the server (Fetch), a page at a time',
      parameters: [
        { name: 'topic_name', in: 'path', required: true, schema: text },
        query('partition', 'A partition to read (repeatable); all when absent.', { type: 'integer', minimum: 0 }),
        query('from', 'Where to start: the first record, the last `limit` records, an offset or a time.', {
          type: 'string',
          enum: ['earliest', 'end', 'offset', 'timestamp'],
          default: 'earliest',
        }),
        query('offset', 'With from=offset.', { type: 'integer', minimum: 0 }),
        query('timestamp', 'With from=timestamp: epoch milliseconds or ISO-8601.', text),
        query('cursor', 'A page’s `cursor` (partition:offset,…): continue where it stopped.', text),
        query('filter', 'Keep only records whose chosen fields hold this.', { type: 'string', maxLength: MAX_FILTER_CHARS }),
        query(
          'filter_mode',
          'substring (UTF-8 bytes as they are) or regex (the syntax JavaScript, with the u flag, and RE2 share: no backreferences or lookaround; on the field decoded as UTF-8; a regex still running when timeout_ms is up is stopped and the search answers where it got to).',
          {
            type: 'string',
            enum: ['substring', 'regex'],
            default: 'substring',
          },
        ),
        query('ignore_case', 'Regex only.', { type: 'boolean', default: false }),
        query('fields', 'Comma-separated: key, value, headers.', { type: 'string', default: 'key,value,headers' }),
        bounded('limit', 'Most records answered.', SEARCH_LIMITS.limit),
        bounded('max_scan', 'Most records looked at.', SEARCH_LIMITS.maxScanRecords),
        bounded('max_bytes', 'Most bytes of keys, values and headers answered.', SEARCH_LIMITS.maxResponseBytes),
        bounded('timeout_ms', 'How long the scan may run.', SEARCH_LIMITS.timeBudgetMs),
      ],
      responses: { 200: { description: 'A page of records', ...json('RecordSearch') }, ...errors },
    },
  },
} as const;
