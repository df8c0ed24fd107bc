import { connect, type Socket } from 'node:net';
import {
  apiDefinition,
  ApiKey,
  createApiVersionsRequest,
  decodeResponse,
  encodeRequestFrame,
  FrameReader,
  type RequestBodies,
  type ResponseBodies,
} from '@strom/protocol';

export interface KafkaConnectionOptions {
  /** The client id sent in every request header. */
  clientId: string;
  /** How long a request may wait for its response before it fails (and the connection closes). */
  requestTimeoutMs: number;
  /** Bound on a response frame: a larger one closes the connection. */
  maxResponseBytes?: number;
}

interface Pending {
  apiKey: ApiKey;
  apiVersion: number;
  resolve: (body: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** Kafka's default socket.request.max.bytes: the bound on responses unless the caller sets one. */
const DEFAULT_MAX_RESPONSE_BYTES = 104_857_600;

/**
 * A client connection to a Kafka broker (Strom's or Kafka's) over plaintext TCP, with the
 * project's own codec: requests in flight matched by correlation id, each bounded by
 * `requestTimeoutMs`, versions the highest both sides support (from ApiVersions). Used by the
 * replica fetcher (broker to broker) and by the CLI. A timed-out request closes the connection,
 * as Kafka's NetworkClient does: a late response must not be read as the answer to another.
 */
export class KafkaConnection {
  private readonly reader: FrameReader;
  private readonly pending = new Map<number, Pending>();
  private nextCorrelationId = 1;
  private versions = new Map<number, number>();
  private closedBy: Error | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly options: KafkaConnectionOptions,
  ) {
    this.reader = new FrameReader({ maxFrameBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES });
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const frame of this.reader.push(chunk)) this.onFrame(frame);
      } catch (error) {
        this.fail(error as Error);
      }
    });
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('connection closed by the broker')));
  }

  /** Connects to `host:port` and asks for the broker's API versions. */
  static async connect(host: string, port: number, options: KafkaConnectionOptions): Promise<KafkaConnection> {
    const socket = connect({ host, port });
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`cannot connect to ${host}:${port}: timed out after ${options.requestTimeoutMs} ms`));
      }, options.requestTimeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`cannot connect to ${host}:${port}: ${error.message}`));
      });
    });
    const connection = new KafkaConnection(socket, options);
    try {
      const versions = await connection.send(
        ApiKey.ApiVersions,
        3,
        createApiVersionsRequest({ clientSoftwareName: options.clientId, clientSoftwareVersion: '1' }),
      );
      connection.versions = new Map(versions.apiKeys.map((range) => [range.apiKey, range.maxVersion]));
    } catch (error) {
      connection.close();
      throw error;
    }
    return connection;
  }

  /** As {@link connect}, from a `host:port` bootstrap string. */
  static connectTo(bootstrap: string, options: KafkaConnectionOptions): Promise<KafkaConnection> {
    const at = bootstrap.lastIndexOf(':');
    const port = Number(bootstrap.slice(at + 1));
    if (at <= 0 || !Number.isInteger(port)) return Promise.reject(new Error(`bootstrap server '${bootstrap}' is not host:port`));
    return KafkaConnection.connect(bootstrap.slice(0, at), port, options);
  }

  /** Whether the connection failed or was closed: every further request fails. */
  get isClosed(): boolean {
    return this.closedBy !== undefined;
  }

  /** The highest version of `apiKey` both sides speak, capped at `capVersion`; undefined if the broker has no such API. */
  version(apiKey: ApiKey, capVersion = Number.MAX_SAFE_INTEGER): number | undefined {
    const brokerMax = this.versions.get(apiKey);
    if (brokerMax === undefined) return undefined;
    return Math.min(brokerMax, apiDefinition(apiKey)!.maxVersion, capVersion);
  }

  /** Sends at the highest version both sides speak; throws when the broker has no such API. */
  request<K extends ApiKey>(apiKey: K, body: RequestBodies[K]): Promise<{ body: ResponseBodies[K]; apiVersion: number }> {
    return this.requestVersioned(apiKey, () => body);
  }

  /** As {@link request}, for requests whose fields depend on the negotiated version (at most `capVersion`). */
  requestVersioned<K extends ApiKey>(
    apiKey: K,
    build: (apiVersion: number) => RequestBodies[K],
    capVersion?: number,
  ): Promise<{ body: ResponseBodies[K]; apiVersion: number }> {
    const apiVersion = this.version(apiKey, capVersion);
    if (apiVersion === undefined) return Promise.reject(new Error(`the broker does not support ${apiDefinition(apiKey)!.name}`));
    return this.send(apiKey, apiVersion, build(apiVersion)).then((response) => ({ body: response, apiVersion }));
  }

  close(): void {
    this.fail(new Error('connection closed'));
  }

  private send<K extends ApiKey>(apiKey: K, apiVersion: number, body: RequestBodies[K]): Promise<ResponseBodies[K]> {
    if (this.closedBy) return Promise.reject(this.closedBy);
    const correlationId = this.nextCorrelationId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new Error(`${apiDefinition(apiKey)!.name} timed out after ${this.options.requestTimeoutMs} ms`));
      }, this.options.requestTimeoutMs);
      this.pending.set(correlationId, { apiKey, apiVersion, resolve: resolve as (body: unknown) => void, reject, timer });
      this.socket.write(encodeRequestFrame({ apiKey, apiVersion, correlationId, clientId: this.options.clientId }, body));
    });
  }

  private onFrame(frame: Buffer): void {
    const correlationId = frame.readInt32BE(0);
    const entry = this.pending.get(correlationId);
    if (!entry) return;
    this.pending.delete(correlationId);
    clearTimeout(entry.timer);
    try {
      entry.resolve(decodeResponse(entry.apiKey, entry.apiVersion, frame).body);
    } catch (error) {
      entry.reject(error as Error);
    }
  }

  private fail(error: Error): void {
    this.closedBy ??= error;
    for (const [id, entry] of this.pending) {
      clearTimeout(entry.timer);
      entry.reject(error);
      this.pending.delete(id);
    }
    this.socket.destroy();
  }
}
