import { Module } from '@nestjs/common';
import { CoordinatorService } from './coordinator.service.js';

/** Consumer groups, offsets, producer ids and transactions. */
@Module({ providers: [CoordinatorService], exports: [CoordinatorService] })
export class CoordinatorModule {}
