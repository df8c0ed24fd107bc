import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { replyJson, type Bus, type Subscription } from '@strom/bus';
import type { MetadataStore } from '@strom/metadata-store';
import { BUS, METADATA_STORE } from '@strom/runtime';
import { CoordinatorSubjects } from './contract.js';

/** The largest producer id block one request may claim. */
const MAX_PRODUCER_ID_BLOCK = 10_000;

/**
 * Group and transaction coordination. Brokers forward group requests here over the bus; state
 * and offsets persist through the metadata store. Producer ids are handed out in blocks.
 */
@Injectable()
export class CoordinatorService implements OnModuleInit, OnModuleDestroy {
  private readonly subscriptions: Subscription[] = [];

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(METADATA_STORE) private readonly store: MetadataStore,
  ) {}

  async onModuleInit(): Promise<void> {
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
    );
    await Promise.all(this.subscriptions.map((subscription) => subscription.ready));
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.subscriptions.map((subscription) => subscription.unsubscribe()));
  }
}
