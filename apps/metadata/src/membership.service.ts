import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { publishJson, replyJson, type Bus, type Subscription } from '@strom/bus';
import {
  MetadataSubjects,
  type AlterPartitionReply,
  type AlterPartitionRequest,
  type BrokerFailoverInfo,
  type BrokerHeartbeatReply,
  type BrokerHeartbeatRequest,
  type BrokerVersionsReply,
  type CompleteFailoverRequest,
  type ControlledShutdownReply,
  type ControlledShutdownRequest,
  type FenceBrokerReply,
  type FenceBrokerRequest,
  type PartitionInfo,
  type RegisterBrokerReply,
  type RegisterBrokerRequest,
} from '@strom/contracts';
import { ErrorCode } from '@strom/errors';
import type { BrokerFailoverRecord, ElectionDefaults, FenceOutcome, MetadataStore, PartitionState } from '@strom/metadata-store';
import { BUS, LOGGER, METADATA_STORE, type Logger } from '@strom/runtime';
import { METADATA_OPTIONS, type MetadataOptions } from './metadata.options.js';

/**
 * Broker membership over the bus (Kafka's ClusterControlManager and the broker-facing side of
 * ReplicationControlManager): registration, heartbeats, controlled shutdown, AlterPartition,
 * and the fence-and-elect step of failover. Each change is one store transaction; its version
 * is announced on `changed` as soon as it commits.
 */
@Injectable()
export class MembershipService implements OnModuleInit, OnApplicationShutdown {
  private readonly subscriptions: Subscription[] = [];
  /** Partitions given a new leader here since the start (failover, a broker's return, controlled shutdown). */
  leaderElections = 0;

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(METADATA_STORE) private readonly store: MetadataStore,
    @Inject(METADATA_OPTIONS) private readonly options: MetadataOptions,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  get electionDefaults(): ElectionDefaults {
    return { uncleanLeaderElection: this.options.uncleanLeaderElection };
  }

  async onModuleInit(): Promise<void> {
    const queue = { queue: 'metadata' };
    this.subscriptions.push(
      replyJson<RegisterBrokerRequest, RegisterBrokerReply>(
        this.bus,
        MetadataSubjects.registerBroker,
        (request) => this.register(request),
        queue,
      ),
      replyJson<BrokerHeartbeatRequest, BrokerHeartbeatReply>(
        this.bus,
        MetadataSubjects.brokerHeartbeat,
        async (request) => {
          const ok = await this.store.brokers.renewLease(
            request.id,
            BigInt(request.epoch),
            request.leaseMs,
            request.appliedVersion === undefined ? undefined : BigInt(request.appliedVersion),
          );
          return { ok, version: String(await this.store.version()) };
        },
        queue,
      ),
      replyJson<AlterPartitionRequest, AlterPartitionReply>(
        this.bus,
        MetadataSubjects.alterPartition,
        (request) => this.alterPartition(request),
        queue,
      ),
      replyJson<ControlledShutdownRequest, ControlledShutdownReply>(
        this.bus,
        MetadataSubjects.controlledShutdown,
        (request) => this.controlledShutdown(request),
        queue,
      ),
      replyJson<FenceBrokerRequest, FenceBrokerReply>(
        this.bus,
        MetadataSubjects.fenceBroker,
        async (request) => toReply(await this.fence(request.brokerId, BigInt(request.brokerEpoch), request.fencedBy)),
        queue,
      ),
      replyJson<CompleteFailoverRequest, FenceBrokerReply>(
        this.bus,
        MetadataSubjects.completeFailover,
        (request) => this.complete(request),
        queue,
      ),
      replyJson<Record<string, never>, BrokerVersionsReply>(
        this.bus,
        MetadataSubjects.brokerVersions,
        async () => ({
          brokers: (await this.store.membership.appliedVersions()).map((broker) => ({
            id: broker.id,
            epoch: String(broker.epoch),
            fenced: broker.fenced,
            appliedVersion: String(broker.appliedVersion),
          })),
        }),
        queue,
      ),
    );
    await Promise.all(this.subscriptions.map((subscription) => subscription.ready));
  }

  /** Answers until the app closes: a broker's controlled shutdown runs in the shutdown hooks before this. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.subscriptions.map((subscription) => subscription.unsubscribe()));
  }

  /**
   * Fences an expired broker epoch and elects new leaders (one transaction), announces the new
   * version and logs how long the partitions had no reachable leader: from lease expiry to the
   * new leaders' publication.
   */
  async fence(brokerId: number, brokerEpoch: bigint, fencedBy: string): Promise<FenceOutcome> {
    const outcome = await this.store.membership.fence(brokerId, brokerEpoch, fencedBy, this.electionDefaults);
    if (outcome.status !== 'fenced') return outcome;
    const failover = outcome.failover;
    this.leaderElections += elections(failover.partitions);
    this.announce(failover.version);
    this.logger.info(
      {
        brokerId,
        brokerEpoch: String(brokerEpoch),
        fencedBy,
        partitionsMoved: failover.partitions.length,
        newLeaders: [...new Set(failover.partitions.map((partition) => partition.leaderId))],
        version: String(failover.version),
        failoverMs: Date.now() - failover.leaseExpiredAt.getTime(),
      },
      'broker fenced: lease expired, new leaders published',
    );
    return outcome;
  }

