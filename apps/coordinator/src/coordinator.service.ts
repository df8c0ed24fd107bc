import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { replyJson, subscribeJson, type Bus, type Subscription } from '@strom/bus';
import {
  CoordinatorSubjects,
  decodeForwardedRequest,
  encodeResponseBody,
  MetadataSubjects,
  type TopicsDeletedEvent,
} from '@strom/contracts';
import type { MetadataStore } from '@strom/metadata-store';
import { ApiKey } from '@strom/protocol';
import { BUS, LOGGER, METADATA_STORE, METRICS, type Logger, type MetricsRegistry } from '@strom/runtime';
import { writeGroupMetrics } from './group-metrics.js';
import { GroupCoordinator, type GroupConfig } from './groups/index.js';
import { MetadataGroupStore } from './metadata-group-store.js';

/** The largest producer id block one request may claim. */
const MAX_PRODUCER_ID_BLOCK = 10_000;

export const COORDINATOR_OPTIONS = Symbol.for('strom.coordinator.options');

export interface CoordinatorOptions {
  /** The group coordinator's settings (group.*, offsets.* of the configuration). */
  groups: GroupConfig;
}

/**
 * Group and transaction coordination. Brokers forward group requests here over the bus as Kafka
 * encodes them; the classic group coordinator (one actor per group) answers, with state and
 * offsets persisted through the metadata store. Producer ids are handed out in blocks.
 * One coordinator process owns all groups (group state is in memory).
 */
@Injectable()
export class CoordinatorService implements OnModuleInit, OnModuleDestroy {
  private readonly subscriptions: Subscription[] = [];
  private readonly groups: GroupCoordinator;
  private unregisterMetrics?: () => void;

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(METADATA_STORE) private readonly store: MetadataStore,
    @Inject(LOGGER) logger: Logger,
    @Inject(COORDINATOR_OPTIONS) options: CoordinatorOptions,
    @Inject(METRICS) private readonly metrics: MetricsRegistry,
  ) {
    this.groups = new GroupCoordinator({
      store: new MetadataGroupStore(store),
      config: options.groups,
      logger: logger.child({ component: 'groups' }),
    });
  }

  async onModuleInit(): Promise<void> {
    await this.groups.start();
    this.unregisterMetrics = this.metrics.register((out) => writeGroupMetrics(out, this.groups.groupSummaries()));
    this.subscriptions.push(
      replyJson<{ size: number }, { firstProducerId: string; size: number }>(
        this.bus,
        CoordinatorSubjects.producerIdBlock,
        async ({ size }) => {
          const block = await this.store.producerIds.allocateBlock(Math.min(Math.max(Math.trunc(size), 1), MAX_PRODUCER_ID_BLOCK));
          return { firstProducerId: String(block.firstProducerId), size: block.size };
        },
        { queue: 'coordinator' },
      ),
      this.bus.reply(CoordinatorSubjects.kafka, (payload) => this.handleForwarded(payload), { queue: 'coordinator' }),
      subscribeJson<TopicsDeletedEvent>(this.bus, MetadataSubjects.topicsDeleted, ({ topics }) => this.groups.onTopicsDeleted(topics)),
    );
    await Promise.all(this.subscriptions.map((subscription) => subscription.ready));
  }

  async onModuleDestroy(): Promise<void> {
    this.unregisterMetrics?.();
    await Promise.all(this.subscriptions.map((subscription) => subscription.unsubscribe()));
    await this.groups.stop();
  }

  private async handleForwarded(payload: Buffer): Promise<Buffer> {
    const { apiKey, apiVersion, body, client } = decodeForwardedRequest(payload);
    const groups = this.groups;
    const b = body as never;
    switch (apiKey) {
      case ApiKey.JoinGroup:
        return encodeResponseBody(apiKey, apiVersion, await groups.joinGroup(b, apiVersion, client));
      case ApiKey.SyncGroup:
        return encodeResponseBody(apiKey, apiVersion, await groups.syncGroup(b, apiVersion));
      case ApiKey.Heartbeat:
        return encodeResponseBody(apiKey, apiVersion, await groups.heartbeat(b, apiVersion));
      case ApiKey.LeaveGroup:
        return encodeResponseBody(apiKey, apiVersion, await groups.leaveGroup(b, apiVersion));
      case ApiKey.OffsetCommit:
        return encodeResponseBody(apiKey, apiVersion, await groups.offsetCommit(b, apiVersion));
      case ApiKey.OffsetFetch:
        return encodeResponseBody(apiKey, apiVersion, await groups.offsetFetch(b, apiVersion));
      case ApiKey.ListGroups:
        return encodeResponseBody(apiKey, apiVersion, await groups.listGroups(b, apiVersion));
      case ApiKey.DescribeGroups:
        return encodeResponseBody(apiKey, apiVersion, await groups.describeGroups(b, apiVersion));
      case ApiKey.DeleteGroups:
        return encodeResponseBody(apiKey, apiVersion, await groups.deleteGroups(b, apiVersion));
      case ApiKey.OffsetDelete:
        return encodeResponseBody(apiKey, apiVersion, await groups.offsetDelete(b, apiVersion));
      default:
        throw new Error(`the coordinator does not handle API key ${apiKey}`);
    }
  }
}
