import { Module, type DynamicModule } from '@nestjs/common';
import { ORCHESTRATOR_OPTIONS, TemporalWorkerService, type OrchestratorOptions } from './temporal-worker.service.js';

/** Runs failover and reassignment workflows on Temporal. */
@Module({})
export class OrchestratorModule {
  static forRoot(options: OrchestratorOptions): DynamicModule {
    return {
      module: OrchestratorModule,
      providers: [{ provide: ORCHESTRATOR_OPTIONS, useValue: options }, TemporalWorkerService],
      exports: [TemporalWorkerService],
    };
  }
}
