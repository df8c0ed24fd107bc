import { Module, type DynamicModule } from '@nestjs/common';
import { METADATA_OPTIONS, type MetadataOptions } from './metadata.options.js';
import { MetadataService } from './metadata.service.js';

/** Cluster metadata: owns the store, answers the others over the bus. */
@Module({})
export class MetadataModule {
  static forRoot(options: MetadataOptions): DynamicModule {
    return {
      module: MetadataModule,
      providers: [{ provide: METADATA_OPTIONS, useValue: options }, MetadataService],
      exports: [MetadataService],
    };
  }
}
