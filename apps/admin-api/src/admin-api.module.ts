import { Module, type DynamicModule } from '@nestjs/common';
import { ConsoleModule } from './console/console.js';
import { HealthController } from './health.controller.js';
import { MetricsController } from './metrics.controller.js';
import { RestV3Module } from './rest/rest-v3.module.js';
import type { RestV3Options } from './rest/rest-v3.js';
import { StromApiModule } from './strom-api/strom-api.module.js';

/** The admin REST API (Confluent REST v3 under /v3, Strom's own under /strom/v1), console and metrics. */
@Module({ controllers: [HealthController, MetricsController] })
export class AdminApiModule {
  static forRoot(options: RestV3Options): DynamicModule {
    return { module: AdminApiModule, imports: [RestV3Module.forRoot(options), StromApiModule.forRoot(options), ConsoleModule] };
  }
}
