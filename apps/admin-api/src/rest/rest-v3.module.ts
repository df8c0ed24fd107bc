import { Module, type DynamicModule, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ACL_ROUTES } from './acl-routes.js';
import { CLUSTER_ROUTES } from './cluster-routes.js';
import { CONFIG_ROUTES } from './config-routes.js';
import { GROUP_ROUTES } from './group-routes.js';
import { OFFSET_RESET_ROUTES } from './offset-reset-routes.js';
import { OPERATION_ROUTES } from './operation-routes.js';
import { PARTITION_ROUTES } from './partition-routes.js';
import { RECORD_ROUTES } from './record-routes.js';
import { SCRAM_ROUTES } from './scram-routes.js';
import { TOPIC_ROUTES } from './topic-routes.js';
import { RestV3ErrorFilter } from './rest-v3-error.filter.js';
import type { Route } from './route.js';
import { REST_V3_OPTIONS, REST_V3_ROUTES, REST_V3_TABLE, RestV3Middleware, type RestV3Options } from './rest-v3.js';

/** Every operation Strom serves (v3's, then Strom's own), in the order the OpenAPI document lists them. */
export const V3_ROUTES: readonly Route[] = [
  ...CLUSTER_ROUTES,
  ...TOPIC_ROUTES,
  ...CONFIG_ROUTES,
  ...PARTITION_ROUTES,
  ...GROUP_ROUTES,
  ...RECORD_ROUTES,
  ...ACL_ROUTES,
  ...OFFSET_RESET_ROUTES,
  ...SCRAM_ROUTES,
  ...OPERATION_ROUTES,
];

/** Confluent REST Proxy v3 under `/v3`, over the Kafka protocol to the cluster. */
@Module({})
export class RestV3Module implements NestModule {
  static forRoot(options: RestV3Options): DynamicModule {
    return {
      module: RestV3Module,
      providers: [
        { provide: REST_V3_OPTIONS, useValue: options },
        { provide: REST_V3_ROUTES, useValue: V3_ROUTES },
        // Imported when the admin API boots, not when the process starts: it brings ajv.
        { provide: REST_V3_TABLE, useFactory: async () => new (await import('./route-table.js')).RouteTable(V3_ROUTES) },
        RestV3Middleware,
        { provide: APP_FILTER, useClass: RestV3ErrorFilter },
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RestV3Middleware).forRoutes('*path');
  }
}
