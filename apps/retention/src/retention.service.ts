import { Inject, Injectable, type OnApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Bus } from '@strom/bus';
import { RetentionSubjects } from '@strom/contracts';
import { BUS, LOGGER, type Logger } from '@strom/runtime';

export const RETENTION_OPTIONS = Symbol.for('strom.retention.options');

export interface RetentionOptions {
  /** log.retention.check.interval.ms */
  checkIntervalMs: number;
  /** log.cleaner.backoff.ms: how often the brokers' log cleaners look for logs to compact. */
  cleanerBackoffMs: number;
}

/**
 * Decides when retention and compaction run and asks the owning brokers to do it over the bus:
 * retention every log.retention.check.interval.ms, the log cleaner every log.cleaner.backoff.ms
 * (Kafka runs them on these two schedules). The mechanism (deleting segments, compacting) lives
 * in libs/storage, on the brokers.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private cleanerTimer?: NodeJS.Timeout;

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(RETENTION_OPTIONS) private readonly options: RetentionOptions,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.tick(RetentionSubjects.tick, 'retention'), this.options.checkIntervalMs);
    this.timer.unref();
    this.cleanerTimer = setInterval(() => this.tick(RetentionSubjects.cleanerTick, 'log cleaner'), this.options.cleanerBackoffMs);
    this.cleanerTimer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    clearInterval(this.cleanerTimer);
  }

  private tick(subject: string, what: string): void {
    try {
      this.bus.publish(subject, Buffer.from(JSON.stringify({ at: Date.now() })));
    } catch (error) {
      this.logger.warn({ err: error }, `could not publish the ${what} tick`);
    }
  }
}
