import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { brokerConfigDef, describeTopicConfigs } from '@strom/config';
import { subscribeJson, type Bus, type Subscription } from '@strom/bus';
import { RetentionSubjects, type BrokerEndpoint } from '@strom/contracts';
import { ApiKey } from '@strom/protocol';
import { BUS, LOGGER, METRICS, type Logger, type MetricsRegistry } from '@strom/runtime';
import { ReadBufferPool } from '@strom/storage';
import { apiVersionsBody, handleApiVersions } from './api/api-versions.js';
import { handleMetadata } from './api/metadata.js';
import { ApiRouter } from './api/router.js';
import { brokerConfigLayers, handleAlterConfigs, handleDescribeConfigs, handleIncrementalAlterConfigs } from './api/configs.js';
import { handleFetch } from './api/fetch.js';
import { replicaSelectorFor } from './replica/replica-selector.js';
import { DISABLED_FEATURE_HANDLERS } from './api/disabled-features.js';
import { handleDescribeLogDirs } from './api/log-dirs.js';
import { forwardToCoordinator, GROUP_APIS } from './api/groups.js';
import { offsetCommitWithTopicIds, offsetFetchWithTopicIds } from './api/group-topic-ids.js';
import { handleDeleteRecords, handleDescribeCluster, handleDescribeProducers, handleOffsetForLeaderEpoch } from './api/partition-admin.js';
import { FetchSessionCache } from './fetch-session/index.js';
import { handleFindCoordinator } from './api/find-coordinator.js';
import { handleInitProducerId } from './api/producer-ids.js';
import { ProducerIdManager } from './producer/producer-id-manager.js';
import { handleListOffsets } from './api/list-offsets.js';
import { handleProduce } from './api/produce.js';
import { handleCreatePartitions, handleCreateTopics, handleDeleteTopics } from './api/topics.js';
import { AlterPartitionSender } from './replica/alter-partition-sender.js';
import { ReplicationStats, type ReplicationStatus } from './replica/replication-stats.js';
import { ConsumerLagMetrics } from './metrics/consumer-lag.js';
import { EventLoopIdle, writeBrokerMetrics } from './metrics/broker-metrics.js';
import { TrafficReporter } from './metrics/traffic-reporter.js';
import { RequestStats } from './network/request-stats.js';
import { logDirUnder, ReplicaManager } from './replica/replica-manager.js';
import {
  handleAlterUserScramCredentials,
  handleCreateAcls,
  handleDeleteAcls,
  handleDescribeAcls,
  handleDescribeUserScramCredentials,
  handleSaslAuthenticate,
  handleSaslHandshake,
} from './api/security-apis.js';
import { handleDescribeClientQuotas } from './api/client-quotas.js';
import { handleDescribeTopicPartitions } from './api/describe-topic-partitions.js';
import { API_AUTHORIZATION } from './security/api-authorization.js';
import { StandardAuthorizer } from './security/authorizer.js';
import { listenerSecurity } from './security/listener-security.js';
import { RequestAuthorizer } from './security/request-authorizer.js';
import { SecurityMetadataClient } from './security/security-metadata.js';
import { BROKER_OPTIONS, type AdvertisedListener, type BrokerOptions } from './broker.options.js';
import { ClusterView } from './cluster/cluster-view.js';
import { MetadataClient } from './cluster/metadata-client.js';
import { OffsetsTopic } from './cluster/offsets-topic.js';
import { ConnectionLog } from './network/connection-log.js';
import { ConnectionQuotas, withResolvedHosts } from './network/connection-quotas.js';
import { KafkaListener } from './network/kafka-listener.js';
import { ReadTurns } from './network/read-turns.js';
import { RequestMemoryPool } from './network/request-memory-pool.js';

/** Idle read windows the fetch path keeps for reuse (see ReadBufferPool). */
const FETCH_READ_BUFFERS_BYTES = 128 * 1024 * 1024;

