import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { decodeJson, type Bus, type Subscription } from '@strom/bus';
import { BrokerTrafficSubjects } from '@strom/contracts';
import { BUS } from '@strom/runtime';
import { ClusterThroughput, MAX_TRACKED_BROKERS } from './cluster-throughput.js';

/**
 * Reports queued for the tracker at most: each is handled in microseconds, so a backlog this long
 * means the event loop is stalled, and older totals are worth nothing to a rate anyway.
 */
const MAX_PENDING_REPORTS = MAX_TRACKED_BROKERS;

/**
 * Listens to the brokers' traffic reports on the bus from the admin API's start (in embedded mode
 * its first request) and keeps the cluster's throughput for the overview: the same path in both
 * modes, because the reports cross the bus, in-process or NATS.
 */
@Injectable()
export class TrafficListener implements OnModuleInit, OnModuleDestroy {
  readonly throughput = new ClusterThroughput(() => performance.now());
  private subscription: Subscription | undefined;

  constructor(@Inject(BUS) private readonly bus: Bus) {}

  async onModuleInit(): Promise<void> {
    this.subscription = this.bus.subscribe(
      BrokerTrafficSubjects.report,
      (payload) => {
        // A payload that is not JSON is as malformed as one of the wrong shape: the tracker drops both.
        let report: unknown;
        try {
          report = decodeJson(payload);
        } catch {
          return;
        }
        this.throughput.record(report);
      },
      { maxPendingMessages: MAX_PENDING_REPORTS },
    );
    await this.subscription.ready;
  }

  async onModuleDestroy(): Promise<void> {
    await this.subscription?.unsubscribe();
  }
}
