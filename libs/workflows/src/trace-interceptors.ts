/**
 * Workflow interceptors (bundled into the workflow sandbox by the worker, `workflowModules`):
 * the trace context the workflow was started with goes on to every activity it schedules, so an
 * activity's span is a child of the span that started the workflow (the metadata service's, for
 * a failover). Only Temporal headers are copied: no OpenTelemetry in the sandbox, nothing
 * nondeterministic, and nothing at all when the start carried no trace.
 */
import type { Payload, WorkflowInterceptorsFactory } from '@temporalio/workflow';

/** The Temporal header holding the W3C trace context (the name @temporalio/interceptors-opentelemetry uses too). */
export const TRACE_HEADER = '_tracer-data';

export const interceptors: WorkflowInterceptorsFactory = () => {
  let started: Payload | undefined;
  return {
    inbound: [
      {
        execute(input, next) {
          started = input.headers[TRACE_HEADER];
          return next(input);
        },
      },
    ],
    outbound: [
      {
        scheduleActivity(input, next) {
          if (started === undefined || input.headers[TRACE_HEADER] !== undefined) return next(input);
          return next({ ...input, headers: { ...input.headers, [TRACE_HEADER]: started } });
        },
      },
    ],
  };
};
