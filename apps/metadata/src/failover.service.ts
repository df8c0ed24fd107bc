import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { brokerFailoverWorkflowId } from '@strom/contracts';
import type { BrokerFailoverRecord, MetadataStore } from '@strom/metadata-store';
import { LOGGER, METADATA_STORE, METRICS, type ExpositionWriter, type Logger, type MetricsRegistry } from '@strom/runtime';
import type { FailoverWorkflows } from './failover-workflows.js';
import { MembershipService } from './membership.service.js';
import { METADATA_OPTIONS, type MetadataOptions } from './metadata.options.js';

/** Injection token of the {@link FailoverWorkflows} (null: no Temporal, embedded mode). */
export const FAILOVER_WORKFLOWS = Symbol.for('strom.metadata.failover-workflows');

/** Lease checks between two attempts to start the workflow of a failover fenced without one. */
const RECONCILE_EVERY_CHECKS = 5;

/** Lease checks during which failovers skip Temporal after a failed start. */
const TEMPORAL_BACKOFF_CHECKS = 10;

/** A broker epoch whose workflow was started, and when (Date.now()). */
interface StartedWorkflow {
  startedAtMs: number;
}

/**
 * Acts on expired broker leases. Every `broker.heartbeat.interval.ms` it looks for brokers whose
 * lease ran out and starts the BrokerFailover workflow of each expired epoch (a duplicate start
 * is a no-op). Failover does not depend on Temporal: when the workflow cannot be started, or has
 * not fenced the broker within two check intervals, this service fences and elects itself, and
 * keeps trying to start the workflow, which then finds the fence done and records it
 * (reconciliation). Without Temporal (embedded mode) it records the failover itself.
 */
