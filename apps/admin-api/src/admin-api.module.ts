import { Module } from '@nestjs/common';
import { HealthController } from './health.controller.js';
import { MetricsController } from './metrics.controller.js';

/** The admin REST API (Kafka REST v3 shapes to come), console and metrics. */
@Module({ controllers: [HealthController, MetricsController] })
export class AdminApiModule {}
