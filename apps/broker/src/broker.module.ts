import { Module, type DynamicModule } from '@nestjs/common';
import { BROKER_OPTIONS, type BrokerOptions } from './broker.options.js';
import { BrokerService } from './broker.service.js';

@Module({})
export class BrokerModule {
  static forRoot(options: BrokerOptions): DynamicModule {
    return {
      module: BrokerModule,
      providers: [{ provide: BROKER_OPTIONS, useValue: options }, BrokerService],
      exports: [BrokerService],
    };
  }
}
