import type { ServerConfig } from '@strom/config';
import { COMMON_KEYS, HEALTH_KEYS } from '@strom/runtime';
import type { RetentionOptions } from './retention.service.js';

/** The keys of the retention and cleaner schedules: what retention takes a flag for in either mode. */
export const RETENTION_SCHEDULING_KEYS: readonly string[] = ['log.retention.check.interval.ms', 'log.cleaner.backoff.ms'];

/** The keys `apps/retention` takes flags and env for when it runs as its own process. */
export const RETENTION_KEYS: readonly string[] = [...COMMON_KEYS, ...HEALTH_KEYS, 'strom.nats.url', ...RETENTION_SCHEDULING_KEYS];

/** The retention service's options from the one parsed configuration. */
export function retentionOptions(config: ServerConfig): RetentionOptions {
  return { checkIntervalMs: config.long('log.retention.check.interval.ms'), cleanerBackoffMs: config.long('log.cleaner.backoff.ms') };
}
