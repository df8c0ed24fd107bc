import type { WorkflowHandle } from '@temporalio/client';
import {
  OPERATION_STATUSES,
  type ClusterOperations,
  type OperationDetail,
  type OperationPage,
  type OperationQuery,
  type OperationStatus,
  type OperationStep,
  type OperationSummary,
} from './cluster-operations.js';
import { RestError } from './errors.js';

/** Where the admin API finds Strom's workflows (strom.temporal.*) and the Temporal Web UI (strom.admin.temporal.ui.url). */
export interface TemporalOperationsOptions {
  readonly address: string;
  readonly namespace: string;
  /** The Temporal Web UI's base URL (`http://host:8233`), for links to a workflow; null for none. */
  readonly uiUrl: string | null;
  /** Bound on each call to Temporal. */
  readonly requestTimeoutMs?: number;
}

/** The workflow types Strom starts (libs/workflows): a namespace may hold other applications' workflows, which are not shown. */
export const STROM_WORKFLOW_TYPES: readonly string[] = ['brokerFailoverWorkflow', 'clusterSnapshotWorkflow'];

/** gRPC status INVALID_ARGUMENT. */
const GRPC_INVALID_ARGUMENT = 3;

/** Bound on the history read for one operation's steps: Strom's workflows have a few dozen events. */
const MAX_HISTORY_EVENTS = 2000;

// The SDK's protobuf types, reached through the client's own signatures.
type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];
type Timestamp = HistoryEvent['eventTime'];
type Payloads = NonNullable<HistoryEvent['workflowExecutionStartedEventAttributes']>['input'];
type PendingActivity = NonNullable<Awaited<ReturnType<WorkflowHandle['describe']>>['raw']['pendingActivities']>[number];

/** google.protobuf.Timestamp (seconds as a Long or number, nanos) in milliseconds. */
function timestampMs(timestamp: Timestamp): number | null {
  if (!timestamp?.seconds) return null;
  const seconds = typeof timestamp.seconds === 'number' ? timestamp.seconds : timestamp.seconds.toNumber();
  return seconds * 1000 + Math.floor((timestamp.nanos ?? 0) / 1_000_000);
}

function longNumber(value: number | { toNumber(): number } | null | undefined): number {
  return typeof value === 'number' ? value : (value?.toNumber() ?? 0);
}

/** Temporal's WorkflowExecutionStatus enum (1 RUNNING … 7 TIMED_OUT) as a name. */
function statusName(code: number | null | undefined): OperationStatus {
  return OPERATION_STATUSES[(code ?? 1) - 1] ?? 'RUNNING';
}

/** `ExecutionStatus` values of Temporal's visibility queries. */
const VISIBILITY_STATUS: Readonly<Record<OperationStatus, string>> = {
  RUNNING: 'Running',
  COMPLETED: 'Completed',
  FAILED: 'Failed',
  CANCELED: 'Canceled',
  TERMINATED: 'Terminated',
  CONTINUED_AS_NEW: 'ContinuedAsNew',
  TIMED_OUT: 'TimedOut',
};

/**
 * Strom's workflows on a Temporal frontend: listed through its visibility store (Temporal's
 * order: running ones first, then by close time, newest first) and described from DescribeWorkflowExecution
 * and the workflow's history, whose activity events are the operation's steps. `@temporalio/client`
 * is loaded on first use: embedded Strom never loads it.
 */
export class TemporalClusterOperations implements ClusterOperations {
  readonly available = true;
  private session: ReturnType<TemporalClusterOperations['openSession']> | undefined;

  constructor(private readonly options: TemporalOperationsOptions) {}

  async list(query: OperationQuery): Promise<OperationPage> {
    const { client } = await this.open();
    const types = STROM_WORKFLOW_TYPES.map((type) => `WorkflowType = '${type}'`).join(' OR ');
    const filter = query.status ? `(${types}) AND ExecutionStatus = '${VISIBILITY_STATUS[query.status]}'` : types;
    const response = await this.call(() =>
      client.workflowService.listWorkflowExecutions({
        namespace: this.options.namespace,
        pageSize: query.pageSize,
        nextPageToken: query.pageToken === undefined ? undefined : visibilityToken(query.pageToken, filter),
        query: filter,
      }),
    );
    const operations = response.executions.map((execution): OperationSummary => ({
      id: execution.execution?.workflowId ?? '',
      runId: execution.execution?.runId ?? '',
      type: execution.type?.name ?? '',
      status: statusName(execution.status),
      startedAtMs: timestampMs(execution.startTime) ?? 0,
      closedAtMs: timestampMs(execution.closeTime),
    }));
    const next = response.nextPageToken && response.nextPageToken.length > 0 ? pageToken(response.nextPageToken, filter) : null;
    return { operations, nextPageToken: next };
  }

