import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { LOGGER, type Logger } from '@strom/runtime';
import { BROKER_OPTIONS, type BrokerOptions } from './broker.options.js';

/** The Kafka-facing side of a broker: listener, request routing, partition actors. */
@Injectable()
export class BrokerService implements OnApplicationBootstrap {
  constructor(
    @Inject(BROKER_OPTIONS) private readonly options: BrokerOptions,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    const { host, port, nodeId, dataDir } = this.options;
    this.logger.warn({ nodeId, host, port, dataDir }, 'the Kafka listener is not implemented yet: nothing listens on the Kafka port');
  }
}
