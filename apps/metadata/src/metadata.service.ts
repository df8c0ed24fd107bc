import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Bus, Subscription } from '@strom/bus';
import type { MetadataStore } from '@strom/metadata-store';
import { BUS, LOGGER, METADATA_STORE, type Logger } from '@strom/runtime';
import { MetadataSubjects } from './subjects.js';

/** Answers metadata requests on the bus from the store (the source of truth). */
@Injectable()
export class MetadataService implements OnModuleInit, OnModuleDestroy {
  private readonly subscriptions: Subscription[] = [];

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(METADATA_STORE) private readonly store: MetadataStore,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    const version = this.bus.reply(
      MetadataSubjects.version,
      async () => Buffer.from(JSON.stringify({ version: String(await this.store.version()) })),
      {
        queue: 'metadata',
      },
    );
    this.subscriptions.push(version);
    await version.ready;
    this.logger.debug({ subject: MetadataSubjects.version }, 'metadata service answering');
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.subscriptions.map((subscription) => subscription.unsubscribe()));
  }
}
