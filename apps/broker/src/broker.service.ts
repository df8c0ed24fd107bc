import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Bus } from '@strom/bus';
import { ApiKey } from '@strom/protocol';
import { BUS, LOGGER, type Logger } from '@strom/runtime';
import { apiVersionsBody, handleApiVersions } from './api/api-versions.js';
import { handleMetadata } from './api/metadata.js';
import { ApiRouter } from './api/router.js';
import { handleAlterConfigs, handleDescribeConfigs, handleIncrementalAlterConfigs } from './api/configs.js';
import { handleFetch } from './api/fetch.js';
import { handleDeleteRecords, handleDescribeCluster, handleDescribeProducers, handleOffsetForLeaderEpoch } from './api/partition-admin.js';
import { FetchSessionCache } from './fetch-session/index.js';
import { handleFindCoordinator } from './api/find-coordinator.js';
import { handleInitProducerId } from './api/producer-ids.js';
import { ProducerIdManager } from './producer/producer-id-manager.js';
import { handleListOffsets } from './api/list-offsets.js';
import { handleProduce } from './api/produce.js';
import { handleCreatePartitions, handleCreateTopics, handleDeleteTopics } from './api/topics.js';
import { logDirUnder, ReplicaManager } from './replica/replica-manager.js';
import { BROKER_OPTIONS, type BrokerOptions } from './broker.options.js';
import { ClusterView } from './cluster/cluster-view.js';
import { MetadataClient } from './cluster/metadata-client.js';
import { KafkaListener } from './network/kafka-listener.js';
import { defaultConnectionLimits } from './network/limits.js';

/**
 * The Kafka-facing side of a broker: the listener, request routing, the cluster view kept
 * current by the metadata service, and (to come) the partition actors.
 */
@Injectable()
export class BrokerService implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly view = new ClusterView();
  private readonly router = new ApiRouter();
  private listener?: KafkaListener;
  private metadata?: MetadataClient;
  private replicas?: ReplicaManager;
  private boundPort?: number;

  constructor(
    @Inject(BROKER_OPTIONS) private readonly options: BrokerOptions,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** The port the Kafka listener is bound to (after bootstrap). */
  get port(): number | undefined {
    return this.boundPort;
  }

  async onApplicationBootstrap(): Promise<void> {
    const options = this.options;
    const listener = new KafkaListener(
      {
        host: options.host,
        port: options.port,
        limits: { ...defaultConnectionLimits, ...options.limits },
        maxConnections: options.maxConnections ?? 10_000,
      },
      this.router,
      this.logger.child({ component: 'network' }),
      () => apiVersionsBody(this.router),
    );
    this.boundPort = await listener.start();
    this.listener = listener;
    const metadata = new MetadataClient(
      this.bus,
      this.view,
      {
        brokerId: options.nodeId,
        advertisedHost: options.advertisedHost ?? options.host,
        advertisedPort: this.boundPort,
        rack: options.rack ?? null,
        leaseMs: options.leaseMs ?? 10_000,
        heartbeatIntervalMs: options.heartbeatIntervalMs ?? 2_000,
        requestTimeoutMs: options.busRequestTimeoutMs ?? 10_000,
      },
      this.logger.child({ component: 'metadata-client' }),
    );
    this.metadata = metadata;
    const replicas = new ReplicaManager(
      { brokerId: options.nodeId, logDir: logDirUnder(options.dataDir), topicDefaults: options.topicDefaults },
      this.view,
      this.logger.child({ component: 'replicas' }),
    );
    this.replicas = replicas;
    await replicas.start();
    this.registerApis(metadata, replicas);
    await metadata.start();
    await replicas.settled();
    this.logger.info({ nodeId: options.nodeId, host: options.host, port: this.boundPort }, 'Kafka listener ready');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.listener?.stop(this.options.drainTimeoutMs ?? 10_000);
    await this.metadata?.stop();
    await this.replicas?.stop();
  }

  private registerApis(metadata: MetadataClient, replicas: ReplicaManager): void {
    const router = this.router;
    const id = this.options.nodeId;
    router.register(ApiKey.Produce, handleProduce(this.view, replicas, id));
    router.register(ApiKey.Fetch, handleFetch(this.view, replicas, id, new FetchSessionCache(), { maxWaitCapMs: 60_000 }));
    router.register(ApiKey.ListOffsets, handleListOffsets(this.view, replicas, id));
    router.register(
      ApiKey.InitProducerId,
      handleInitProducerId(new ProducerIdManager(this.bus, this.options.busRequestTimeoutMs ?? 10_000)),
    );
    router.register(ApiKey.FindCoordinator, handleFindCoordinator(this.view, id));
    router.register(ApiKey.OffsetForLeaderEpoch, handleOffsetForLeaderEpoch(this.view, replicas, id));
    router.register(ApiKey.DeleteRecords, handleDeleteRecords(this.view, replicas, id));
    router.register(ApiKey.DescribeCluster, handleDescribeCluster(this.view));
    router.register(ApiKey.DescribeProducers, handleDescribeProducers(this.view, replicas, id));
    const configOptions = { brokerId: id, staticConfig: this.options.staticConfig ?? {} };
    router.register(ApiKey.DescribeConfigs, handleDescribeConfigs(this.view, configOptions));
    router.register(ApiKey.AlterConfigs, handleAlterConfigs(this.view, metadata, configOptions));
    router.register(ApiKey.IncrementalAlterConfigs, handleIncrementalAlterConfigs(this.view, metadata, configOptions));
    router.register(ApiKey.ApiVersions, handleApiVersions(router));
    router.register(
      ApiKey.Metadata,
      handleMetadata(this.view, metadata, { autoCreateTopicsEnable: this.options.autoCreateTopicsEnable ?? true }),
    );
    router.register(ApiKey.CreateTopics, handleCreateTopics(metadata));
    router.register(ApiKey.DeleteTopics, handleDeleteTopics(metadata));
    router.register(ApiKey.CreatePartitions, handleCreatePartitions(metadata));
  }
}
