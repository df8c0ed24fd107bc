import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Bus } from '@strom/bus';
import { BUS, LOGGER, METRICS, type Logger, type MetricsRegistry } from '@strom/runtime';
import { ORCHESTRATOR_TASK_QUEUE, workflowInterceptorsPath, workflowsPath } from '@strom/workflows';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createClusterActivities } from './activities.js';
import { activityInterceptors, ActivityStats } from './activity-interceptors.js';
import { installTemporalLogging } from './temporal-logging.js';

export const ORCHESTRATOR_OPTIONS = Symbol.for('strom.orchestrator.options');

export interface OrchestratorOptions {
  temporalAddress: string;
  temporalNamespace: string;
  taskQueue?: string;
}

/** The Temporal worker, started and stopped with the NestJS app. */
@Injectable()
export class TemporalWorkerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private worker?: Worker;
  private connection?: NativeConnection;
  private running?: Promise<void>;
  private readonly activityStats = new ActivityStats();
  private unregisterMetrics?: () => void;

  constructor(
    @Inject(ORCHESTRATOR_OPTIONS) private readonly options: OrchestratorOptions,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) private readonly metrics: MetricsRegistry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    installTemporalLogging(this.logger);
    this.unregisterMetrics = this.metrics.register((out) => this.activityStats.write(out));
    this.connection = await NativeConnection.connect({ address: this.options.temporalAddress });
    this.worker = await Worker.create({
      connection: this.connection,
      namespace: this.options.temporalNamespace,
      taskQueue: this.options.taskQueue ?? ORCHESTRATOR_TASK_QUEUE,
      workflowsPath,
      activities: createClusterActivities(this.bus),
      interceptors: { activity: [activityInterceptors(this.activityStats)], workflowModules: [workflowInterceptorsPath] },
      // A killed worker's sticky queue holds its workflows' next tasks until this passes (default
      // 10 s), then they go to any worker: a failover must not wait that long for a dead one.
      stickyQueueScheduleToStartTimeout: '1 second',
    });
    this.running = this.worker.run().catch((error: unknown) => {
      this.logger.error({ err: error }, 'the Temporal worker stopped with an error');
    });
    this.logger.info(
      { address: this.options.temporalAddress, taskQueue: this.options.taskQueue ?? ORCHESTRATOR_TASK_QUEUE },
      'Temporal worker running',
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.unregisterMetrics?.();
    if (this.worker && this.worker.getState() === 'RUNNING') this.worker.shutdown();
    await this.running;
    await this.connection?.close();
  }
}
