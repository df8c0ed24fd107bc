import type { BrokerInfo, ClusterSnapshot, PartitionInfo, TopicInfo } from '@strom/contracts';

/** A broker as a client on one listener reaches it (Kafka's Node): that listener's advertised endpoint. */
export interface BrokerNode {
  id: number;
  host: string;
  port: number;
  rack: string | null;
  fenced: boolean;
}

interface VersionWaiter {
  version: bigint;
  resolve: () => void;
  timer: NodeJS.Timeout;
}

/**
 * The broker's cache of cluster metadata: the newest snapshot it has seen. Requests read it
 * synchronously; it only moves forward (a snapshot older than the one held is ignored).
 */
export class ClusterView {
  private current: ClusterSnapshot = {
    version: '0',
    clusterId: '',
    controllerId: -1,
    brokers: [],
    topics: [],
    brokerConfigs: { cluster: {}, brokers: {} },
    groupConfigs: {},
  };
  private versionNumber = 0n;
  private brokersById = new Map<number, BrokerInfo>();
  private topicsByName = new Map<string, TopicInfo>();
  private topicsById = new Map<string, TopicInfo>();
  private readonly waiters = new Set<VersionWaiter>();
  private readonly listeners = new Set<(snapshot: ClusterSnapshot) => void>();

  get version(): bigint {
    return this.versionNumber;
  }

  get clusterId(): string {
    return this.current.clusterId;
  }

  get controllerId(): number {
    return this.current.controllerId;
  }

  /** Takes a snapshot if it is newer than the one held; returns whether it did. */
  apply(snapshot: ClusterSnapshot): boolean {
    const version = BigInt(snapshot.version);
    if (version <= this.versionNumber && this.versionNumber !== 0n) return false;
    this.current = snapshot;
    this.versionNumber = version;
    this.brokersById = new Map(snapshot.brokers.map((broker) => [broker.id, broker]));
    this.topicsByName = new Map(snapshot.topics.map((topic) => [topic.name, topic]));
    this.topicsById = new Map(snapshot.topics.map((topic) => [topic.id, topic]));
    for (const waiter of this.waiters) {
      if (waiter.version <= version) {
        clearTimeout(waiter.timer);
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
    for (const listener of this.listeners) listener(snapshot);
    return true;
  }

  /** Calls `listener` after every snapshot taken. */
  onChange(listener: (snapshot: ClusterSnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once the view holds `version` or newer; false if `timeoutMs` passed first. */
  async waitForVersion(version: bigint, timeoutMs: number): Promise<boolean> {
    if (this.versionNumber >= version) return true;
    return new Promise<boolean>((resolve) => {
      const waiter: VersionWaiter = {
        version,
        resolve: () => resolve(true),
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          resolve(false);
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** Dynamic broker configs: cluster-wide defaults and this broker's own (raw, as set). */
  dynamicBrokerConfigs(brokerId: number): { dynamicDefault: Record<string, string>; dynamicBroker: Record<string, string> } {
    const configs = this.current.brokerConfigs;
    return { dynamicDefault: configs.cluster, dynamicBroker: configs.brokers[String(brokerId)] ?? {} };
  }

  /** A group's configs (GROUP config resource), raw as set; empty when it sets none. */
  groupConfigs(groupId: string): Record<string, string> {
    return this.current.groupConfigs[groupId] ?? {};
  }

  liveBrokers(): BrokerInfo[] {
    return this.current.brokers.filter((broker) => !broker.fenced);
  }

  /** A registered broker, fenced or not. */
  broker(id: number): BrokerInfo | undefined {
    return this.brokersById.get(id);
  }

  /**
   * The unfenced brokers that have `listenerName`, at their endpoint for it (Kafka's
   * MetadataCache.getAliveBrokerNodes): a broker without that listener is left out. With
   * `includeFenced`, the fenced ones too.
   */
  brokerNodes(listenerName: string, options: { includeFenced?: boolean } = {}): BrokerNode[] {
    return this.current.brokers.flatMap((broker) => {
      if (broker.fenced && !options.includeFenced) return [];
      const node = nodeOf(broker, listenerName);
      return node ? [node] : [];
    });
  }

  /** A broker at its endpoint for `listenerName`; undefined when it is not registered or lacks that listener. */
  brokerNode(id: number, listenerName: string): BrokerNode | undefined {
    const broker = this.brokersById.get(id);
    return broker ? nodeOf(broker, listenerName) : undefined;
  }

  topics(): TopicInfo[] {
    return this.current.topics;
  }

  topicByName(name: string): TopicInfo | undefined {
    return this.topicsByName.get(name);
  }

  topicById(id: string): TopicInfo | undefined {
    return this.topicsById.get(id);
  }

  partition(topic: string, partitionIndex: number): PartitionInfo | undefined {
    return this.topicsByName.get(topic)?.partitions[partitionIndex];
  }
}

function nodeOf(broker: BrokerInfo, listenerName: string): BrokerNode | undefined {
  const endpoint = broker.endpoints.find((candidate) => candidate.name === listenerName);
  return endpoint && { id: broker.id, host: endpoint.host, port: endpoint.port, rack: broker.rack, fenced: broker.fenced };
}
