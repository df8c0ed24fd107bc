import { ApiKey, createDescribeClusterRequest } from '@strom/protocol';
import type { ClusterClient } from './cluster-client.js';
import { OPERATION_STATUSES, type OperationDetail, type OperationStatus, type OperationSummary } from './cluster-operations.js';
import { clusterScope } from './cluster-routes.js';
import { KafkaRestCode, RestError, throwIfKafkaError } from './errors.js';
import { STROM_PREFIX, type Route, type RouteContext } from './route.js';

/** Page size of the list when `page_size` is not given, and the most it may ask for. */
export const DEFAULT_OPERATIONS_PAGE_SIZE = 20;
export const MAX_OPERATIONS_PAGE_SIZE = 100;

/** Kafka's AclOperation DESCRIBE: its bit in an authorized-operations field. */
const DESCRIBE_BIT = 1 << 8;

/**
 * Operations are the cluster's own state: shown to a user with DESCRIBE on the cluster, which the
 * broker reports for the request's user in DescribeCluster's authorized operations.
 */
async function requireClusterDescribe(client: ClusterClient): Promise<void> {
  const response = await client.request(ApiKey.DescribeCluster, (apiVersion) =>
    createDescribeClusterRequest({ includeClusterAuthorizedOperations: true, ...(apiVersion >= 1 ? { endpointType: 1 } : {}) }),
  );
  throwIfKafkaError(response.errorCode, response.errorMessage);
  if ((response.clusterAuthorizedOperations & DESCRIBE_BIT) !== 0) return;
  throw new RestError(403, KafkaRestCode.KAFKA_AUTHORIZATION, 'Cluster authorization failed.');
}

function pageSize(query: URLSearchParams): number {
  const text = query.get('page_size');
  if (text === null) return DEFAULT_OPERATIONS_PAGE_SIZE;
  const size = /^[0-9]+$/.test(text) ? Number(text) : Number.NaN;
  if (!(size >= 1 && size <= MAX_OPERATIONS_PAGE_SIZE))
    throw RestError.badRequest(`page_size must be an integer from 1 to ${MAX_OPERATIONS_PAGE_SIZE}.`);
  return size;
}

function statusFilter(query: URLSearchParams): OperationStatus | undefined {
  const status = query.get('status');
  if (status === null) return undefined;
  if (!(OPERATION_STATUSES as readonly string[]).includes(status))
    throw RestError.badRequest(`status must be one of ${OPERATION_STATUSES.join(', ')}.`);
  return status as OperationStatus;
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function operationsUrl(context: RouteContext, clusterId: string): string {
  return `${context.origin}${STROM_PREFIX}/clusters/${clusterId}/operations`;
}

function summaryData(context: RouteContext, clusterId: string, operation: OperationSummary) {
  return {
    kind: 'StromClusterOperation',
    metadata: { self: `${operationsUrl(context, clusterId)}/${encodeURIComponent(operation.id)}` },
    cluster_id: clusterId,
    operation_id: operation.id,
    run_id: operation.runId,
    type: operation.type,
    status: operation.status,
    start_time: iso(operation.startedAtMs)!,
    close_time: iso(operation.closedAtMs),
  };
}

/** A BrokerFailover's input names the broker epoch it fences. */
function failoverTarget(input: readonly unknown[]): { broker_id: number | null; broker_epoch: string | null } {
  const first = input[0] as { brokerId?: unknown; brokerEpoch?: unknown } | undefined;
  return {
    broker_id: typeof first?.brokerId === 'number' ? first.brokerId : null,
    broker_epoch: typeof first?.brokerEpoch === 'string' ? first.brokerEpoch : null,
  };
}

function detailData(context: RouteContext, clusterId: string, operation: OperationDetail) {
  return {
    ...summaryData(context, clusterId, operation),
    input: operation.input,
    ...failoverTarget(operation.input),
    steps: operation.steps.map((step) => ({
      name: step.name,
      status: step.status,
      scheduled_time: iso(step.scheduledAtMs)!,
      close_time: iso(step.closedAtMs),
      attempt: step.attempt,
      failure: step.failure,
    })),
    result: operation.result ?? null,
    failure: operation.failure,
    temporal_ui: operation.uiUrl,
  };
}

const EMBEDDED_NOTE =
  'Embedded Strom runs no Temporal (failover of its one broker has nothing to do): the list is empty and every operation is 404 there.';

/** Strom's own: the Temporal workflows run on the cluster (BrokerFailover, the cluster snapshot), with their progress. */
export const OPERATION_ROUTES: readonly Route[] = [
  {
    method: 'get',
    prefix: STROM_PREFIX,
    path: '/clusters/{cluster_id}/operations',
    operationId: 'listStromClusterOperations',
    summary: 'List Cluster Operations',
    description:
      "The Temporal workflows Strom ran or runs on the cluster, running ones first, then the most recently closed. Query: `status` (Temporal's execution status: RUNNING, COMPLETED, FAILED, CANCELED, TERMINATED, CONTINUED_AS_NEW, TIMED_OUT), `page_size` (1-100, default 20), `page_token` (from `metadata.next`). Needs DESCRIBE on the cluster. " +
      EMBEDDED_NOTE,
    tag: 'Cluster Operation (Strom)',
    responses: { 200: 'StromClusterOperationDataList' },
    async handle(context) {
      const { links, client } = await clusterScope(context);
      const query = {
        status: statusFilter(context.query),
        pageSize: pageSize(context.query),
        pageToken: context.query.get('page_token') ?? undefined,
      };
      await requireClusterDescribe(client);
      const page = await context.operations.list(query);
      const self = new URL(operationsUrl(context, links.clusterId));
      for (const [name, value] of context.query) self.searchParams.set(name, value);
      const next = page.nextPageToken === null ? null : new URL(self);
      next?.searchParams.set('page_token', page.nextPageToken!);
      return {
        status: 200,
        body: {
          kind: 'StromClusterOperationList',
          metadata: { self: self.toString(), next: next?.toString() ?? null },
          data: page.operations.map((operation) => summaryData(context, links.clusterId, operation)),
        },
      };
    },
  },
  {
    method: 'get',
    prefix: STROM_PREFIX,
    path: '/clusters/{cluster_id}/operations/{operation_id}',
    operationId: 'getStromClusterOperation',
    summary: 'Get a Cluster Operation',
    description:
      'One workflow (its latest run): its input, the steps (activities) done or under way from its history, its result or failure, and a link to the Temporal Web UI when strom.admin.temporal.ui.url is set. Needs DESCRIBE on the cluster. ' +
      EMBEDDED_NOTE,
    tag: 'Cluster Operation (Strom)',
    responses: { 200: 'StromClusterOperationData' },
    async handle(context) {
      const { links, client } = await clusterScope(context);
      await requireClusterDescribe(client);
      const id = context.params.operation_id!;
      const operation = await context.operations.describe(id);
      if (!operation) throw RestError.notFound(`Operation ${id} cannot be found.`);
      return { status: 200, body: detailData(context, links.clusterId, operation) };
    },
  },
];