  /** Records a failover as done (the workflow's last step, or the metadata service's own in embedded mode). */
  async complete(request: CompleteFailoverRequest): Promise<FenceBrokerReply> {
    const before = await this.store.membership.failover(request.brokerId, BigInt(request.brokerEpoch));
    const record = await this.store.membership.completeFailover(request.brokerId, BigInt(request.brokerEpoch), {
      confirmedLeaders: request.confirmedLeaders,
      workflowId: request.workflowId,
    });
    if (record === undefined) return { status: 'superseded', failover: null };
    if (before?.completedAt === null && record.completedAt !== null) {
      this.logger.info(
        {
          brokerId: record.brokerId,
          brokerEpoch: String(record.brokerEpoch),
          reason: record.reason,
          fencedBy: record.fencedBy,
          workflowId: record.workflowId,
          partitionsMoved: record.partitions.length,
          confirmedLeaders: record.confirmedLeaders,
          failoverMs: record.fencedAt.getTime() - record.leaseExpiredAt.getTime(),
          completedMs: record.completedAt.getTime() - record.leaseExpiredAt.getTime(),
        },
        'broker failover completed',
      );
    }
    return { status: 'already-fenced', failover: toFailoverInfo(record) };
  }

  private async register(request: RegisterBrokerRequest): Promise<RegisterBrokerReply> {
    const { broker, fencedPrevious, elected } = await this.store.membership.register(
      { ...request, leaseMs: request.leaseMs || this.options.brokerLeaseMs },
      this.electionDefaults,
    );
    this.leaderElections += elections(elected) + elections(fencedPrevious?.partitions ?? []);
    this.logger.info(
      {
        brokerId: broker.id,
        epoch: String(broker.epoch),
        endpoints: broker.endpoints.map((endpoint) => `${endpoint.name}://${endpoint.host}:${endpoint.port}`).join(','),
        partitionsElected: elected.length,
      },
      'broker registered',
    );
    if (fencedPrevious) {
      this.logger.info(
        { brokerId: broker.id, brokerEpoch: String(fencedPrevious.brokerEpoch), partitionsMoved: fencedPrevious.partitions.length },
        'broker restarted: its previous epoch is fenced',
      );
    }
    const version = String(await this.store.version());
    this.announce(version);
    return { epoch: String(broker.epoch), version };
  }

  private async alterPartition(request: AlterPartitionRequest): Promise<AlterPartitionReply> {
    const outcome = await this.store.partitions.alter({
      brokerId: request.brokerId,
      brokerEpoch: BigInt(request.brokerEpoch),
      topicId: request.topicId,
      partitionIndex: request.partitionIndex,
      leaderEpoch: request.leaderEpoch,
      partitionEpoch: request.partitionEpoch,
      newIsr: request.newIsr.map((member) => ({ brokerId: member.brokerId, brokerEpoch: BigInt(member.brokerEpoch) })),
      leaderRecoveryState: request.leaderRecoveryState,
    });
    const version = String(await this.store.version());
    if (outcome.changed) {
      this.announce(version);
      this.logger.info(
        { topicId: request.topicId, partition: request.partitionIndex, leader: request.brokerId, isr: outcome.partition?.isr },
        'ISR changed (AlterPartition)',
      );
    }
    return { errorCode: outcome.errorCode, partition: outcome.partition ? toPartitionInfo(outcome.partition) : null, version };
  }

  private async controlledShutdown(request: ControlledShutdownRequest): Promise<ControlledShutdownReply> {
    const outcome = await this.store.membership.controlledShutdown(request.brokerId, BigInt(request.brokerEpoch), this.electionDefaults);
    const version = String(outcome.version);
    if (!outcome.accepted) return { errorCode: ErrorCode.STALE_BROKER_EPOCH, partitionsMoved: 0, version };
    this.leaderElections += elections(outcome.partitions);
    this.announce(version);
    this.logger.info(
      { brokerId: request.brokerId, brokerEpoch: request.brokerEpoch, partitionsMoved: outcome.partitions.length },
      'broker in controlled shutdown: leaderships moved',
    );
    return { errorCode: ErrorCode.NONE, partitionsMoved: outcome.partitions.length, version };
  }

  private announce(version: bigint | string): void {
    publishJson(this.bus, MetadataSubjects.changed, { version: String(version) });
  }
}

export function toPartitionInfo(partition: PartitionState): PartitionInfo {
  return { ...partition };
}

export function toReply(outcome: FenceOutcome): FenceBrokerReply {
  return { status: outcome.status, failover: 'failover' in outcome ? toFailoverInfo(outcome.failover) : null };
}

export function toFailoverInfo(record: BrokerFailoverRecord): BrokerFailoverInfo {
  return {
    brokerId: record.brokerId,
    brokerEpoch: String(record.brokerEpoch),
    reason: record.reason,
    leaseExpiredAtMs: record.leaseExpiredAt.getTime(),
    fencedAtMs: record.fencedAt.getTime(),
    version: String(record.version),
    partitions: record.partitions,
    fencedBy: record.fencedBy,
    completedAtMs: record.completedAt?.getTime() ?? null,
    confirmedLeaders: record.confirmedLeaders,
    workflowId: record.workflowId,
  };
}

/** The changes that gave a partition a leader (not those that left it offline). */
function elections(changes: readonly { leaderId: number }[]): number {
  return changes.filter((change) => change.leaderId >= 0).length;
}
