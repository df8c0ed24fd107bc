import { Module, type DynamicModule } from '@nestjs/common';
import { COORDINATOR_OPTIONS, CoordinatorService, type CoordinatorOptions } from './coordinator.service.js';

/** Consumer groups, offsets, producer ids and transactions. */
@Module({})
export class CoordinatorModule {
  static forRoot(options: CoordinatorOptions): DynamicModule {
    return {
      module: CoordinatorModule,
      providers: [{ provide: COORDINATOR_OPTIONS, useValue: options }, CoordinatorService],
      exports: [CoordinatorService],
    };
  }
}
