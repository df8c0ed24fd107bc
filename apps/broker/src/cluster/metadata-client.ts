import { requestJson, subscribeJson, type Bus, type Subscription } from '@strom/bus';
import {
  MetadataSubjects,
  type AlterBrokerConfigsCommand,
  type AlterBrokerConfigsReply,
  type AlterGroupConfigsCommand,
  type AlterGroupConfigsReply,
  type AlterTopicConfigsCommand,
  type AlterTopicConfigsReply,
  type CreatePartitionsCommand,
  type CreatePartitionsReply,
  type ClusterSnapshot,
  type CreateTopicsCommand,
  type CreateTopicsReply,
  type DeleteTopicsCommand,
  type DeleteTopicsReply,
  type BrokerHeartbeatReply,
  type BrokerHeartbeatRequest,
  type ControlledShutdownReply,
  type ControlledShutdownRequest,
  type BrokerEndpoint,
  type RegisterBrokerReply,
  type RegisterBrokerRequest,
} from '@strom/contracts';
import { ErrorCode } from '@strom/errors';
import type { Logger } from '@strom/runtime';
import type { ClusterView } from './cluster-view.js';

export interface MetadataClientOptions {
  brokerId: number;
  /** Every advertised listener, ports resolved. */
  endpoints: BrokerEndpoint[];
  rack: string | null;
  leaseMs: number;
  heartbeatIntervalMs: number;
  requestTimeoutMs: number;
}

/**
 * The broker's side of the metadata service: registers the broker and keeps its lease, and
 * keeps the {@link ClusterView} current (a snapshot whenever a newer version is announced).
 */
export class MetadataClient {
  private subscription?: Subscription;
  private heartbeat?: NodeJS.Timeout;
  private refreshing?: Promise<void>;
  private refreshAgain = false;
  private epoch = '0';

  constructor(
    private readonly bus: Bus,
    private readonly view: ClusterView,
    private readonly options: MetadataClientOptions,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.subscription = subscribeJson<{ version: string }>(this.bus, MetadataSubjects.changed, ({ version }) => {
      if (BigInt(version) > this.view.version) void this.refresh();
    });
    await this.subscription.ready;
    await this.register();
    await this.refresh();
    this.heartbeat = setInterval(() => void this.sendHeartbeat(), this.options.heartbeatIntervalMs);
    this.heartbeat.unref();
  }

  /**
   * Kafka's controlled shutdown: stops heartbeating (so the lease is not renewed into a new
   * registration) and asks the metadata service to move this broker's leaderships and ISR
   * memberships to the others before it stops. Best effort: if the metadata service cannot be
   * reached, the lease expiring does the same later.
   */
  async controlledShutdown(): Promise<void> {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    if (this.epoch === '0') return;
    try {
      const reply = await requestJson<ControlledShutdownReply>(
        this.bus,
        MetadataSubjects.controlledShutdown,
        { brokerId: this.options.brokerId, brokerEpoch: this.epoch } satisfies ControlledShutdownRequest,
        { timeoutMs: this.options.requestTimeoutMs },
      );
      if (reply.errorCode !== ErrorCode.NONE) {
        this.logger.warn({ errorCode: reply.errorCode, epoch: this.epoch }, 'controlled shutdown refused: the lease was already lost');
        return;
      }
      this.logger.info({ partitionsMoved: reply.partitionsMoved, version: reply.version }, 'controlled shutdown: leaderships moved');
      await this.catchUp(reply.version);
    } catch (error) {
      this.logger.warn({ err: error }, 'controlled shutdown failed; the lease will expire instead');
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.heartbeat);
    await this.subscription?.unsubscribe();
    await this.refreshing;
  }

