import { createServer, type Server, type Socket } from 'node:net';
import type { ApiKey, ResponseBodies } from '@strom/protocol';
import type { Logger } from '@strom/runtime';
import { KafkaConnection, type ConnectionSecurity } from './connection.js';
import type { ConnectionLog } from './connection-log.js';
import type { ConnectionQuotas } from './connection-quotas.js';
import type { ConnectionLimits } from './limits.js';
import type { RequestMemoryPool } from './request-memory-pool.js';
import type { RequestHandler } from './request-handler.js';

export interface ListenerOptions {
  host: string;
  port: number;
  limits: ConnectionLimits;
  /** The broker's connection limits (max.connections and the rest), shared by its listeners. */
  quotas: ConnectionQuotas;
  /** The bound on the bytes of requests being read (queued.max.request.bytes), shared likewise. */
  requestMemory: RequestMemoryPool;
  /** The rate-limited per-connection info lines, shared likewise. */
  connectionLog: ConnectionLog;
  /** The listener's security protocol; PLAINTEXT when not given. */
  security?: ConnectionSecurity;
}

const timeoutCheckIntervalMs = 1000;
/** Connections that may wait for the broker to finish starting. */
const MAX_WAITING_SOCKETS = 1024;

/** The Kafka TCP listener: accepts connections and hands each to a {@link KafkaConnection}. */
export class KafkaListener {
  private server?: Server;
  private opened = false;
  private readonly waiting: Socket[] = [];
  private readonly connections = new Set<KafkaConnection>();
  private nextConnectionId = 1;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly options: ListenerOptions,
    private readonly handler: RequestHandler,
    private readonly logger: Logger,
    private readonly supportedApiVersions: () => ResponseBodies[typeof ApiKey.ApiVersions],
  ) {}

  /**
   * Binds the port; resolves with it (useful with port 0). With `holdConnections`, accepted
   * sockets wait until {@link open} (the broker registers the bound port before it is ready).
   */
  async start(options: { holdConnections?: boolean } = {}): Promise<number> {
    this.opened = !options.holdConnections;
    const server = createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.timer = setInterval(() => {
      const now = Date.now();
      for (const connection of this.connections) connection.checkTimeouts(now);
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

  private accept(socket: Socket): void {
    if (!this.opened) {
      socket.pause();
      if (this.waiting.length >= MAX_WAITING_SOCKETS) socket.destroy();
      else this.waiting.push(socket);
      return;
    }
    this.options.quotas.accept(socket, () => this.serve(socket));
  }

  private serve(socket: Socket): void {
    const connection = new KafkaConnection(
      socket,
      this.nextConnectionId++,
      this.handler,
      this.options.limits,
      this.logger,
      this.options.connectionLog,
      this.supportedApiVersions,
      this.options.requestMemory,
      this.options.security,
    );
    this.connections.add(connection);
    socket.on('close', () => this.connections.delete(connection));
    socket.resume();
  }
}
