import { Module, type DynamicModule } from '@nestjs/common';
import { RETENTION_OPTIONS, RetentionService, type RetentionOptions } from './retention.service.js';

@Module({})
export class RetentionModule {
  static forRoot(options: RetentionOptions): DynamicModule {
    return {
      module: RetentionModule,
      providers: [{ provide: RETENTION_OPTIONS, useValue: options }, RetentionService],
      exports: [RetentionService],
    };
  }
}
