import { labels, type ExpositionWriter } from '@strom/runtime';
import { inSpan, SpanKind, tracingEnabled, withParent } from '@strom/telemetry';
import { TRACE_HEADER } from '@strom/workflows';
import { defaultPayloadConverter, type ActivityExecuteInput, type ActivityInterceptorsFactory } from '@temporalio/worker';

/** One activity type's attempts on this worker: plain numbers bumped per attempt, labelled at scrape time. */
interface ActivityCounts {
  completed: number;
  failed: number;
  running: number;
  seconds: number;
}

/** The figures of the activities this worker ran (the workflows' steps: fence a broker, elect leaders …). */
export class ActivityStats {
  private readonly byType = new Map<string, ActivityCounts>();

  /** Counts one attempt of `type` from now until `attempt` settles. */
  async count<T>(type: string, attempt: () => Promise<T>): Promise<T> {
    let counts = this.byType.get(type);
    if (counts === undefined) this.byType.set(type, (counts = { completed: 0, failed: 0, running: 0, seconds: 0 }));
    const started = performance.now();
    counts.running++;
    try {
      const result = await attempt();
      counts.completed++;
      return result;
    } catch (error) {
      counts.failed++;
      throw error;
    } finally {
      counts.running--;
      counts.seconds += (performance.now() - started) / 1000;
    }
  }

  write(out: ExpositionWriter): void {
    const types = [...this.byType];
    out.family(
      'strom_workflow_activity_attempts_total',
      'counter',
      'Activity attempts this worker finished, by activity type and outcome.',
    );
    for (const [activity, counts] of types) {
      out.sample('strom_workflow_activity_attempts_total', labels({ activity, outcome: 'completed' }), counts.completed);
      out.sample('strom_workflow_activity_attempts_total', labels({ activity, outcome: 'failed' }), counts.failed);
    }
    out.family('strom_workflow_activity_seconds_total', 'counter', 'Time spent in activity attempts, by activity type.');
    for (const [activity, counts] of types) out.sample('strom_workflow_activity_seconds_total', labels({ activity }), counts.seconds);
    let running = 0;
    for (const [, counts] of types) running += counts.running;
    out.family('strom_workflow_activities_running', 'gauge', 'Activity attempts running on this worker now.');
    out.sample('strom_workflow_activities_running', '', running);
  }
}

/**
 * Each Temporal activity attempt counted in `stats` and, while tracing is on, run in a span
 * ("activity {type}") with the workflow it serves: the bus requests the activity makes are the
 * span's children, and the span is a child of the one that started the workflow when the start
 * carried a trace context (trace-interceptors of @strom/workflows hands it on to each activity).
 */
export function activityInterceptors(stats: ActivityStats): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      execute: (input, next) => {
        const info = ctx.info;
        const attempt = () => stats.count(info.activityType, () => next(input));
        if (!tracingEnabled()) return attempt();
        return withParent(startedIn(input.headers), () =>
          inSpan(
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
            attempt,
          ),
        );
      },
    },
  });
}

/** The W3C trace headers the workflow was started with, if any (an unreadable header is no trace, not a failure). */
function startedIn(headers: ActivityExecuteInput['headers']): Record<string, string> | undefined {
  const payload = headers[TRACE_HEADER];
  if (payload === undefined) return undefined;
  try {
    return defaultPayloadConverter.fromPayload<Record<string, string>>(payload);
  } catch {
    return undefined;
  }
}
