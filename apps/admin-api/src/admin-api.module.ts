import { Module } from '@nestjs/common';
import { HealthController } from './health.controller.js';

/** The admin REST API (Kafka REST v3 shapes to come), console and metrics. */
@Module({ controllers: [HealthController] })
export class AdminApiModule {}
