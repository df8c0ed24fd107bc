import { Module, type DynamicModule } from '@nestjs/common';
import { defaultMetadataOptions, METADATA_OPTIONS, type MetadataOptions } from './metadata.options.js';
import { MetadataService } from './metadata.service.js';

/** Cluster metadata: owns the store, answers the others over the bus. */
@Module({})
export class MetadataModule {
  static forRoot(options: Partial<MetadataOptions> = {}): DynamicModule {
    return {
      module: MetadataModule,
      providers: [{ provide: METADATA_OPTIONS, useValue: { ...defaultMetadataOptions, ...options } }, MetadataService],
      exports: [MetadataService],
    };
  }
}
