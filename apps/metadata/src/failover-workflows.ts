import { brokerFailoverWorkflowId } from '@strom/contracts';
import { inSpan, SpanKind, traceHeaders, tracingEnabled } from '@strom/telemetry';
import { BROKER_FAILOVER_WORKFLOW, ORCHESTRATOR_TASK_QUEUE, TRACE_HEADER, type BrokerFailoverInput } from '@strom/workflows';
import {
  Client,
  Connection,
  defaultPayloadConverter,
  WorkflowExecutionAlreadyStartedError,
  type WorkflowClientInterceptor,
} from '@temporalio/client';
import type { FailoverTemporalOptions } from './metadata.options.js';

/** Where the metadata service starts BrokerFailover workflows. */
export interface FailoverWorkflows {
  /**
   * Starts the workflow of a fenced-or-expiring broker epoch. `already-started`: one with that
   * id exists (running or done), so this start is a no-op. Throws when Temporal cannot be reached.
   */
  start(input: BrokerFailoverInput): Promise<{ workflowId: string; result: 'started' | 'already-started' }>;
  close(): Promise<void>;
}

/**
 * How long one start may take: failover must not wait on an unreachable Temporal (the metadata
 * service fences itself when the start fails). A local frontend answers in milliseconds; the
 * SDK's own deadline alone was measured to give up only after about 3 s.
 */
const START_TIMEOUT_MS = 1000;

/** Carries the active trace context (while tracing is on) in the started workflow's headers, for its activities. */
const traceContext: WorkflowClientInterceptor = {
  startWithDetails(input, next) {
    const carrier = tracingEnabled() ? traceHeaders() : {};
    if (carrier.traceparent === undefined) return next(input);
    return next({ ...input, headers: { ...input.headers, [TRACE_HEADER]: defaultPayloadConverter.toPayload(carrier) } });
  },
};

/** BrokerFailover workflows on a Temporal frontend, over a connection made on first use. */
export class TemporalFailoverWorkflows implements FailoverWorkflows {
  private readonly connection: Connection;
  private readonly client: Client;
  /** Starts still running in the SDK after their answer timed out: closing under them throws from a gRPC retry timer. */
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly options: FailoverTemporalOptions) {
    this.connection = Connection.lazy({ address: options.address, connectTimeout: START_TIMEOUT_MS });
    this.client = new Client({ connection: this.connection, namespace: options.namespace, interceptors: { workflow: [traceContext] } });
  }

  start(input: BrokerFailoverInput): Promise<{ workflowId: string; result: 'started' | 'already-started' }> {
    const workflowId = brokerFailoverWorkflowId(input.brokerId, input.brokerEpoch);
    if (!tracingEnabled()) return this.startWorkflow(input, workflowId);
    // The failover's trace: the workflow's activities (in the orchestrator) are this span's children.
    const attributes = {
      'temporal.workflow.id': workflowId,
      'temporal.workflow.type': BROKER_FAILOVER_WORKFLOW,
      'temporal.task_queue': this.options.taskQueue ?? ORCHESTRATOR_TASK_QUEUE,
      'strom.broker.id': input.brokerId,
      'strom.broker.epoch': input.brokerEpoch,
    };
    return inSpan(`start ${BROKER_FAILOVER_WORKFLOW}`, SpanKind.CLIENT, attributes, async (span) => {
      const started = await this.startWorkflow(input, workflowId);
      span.setAttribute('strom.workflow.start.result', started.result);
      return started;
    });
  }

  private async startWorkflow(
    input: BrokerFailoverInput,
    workflowId: string,
  ): Promise<{ workflowId: string; result: 'started' | 'already-started' }> {
    try {
      const start = this.connection.withDeadline(Date.now() + START_TIMEOUT_MS, () =>
        this.client.workflow.start(BROKER_FAILOVER_WORKFLOW, {
          workflowId,
          taskQueue: this.options.taskQueue ?? ORCHESTRATOR_TASK_QUEUE,
          args: [input],
          // One workflow per broker epoch, ever: a second start (another metadata instance, a
          // later lease check, the reconciler) is refused, running or done.
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        }),
      );
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Temporal did not start ${workflowId} within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
      });
      const settled = start.catch(() => undefined);
      this.inFlight.add(settled);
      void settled.then(() => this.inFlight.delete(settled));
      await Promise.race([start, timeout]).finally(() => clearTimeout(timer));
      return { workflowId, result: 'started' };
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, result: 'already-started' };
      throw error;
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.inFlight);
    await this.connection.close();
  }
}
