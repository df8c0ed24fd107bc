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

/** Every topic's traffic, and each replica's link to its topic's: a replica holds its own reference, so the hot paths look nothing up. */
export class BrokerTopicStats {
  private readonly byTopic = new Map<string, TopicTraffic>();

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
    if (traffic && --traffic.replicas <= 0) this.byTopic.delete(topic);
  }

  topics(): IterableIterator<[string, TopicTraffic]> {
    return this.byTopic.entries();
  }
}
