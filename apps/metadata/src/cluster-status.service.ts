import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { subscribeJson, type Bus, type Subscription } from '@strom/bus';
import { MetadataSubjects } from '@strom/contracts';
import type { MetadataStore, RegisteredBroker, TopicState } from '@strom/metadata-store';
import { BUS, LOGGER, METADATA_STORE, METRICS, type Logger, type MetricsRegistry } from '@strom/runtime';
import { PartitionLabelTexts, writeControllerMetrics } from './controller-metrics.js';
import { MembershipService } from './membership.service.js';

/** The cluster as its controller sees it: Kafka's KafkaController / ControllerServer metrics. */
export interface ClusterStatus {
  /** Registered and unfenced (ActiveBrokerCount). */
  activeBrokers: number;
  /** Registered but fenced: lease expired or shut down (FencedBrokerCount). */
  fencedBrokers: number;
  /** GlobalTopicCount, GlobalPartitionCount. */
  topics: number;
  partitions: number;
  /** Without a leader: unreadable and unwritable until one returns (OfflinePartitionsCount). */
  offlinePartitions: number;
  /** With an ISR smaller than the replica set (the sum of every leader's UnderReplicatedPartitions). */
  underReplicatedPartitions: number;
  /** Led by a broker other than their first replica (PreferredReplicaImbalanceCount). */
  preferredReplicaImbalance: number;
}

export function clusterStatus(
  brokers: readonly Pick<RegisteredBroker, 'fenced'>[],
  topics: readonly Pick<TopicState, 'partitions'>[],
): ClusterStatus {
  const status: ClusterStatus = {
    activeBrokers: brokers.filter((broker) => !broker.fenced).length,
    fencedBrokers: brokers.filter((broker) => broker.fenced).length,
    topics: topics.length,
    partitions: 0,
    offlinePartitions: 0,
    underReplicatedPartitions: 0,
    preferredReplicaImbalance: 0,
  };
  for (const topic of topics) {
    for (const partition of topic.partitions) {
      status.partitions++;
      if (partition.leaderId < 0) status.offlinePartitions++;
      else if (partition.leaderId !== partition.replicas[0]) status.preferredReplicaImbalance++;
      if (partition.isr.length < partition.replicas.length) status.underReplicatedPartitions++;
    }
  }
  return status;
}

/** At most one look at the store per interval, however many changes are announced. */
const CHECK_INTERVAL_MS = 1_000;

/**
 * Logs a `cluster status` line whenever the counts an operator watches change (offline and
 * under-replicated partitions, active and fenced brokers), read from the store after announced
 * metadata changes; registers the controller's part of `/metrics` (controller-metrics.ts).
 */
@Injectable()
export class ClusterStatusService implements OnModuleInit, OnApplicationShutdown {
  private subscription?: Subscription;
  private timer?: NodeJS.Timeout;
  private checking?: Promise<void>;
  private last?: ClusterStatus;
  private stopped = false;
  private unregisterMetrics?: () => void;
  private readonly labelTexts = new PartitionLabelTexts();

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(METADATA_STORE) private readonly store: MetadataStore,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) private readonly metrics: MetricsRegistry,
    @Inject(MembershipService) private readonly membership: MembershipService,
  ) {}

  async onModuleInit(): Promise<void> {
    this.unregisterMetrics = this.metrics.register(async (out) => {
      const [brokers, topics] = await Promise.all([this.store.brokers.list(), this.store.topics.list()]);
      writeControllerMetrics(out, brokers, topics, this.membership, this.labelTexts);
    });
    this.subscription = subscribeJson(this.bus, MetadataSubjects.changed, () => this.schedule());
    await this.subscription.ready;
    this.schedule();
  }

  async onApplicationShutdown(): Promise<void> {
    this.unregisterMetrics?.();
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.subscription?.unsubscribe();
    await this.checking;
  }

  async status(): Promise<ClusterStatus> {
    const [brokers, topics] = await Promise.all([this.store.brokers.list(), this.store.topics.list()]);
    return clusterStatus(brokers, topics);
  }

  private schedule(): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // One check at a time; a change announced while one reads the store schedules the next.
      this.checking = (this.checking ?? Promise.resolve()).then(() => this.check());
    }, CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  private async check(): Promise<void> {
    let status: ClusterStatus;
    try {
      status = await this.status();
    } catch (error) {
      this.logger.warn({ err: error }, 'could not read the cluster status');
      return;
    }
    const last = this.last;
    if (last && (Object.keys(status) as (keyof ClusterStatus)[]).every((key) => status[key] === last[key])) return;
    this.last = status;
    const troubled = status.offlinePartitions > 0 || status.underReplicatedPartitions > 0 || status.fencedBrokers > 0;
    (troubled ? this.logger.warn : this.logger.info).call(this.logger, status, 'cluster status');
  }
}
