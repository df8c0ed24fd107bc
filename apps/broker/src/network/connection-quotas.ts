import { lookup } from 'node:dns/promises';
import type { Socket } from 'node:net';
import type { Logger } from '@strom/runtime';
import type { ConnectionLog } from './connection-log.js';

/** The limits of one listener: its `listener.name.<l>.*` values, else the broker-wide ones (Kafka's valuesWithPrefixOverride). */
export interface ListenerQuotaLimits {
  /** max.connections as the listener sees it: its open connections; past it, new ones wait for a slot (KIP-402). */
  readonly maxConnections: number;
  /** max.connection.creation.rate as the listener sees it: its new connections per second (KIP-612). */
  readonly maxConnectionCreationRate: number;
}

/** Kafka's connection limits (`ConnectionQuotas`): broker-wide, per listener and per address. */
export interface ConnectionQuotaLimits {
  /** max.connections: open client connections over every listener; past it, new ones wait for a slot. */
  readonly maxConnections: number;
  /** max.connections.per.ip: past it, a new connection from that address is closed at once. */
  readonly maxConnectionsPerIp: number;
  /** max.connections.per.ip.overrides, by IP address. */
  readonly maxConnectionsPerIpOverrides: ReadonlyMap<string, number>;
  /** max.connection.creation.rate: new connections per second over every listener; past it, they are delayed. */
  readonly maxConnectionCreationRate: number;
  /**
   * socket.listen.backlog.size: connections of one listener waiting for a slot or for the creation
   * rate. Kafka leaves them in the kernel's accept queue of the listener's socket; Node accepts
   * every connection, so Strom holds them paused (not read) here, which the client sees alike.
   * Past this bound they are closed.
   */
  readonly listenBacklogSize: number;
  /** Each listener's own limits, by upper-cased name; a listener not named has the broker-wide ones. */
  readonly listeners: ReadonlyMap<string, ListenerQuotaLimits>;
  /**
   * The inter-broker listener when the broker has more than one listener (Kafka's protected
   * listener, KIP-402): only its own limits hold it, not the broker-wide max.connections and
   * creation rate, so that clients filling the broker cannot keep replication out; when its
   * connections push the total past max.connections, the other listeners close their least
   * recently active connections.
   */
  readonly protectedListener?: string | undefined;
}

interface Waiting {
  readonly socket: Socket;
  readonly ip: string;
  readonly admit: () => void;
}

/** A token bucket for a creation rate: refilled at the rate, holding at most one second's worth. */
class CreationRate {
  private tokens: number;
  private refilledAtMs: number;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number,
  ) {
    this.tokens = perSecond;
    this.refilledAtMs = now();
  }

  available(): boolean {
    this.refill();
    return this.tokens >= 1;
  }

  take(): void {
    this.tokens--;
  }

  /** How long until a token is due; undefined when none ever is (a rate of 0). */
  delayMs(): number | undefined {
    if (this.perSecond === 0) return undefined;
    this.refill();
    return Math.max(1, Math.ceil(((1 - this.tokens) * 1000) / this.perSecond));
  }

  private refill(): void {
    const nowMs = this.now();
    this.tokens = Math.min(this.perSecond, this.tokens + ((nowMs - this.refilledAtMs) * this.perSecond) / 1000);
    this.refilledAtMs = nowMs;
  }
}

/** One listener's count, limits and the connections waiting to be admitted on it (Kafka: its Acceptor). */
class ListenerQuota {
  count = 0;
  readonly waiting: Waiting[] = [];
  readonly rate: CreationRate;

  constructor(
    readonly name: string,
    readonly limits: ListenerQuotaLimits,
    readonly isProtected: boolean,
    now: () => number,
  ) {
    this.rate = new CreationRate(limits.maxConnectionCreationRate, now);
  }
}

/** The kinds of the rate-limited log lines, one window per kind and address (see ConnectionLog). */
const LOG_KIND_AT_LIMIT = 'max.connections reached: new connections wait for a slot';
const LOG_KIND_AT_LISTENER_LIMIT = 'listener.name.<listener>.max.connections reached: new connections on the listener wait for a slot';
const LOG_KIND_BACKLOG_FULL = 'connection closed: max.connections reached and socket.listen.backlog.size connections already wait';
const LOG_KIND_PER_IP = 'connection closed: max.connections.per.ip reached';

