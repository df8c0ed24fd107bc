import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { inSpan, SpanKind, tracingEnabled } from '@strom/telemetry';

/**
 * A span per Temporal activity attempt ("activity {type}"), with the workflow it serves: the bus
 * requests the activity makes (fence a broker, elect leaders …) are its children. Nothing while
 * tracing is off.
 */
export const activityTracing: ActivityInterceptorsFactory = (ctx) => ({
  inbound: {
    execute: (input, next) => {
      if (!tracingEnabled()) return next(input);
      const info = ctx.info;
      return inSpan(
        `activity ${info.activityType}`,
        SpanKind.INTERNAL,
        {
          'temporal.activity.type': info.activityType,
          'temporal.activity.id': info.activityId,
          'temporal.activity.attempt': info.attempt,
          'temporal.task_queue': info.taskQueue,
          'temporal.workflow.id': info.workflowExecution?.workflowId ?? '',
          'temporal.workflow.run_id': info.workflowExecution?.runId ?? '',
          'temporal.workflow.type': info.workflowType ?? '',
        },
        () => next(input),
      );
    },
  },
});
