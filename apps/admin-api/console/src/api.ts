/** The console's data: Confluent REST v3 under /v3, and Strom's own API under /strom/v1 for what v3 lacks. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const parsed = text === '' ? undefined : (JSON.parse(text) as unknown);
  if (!response.ok) {
    const error = parsed as { error_code?: number; message?: string } | undefined;
    throw new ApiError(response.status, error?.error_code ?? response.status, error?.message ?? `HTTP ${response.status}`);
  }
  return parsed as T;
}

interface List<T> {
  data: T[];
}

export interface Broker {
  broker_id: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface Topic {
  topic_name: string;
  is_internal: boolean;
  replication_factor: number;
  partitions_count: number;
}

export interface Partition {
  partition_id: number;
  leader: { related: string } | null;
}

export interface Replica {
  broker_id: number;
  is_leader: boolean;
  is_in_sync: boolean;
}

export interface Config {
  name: string;
  value: string | null;
  is_default: boolean;
  is_read_only: boolean;
  is_sensitive: boolean;
  source: string;
}

export interface ConsumerGroup {
  consumer_group_id: string;
  is_simple: boolean;
  partition_assignor: string;
  state: string;
  coordinator: { related: string };
}

export interface Consumer {
  consumer_id: string;
  instance_id: string | null;
  client_id: string;
}

export interface Assignment {
  topic_name: string;
  partition_id: number;
}

export interface PartitionLag {
  topic_name: string;
  partition_id: number;
  current_offset: number;
  log_end_offset: number;
  lag: number;
  consumer_id: string;
  client_id: string;
}

export interface LagSummary {
  total_lag: number;
  max_lag: number;
  max_lag_topic_name: string;
  max_lag_partition_id: number;
}

export interface Overview {
  cluster_id: string | null;
  controller_id: number;
  brokers: { broker_id: number }[];
  topics_count: number;
  internal_topics_count: number;
  partitions_count: number;
  under_replicated_partitions: number;
  offline_partitions: number;
  /** Null until a broker has reported its traffic twice; the reason says why. */
  throughput: Throughput | null;
  throughput_unavailable_reason?: string;
}

export interface Rates {
  bytes_in_per_sec: number;
  bytes_out_per_sec: number;
  messages_in_per_sec: number;
}

/** The cluster's traffic from the brokers' reports on the bus: the sums, and each reporting broker's. */
export interface Throughput extends Rates {
  brokers: (Rates & { broker_id: number; window_ms: number })[];
}

/** A record as the search answers it: bytes in base64. */
export interface BrowsedRecord {
  partition: number;
  offset: number;
  timestamp: number;
  timestamp_type: string;
  key: string | null;
  value: string | null;
  headers: { key: string; value: string | null }[];
}

export interface SearchAnswer {
  topic: string;
  records: BrowsedRecord[];
  scanned_records: number;
  stopped_by: 'end' | 'limit' | 'scan' | 'bytes' | 'time';
  elapsed_ms: number;
  next: { partition: number; offset: number; end_offset: number }[];
  cursor: string | null;
}

/** An offset reset as Strom's /strom/v1 API takes it; `validate_only` for a dry run. */
export interface OffsetReset {
  to: 'EARLIEST' | 'LATEST' | 'TIMESTAMP' | 'OFFSET';
  timestamp?: string;
  offset?: number;
  topics?: { topic_name: string }[];
  validate_only: boolean;
}

export interface OffsetResetAnswer {
  validate_only: boolean;
  data: { topic_name: string; partition_id: number; offset: number }[];
}

export interface Acl {
  resource_type: string;
  resource_name: string;
  pattern_type: string;
  principal: string;
  host: string;
  operation: string;
  permission: string;
}

let clusterId: Promise<string> | undefined;

/** The cluster's id: v3 paths name it. */
function cluster(): Promise<string> {
  clusterId ??= call<List<{ cluster_id: string }>>('GET', '/v3/clusters').then((list) => list.data[0]!.cluster_id);
  clusterId.catch(() => (clusterId = undefined));
  return clusterId;
}

const enc = encodeURIComponent;

async function v3<T>(method: string, path: string, body?: unknown): Promise<T> {
  return call<T>(method, `/v3/clusters/${enc(await cluster())}${path}`, body);
}

async function v3List<T>(path: string): Promise<T[]> {
  return (await v3<List<T>>('GET', path)).data;
}

