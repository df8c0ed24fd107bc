import { commonConfig, defineConfigSchema, natsConfig } from '@strom/runtime';

export const retentionSchedulingConfig = defineConfigSchema({
  checkIntervalMs: {
    type: 'int',
    env: 'STROM_RETENTION_CHECK_INTERVAL_MS',
    flag: 'retention-check-interval-ms',
    doc: 'how often retention and compaction are considered (Kafka: log.retention.check.interval.ms)',
    default: 300_000,
    min: 1000,
  },
});

/** What `apps/retention` reads when it runs as its own process. */
export const retentionConfig = defineConfigSchema({ ...commonConfig, ...natsConfig, ...retentionSchedulingConfig });