  async describe(id: string): Promise<OperationDetail | undefined> {
    const { client, sdk } = await this.open();
    const handle = client.workflow.getHandle(id);
    let description: Awaited<ReturnType<typeof handle.describe>>;
    try {
      description = await this.call(() => handle.describe());
    } catch (error) {
      if (error instanceof sdk.WorkflowNotFoundError) return undefined;
      throw error;
    }
    if (!STROM_WORKFLOW_TYPES.includes(description.type)) return undefined;
    const events =
      description.historyLength > MAX_HISTORY_EVENTS
        ? []
        : ((await this.call(() => client.workflow.getHandle(id, description.runId).fetchHistory())).events ?? []);
    const decode = (payloads: Payloads): unknown[] =>
      (payloads?.payloads ?? []).map((payload) => sdk.defaultPayloadConverter.fromPayload(payload));
    const started = events[0]?.workflowExecutionStartedEventAttributes;
    const closing = events.at(-1);
    return {
      id: description.workflowId,
      runId: description.runId,
      type: description.type,
      status: statusName(description.status.code),
      startedAtMs: description.startTime.getTime(),
      closedAtMs: description.closeTime?.getTime() ?? null,
      input: decode(started?.input),
      steps: steps(events, description.raw.pendingActivities ?? []),
      result: closing?.workflowExecutionCompletedEventAttributes
        ? (decode(closing.workflowExecutionCompletedEventAttributes.result)[0] ?? null)
        : null,
      failure: closingFailure(closing),
      uiUrl: this.options.uiUrl
        ? `${this.options.uiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(this.options.namespace)}/workflows/${encodeURIComponent(description.workflowId)}/${description.runId}/history`
        : null,
    };
  }

  async close(): Promise<void> {
    const session = await this.session?.catch(() => undefined);
    this.session = undefined;
    await session?.connection.close();
  }

  private open(): ReturnType<TemporalClusterOperations['openSession']> {
    this.session ??= this.openSession();
    return this.session;
  }

  private async openSession() {
    const sdk = await import('@temporalio/client');
    // No gRPC retries: a read that fails is answered at once (the caller asks again), and a
    // request Temporal refuses is not retried until the deadline.
    const connection = sdk.Connection.lazy({ address: this.options.address, connectTimeout: this.timeoutMs(), interceptors: [] });
    return { connection, client: new sdk.Client({ connection, namespace: this.options.namespace }), sdk };
  }

  private timeoutMs(): number {
    return this.options.requestTimeoutMs ?? 5000;
  }

  /** One call to Temporal within the deadline; a request it refuses as invalid is a 400, Temporal unreachable a 503. */
  private async call<T>(request: () => Promise<T>): Promise<T> {
    const { connection, sdk } = await this.open();
    try {
      return await connection.withDeadline(Date.now() + this.timeoutMs(), request);
    } catch (error) {
      const grpc = sdk.isGrpcServiceError(error)
        ? error
        : sdk.isGrpcServiceError((error as Error).cause)
          ? (error as Error).cause
          : undefined;
      if ((grpc as { code?: number } | undefined)?.code === GRPC_INVALID_ARGUMENT) {
        throw RestError.badRequest(`Temporal refused the request: ${(grpc as Error).message}`);
      }
      if (error instanceof sdk.ServiceError || grpc) {
        throw new RestError(503, 503, `Temporal at ${this.options.address} did not answer: ${(error as Error).message}`);
      }
      throw error;
    }
  }
}

/**
 * The API's page token: Temporal's visibility token with the query it continues, so that a token
 * that is not one of ours, or one from another query, is refused here (Temporal answers a bad one
 * with UNKNOWN, which cannot be told from its own failures).
 */