/**
 * Counts client connections and admits new ones as Kafka's acceptors do: at the broker-wide or the
 * listener's limit (or above either creation rate) a connection waits until a slot frees rather
 * than being reset; above the per-address limit it is closed at once. One instance serves every
 * listener; each listener has its own queue, so one at its limit does not hold up the others.
 */
export class ConnectionQuotas {
  private total = 0;
  private readonly perIp = new Map<string, number>();
  private readonly listeners = new Map<string, ListenerQuota>();
  private readonly brokerRate: CreationRate;
  private rateTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly limits: ConnectionQuotaLimits,
    private readonly log: ConnectionLog,
    private readonly now: () => number = Date.now,
  ) {
    const checked: [string, number, number][] = [
      ['maxConnections', limits.maxConnections, 0],
      ['maxConnectionsPerIp', limits.maxConnectionsPerIp, 0],
      ['maxConnectionCreationRate', limits.maxConnectionCreationRate, 0],
      ['listenBacklogSize', limits.listenBacklogSize, 1],
    ];
    for (const [name, listener] of limits.listeners) {
      checked.push([`${name} maxConnections`, listener.maxConnections, 0]);
      checked.push([`${name} maxConnectionCreationRate`, listener.maxConnectionCreationRate, 0]);
    }
    for (const [name, value, min] of checked) {
      if (!(value >= min)) throw new Error(`${name} must be at least ${min}, got ${value}`);
    }
    this.brokerRate = new CreationRate(limits.maxConnectionCreationRate, now);
  }

  /** Open connections that were admitted and not yet released, over every listener. */
  get connectionCount(): number {
    return this.total;
  }

  /** Connections waiting for a slot or for the creation rate, over every listener. */
  get waitingCount(): number {
    let waiting = 0;
    for (const listener of this.listeners.values()) waiting += listener.waiting.length;
    return waiting;
  }

  /** Open connections admitted on one listener. */
  listenerConnectionCount(listenerName: string): number {
    return this.listeners.get(listenerName)?.count ?? 0;
  }

  /**
   * Admits `socket` on the listener now, or later in arrival order, or closes it. `admit` runs
   * once the connection holds a slot; the slot is given back when the socket closes.
   */
  accept(listenerName: string, socket: Socket, admit: () => void): void {
    const ip = normalizeIp(socket.remoteAddress);
    if (this.closed || ip === undefined) {
      socket.destroy();
      return;
    }
    const listener = this.listener(listenerName);
    if (listener.waiting.length === 0 && this.tryAdmit(listener, socket, ip, admit)) return;
    if (listener.waiting.length >= this.limits.listenBacklogSize) {
      this.log.info(LOG_KIND_BACKLOG_FULL, ip, { client: ip, listener: listener.name }, LOG_KIND_BACKLOG_FULL);
      socket.destroy();
      return;
    }
    if (!listener.isProtected && this.total >= this.limits.maxConnections) {
      this.log.info(LOG_KIND_AT_LIMIT, ip, { client: ip, maxConnections: this.limits.maxConnections }, LOG_KIND_AT_LIMIT);
    } else if (listener.count >= listener.limits.maxConnections) {
      const fields = { client: ip, listener: listener.name, maxConnections: listener.limits.maxConnections };
      this.log.info(LOG_KIND_AT_LISTENER_LIMIT, ip, fields, LOG_KIND_AT_LISTENER_LIMIT);
    }
    socket.pause();
    const entry: Waiting = { socket, ip, admit };
    listener.waiting.push(entry);
    socket.once('close', () => {
      const index = listener.waiting.indexOf(entry);
      if (index >= 0) listener.waiting.splice(index, 1);
    });
    this.scheduleRefill();
  }

  /**
   * Whether the broker holds more connections than max.connections and `listenerName` is not the
   * protected one: its least recently active connection is to be closed (Kafka's Processor does so
   * on each poll while `maxConnectionsExceeded`). Only the protected listener's connections can
   * push the total past the limit.
   */
  maxConnectionsExceeded(listenerName: string): boolean {
    return this.total > this.limits.maxConnections && !this.listener(listenerName).isProtected;
  }

  /** Closes the waiting connections and admits no more (the broker is stopping). */
  close(): void {
    this.closed = true;
    clearTimeout(this.rateTimer);
    for (const listener of this.listeners.values()) for (const entry of listener.waiting.splice(0)) entry.socket.destroy();
  }

  /** The per-address limit that applies to `ip`. */
  maxConnectionsFor(ip: string): number {
    return this.limits.maxConnectionsPerIpOverrides.get(ip) ?? this.limits.maxConnectionsPerIp;
  }

  private listener(name: string): ListenerQuota {
    let listener = this.listeners.get(name);
    if (listener === undefined) {
      const own = this.limits.listeners.get(name) ?? {
        maxConnections: this.limits.maxConnections,
        maxConnectionCreationRate: this.limits.maxConnectionCreationRate,
      };
      listener = new ListenerQuota(name, own, name === this.limits.protectedListener, this.now);
      this.listeners.set(name, listener);
    }
    return listener;
  }

  /** Kafka's connectionSlotAvailable: below the listener's limit, and below the broker's unless protected. */
  private slotAvailable(listener: ListenerQuota): boolean {
    if (listener.count >= listener.limits.maxConnections) return false;
    return listener.isProtected || this.total < this.limits.maxConnections;
  }

  private rateAllows(listener: ListenerQuota): boolean {
    return listener.rate.available() && (listener.isProtected || this.brokerRate.available());
  }

  private tryAdmit(listener: ListenerQuota, socket: Socket, ip: string, admit: () => void): boolean {
    if (!this.slotAvailable(listener) || !this.rateAllows(listener)) return false;
    listener.rate.take();
    if (!listener.isProtected) this.brokerRate.take();
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
    listener.count++;
    this.perIp.set(ip, count + 1);
    socket.once('close', () => this.release(listener, socket, ip));
    admit();
    return true;
  }

  /** Gives back the slot of an admitted connection that closed. */
  private release(listener: ListenerQuota, socket: Socket, ip: string): void {
    this.total--;
    listener.count--;
    const count = (this.perIp.get(ip) ?? 1) - 1;
    if (count <= 0) this.perIp.delete(ip);
    else this.perIp.set(ip, count);
    if (this.total < 0 || listener.count < 0) throw new Error(`connection count went negative releasing ${socket.remoteAddress ?? ip}`);
    this.admitWaiting();
  }

  /** Admits waiting connections, one listener after the other, each in arrival order, while slots and the rates allow. */
  private admitWaiting(): void {
    let admitted = true;
    while (!this.closed && admitted) {
      admitted = false;
      for (const listener of this.listeners.values()) {
        const entry = listener.waiting[0];
        if (entry === undefined) continue;
        if (entry.socket.destroyed) {
          listener.waiting.shift();
          admitted = true;
          continue;
        }
        if (!this.tryAdmit(listener, entry.socket, entry.ip, entry.admit)) continue;
        listener.waiting.shift();
        entry.socket.resume();
        admitted = true;
      }
    }
    this.scheduleRefill();
  }

  /** Connections waiting on a creation rate (not on a slot): admit again once the first token is due. */
  private scheduleRefill(): void {
    if (this.rateTimer !== undefined || this.closed) return;
    let delayMs: number | undefined;
    for (const listener of this.listeners.values()) {
      if (listener.waiting.length === 0 || !this.slotAvailable(listener)) continue;
      // A rate of 0 admits nothing new (Kafka's quota of 0): such connections stay until closed.
      const due = [listener.rate.delayMs(), listener.isProtected ? 1 : this.brokerRate.delayMs()];
      if (due.includes(undefined)) continue;
      const listenerDelayMs = Math.max(...(due as number[]));
      delayMs = delayMs === undefined ? listenerDelayMs : Math.min(delayMs, listenerDelayMs);
    }
    if (delayMs === undefined) return;
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
