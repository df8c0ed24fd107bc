import type { Logger } from '@strom/runtime';
import type { ClusterView } from './cluster-view.js';
import type { MetadataClient } from './metadata-client.js';

export const OFFSETS_TOPIC = '__consumer_offsets';

/** How `__consumer_offsets` is made (read-only broker configs: they cannot change while running). */
export interface OffsetsTopicSettings {
  /** offsets.topic.num.partitions */
  readonly numPartitions: number;
  /** offsets.topic.replication.factor (capped at the live brokers) */
  readonly replicationFactor: number;
  /** offsets.topic.segment.bytes */
  readonly segmentBytes: number;
}

/**
 * Kafka's `__consumer_offsets`, made as Kafka makes it: on the first FindCoordinator for a group
 * (or a Metadata request naming it), internal, with offsets.topic.num.partitions partitions and
 * its compacted configs. Strom keeps group offsets in the metadata store, so the topic stays
 * empty; it exists because clients expect it (regex subscriptions skip it, admin tools list it as
 * internal). The replication factor is offsets.topic.replication.factor capped at the live
 * brokers, so a single node works without setting it to 1.
 */
export class OffsetsTopic {
  private creating: Promise<void> | undefined;

  constructor(
    private readonly view: ClusterView,
    private readonly metadata: MetadataClient,
    private readonly settings: OffsetsTopicSettings,
    private readonly logger: Logger,
  ) {}

  /** Resolves once the topic exists (or its creation failed, which is logged: callers answer as if absent). */
  ensure(): Promise<void> {
    if (this.view.topicByName(OFFSETS_TOPIC)) return Promise.resolve();
    this.creating ??= this.create().finally(() => (this.creating = undefined));
    return this.creating;
  }

  private async create(): Promise<void> {
    const replicationFactor = Math.min(this.settings.replicationFactor, Math.max(1, this.view.liveBrokers().length));
    try {
      const reply = await this.metadata.createTopics({
        topics: [
          {
            name: OFFSETS_TOPIC,
            numPartitions: this.settings.numPartitions,
            replicationFactor,
            assignments: [],
            configs: {
              'cleanup.policy': 'compact',
              'compression.type': 'producer',
              'segment.bytes': String(this.settings.segmentBytes),
            },
          },
        ],
        validateOnly: false,
      });
      const result = reply.results[0];
      if (result && result.errorCode !== 0 && !this.view.topicByName(OFFSETS_TOPIC)) {
        this.logger.warn({ errorCode: result.errorCode, errorMessage: result.errorMessage }, `could not create ${OFFSETS_TOPIC}`);
      }
    } catch (error) {
      this.logger.warn({ err: error }, `could not create ${OFFSETS_TOPIC}`);
    }
  }
}
