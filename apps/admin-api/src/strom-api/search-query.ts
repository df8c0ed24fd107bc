import { RestError } from '../rest/errors.js';
import { MAX_FILTER_CHARS, RecordFilter, type FilterField } from './record-filter.js';
import type { SearchQuery, SearchStart } from './record-search.js';

/** The bounds a search request may ask for, and what it gets when it asks for none. */
export const SEARCH_LIMITS = {
  limit: { default: 100, max: 1_000 },
  maxScanRecords: { default: 20_000_000, max: 100_000_000 },
  maxResponseBytes: { default: 4 * 1024 * 1024, max: 16 * 1024 * 1024 },
  timeBudgetMs: { default: 10_000, max: 60_000 },
} as const;

const FIELDS: readonly FilterField[] = ['key', 'value', 'headers'];

/**
 * The query string of `GET /strom/v1/topics/{topic}/records`:
 * `from` earliest|end|offset|timestamp (with `offset` or `timestamp`, ms or ISO-8601) or `cursor`
 * (`p:o,p:o`, a page's `cursor`), `partition` (repeatable), `filter` with `filter_mode`
 * substring|regex, `ignore_case`, `fields` (comma-separated key,value,headers), and the bounds
 * `limit`, `max_scan`, `max_bytes`, `timeout_ms`.
 */
export function parseSearchQuery(topic: string, params: URLSearchParams): SearchQuery {
  const partitions = params.getAll('partition').map((text) => integer(text, 'partition', 0, 2 ** 31 - 1));
  return {
    topic,
    ...(partitions.length > 0 ? { partitions } : {}),
    start: parseStart(params),
    ...(params.get('filter') ? { filter: parseFilter(params) } : {}),
    limit: bounded(params, 'limit', SEARCH_LIMITS.limit),
    maxScanRecords: bounded(params, 'max_scan', SEARCH_LIMITS.maxScanRecords),
    maxResponseBytes: bounded(params, 'max_bytes', SEARCH_LIMITS.maxResponseBytes),
    timeBudgetMs: bounded(params, 'timeout_ms', SEARCH_LIMITS.timeBudgetMs),
  };
}

function parseStart(params: URLSearchParams): SearchStart {
  const cursor = params.get('cursor');
  if (cursor) {
    const offsets = new Map<number, bigint>();
    for (const entry of cursor.split(',')) {
      const [partition, offset] = entry.split(':');
      offsets.set(integer(partition ?? '', 'cursor partition', 0, 2 ** 31 - 1), bigOffset(offset ?? '', 'cursor offset'));
    }
    return { kind: 'cursor', offsets };
  }
  const from = params.get('from') ?? 'earliest';
  switch (from) {
    case 'earliest':
    case 'end':
      return { kind: from };
    case 'offset':
      return { kind: 'offset', offset: bigOffset(params.get('offset') ?? '', 'offset') };
    case 'timestamp': {
      const text = params.get('timestamp') ?? '';
      const timestampMs = /^[0-9]+$/.test(text) ? Number(text) : Date.parse(text);
      if (!Number.isSafeInteger(timestampMs))
        throw RestError.badRequest(`timestamp ${JSON.stringify(text)} is neither epoch milliseconds nor an ISO-8601 time.`);
      return { kind: 'timestamp', timestampMs };
    }
    default:
      throw RestError.badRequest(`from must be earliest, end, offset or timestamp, not ${JSON.stringify(from)}.`);
  }
}

function parseFilter(params: URLSearchParams): RecordFilter {
  const text = params.get('filter')!;
  if (text.length > MAX_FILTER_CHARS) throw RestError.badRequest(`filter is longer than ${MAX_FILTER_CHARS} characters.`);
  const mode = params.get('filter_mode') ?? 'substring';
  if (mode !== 'substring' && mode !== 'regex')
    throw RestError.badRequest(`filter_mode must be substring or regex, not ${JSON.stringify(mode)}.`);
  const fields = (params.get('fields') ?? FIELDS.join(',')).split(',').filter((field) => field !== '');
  const unknown = fields.find((field) => !FIELDS.includes(field as FilterField));
  if (unknown !== undefined || fields.length === 0) throw RestError.badRequest(`fields must name some of ${FIELDS.join(', ')}.`);
  const ignoreCase = params.get('ignore_case') === 'true';
  if (ignoreCase && mode === 'substring')
    throw RestError.badRequest('ignore_case needs filter_mode=regex (a substring is matched byte for byte).');
  try {
    return new RecordFilter({ text, mode, ignoreCase, fields: new Set(fields as FilterField[]) });
  } catch (error) {
    throw RestError.badRequest(`filter is not a valid regular expression: ${(error as Error).message}`);
  }
}

function bounded(params: URLSearchParams, name: string, bounds: { readonly default: number; readonly max: number }): number {
  const text = params.get(name);
  return text === null ? bounds.default : integer(text, name, 1, bounds.max);
}

function integer(text: string, name: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^-?[0-9]+$/.test(text) || value < min || value > max)
    throw RestError.badRequest(`${name} must be an integer from ${min} to ${max}, not ${JSON.stringify(text)}.`);
  return value;
}

function bigOffset(text: string, name: string): bigint {
  if (!/^[0-9]{1,19}$/.test(text)) throw RestError.badRequest(`${name} must be a non-negative integer, not ${JSON.stringify(text)}.`);
  return BigInt(text);
}
