import { connect, type Socket } from 'node:net';
import { ErrorCode, errorName } from '@strom/errors';
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

interface Pending {
  apiKey: ApiKey;
  apiVersion: number;
  resolve: (body: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * The CLI's Kafka connection: one socket, requests in flight matched by correlation id, each
 * bounded by `requestTimeoutMs`. Versions are the highest both sides support (from ApiVersions).
 */
export class KafkaClient {
  private readonly reader = new FrameReader();
  private readonly pending = new Map<number, Pending>();
  private nextCorrelationId = 1;
  private versions = new Map<number, number>();

  private constructor(
    private readonly socket: Socket,
    private readonly requestTimeoutMs: number,
  ) {
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.reader.push(chunk)) this.onFrame(frame);
    });
    const failAll = (error: Error) => {
      for (const [id, entry] of this.pending) {
        clearTimeout(entry.timer);
        entry.reject(error);
        this.pending.delete(id);
      }
    };
    socket.on('error', failAll);
    socket.on('close', () => failAll(new Error('connection closed by the broker')));
  }

  static async connect(bootstrap: string, requestTimeoutMs = 30_000): Promise<KafkaClient> {
    const at = bootstrap.lastIndexOf(':');
    const host = bootstrap.slice(0, at);
    const port = Number(bootstrap.slice(at + 1));
    if (at <= 0 || !Number.isInteger(port)) throw new Error(`bootstrap server '${bootstrap}' is not host:port`);
    const socket = connect({ host, port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', (error) => reject(new Error(`cannot connect to ${bootstrap}: ${error.message}`)));
    });
    const client = new KafkaClient(socket, requestTimeoutMs);
    const versions = await client.send(
      ApiKey.ApiVersions,
      3,
      createApiVersionsRequest({ clientSoftwareName: 'strom-cli', clientSoftwareVersion: '1' }),
    );
    client.versions = new Map(versions.apiKeys.map((range) => [range.apiKey, range.maxVersion]));
    return client;
  }

  /** Sends at the highest version both sides speak; throws when the broker has no such API. */
  request<K extends ApiKey>(apiKey: K, body: RequestBodies[K]): Promise<{ body: ResponseBodies[K]; apiVersion: number }> {
    const definition = apiDefinition(apiKey)!;
    const brokerMax = this.versions.get(apiKey);
    if (brokerMax === undefined) return Promise.reject(new Error(`the broker does not support ${definition.name}`));
    const apiVersion = Math.min(brokerMax, definition.maxVersion);
    return this.send(apiKey, apiVersion, body).then((response) => ({ body: response, apiVersion }));
  }

  /** As {@link request}, for requests whose fields depend on the negotiated version. */
  requestVersioned<K extends ApiKey>(
    apiKey: K,
    build: (apiVersion: number) => RequestBodies[K],
  ): Promise<{ body: ResponseBodies[K]; apiVersion: number }> {
    const definition = apiDefinition(apiKey)!;
    const brokerMax = this.versions.get(apiKey);
    if (brokerMax === undefined) return Promise.reject(new Error(`the broker does not support ${definition.name}`));
    const apiVersion = Math.min(brokerMax, definition.maxVersion);
    return this.send(apiKey, apiVersion, build(apiVersion)).then((response) => ({ body: response, apiVersion }));
  }

  close(): void {
    this.socket.destroy();
  }

  private send<K extends ApiKey>(apiKey: K, apiVersion: number, body: RequestBodies[K]): Promise<ResponseBodies[K]> {
    const correlationId = this.nextCorrelationId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(new Error(`${apiDefinition(apiKey)!.name} timed out after ${this.requestTimeoutMs} ms`));
      }, this.requestTimeoutMs);
      this.pending.set(correlationId, { apiKey, apiVersion, resolve: resolve as (body: unknown) => void, reject, timer });
      this.socket.write(encodeRequestFrame({ apiKey, apiVersion, correlationId, clientId: 'strom-cli' }, body));
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
}

/** A Kafka error code as a message, or nothing for success. */
export function kafkaError(code: number, message?: string | null): string | undefined {
  if (code === ErrorCode.NONE) return undefined;
  return message ? `${errorName(code)}: ${message}` : errorName(code);
}