export const api = {
  overview: () => call<Overview>('GET', '/strom/v1/overview'),
  brokers: () => v3List<Broker>('/brokers'),
  topics: () => v3List<Topic>('/topics'),
  createTopic: (body: {
    topic_name: string;
    partitions_count: number;
    replication_factor: number;
    configs: { name: string; value: string }[];
  }) => v3<Topic>('POST', '/topics', body),
  partitions: (topic: string) => v3List<Partition>(`/topics/${enc(topic)}/partitions`),
  replicas: (topic: string, partition: number) => v3List<Replica>(`/topics/${enc(topic)}/partitions/${partition}/replicas`),
  topicConfigs: (topic: string) => v3List<Config>(`/topics/${enc(topic)}/configs`),
  alterTopicConfig: (topic: string, name: string, value: string) =>
    v3<undefined>('POST', `/topics/${enc(topic)}/configs:alter`, { data: [{ name, value }] }),
  groups: () => v3List<ConsumerGroup>('/consumer-groups'),
  group: (id: string) => v3<ConsumerGroup>('GET', `/consumer-groups/${enc(id)}`),
  consumers: (id: string) => v3List<Consumer>(`/consumer-groups/${enc(id)}/consumers`),
  assignments: (id: string, consumer: string) => v3List<Assignment>(`/consumer-groups/${enc(id)}/consumers/${enc(consumer)}/assignments`),
  lags: (id: string) => v3List<PartitionLag>(`/consumer-groups/${enc(id)}/lags`),
  lagSummary: (id: string) => v3<LagSummary>('GET', `/consumer-groups/${enc(id)}/lag-summary`),
  resetOffsets: async (id: string, body: OffsetReset) =>
    call<OffsetResetAnswer>('POST', `/strom/v1/clusters/${enc(await cluster())}/consumer-groups/${enc(id)}/offsets:reset`, body),
  /** The ACL bindings matching a filter (absent fields match any). */
  acls: (filter: URLSearchParams) => v3List<Acl>(`/acls?${filter}`),
  createAcl: (acl: Acl) => v3<undefined>('POST', '/acls', acl),
  /** Deletes the bindings matching exactly this one. */
  deleteAcl: (acl: Acl) => v3<{ data: Acl[] }>('DELETE', `/acls?${new URLSearchParams({ ...acl })}`),
  search: (topic: string, query: URLSearchParams) => call<SearchAnswer>('GET', `/strom/v1/topics/${enc(topic)}/records?${query}`),
  /** Produces a record again, as it was: key, value and headers (BINARY data), the partition chosen by its key. */
  produce: (topic: string, record: BrowsedRecord) =>
    v3<{ partition_id: number; offset: number }>('POST', `/topics/${enc(topic)}/records`, {
      headers: record.headers.map((header) => ({ name: header.key, value: header.value })),
      ...(record.key === null ? {} : { key: { type: 'BINARY', data: record.key } }),
      value: { type: 'BINARY', data: record.value },
    }),
};

/** Whether an error is the 404 v3 answers for something that does not exist (a group without commits has no lags). */
export function isNotFound(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404;
}

/** A SCRAM user with its credentials (Strom's own API). */
export interface ScramUser {
  user_name: string;
  credentials: { mechanism: string; iterations: number }[];
}

export const SCRAM_MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;

/** A cluster operation (a Temporal workflow) as the list answers it. */
export interface OperationSummary {
  operation_id: string;
  run_id: string;
  type: string;
  status: string;
  start_time: string;
  close_time: string | null;
}

export interface OperationStep {
  name: string;
  status: string;
  scheduled_time: string;
  close_time: string | null;
  attempt: number;
  failure: string | null;
}

export interface OperationDetail extends OperationSummary {
  input: unknown[];
  broker_id: number | null;
  broker_epoch: string | null;
  steps: OperationStep[];
  result: unknown;
  failure: string | null;
  temporal_ui: string | null;
}

export interface OperationPage {
  data: OperationSummary[];
  metadata: { next: string | null };
}

async function strom<T>(method: string, path: string, body?: unknown): Promise<T> {
  return call<T>(method, `/strom/v1/clusters/${enc(await cluster())}${path}`, body);
}

/** Strom's own per-cluster operations: SCRAM users and cluster operations. */
export const stromApi = {
  scramUsers: async () => (await strom<List<ScramUser>>('GET', '/scram-users')).data,
  upsertScramCredential: (user: string, mechanism: string, password: string, iterations: number) =>
    strom<ScramUser>('PUT', `/scram-users/${enc(user)}/credentials/${enc(mechanism)}`, { password, iterations }),
  deleteScramCredential: (user: string, mechanism: string) =>
    strom<undefined>('DELETE', `/scram-users/${enc(user)}/credentials/${enc(mechanism)}`),
  /** A page of operations; `pageToken` is the `page_token` of the previous page's `metadata.next`. */
  operations: (query: { status?: string; pageSize: number; pageToken?: string }) => {
    const params = new URLSearchParams({ page_size: String(query.pageSize) });
    if (query.status) params.set('status', query.status);
    if (query.pageToken) params.set('page_token', query.pageToken);
    return strom<OperationPage>('GET', `/operations?${params}`);
  },
  operation: (id: string) => strom<OperationDetail>('GET', `/operations/${enc(id)}`),
};
