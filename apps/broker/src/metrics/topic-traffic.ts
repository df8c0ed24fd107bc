/**
 * One topic's traffic through this broker since it started: Kafka's BrokerTopicMetrics
 * (BytesInPerSec, MessagesInPerSec, BytesOutPerSec, …, as totals). Plain numbers bumped on the
 * produce and fetch paths; labels are made only when `/metrics` is scraped.
 */
export class TopicTraffic {
  /** Record batch bytes appended as leader (client produces). */
  bytesIn = 0;
  messagesIn = 0;
  /** Record bytes sent to consumers. */
  bytesOut = 0;
  /** Bytes appended as a follower, and sent to followers (ReplicationBytesInPerSec, ReplicationBytesOutPerSec). */
  replicationBytesIn = 0;
  replicationBytesOut = 0;
  /** Produce and fetch requests per partition, and those answered with an error. */
  produceRequests = 0;
  failedProduceRequests = 0;
  fetchRequests = 0;
  failedFetchRequests = 0;
  /** Hosted replicas of the topic: the topic's figures go away with its last one (a deleted topic). */
  replicas = 0;
}

/** The counters of {@link TopicTraffic} (not `replicas`, which counts hosts). */
export type TrafficCounter = Exclude<keyof TopicTraffic, 'replicas'>;

export const TRAFFIC_COUNTERS: readonly TrafficCounter[] = [
  'bytesIn',
  'messagesIn',
  'bytesOut',
  'replicationBytesIn',
  'replicationBytesOut',
  'produceRequests',
  'failedProduceRequests',
  'fetchRequests',
  'failedFetchRequests',
];

/** Every topic's traffic, and each replica's link to its topic's: a replica holds its own reference, so the hot paths look nothing up. */
export class BrokerTopicStats {
  private readonly byTopic = new Map<string, TopicTraffic>();
  /**
   * What topics no longer hosted here counted: added to the sum over all topics, so that it only
   * grows, as Kafka's all-topics meters do (a reader makes rates of it).
   */
  private readonly retired = new TopicTraffic();

  /** The topic's traffic for a new replica of it. */
  attach(topic: string): TopicTraffic {
    let traffic = this.byTopic.get(topic);
    if (!traffic) {
      traffic = new TopicTraffic();
      this.byTopic.set(topic, traffic);
    }
    traffic.replicas++;
    return traffic;
  }

  /** A replica of the topic went away: the last one's departure drops the topic's figures, as Kafka's removeMetrics does. */
  detach(topic: string): void {
    const traffic = this.byTopic.get(topic);
    if (traffic && --traffic.replicas <= 0) {
      for (const counter of TRAFFIC_COUNTERS) this.retired[counter] += traffic[counter];
      this.byTopic.delete(topic);
    }
  }

  /** The sum of `counter` over all topics since the broker started, those no longer hosted here included. */
  allTopics(counter: TrafficCounter): number {
    let sum = this.retired[counter];
    for (const traffic of this.byTopic.values()) sum += traffic[counter];
    return sum;
  }

  topics(): IterableIterator<[string, TopicTraffic]> {
    return this.byTopic.entries();
  }
}
