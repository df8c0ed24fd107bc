import { Inject, Injectable, type OnApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Bus } from '@strom/bus';
import { RetentionSubjects } from '@strom/contracts';
import { BUS, LOGGER, type Logger } from '@strom/runtime';

export const RETENTION_OPTIONS = Symbol.for('strom.retention.options');

export interface RetentionOptions {
  /** log.retention.check.interval.ms */
  checkIntervalMs: number;
}

/**
 * Decides when retention and compaction run and asks the owning brokers to do it over the bus.
 * The mechanism (deleting segments, compacting) lives in libs/storage, on the brokers.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(RETENTION_OPTIONS) private readonly options: RetentionOptions,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.tick(), this.options.checkIntervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    try {
      this.bus.publish(RetentionSubjects.tick, Buffer.from(JSON.stringify({ at: Date.now() })));
    } catch (error) {
      this.logger.warn({ err: error }, 'could not publish the retention tick');
    }
  }
}
