import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import type { ApiKey, ResponseBodies } from '@strom/protocol';
import { listenFailure, type Logger } from '@strom/runtime';
import { KafkaConnection, type ConnectionSecurity } from './connection.js';
import type { ConnectionLog } from './connection-log.js';
import type { RequestStats } from './request-stats.js';
import type { ConnectionQuotas } from './connection-quotas.js';
import type { ConnectionLimits } from './limits.js';
import { ReadTurns } from './read-turns.js';
import type { RequestMemoryPool } from './request-memory-pool.js';
import type { RequestHandler } from './request-handler.js';

export interface ListenerOptions {
  /** The listener name (upper-cased), carried by every connection's ClientContext. */
  name: string;
  host: string;
  port: number;
  limits: ConnectionLimits;
  /** The broker's connection limits (max.connections and the rest), shared by its listeners. */
  quotas: ConnectionQuotas;
  /** The bound on the bytes of requests being read (queued.max.request.bytes), shared likewise. */
  requestMemory: RequestMemoryPool;
  /** The event loop's read budget per turn, shared likewise; without it the listener makes its own from `limits`. */
  readTurns?: ReadTurns;
  /** The rate-limited per-connection info lines, shared likewise. */
  connectionLog: ConnectionLog;
  /** Request counts and times, shared likewise; none are kept without it. */
  requestStats?: RequestStats;
  /** The listener's security protocol; PLAINTEXT when not given. */
  security?: ConnectionSecurity;
}

const timeoutCheckIntervalMs = 1000;
/** The kind of the rate-limited line for a TLS connection that never got to Kafka's protocol. */
const LOG_KIND_TLS_FAILED = 'TLS handshake failed';
/** Node's longest timer (2^31 - 1 ms, about 24.8 days); a longer one warns and is cut to it. */
const LONGEST_TIMER_MS = 2 ** 31 - 1;
/** Connections that may wait for the broker to finish starting. */
const MAX_WAITING_SOCKETS = 1024;

/**
 * The Kafka TCP listener: accepts connections and hands each to a {@link KafkaConnection}.
 *
 * On SSL and SASL_SSL the TCP connection is admitted by the connection quotas first and only
 * then handed to a TLS server that never listens itself (`tls.Server`'s documented
 * `emit('connection', socket)`); the Kafka connection is made once the handshake is done, so no
 * Kafka bytes are read before it. Counting at TCP accept is Kafka's order too (its Acceptor counts
 * before the Processor's handshake), and it bounds the handshakes in progress, which cost CPU
 * and memory, by max.connections and max.connections.per.ip.
 */
export class KafkaListener {
  private server?: Server;
  private tlsServer?: TlsServer;
  /** Admitted TCP connections whose TLS handshake is in progress, by `ip:port`. */
  private readonly handshaking = new Map<string, Socket>();
  private opened = false;
  private readonly waiting: Socket[] = [];
  private readonly connections = new Set<KafkaConnection>();
  private nextConnectionId = 1;
  private timer?: NodeJS.Timeout;
  private readonly readTurns: ReadTurns;

  constructor(
    private readonly options: ListenerOptions,
    private readonly handler: RequestHandler,
    private readonly logger: Logger,
    private readonly supportedApiVersions: () => ResponseBodies[typeof ApiKey.ApiVersions],
  ) {
    this.readTurns = options.readTurns ?? new ReadTurns(options.limits.readBytesPerTurn);
  }

