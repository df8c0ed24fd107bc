import { lookup } from 'node:dns/promises';
import type { Socket } from 'node:net';
import type { Logger } from '@strom/runtime';
import type { ConnectionLog } from './connection-log.js';

/** Kafka's connection limits (`ConnectionQuotas`), broker-wide over every client listener. */
export interface ConnectionQuotaLimits {
  /** max.connections: open client connections; past it, new ones wait for a slot. */
  readonly maxConnections: number;
  /** max.connections.per.ip: past it, a new connection from that address is closed at once. */
  readonly maxConnectionsPerIp: number;
  /** max.connections.per.ip.overrides, by IP address. */
  readonly maxConnectionsPerIpOverrides: ReadonlyMap<string, number>;
  /** max.connection.creation.rate: new connections per second; past it, they are delayed. */
  readonly maxConnectionCreationRate: number;
  /**
   * socket.listen.backlog.size: connections waiting for a slot or for the creation rate. Kafka
   * leaves them in the kernel's accept queue; Node accepts every connection, so Strom holds them
   * paused (not read) here, which the client sees alike. Past this bound they are closed.
   */
  readonly listenBacklogSize: number;
}

interface Waiting {
  readonly socket: Socket;
  readonly ip: string;
  readonly admit: () => void;
}

/** The kinds of the rate-limited log lines, one window per kind and address (see ConnectionLog). */
const LOG_KIND_AT_LIMIT = 'max.connections reached: new connections wait for a slot';
const LOG_KIND_BACKLOG_FULL = 'connection closed: max.connections reached and socket.listen.backlog.size connections already wait';
const LOG_KIND_PER_IP = 'connection closed: max.connections.per.ip reached';

/**
 * Counts client connections and admits new ones as Kafka's acceptor does: at the broker-wide
 * limit (or above the creation rate) a connection waits until a slot frees rather than being
 * reset; above the per-address limit it is closed at once. One instance serves every listener.
 */
