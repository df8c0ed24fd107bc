import { Module, type DynamicModule } from '@nestjs/common';
import { ClusterStatusService } from './cluster-status.service.js';
import { FailoverService, FAILOVER_WORKFLOWS } from './failover.service.js';
import { MembershipService } from './membership.service.js';
import { METADATA_OPTIONS, type MetadataOptions } from './metadata.options.js';
import { MetadataService } from './metadata.service.js';

/** Cluster metadata: owns the store, answers the others over the bus, fails over brokers whose lease expired. */
@Module({})
export class MetadataModule {
  static forRoot(options: MetadataOptions): DynamicModule {
    return {
      module: MetadataModule,
      providers: [
        { provide: METADATA_OPTIONS, useValue: options },
        {
          provide: FAILOVER_WORKFLOWS,
          // The Temporal client (gRPC, protobufs: some 3 MB of JavaScript) loads only where Temporal is configured; embedded mode has none.
          useFactory: async () =>
            options.temporal ? new (await import('./failover-workflows.js')).TemporalFailoverWorkflows(options.temporal) : null,
        },
        MetadataService,
        MembershipService,
        FailoverService,
        ClusterStatusService,
      ],
      exports: [MetadataService, MembershipService, FailoverService, ClusterStatusService],
    };
  }
}