  /**
   * Binds the port; resolves with it (useful with port 0). With `holdConnections`, accepted
   * sockets wait until {@link open} (the broker registers the bound port before it is ready).
   */
  async start(options: { holdConnections?: boolean } = {}): Promise<number> {
    this.opened = !options.holdConnections;
    this.tlsServer = this.createTlsServer();
    const server = createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      const failed = (error: unknown): void => reject(listenFailure(error, 'Kafka listener', this.options.host, this.options.port));
      server.once('error', failed);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', failed);
        resolve();
      });
    });
    this.timer = setInterval(() => {
      const now = Date.now();
      for (const connection of this.connections) connection.checkTimeouts(now);
      this.closeLeastRecentlyActiveOverLimit();
      this.options.connectionLog.sweep();
    }, timeoutCheckIntervalMs);
    this.timer.unref();
    const address = server.address();
    return typeof address === 'object' && address !== null ? address.port : this.options.port;
  }

  /** Stops accepting, lets in-flight requests finish (bounded), closes every connection. */
  async stop(drainTimeoutMs: number): Promise<void> {
    clearInterval(this.timer);
    const server = this.server;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.waiting.splice(0)) socket.destroy();
    for (const socket of this.handshaking.values()) socket.destroy();
    await Promise.all([...this.connections].map((connection) => connection.drain(drainTimeoutMs)));
    for (const connection of this.connections) connection.close('broker stopping');
    await closed;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Bytes of incomplete request frames held over every connection. */
  get bufferedRequestBytes(): number {
    let bytes = 0;
    for (const connection of this.connections) bytes += connection.bufferedRequestBytes;
    return bytes;
  }

  /** Over every connection: requests waiting for their answer, and answers waiting for their turn (Kafka's RequestQueueSize, ResponseQueueSize). */
  queueDepth(): { requests: number; responses: number } {
    const depth = { requests: 0, responses: 0 };
    for (const connection of this.connections) {
      const { requests, responses } = connection.queueDepth();
      depth.requests += requests;
      depth.responses += responses;
    }
    return depth;
  }

  /**
   * Starts serving the connections: until then (the broker is still registering and loading its
   * logs) accepted sockets wait, paused, instead of being answered by a half-ready broker.
   */
  open(): void {
    if (this.opened) return;
    this.opened = true;
    for (const socket of this.waiting.splice(0)) {
      if (!socket.destroyed) this.accept(socket);
    }
  }

  /**
   * Kafka's Processor: while the inter-broker listener's connections hold the broker past
   * max.connections, every other listener closes its least recently active connection, one per check.
   */
  private closeLeastRecentlyActiveOverLimit(): void {
    if (!this.options.quotas.maxConnectionsExceeded(this.options.name)) return;
    let oldest: KafkaConnection | undefined;
    for (const connection of this.connections) {
      if (oldest === undefined || connection.lastActiveAtMs < oldest.lastActiveAtMs) oldest = connection;
    }
    oldest?.close('max.connections exceeded: least recently active connection closed');
  }

  private accept(socket: Socket): void {
    if (!this.opened) {
      socket.pause();
      if (this.waiting.length >= MAX_WAITING_SOCKETS) socket.destroy();
      else this.waiting.push(socket);
      return;
    }
    this.options.quotas.accept(this.options.name, socket, () => this.serve(socket));
  }

  private serve(socket: Socket): void {
    if (this.tlsServer === undefined) {
      this.connect(socket);
      return;
    }
    const key = `${socket.remoteAddress}:${socket.remotePort}`;
    this.handshaking.set(key, socket);
    socket.once('close', () => {
      // Node closes a client whose certificate it refused without telling the server object.
      if (this.handshaking.delete(key)) this.tlsFailed(socket.remoteAddress, key, 'connection closed before the TLS handshake completed');
    });
    this.tlsServer.emit('connection', socket);
  }

  private createTlsServer(): TlsServer | undefined {
    const ssl = this.options.security?.ssl;
    if (ssl === undefined) return undefined;
    // Kafka bounds a connection stuck in its handshake by connections.max.idle.ms, like any other;
    // with idle expiry off (Infinity) Node's longest timer stands in: it throws on Infinity.
    const handshakeTimeout = Math.min(this.options.limits.idleTimeoutMs, LONGEST_TIMER_MS);
    const server = createTlsServer({ ...ssl.serverOptions, handshakeTimeout });
    server.on('secureConnection', (socket: TLSSocket) => this.secured(socket));
    server.on('tlsClientError', (error: Error & { code?: string }, socket: TLSSocket) => {
      const key = `${socket.remoteAddress}:${socket.remotePort}`;
      this.handshaking.delete(key);
      this.tlsFailed(socket.remoteAddress, key, error.code ?? error.message);
      socket.destroy();
    });
    return server;
  }

  /** The handshake is done: check the client certificate, take the principal, start Kafka's protocol. */
  private secured(socket: TLSSocket): void {
    const key = `${socket.remoteAddress}:${socket.remotePort}`;
    this.handshaking.delete(key);
    const ssl = this.options.security!.ssl!;
    if (ssl.clientAuth !== 'none' && socket.getPeerX509Certificate() !== undefined && !socket.authorized) {
      this.tlsFailed(socket.remoteAddress, key, `client certificate refused: ${String(socket.authorizationError)}`);
      socket.destroy();
      return;
    }
    let principal: string | undefined;
    if (this.options.security!.protocol === 'SSL') {
      try {
        principal = ssl.principalOf(socket);
      } catch (error) {
        this.tlsFailed(socket.remoteAddress, key, `no principal for the client certificate: ${(error as Error).message}`);
        socket.destroy();
        return;
      }
    }
    this.connect(socket, principal);
  }

  private tlsFailed(address: string | undefined, client: string, reason: string): void {
    this.options.connectionLog.info(LOG_KIND_TLS_FAILED, address ?? client, { client, reason }, LOG_KIND_TLS_FAILED);
  }

  private connect(socket: Socket, principal?: string): void {
    const connection = new KafkaConnection(
      socket,
      this.nextConnectionId++,
      this.handler,
      this.options.limits,
      this.logger,
      this.options.connectionLog,
      this.supportedApiVersions,
      this.options.requestMemory,
      this.readTurns,
      this.options.requestStats,
      this.options.name,
      this.options.security,
      principal,
    );
    this.connections.add(connection);
    socket.on('close', () => this.connections.delete(connection));
    socket.resume();
  }
}
