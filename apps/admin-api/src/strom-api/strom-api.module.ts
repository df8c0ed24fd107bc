import { Module, type DynamicModule, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import type { RestV3Options } from '../rest/rest-v3.js';
import { STROM_API_OPTIONS, StromApiMiddleware } from './strom-api.js';
import { TrafficListener } from './traffic-listener.js';

/** Strom's own admin operations under `/strom/v1`. */
@Module({})
export class StromApiModule implements NestModule {
  static forRoot(options: RestV3Options): DynamicModule {
    return { module: StromApiModule, providers: [{ provide: STROM_API_OPTIONS, useValue: options }, TrafficListener, StromApiMiddleware] };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(StromApiMiddleware).forRoutes('*path');
  }
}