/** The broker config capping the partitions of one DescribeTopicPartitions answer. */
const MAX_REQUEST_PARTITIONS = 'max.request.partition.size.limit';

/** A listener as bound: its name and protocol, the address it listens on (port 0 resolved). */
export interface BoundListener {
  readonly name: string;
  readonly securityProtocol: string;
  readonly host: string;
  readonly port: number;
}

/**
 * The Kafka-facing side of a broker: its listeners (one per entry of `listeners`, sharing the
 * connection quotas and the request memory bound), request routing, the cluster view kept
 * current by the metadata service, and the partition replicas.
 */
@Injectable()
export class BrokerService implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  readonly view = new ClusterView();
  private readonly router = new ApiRouter(API_AUTHORIZATION);
  private readonly listeners: KafkaListener[] = [];
  private bound: BoundListener[] = [];
  private quotas?: ConnectionQuotas;
  private metadata?: MetadataClient;
  private replicas?: ReplicaManager;
  private alterPartition?: AlterPartitionSender;
  private replicationStats?: ReplicationStats;
  /** Request counts and times per API, over every listener, since the broker started. */
  readonly requestStats = new RequestStats();
  private retentionTicks: Subscription[] = [];
  private security?: SecurityMetadataClient;
  private unregisterMetrics?: () => void;
  private trafficReporter?: TrafficReporter;
  /**
   * Authorization for request handlers: everything allowed without `authorizer.class.name`, the
   * ACLs otherwise (see security/request-authorizer.ts for how handlers call it).
   */
  readonly authorization: RequestAuthorizer;

  constructor(
    @Inject(BROKER_OPTIONS) private readonly options: BrokerOptions,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) private readonly metrics: MetricsRegistry,
  ) {
    const authorizer = options.authorizer;
    this.authorization = new RequestAuthorizer(
      authorizer.enabled
        ? new StandardAuthorizer({ superUsers: authorizer.superUsers, allowEveryoneIfNoAclFound: authorizer.allowEveryoneIfNoAclFound })
        : undefined,
    );
  }

  /** The port the first listener is bound to (after bootstrap). */
  get port(): number | undefined {
    return this.bound[0]?.port;
  }

  /** Every listener as bound, in `listeners` order (after bootstrap). */
  get boundListeners(): readonly BoundListener[] {
    return this.bound;
  }

  /** Under-replicated and offline partitions, ISR changes and follower lag (undefined before the broker starts). */
  replicationStatus(): ReplicationStatus | undefined {
    return this.replicationStats?.status();
  }

  async onApplicationBootstrap(): Promise<void> {
    const options = this.options;
    const security = new SecurityMetadataClient(
      this.bus,
      this.authorization.authorizer,
      { requestTimeoutMs: options.busRequestTimeoutMs },
      this.logger.child({ component: 'security' }),
    );
    this.security = security;
    const networkLogger = this.logger.child({ component: 'network' });
    const connectionLog = new ConnectionLog(networkLogger);
    this.quotas = new ConnectionQuotas(
      await withResolvedHosts(options.connectionQuotas, options.maxConnectionsPerHostOverrides, networkLogger),
      connectionLog,
    );
    const requestMemory = new RequestMemoryPool(options.queuedMaxRequestBytes);
    const readTurns = new ReadTurns(options.limits.readBytesPerTurn);
    for (const listenerOptions of options.listeners) {
      const listener = new KafkaListener(
        {
          name: listenerOptions.name,
          host: listenerOptions.host,
          port: listenerOptions.port,
          limits: options.limits,
          quotas: this.quotas,
          requestMemory,
          readTurns,
          connectionLog,
          requestStats: this.requestStats,
          security: listenerSecurity(listenerOptions.security, security),
        },
        this.router,
        networkLogger.child({ listener: listenerOptions.name }),
        () => apiVersionsBody(this.router),
      );
      this.listeners.push(listener);
      const port = await listener.start({ holdConnections: true });
      const { name, host, security: listenerSecurityOptions } = listenerOptions;
      this.bound.push({ name, securityProtocol: listenerSecurityOptions.securityProtocol, host, port });
    }
    const metadata = new MetadataClient(
      this.bus,
      this.view,
      {
        brokerId: options.nodeId,
        endpoints: advertisedEndpoints(options.advertisedListeners, this.bound),
        rack: options.rack,
        leaseMs: options.leaseMs,
        heartbeatIntervalMs: options.heartbeatIntervalMs,
        requestTimeoutMs: options.busRequestTimeoutMs,
      },
      this.logger.child({ component: 'metadata-client' }),
    );
    this.metadata = metadata;
    const alterPartition = new AlterPartitionSender(
      this.bus,
      {
        brokerId: options.nodeId,
        brokerEpoch: () => this.view.broker(options.nodeId)?.epoch,
        requestTimeoutMs: options.busRequestTimeoutMs,
        retryBackoffMs: 100,
        maxRetryBackoffMs: 5_000,
        onIsrChanged: (sizeBefore, sizeAfter) => this.replicationStats?.recordIsrChange(sizeBefore, sizeAfter),
      },
      this.logger.child({ component: 'alter-partition' }),
    );
    this.alterPartition = alterPartition;
    const replicas = new ReplicaManager(
      {
        brokerId: options.nodeId,
        logDir: logDirUnder(options.dataDir),
        staticConfig: options.staticConfig,
        replication: options.replication,
        checkpointIntervalMs: options.checkpointIntervalMs,
      },
      this.view,
      this.logger.child({ component: 'replicas' }),
      (replica, proposal) => alterPartition.send(replica, proposal),
    );
    this.replicas = replicas;
    await replicas.start();
    this.replicationStats = new ReplicationStats(() => replicas.replicaCounts(), this.logger.child({ component: 'replication' }));
    this.replicationStats.start();
    await security.start();
    this.registerApis(metadata, replicas);
    this.registerSecurityApis(security);
    await metadata.start();
    await replicas.settled();
    this.retentionTicks = [
      subscribeJson(this.bus, RetentionSubjects.tick, () => void replicas.enforceRetention()),
      subscribeJson(this.bus, RetentionSubjects.cleanerTick, () => void replicas.clean()),
    ];
    await Promise.all(this.retentionTicks.map((ticks) => ticks.ready));
    this.registerMetrics(replicas);
    this.trafficReporter = new TrafficReporter(this.bus, options.nodeId, replicas.topicStats, this.logger.child({ component: 'metrics' }));
    this.trafficReporter.start();
    for (const listener of this.listeners) listener.open();
    for (const { name, securityProtocol, host, port } of this.bound) {
      this.logger.info({ nodeId: options.nodeId, listener: name, securityProtocol, host, port }, 'Kafka listener ready');
    }
  }

  /** Before anything stops: leaderships move to other brokers while this one still serves (Kafka's controlled shutdown). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.metadata?.controlledShutdown();
  }

  async onApplicationShutdown(): Promise<void> {
    this.unregisterMetrics?.();
    this.trafficReporter?.stop();
    await Promise.all(this.retentionTicks.map((ticks) => ticks.unsubscribe()));
    this.quotas?.close();
    await Promise.all(this.listeners.map((listener) => listener.stop(this.options.drainTimeoutMs)));
    // Per API since the start: how many requests and how long they took (bucket bounds, ms).
    if (this.requestStats.apis().length > 0)
      this.logger.info({ component: 'network', requests: this.requestStats.summary() }, 'request times');
    await this.metadata?.stop();
    await this.security?.stop();
    this.alterPartition?.stop();
    this.replicationStats?.stop();
    await this.replicas?.stop();
  }

  /** This broker's part of `/metrics`: read from the replicas, listeners and stats at each scrape. */
  private registerMetrics(replicas: ReplicaManager): void {
    const consumerLag = new ConsumerLagMetrics(
      this.bus,
      replicas,
      this.options.busRequestTimeoutMs,
      this.logger.child({ component: 'metrics' }),
    );
    const eventLoop = new EventLoopIdle();
    this.unregisterMetrics = this.metrics.register(async (out) => {
      writeBrokerMetrics(out, {
        eventLoop,
        replicas,
        replication: () => this.replicationStats?.status(),
        requests: this.requestStats,
        listeners: () => this.listeners.map((listener, i) => ({ name: this.bound[i]?.name ?? '', listener })),
      });
      await consumerLag.write(out);
    });
  }

  private registerApis(metadata: MetadataClient, replicas: ReplicaManager): void {
    const router = this.router;
    const id = this.options.nodeId;
    router.register(ApiKey.Produce, handleProduce(this.view, replicas, id, this.authorization));
    router.register(
      ApiKey.Fetch,
      handleFetch(
        this.view,
        replicas,
        id,
        new FetchSessionCache(),
        {
          maxWaitCapMs: 60_000,
          // Room for two responses of the clients' default fetch.max.bytes (50 MiB) in flight: a
          // fetch of many partitions fills it with hundreds of windows, and windows the pool
          // cannot take back are new external memory for the GC on every fetch.
          readBuffers: new ReadBufferPool({ maxPooledBytes: FETCH_READ_BUFFERS_BYTES }),
          replicaSelector: replicaSelectorFor(this.options.replication.replicaSelectorClass),
        },
        this.authorization,
      ),
    );
    router.register(ApiKey.ListOffsets, handleListOffsets(this.view, replicas, id, this.authorization));
    router.register(
      ApiKey.InitProducerId,
      handleInitProducerId(new ProducerIdManager(this.bus, this.options.busRequestTimeoutMs), this.authorization),
    );
    const offsetsTopic = new OffsetsTopic(
      this.view,
      metadata,
      this.options.offsetsTopic,
      this.logger.child({ component: 'offsets-topic' }),
    );
    router.register(ApiKey.FindCoordinator, handleFindCoordinator(this.view, id, offsetsTopic, this.authorization));
    router.register(ApiKey.OffsetForLeaderEpoch, handleOffsetForLeaderEpoch(this.view, replicas, id, this.authorization));
    router.register(ApiKey.DeleteRecords, handleDeleteRecords(this.view, replicas, id, this.authorization));
    router.register(ApiKey.DescribeCluster, handleDescribeCluster(this.view, this.authorization));
    router.register(ApiKey.DescribeProducers, handleDescribeProducers(this.view, replicas, id, this.authorization));
    const configOptions = { brokerId: id, staticConfig: this.options.staticConfig };
    router.register(ApiKey.DescribeConfigs, handleDescribeConfigs(this.view, configOptions, this.authorization));
    router.register(ApiKey.AlterConfigs, handleAlterConfigs(this.view, metadata, configOptions, this.authorization));
    router.register(ApiKey.IncrementalAlterConfigs, handleIncrementalAlterConfigs(this.view, metadata, configOptions, this.authorization));
    router.register(ApiKey.ApiVersions, handleApiVersions(router, { clusterId: () => this.view.clusterId, nodeId: id }));
    router.register(
      ApiKey.DescribeTopicPartitions,
      handleDescribeTopicPartitions(
        this.view,
        {
          maxPartitions: Number(this.options.staticConfig[MAX_REQUEST_PARTITIONS] ?? brokerConfigDef(MAX_REQUEST_PARTITIONS)!.default),
          offlineReplicas: (topic, partition) => replicas.offlineReplicas(topic, partition),
        },
        this.authorization,
      ),
    );
    router.register(
      ApiKey.Metadata,
      handleMetadata(
        this.view,
        metadata,
        {
          autoCreateTopicsEnable: this.options.autoCreateTopicsEnable,
          offsetsTopic,
          offlineReplicas: (topic, partition) => replicas.offlineReplicas(topic, partition),
        },
        this.authorization,
      ),
    );
    router.register(
      ApiKey.CreateTopics,
      handleCreateTopics(
        metadata,
        (overrides) => describeTopicConfigs(overrides, brokerConfigLayers(this.view, configOptions)),
        this.authorization,
      ),
    );
    router.register(
      ApiKey.DeleteTopics,
      handleDeleteTopics(metadata, this.authorization, {
        nameById: (topicId) => this.view.topicById(topicId)?.name,
        exists: (name) => this.view.topicByName(name) !== undefined,
      }),
    );
    router.register(ApiKey.CreatePartitions, handleCreatePartitions(metadata, this.authorization));
    const groupLogger = this.logger.child({ component: 'groups' });
    // OffsetCommit and OffsetDelete of a partition the cluster does not have: UNKNOWN_TOPIC_OR_PARTITION, as KafkaApis answers.
    const partitionExists = (topic: string, partition: number): boolean =>
      this.view.topicByName(topic)?.partitions.some((entry) => entry.partitionIndex === partition) ?? false;
    for (const apiKey of GROUP_APIS) {
      if (apiKey === ApiKey.OffsetCommit || apiKey === ApiKey.OffsetFetch) continue;
      router.register(apiKey, forwardToCoordinator(this.bus, apiKey, groupLogger, this.authorization, partitionExists) as never);
    }
    router.register(
      ApiKey.OffsetCommit,
      offsetCommitWithTopicIds(
        this.view,
        forwardToCoordinator(this.bus, ApiKey.OffsetCommit, groupLogger, this.authorization, partitionExists),
      ),
    );
    router.register(
      ApiKey.OffsetFetch,
      offsetFetchWithTopicIds(this.view, forwardToCoordinator(this.bus, ApiKey.OffsetFetch, groupLogger, this.authorization)),
    );
    router.register(
      ApiKey.DescribeLogDirs,
      handleDescribeLogDirs(this.view, replicas, logDirUnder(this.options.dataDir), this.authorization),
    );
    for (const [apiKey, handler] of Object.entries(DISABLED_FEATURE_HANDLERS))
      router.registerUnannounced(Number(apiKey) as ApiKey, handler as never);
  }

  private registerSecurityApis(security: SecurityMetadataClient): void {
    const router = this.router;
    router.register(ApiKey.SaslHandshake, handleSaslHandshake());
    router.register(ApiKey.SaslAuthenticate, handleSaslAuthenticate());
    router.register(ApiKey.DescribeClientQuotas, handleDescribeClientQuotas(this.authorization));
    router.register(ApiKey.DescribeUserScramCredentials, handleDescribeUserScramCredentials(security, this.authorization));
    router.register(ApiKey.AlterUserScramCredentials, handleAlterUserScramCredentials(security, this.authorization));
    router.register(ApiKey.CreateAcls, handleCreateAcls(security, this.authorization));
    router.register(ApiKey.DescribeAcls, handleDescribeAcls(this.authorization));
    router.register(ApiKey.DeleteAcls, handleDeleteAcls(security, this.authorization));
  }
}

/**
 * The endpoints the broker registers: each advertised listener, port 0 replaced by the port its
 * listener was bound to (Kafka's rule for `advertised.listeners`).
 */
export function advertisedEndpoints(advertised: readonly AdvertisedListener[], bound: readonly BoundListener[]): BrokerEndpoint[] {
  return advertised.map(({ name, host, port, securityProtocol }) => {
    const boundPort = bound.find((listener) => listener.name === name)?.port;
    if (port === 0 && boundPort === undefined) throw new Error(`advertised listener ${name} has port 0 and no listener of that name`);
    return { name, host, port: port === 0 ? boundPort! : port, securityProtocol };
  });
}