@Injectable()
export class FailoverService implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  /** A check timed for the next lease expiry, when that comes before the next periodic one. */
  private expiryTimer?: NodeJS.Timeout;
  private checking?: Promise<void>;
  private reconciling?: Promise<void>;
  /** After a failed start, failovers skip Temporal until then (Date.now()): each attempt costs up to a second. */
  private temporalDownUntilMs = 0;
  private readonly started = new Map<string, StartedWorkflow>();
  /** When the reconciler last tried to start a workflow per workflow id, so an unreachable Temporal is not asked every tick. */
  private readonly reconcileTried = new Map<string, number>();
  private stopping = false;
  /** What /metrics shows of failovers: how each was started or done. */
  private readonly counts = { workflowsStarted: 0, workflowStartFailures: 0, fencedHere: 0 };
  private unregisterMetrics?: () => void;

  constructor(
    @Inject(METADATA_STORE) private readonly store: MetadataStore,
    @Inject(METADATA_OPTIONS) private readonly options: MetadataOptions,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(FAILOVER_WORKFLOWS) private readonly workflows: FailoverWorkflows | null,
    @Inject(MembershipService) private readonly membership: MembershipService,
    @Inject(METRICS) private readonly metrics: MetricsRegistry,
  ) {}

  onApplicationBootstrap(): void {
    this.unregisterMetrics = this.metrics.register((out) => this.writeMetrics(out));
    this.timer = setInterval(() => void this.check(), this.options.leaseCheckIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.unregisterMetrics?.();
    clearInterval(this.timer);
    clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    this.stopping = true;
    await this.checking;
    await this.reconciling;
    await this.workflows?.close();
  }

  /** One pass: expired leases, then failovers waiting to be recorded. Passes never overlap. */
  check(): Promise<void> {
    this.checking ??= (async () => {
      try {
        const expired = await this.store.brokers.expired();
        for (const broker of expired) {
          // Left by controlled shutdown: its leaderships moved already; fencing it is no failover.
          if (broker.inControlledShutdown) await this.membership.fence(broker.id, broker.epoch, 'metadata-service');
          else await this.failOver(broker.id, broker.epoch);
        }
        const pending = await this.store.membership.pendingFailovers();
        // Apart from the lease checks, so an unreachable Temporal never delays a failover.
        this.reconciling ??= this.reconcile(pending)
          .catch((error: unknown) => this.logger.warn({ err: error }, 'failover reconciliation failed'))
          .finally(() => (this.reconciling = undefined));
        // Forget workflows of epochs that are neither expiring nor waiting to be recorded.
        const live = new Set([...expired.map((b) => brokerFailoverWorkflowId(b.id, String(b.epoch))), ...pending.map(workflowIdOf)]);
        for (const workflowId of [...this.started.keys(), ...this.reconcileTried.keys()]) {
          if (!live.has(workflowId)) {
            this.started.delete(workflowId);
            this.reconcileTried.delete(workflowId);
          }
        }
        await this.timeNextCheck();
      } catch (error) {
        this.logger.warn({ err: error }, 'lease check failed');
      } finally {
        this.checking = undefined;
      }
    })();
    return this.checking;
  }

  /**
   * As Kafka's controller, act when a lease runs out rather than up to a check interval later:
   * when the first lease expiry comes before the next periodic check, a check is timed for it.
   */
  private async timeNextCheck(): Promise<void> {
    const next = await this.store.brokers.nextLeaseExpiry();
    if (next === null || this.stopping) return;
    const inMs = next.getTime() - Date.now() + 1;
    if (inMs >= this.options.leaseCheckIntervalMs) return;
    clearTimeout(this.expiryTimer);
    this.expiryTimer = setTimeout(() => void this.check(), Math.max(inMs, 1));
    this.expiryTimer.unref();
  }

  private async failOver(brokerId: number, brokerEpoch: bigint): Promise<void> {
    const workflowId = brokerFailoverWorkflowId(brokerId, String(brokerEpoch));
    if (this.workflows !== null && Date.now() >= this.temporalDownUntilMs) {
      const started = this.started.get(workflowId);
      if (started === undefined) {
        try {
          const { result } = await this.workflows.start({ brokerId, brokerEpoch: String(brokerEpoch) });
          this.started.set(workflowId, { startedAtMs: Date.now() });
          if (result === 'started') this.counts.workflowsStarted++;
          this.logger.info(
            { brokerId, brokerEpoch: String(brokerEpoch), workflowId, result },
            'broker lease expired: failover workflow started',
          );
          return;
        } catch (error) {
          this.counts.workflowStartFailures++;
          this.logger.warn(
            { err: error, brokerId, workflowId },
            'broker lease expired and the failover workflow could not be started: failing over here',
          );
        }
      } else if (Date.now() - started.startedAtMs < 2 * this.options.leaseCheckIntervalMs) {
        return;
      } else {
        this.logger.warn({ brokerId, workflowId }, 'the failover workflow has not fenced the broker in time: failing over here');
      }
    }
    await this.membership.fence(brokerId, brokerEpoch, 'metadata-service');
    this.counts.fencedHere++;
  }

  private writeMetrics(out: ExpositionWriter): void {
    const counter = (name: string, help: string, value: number) => out.family(name, 'counter', help).sample(name, '', value);
    counter(
      'strom_failover_workflows_started_total',
      'BrokerFailover workflows this metadata service started on Temporal.',
      this.counts.workflowsStarted,
    );
    counter(
      'strom_failover_workflow_start_failures_total',
      'Failovers whose workflow could not be started (Temporal unreachable): each was done here instead.',
      this.counts.workflowStartFailures,
    );
    counter(
      'strom_failover_fenced_here_total',
      'Expired brokers fenced by this metadata service itself (without a workflow).',
      this.counts.fencedHere,
    );
  }

  /**
   * Failovers fenced but not recorded: without Temporal they are recorded here; with it, their
   * workflow is started (again: a no-op if it exists), and it records them.
   */
  private async reconcile(pending: BrokerFailoverRecord[]): Promise<void> {
    for (const failover of pending) {
      const brokerEpoch = String(failover.brokerEpoch);
      if (this.workflows === null) {
        await this.membership.complete({ brokerId: failover.brokerId, brokerEpoch, confirmedLeaders: [], workflowId: null });
        continue;
      }
      const workflowId = workflowIdOf(failover);
      const now = Date.now();
      if (
        this.started.has(workflowId) ||
        now - (this.reconcileTried.get(workflowId) ?? 0) < RECONCILE_EVERY_CHECKS * this.options.leaseCheckIntervalMs
      )
        continue;
      this.reconcileTried.set(workflowId, now);
      try {
        const { result } = await this.workflows.start({ brokerId: failover.brokerId, brokerEpoch });
        this.started.set(workflowId, { startedAtMs: now });
        if (result === 'started') this.counts.workflowsStarted++;
        if (result === 'started')
          this.logger.info({ workflowId, fencedBy: failover.fencedBy }, 'failover workflow started to record a fenced broker epoch');
      } catch (error) {
        this.temporalDownUntilMs = Date.now() + TEMPORAL_BACKOFF_CHECKS * this.options.leaseCheckIntervalMs;
        this.logger.debug({ err: error, workflowId }, 'failover workflow still cannot be started; will retry');
      }
    }
  }
}

function workflowIdOf(failover: BrokerFailoverRecord): string {
  return brokerFailoverWorkflowId(failover.brokerId, String(failover.brokerEpoch));
}
