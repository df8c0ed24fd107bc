import { connect, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { ErrorCode, errorName } from '@strom/errors';
import {
  apiDefinition,
  ApiKey,
  createApiVersionsRequest,
  createSaslAuthenticateRequest,
  createSaslHandshakeRequest,
  decodeResponse,
  DEFAULT_MAX_FRAME_BYTES,
  encodeRequestFrame,
  FrameReader,
  type RequestBodies,
  type ResponseBodies,
} from '@strom/protocol';
import { PLAINTEXT_CLIENT, type ClientSecurity } from './client-security.js';
import { createSaslClient } from './sasl-client.js';

/** Kafka's clients' default request.timeout.ms: what the CLI and the admin API bound each request by. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export interface KafkaConnectionOptions {
  /** The client id sent in every request header. */
  clientId: string;
  /** How long a request may wait for its response before it fails (and the connection closes). */
  requestTimeoutMs: number;
  /** Bound on a response frame: a larger one closes the connection. Default: Kafka's socket.request.max.bytes (DEFAULT_MAX_FRAME_BYTES). */
  maxResponseBytes?: number;
  /** TLS and SASL as the server's listener wants them; plaintext without SASL when absent. */
  security?: ClientSecurity;
}

/** SaslHandshake v1: the SASL tokens go in SaslAuthenticate requests (KIP-152), as Kafka's clients send them. */
const SASL_HANDSHAKE_VERSION = 1;
/** SaslAuthenticate v1+ tells the session lifetime (KIP-368); v2 is flexible. */
const MAX_SASL_AUTHENTICATE_VERSION = 2;
/** Kafka's SaslClientAuthenticator re-authenticates at 85-95% of the session lifetime; Strom at 85%. */
const REAUTHENTICATE_AT_LIFETIME_FRACTION = 0.85;
/** A bound on the tokens of one exchange (SCRAM needs two): a server cannot keep a client in a loop. */
const MAX_SASL_ROUNDS = 8;

interface Pending {
  apiKey: ApiKey;
  apiVersion: number;
  resolve: (body: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** The server refused the credentials (SaslAuthenticate answered an error): wrong user or password, not a network fault. */
export class SaslAuthenticationFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SaslAuthenticationFailedError';
  }
}

/**
 * A client connection to a Kafka broker (Strom's or Kafka's) over TCP or TLS, with the project's
 * own codec: requests in flight matched by correlation id, each bounded by `requestTimeoutMs`,
 * versions the highest both sides support (from ApiVersions). With SASL it authenticates right
 * after ApiVersions (SaslHandshake v1, then SaslAuthenticate rounds: Kafka's
 * SaslClientAuthenticator) and re-authenticates on request before the session the server granted
 * runs out (KIP-368). Used by the replica fetcher (broker to broker) and by the CLI. A timed-out
 * request closes the connection, as Kafka's NetworkClient does: a late response must not be read
 * as the answer to another.
 */
export class KafkaConnection {
  private readonly reader: FrameReader;
  private readonly pending = new Map<number, Pending>();
  private nextCorrelationId = 1;
  private versions = new Map<number, number>();
  private closedBy: Error | undefined;
  /** When the SASL session should be renewed (Date.now() ms); infinite without SASL or a session lifetime. */
  private reauthenticateAtMs = Number.POSITIVE_INFINITY;

  private constructor(
    private readonly socket: Socket,
    private readonly options: KafkaConnectionOptions,
  ) {
    this.reader = new FrameReader({ maxFrameBytes: options.maxResponseBytes ?? DEFAULT_MAX_FRAME_BYTES });
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

  /** Connects to `host:port` (with TLS when the security says so), asks for the broker's API versions and authenticates. */
  static async connect(host: string, port: number, options: KafkaConnectionOptions): Promise<KafkaConnection> {
    const security = options.security ?? PLAINTEXT_CLIENT;
    const socket = await openSocket(host, port, security, options.requestTimeoutMs);
    const connection = new KafkaConnection(socket, options);
    try {
      const versions = await connection.send(
        ApiKey.ApiVersions,
        3,
        createApiVersionsRequest({ clientSoftwareName: options.clientId, clientSoftwareVersion: '1' }),
      );
      connection.versions = new Map(versions.apiKeys.map((range) => [range.apiKey, range.maxVersion]));
      await connection.authenticate();
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

  /** Whether the SASL session is close enough to its end that {@link reauthenticate} should run before the next request. */
  get reauthenticationDue(): boolean {
    return Date.now() >= this.reauthenticateAtMs;
  }

  /** Authenticates again on this connection (KIP-368); call between requests, with none in flight. */
  reauthenticate(): Promise<void> {
    return this.authenticate();
  }

  /**
   * The SASL exchange (Kafka's SaslClientAuthenticator): SaslHandshake names the mechanism, then
   * the mechanism's tokens go back and forth in SaslAuthenticate until it is complete. A refusal
   * fails with the server's error; the caller closes the connection.
   */
  private async authenticate(): Promise<void> {
    const sasl = this.options.security?.sasl;
    if (!sasl) return;
    const handshake = await this.send(
      ApiKey.SaslHandshake,
      SASL_HANDSHAKE_VERSION,
      createSaslHandshakeRequest({ mechanism: sasl.mechanism }),
    );
    if (handshake.errorCode === ErrorCode.UNSUPPORTED_SASL_MECHANISM) {
      throw new Error(
        `Client SASL mechanism '${sasl.mechanism}' not enabled in the server, enabled mechanisms are [${handshake.mechanisms.join(', ')}]`,
      );
    }
    if (handshake.errorCode !== ErrorCode.NONE) throw new Error(`SaslHandshake answered ${errorName(handshake.errorCode)}`);
    const version = this.version(ApiKey.SaslAuthenticate, MAX_SASL_AUTHENTICATE_VERSION);
    if (version === undefined) throw new Error('the broker does not support SaslAuthenticate');
    const mechanism = createSaslClient(sasl.mechanism, sasl);
    let challenge: Buffer = Buffer.alloc(0);
    let sessionLifetimeMs = 0n;
    for (let round = 0; ; round++) {
      const token = await mechanism.evaluate(challenge);
      if (mechanism.complete) break;
      if (round === MAX_SASL_ROUNDS) throw new Error(`SASL ${sasl.mechanism} did not complete within ${MAX_SASL_ROUNDS} rounds`);
      const response = await this.send(ApiKey.SaslAuthenticate, version, createSaslAuthenticateRequest({ authBytes: token }));
      if (response.errorCode !== ErrorCode.NONE) {
        throw new SaslAuthenticationFailedError(
          `SASL authentication failed (${errorName(response.errorCode)}): ${response.errorMessage ?? ''}`,
        );
      }
      challenge = response.authBytes;
      sessionLifetimeMs = response.sessionLifetimeMs;
    }
    this.reauthenticateAtMs =
      sessionLifetimeMs > 0n ? Date.now() + Number(sessionLifetimeMs) * REAUTHENTICATE_AT_LIFETIME_FRACTION : Number.POSITIVE_INFINITY;
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

/** A TCP or TLS socket to `host:port`, connected (TLS: handshake done, server certificate checked) within `timeoutMs`. */
async function openSocket(host: string, port: number, security: ClientSecurity, timeoutMs: number): Promise<Socket> {
  const socket = security.tls ? connectTls({ host, port, ...security.tls.connectOptions(host) }) : connect({ host, port });
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`cannot connect to ${host}:${port}: timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once(security.tls ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new Error(`cannot connect to ${host}:${port}${security.tls ? ' with TLS' : ''}: ${error.message}`));
    });
  });
  return socket;
}
