import { ErrorCode } from '@strom/errors';
import {
  KafkaConnection,
  SaslAuthenticationFailedError,
  type ClientSecurity,
  type ClientTls,
  type SecurityProtocol,
} from '@strom/kafka-client';
import {
  ApiKey,
  createFindCoordinatorRequest,
  createMetadataRequest,
  createMetadataRequestTopic,
  type MetadataResponse,
  type RequestBodies,
  type ResponseBodies,
} from '@strom/protocol';
import { KafkaRestCode, kafkaRestError, RestError } from './errors.js';

/**
 * Where the admin API reaches the cluster: a bootstrap `host:port` and the listener's security
 * protocol; on SASL_* listeners the mechanism, with which each HTTP user authenticates as themself.
 */
export interface KafkaEndpoint {
  readonly bootstrap: string;
  /** Default PLAINTEXT. */
  readonly protocol?: SecurityProtocol;
  /** On SSL and SASL_SSL. */
  readonly tls?: ClientTls;
  /** On SASL_PLAINTEXT and SASL_SSL: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512. */
  readonly saslMechanism?: string;
}

/** A user name and password from HTTP Basic, for SASL. */
export interface Credentials {
  readonly username: string;
  readonly password: string;
}

export interface ClusterClientOptions {
  /** Asked on each new connection: in embedded mode the broker's listener is known only after it starts. */
  readonly endpoint: () => KafkaEndpoint;
  readonly clientId: string;
  readonly requestTimeoutMs: number;
  /** Whom to authenticate as on a SASL listener. */
  readonly credentials?: Credentials;
}

/**
 * The admin API's side of the Kafka protocol, as Kafka's AdminClient does it: a connection to the
 * bootstrap broker for cluster-wide requests, and one per broker for the requests a broker must
 * answer itself (a partition's leader for Produce and ListOffsets, a broker for its own configs,
 * the group coordinator). Connections are opened on first use and opened again after a failure.
 */
export class ClusterClient {
  private bootstrap: Promise<KafkaConnection> | undefined;
  private readonly nodes = new Map<number, Promise<KafkaConnection>>();
  private closed = false;

  constructor(private readonly options: ClusterClientOptions) {}

  /** Sends `body` to the bootstrap broker (any broker answers cluster-wide requests). */
  async request<K extends ApiKey>(
    apiKey: K,
    body: RequestBodies[K] | ((apiVersion: number) => RequestBodies[K]),
  ): Promise<ResponseBodies[K]> {
    const connection = await this.connection();
    return (await connection.requestVersioned(apiKey, typeof body === 'function' ? body : () => body)).body;
  }

  /** As {@link request}, to the broker with `nodeId` (its address from Metadata). */
  async requestNode<K extends ApiKey>(
    nodeId: number,
    apiKey: K,
    body: RequestBodies[K] | ((apiVersion: number) => RequestBodies[K]),
  ): Promise<ResponseBodies[K]> {
    const connection = await this.nodeConnection(nodeId);
    return (await connection.requestVersioned(apiKey, typeof body === 'function' ? body : () => body)).body;
  }

  /** Metadata for `topics` (all when null). */
  metadata(topics: readonly string[] | null): Promise<MetadataResponse> {
    return this.request(
      ApiKey.Metadata,
      createMetadataRequest({
        topics: topics === null ? null : topics.map((name) => createMetadataRequestTopic({ name })),
        allowAutoTopicCreation: false,
      }),
    );
  }

  /** The cluster id, or a 404 in the REST proxy's words when `clusterId` is not this cluster's. */
  async cluster(clusterId: string): Promise<MetadataResponse> {
    const metadata = await this.metadata([]);
    if (metadata.clusterId !== clusterId) throw RestError.notFound(`Cluster ${clusterId} cannot be found.`);
    return metadata;
  }

  /** The group coordinator's node id (FindCoordinator key type 0). */
  async groupCoordinator(groupId: string): Promise<number> {
    const response = await this.request(ApiKey.FindCoordinator, (apiVersion) =>
      apiVersion >= 4
        ? createFindCoordinatorRequest({ keyType: 0, coordinatorKeys: [groupId] })
        : createFindCoordinatorRequest({ keyType: 0, key: groupId }),
    );
    const coordinator = response.coordinators[0];
    const errorCode = coordinator ? coordinator.errorCode : response.errorCode;
    if (errorCode !== ErrorCode.NONE) throw kafkaRestError(errorCode, coordinator ? coordinator.errorMessage : response.errorMessage);
    return coordinator ? coordinator.nodeId : response.nodeId;
  }

  close(): void {
    this.closed = true;
    for (const pending of [this.bootstrap, ...this.nodes.values()]) void pending?.then((connection) => connection.close()).catch(() => {});
    this.bootstrap = undefined;
    this.nodes.clear();
  }

  private connection(): Promise<KafkaConnection> {
    if (this.closed) return Promise.reject(new RestError(503, 503, 'the admin API is shutting down'));
    this.bootstrap = this.reuse(this.bootstrap, () => {
      let endpoint: KafkaEndpoint;
      try {
        endpoint = this.options.endpoint();
      } catch (error) {
        return Promise.reject(new RestError(503, KafkaRestCode.BROKER_NOT_AVAILABLE, `Broker not available: ${(error as Error).message}`));
      }
      return this.connect(endpoint.bootstrap, endpoint);
    });
    return this.bootstrap;
  }

  private async nodeConnection(nodeId: number): Promise<KafkaConnection> {
    const existing = this.nodes.get(nodeId);
    const reused = this.reuse(existing, async () => {
      const broker = (await this.metadata([])).brokers.find((candidate) => candidate.nodeId === nodeId);
      if (!broker) throw new RestError(503, KafkaRestCode.BROKER_NOT_AVAILABLE, `Broker ${nodeId} is not available.`);
      return this.connect(`${broker.host}:${broker.port}`, this.options.endpoint());
    });
    this.nodes.set(nodeId, reused);
    return reused;
  }

  /** The pending or open connection, or a new one when there is none or it failed. */
  private reuse(current: Promise<KafkaConnection> | undefined, open: () => Promise<KafkaConnection>): Promise<KafkaConnection> {
    if (current) {
      const checked = current.then(
        (connection) => (connection.isClosed ? open() : connection),
        () => open(),
      );
      return checked;
    }
    return open();
  }

  private connect(address: string, endpoint: KafkaEndpoint): Promise<KafkaConnection> {
    return KafkaConnection.connectTo(address, {
      clientId: this.options.clientId,
      requestTimeoutMs: this.options.requestTimeoutMs,
      security: this.security(endpoint),
    }).catch((error: unknown) => {
      if (error instanceof SaslAuthenticationFailedError) throw new RestError(401, KafkaRestCode.KAFKA_AUTHENTICATION, error.message);
      throw new RestError(503, KafkaRestCode.BROKER_NOT_AVAILABLE, `Broker not available: ${(error as Error).message}`);
    });
  }

  private security(endpoint: KafkaEndpoint): ClientSecurity {
    const credentials = this.options.credentials;
    const sasl = endpoint.saslMechanism && credentials ? { mechanism: endpoint.saslMechanism, ...credentials } : undefined;
    return { protocol: endpoint.protocol ?? 'PLAINTEXT', tls: endpoint.tls, sasl };
  }
}