  /** Fetches a snapshot; concurrent calls coalesce into at most one more fetch. */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      try {
        do {
          this.refreshAgain = false;
          const snapshot = await requestJson<ClusterSnapshot>(
            this.bus,
            MetadataSubjects.snapshot,
            {},
            { timeoutMs: this.options.requestTimeoutMs },
          );
          this.view.apply(snapshot);
        } while (this.refreshAgain);
      } catch (error) {
        this.logger.warn({ err: error }, 'could not refresh cluster metadata');
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  async createTopics(command: CreateTopicsCommand): Promise<CreateTopicsReply> {
    const reply = await requestJson<CreateTopicsReply>(this.bus, MetadataSubjects.createTopics, command, {
      timeoutMs: this.options.requestTimeoutMs,
    });
    await this.catchUp(reply.version);
    return reply;
  }

  async deleteTopics(command: DeleteTopicsCommand): Promise<DeleteTopicsReply> {
    const reply = await requestJson<DeleteTopicsReply>(this.bus, MetadataSubjects.deleteTopics, command, {
      timeoutMs: this.options.requestTimeoutMs,
    });
    await this.catchUp(reply.version);
    return reply;
  }

  async createPartitions(command: CreatePartitionsCommand): Promise<CreatePartitionsReply> {
    const reply = await requestJson<CreatePartitionsReply>(this.bus, MetadataSubjects.createPartitions, command, {
      timeoutMs: this.options.requestTimeoutMs,
    });
    await this.catchUp(reply.version);
    return reply;
  }

  async alterTopicConfigs(command: AlterTopicConfigsCommand): Promise<AlterTopicConfigsReply> {
    const reply = await requestJson<AlterTopicConfigsReply>(this.bus, MetadataSubjects.alterTopicConfigs, command, {
      timeoutMs: this.options.requestTimeoutMs,
    });
    await this.catchUp(reply.version);
    return reply;
  }

  async alterBrokerConfigs(command: AlterBrokerConfigsCommand): Promise<AlterBrokerConfigsReply> {
    const reply = await requestJson<AlterBrokerConfigsReply>(this.bus, MetadataSubjects.alterBrokerConfigs, command, {
      timeoutMs: this.options.requestTimeoutMs,
    });
    await this.catchUp(reply.version);
    return reply;
  }

  async alterGroupConfigs(command: AlterGroupConfigsCommand): Promise<void> {
    const reply = await requestJson<AlterGroupConfigsReply>(this.bus, MetadataSubjects.alterGroupConfigs, command, {
      timeoutMs: this.options.requestTimeoutMs,
    });
    await this.catchUp(reply.version);
  }

  /** Makes the view hold at least `version` before a change is acknowledged to a client. */
  private async catchUp(version: string): Promise<void> {
    if (BigInt(version) <= this.view.version) return;
    await this.refresh();
    await this.view.waitForVersion(BigInt(version), this.options.requestTimeoutMs);
  }

  private async register(): Promise<void> {
    const { brokerId, endpoints, rack, leaseMs } = this.options;
    const request: RegisterBrokerRequest = { id: brokerId, endpoints, rack, leaseMs };
    const reply = await requestJson<RegisterBrokerReply>(this.bus, MetadataSubjects.registerBroker, request, {
      timeoutMs: this.options.requestTimeoutMs,
    });
    this.epoch = reply.epoch;
    this.logger.info({ brokerId, epoch: reply.epoch }, 'registered with the metadata service');
  }

  private async sendHeartbeat(): Promise<void> {
    try {
      const { ok, version } = await requestJson<BrokerHeartbeatReply>(
        this.bus,
        MetadataSubjects.brokerHeartbeat,
        {
          id: this.options.brokerId,
          epoch: this.epoch,
          leaseMs: this.options.leaseMs,
          appliedVersion: String(this.view.version),
        } satisfies BrokerHeartbeatRequest,
        { timeoutMs: this.options.requestTimeoutMs },
      );
      if (!ok) {
        this.logger.warn({ epoch: this.epoch }, 'lease lost: registering again');
        await this.register();
        await this.refresh();
      } else if (BigInt(version) > this.view.version) {
        await this.refresh();
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'broker heartbeat failed');
    }
  }
}
