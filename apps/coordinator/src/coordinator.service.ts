import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Bus, Subscription } from '@strom/bus';
import type { MetadataStore } from '@strom/metadata-store';
import { BUS, METADATA_STORE } from '@strom/runtime';

/** Bus subjects the coordinator answers. */
export const CoordinatorSubjects = {
  /** Request: JSON `{ groupId }`. Reply: JSON list of committed offsets (offsets as strings). */
  fetchOffsets: 'strom.coordinator.offsets.fetch',
} as const;

/**
 * Group and transaction coordination. Brokers forward group requests here over the bus;
 * state and offsets persist through the metadata store.
 */
@Injectable()
export class CoordinatorService implements OnModuleInit, OnModuleDestroy {
  private subscription?: Subscription;

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(METADATA_STORE) private readonly store: MetadataStore,
  ) {}

  async onModuleInit(): Promise<void> {
    this.subscription = this.bus.reply(
      CoordinatorSubjects.fetchOffsets,
      async (payload) => {
        const { groupId } = JSON.parse(payload.toString('utf8')) as { groupId: string };
        const offsets = await this.store.offsets.fetch(groupId);
        return Buffer.from(JSON.stringify(offsets, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value)));
      },
      { queue: 'coordinator' },
    );
    await this.subscription.ready;
  }

  async onModuleDestroy(): Promise<void> {
    await this.subscription?.unsubscribe();
  }
}