export class ConnectionQuotas {
  private total = 0;
  private readonly perIp = new Map<string, number>();
  private readonly waiting: Waiting[] = [];
  /** The creation rate's token bucket: refilled at the rate, holding at most one second's worth. */
  private tokens: number;
  private refilledAtMs: number;
  private rateTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly limits: ConnectionQuotaLimits,
    private readonly log: ConnectionLog,
    private readonly now: () => number = Date.now,
  ) {
    for (const [name, value, min] of [
      ['maxConnections', limits.maxConnections, 0],
      ['maxConnectionsPerIp', limits.maxConnectionsPerIp, 0],
      ['maxConnectionCreationRate', limits.maxConnectionCreationRate, 0],
      ['listenBacklogSize', limits.listenBacklogSize, 1],
    ] as const) {
      if (!(value >= min)) throw new Error(`${name} must be at least ${min}, got ${value}`);
    }
    this.tokens = limits.maxConnectionCreationRate;
    this.refilledAtMs = now();
  }

  /** Open connections that were admitted and not yet released. */
  get connectionCount(): number {
    return this.total;
  }

  /** Connections waiting for a slot or for the creation rate. */
  get waitingCount(): number {
    return this.waiting.length;
  }

  /**
   * Admits `socket` now, or later in arrival order, or closes it. `admit` runs once the
   * connection holds a slot; the caller must then {@link release} it when the socket closes.
   */
  accept(socket: Socket, admit: () => void): void {
    const ip = normalizeIp(socket.remoteAddress);
    if (this.closed || ip === undefined) {
      socket.destroy();
      return;
    }
    if (this.waiting.length === 0 && this.tryAdmit(socket, ip, admit)) return;
    if (this.waiting.length >= this.limits.listenBacklogSize) {
      this.log.info(LOG_KIND_BACKLOG_FULL, ip, { client: ip, maxConnections: this.limits.maxConnections }, LOG_KIND_BACKLOG_FULL);
      socket.destroy();
      return;
    }
    if (this.total >= this.limits.maxConnections) {
      this.log.info(LOG_KIND_AT_LIMIT, ip, { client: ip, maxConnections: this.limits.maxConnections }, LOG_KIND_AT_LIMIT);
    }
    socket.pause();
    const entry: Waiting = { socket, ip, admit };
    this.waiting.push(entry);
    socket.once('close', () => {
      const index = this.waiting.indexOf(entry);
      if (index >= 0) this.waiting.splice(index, 1);
    });
    this.scheduleRefill();
  }

  /** Gives back the slot of an admitted connection that closed. */
  release(socket: Socket, ip: string): void {
    this.total--;
    const count = (this.perIp.get(ip) ?? 1) - 1;
    if (count <= 0) this.perIp.delete(ip);
    else this.perIp.set(ip, count);
    if (this.total < 0) throw new Error(`connection count went negative releasing ${socket.remoteAddress ?? ip}`);
    this.admitWaiting();
  }

  /** Closes the waiting connections and admits no more (the broker is stopping). */
  close(): void {
    this.closed = true;
    clearTimeout(this.rateTimer);
    for (const entry of this.waiting.splice(0)) entry.socket.destroy();
  }

  /** The per-address limit that applies to `ip`. */
  maxConnectionsFor(ip: string): number {
    return this.limits.maxConnectionsPerIpOverrides.get(ip) ?? this.limits.maxConnectionsPerIp;
  }

  private tryAdmit(socket: Socket, ip: string, admit: () => void): boolean {
    if (this.total >= this.limits.maxConnections) return false;
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens--;
    const count = this.perIp.get(ip) ?? 0;
    const max = this.maxConnectionsFor(ip);
    if (count >= max) {
      this.log.info(
        LOG_KIND_PER_IP,
        ip,
        { client: ip, maxConnectionsPerIp: max },
        `Rejected connection from ${ip}, address already has the configured maximum of ${max} connections`,
      );
      socket.destroy();
      return true;
    }
    this.total++;
    this.perIp.set(ip, count + 1);
    socket.once('close', () => this.release(socket, ip));
    admit();
    return true;
  }

  private admitWaiting(): void {
    while (!this.closed && this.waiting.length > 0) {
      const entry = this.waiting[0]!;
      if (entry.socket.destroyed) {
        this.waiting.shift();
        continue;
      }
      if (!this.tryAdmit(entry.socket, entry.ip, entry.admit)) break;
      this.waiting.shift();
      entry.socket.resume();
    }
    this.scheduleRefill();
  }

  private refill(): void {
    const nowMs = this.now();
    const rate = this.limits.maxConnectionCreationRate;
    this.tokens = Math.min(rate, this.tokens + ((nowMs - this.refilledAtMs) * rate) / 1000);
    this.refilledAtMs = nowMs;
  }

  /** Waiting on the creation rate (not on a slot): admit again once a token is due. */
  private scheduleRefill(): void {
    if (this.rateTimer !== undefined || this.closed || this.waiting.length === 0) return;
    // A rate of 0 admits nothing new (Kafka's quota of 0): waiting connections stay until closed.
    if (this.limits.maxConnectionCreationRate === 0) return;
    if (this.total >= this.limits.maxConnections) return;
    this.refill();
    const delayMs = Math.max(1, Math.ceil(((1 - this.tokens) * 1000) / this.limits.maxConnectionCreationRate));
    this.rateTimer = setTimeout(() => {
      this.rateTimer = undefined;
      this.admitWaiting();
    }, delayMs);
    this.rateTimer.unref();
  }
}

/** The address a limit applies to: IPv4-mapped IPv6 addresses as IPv4. */
export function normalizeIp(address: string | undefined): string | undefined {
  if (address === undefined) return undefined;
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/**
 * Adds the addresses of max.connections.per.ip.overrides entries that name hosts (Kafka resolves
 * them with InetAddress.getByName). A host that does not resolve is logged and its override skipped.
 */
export async function withResolvedHosts(
  limits: ConnectionQuotaLimits,
  hostOverrides: ReadonlyMap<string, number>,
  logger: Logger,
): Promise<ConnectionQuotaLimits> {
  if (hostOverrides.size === 0) return limits;
  const overrides = new Map(limits.maxConnectionsPerIpOverrides);
  for (const [host, count] of hostOverrides) {
    try {
      for (const { address } of await lookup(host, { all: true })) overrides.set(normalizeIp(address)!, count);
    } catch (error) {
      logger.warn({ host, err: error }, 'max.connections.per.ip.overrides: the host does not resolve; its override does not apply');
    }
  }
  return { ...limits, maxConnectionsPerIpOverrides: overrides };
}
