import { Module } from '@nestjs/common';
import { MetadataService } from './metadata.service.js';

/** Cluster metadata: owns the store, answers the others over the bus. */
@Module({ providers: [MetadataService], exports: [MetadataService] })
export class MetadataModule {}