function pageToken(visibility: Uint8Array, query: string): string {
  return Buffer.from(JSON.stringify({ query, visibility: Buffer.from(visibility).toString('base64') }), 'utf8').toString('base64url');
}

function visibilityToken(token: string, query: string): Buffer {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const fields = parsed as { query?: unknown; visibility?: unknown } | undefined;
  if (typeof fields?.visibility !== 'string' || fields.query !== query) {
    throw RestError.badRequest('page_token is not one this list gave (take it from metadata.next, with the same status).');
  }
  return Buffer.from(fields.visibility, 'base64');
}

/**
 * The activities of a history, in the order they were scheduled: closed ones by their closing
 * event, open ones by the pending-activity state Temporal keeps (an activity with a retry policy
 * has its started event written only when it closes).
 */
function steps(events: readonly HistoryEvent[], pending: readonly PendingActivity[]): OperationStep[] {
  const byScheduledId = new Map<number, OperationStep & { activityId: string }>();
  for (const event of events) {
    const eventId = longNumber(event.eventId);
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) {
      byScheduledId.set(eventId, {
        activityId: scheduled.activityId ?? '',
        name: scheduled.activityType?.name ?? '',
        status: 'SCHEDULED',
        scheduledAtMs: timestampMs(event.eventTime) ?? 0,
        closedAtMs: null,
        attempt: 1,
        failure: null,
      });
      continue;
    }
    const started = event.activityTaskStartedEventAttributes;
    if (started) {
      const step = byScheduledId.get(longNumber(started.scheduledEventId));
      if (step) byScheduledId.set(longNumber(started.scheduledEventId), { ...step, attempt: started.attempt ?? step.attempt });
      continue;
    }
    const closed = closedStep(event);
    const step = closed && byScheduledId.get(closed.scheduledEventId);
    if (closed && step) {
      byScheduledId.set(closed.scheduledEventId, {
        ...step,
        status: closed.status,
        closedAtMs: timestampMs(event.eventTime),
        failure: closed.failure,
      });
    }
  }
  return [...byScheduledId.values()].map(({ activityId, ...step }) => {
    if (step.closedAtMs !== null) return step;
    const info = pending.find((candidate) => candidate.activityId === activityId);
    if (!info) return step;
    return {
      ...step,
      // PendingActivityState 2 (STARTED): a worker is running the attempt.
      status: info.state === 2 ? 'RUNNING' : 'SCHEDULED',
      attempt: info.attempt ?? step.attempt,
      failure: info.lastFailure?.message ?? null,
    };
  });
}

function closedStep(
  event: HistoryEvent,
): { scheduledEventId: number; status: OperationStep['status']; failure: string | null } | undefined {
  const completed = event.activityTaskCompletedEventAttributes;
  if (completed) return { scheduledEventId: longNumber(completed.scheduledEventId), status: 'COMPLETED', failure: null };
  const failed = event.activityTaskFailedEventAttributes;
  if (failed) return { scheduledEventId: longNumber(failed.scheduledEventId), status: 'FAILED', failure: failed.failure?.message ?? null };
  const timedOut = event.activityTaskTimedOutEventAttributes;
  if (timedOut) {
    return { scheduledEventId: longNumber(timedOut.scheduledEventId), status: 'TIMED_OUT', failure: timedOut.failure?.message ?? null };
  }
  const canceled = event.activityTaskCanceledEventAttributes;
  if (canceled) return { scheduledEventId: longNumber(canceled.scheduledEventId), status: 'CANCELED', failure: null };
  return undefined;
}

/** Why a closed workflow did not complete, from its closing event. */
function closingFailure(event: HistoryEvent | undefined): string | null {
  if (!event) return null;
  const failed = event.workflowExecutionFailedEventAttributes;
  if (failed)
    return failed.failure?.cause?.message
      ? `${failed.failure.message}: ${failed.failure.cause.message}`
      : (failed.failure?.message ?? 'failed');
  if (event.workflowExecutionTerminatedEventAttributes) return event.workflowExecutionTerminatedEventAttributes.reason || 'terminated';
  if (event.workflowExecutionTimedOutEventAttributes) return 'the workflow timed out';
  if (event.workflowExecutionCanceledEventAttributes) return 'the workflow was canceled';
  return null;
}
