import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import { ApiKey, createMetadataRequest, createMetadataResponse, decodeResponse, encodeRequestFrame, FrameReader } from '@strom/protocol';
import { createLogger, type Logger } from '@strom/runtime';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiRouter } from '../src/api/router.js';
import { API_AUTHORIZATION } from '../src/security/api-authorization.js';
import { ConnectionLog } from '../src/network/connection-log.js';
import { ConnectionQuotas, type ConnectionQuotaLimits } from '../src/network/connection-quotas.js';
import { KafkaListener } from '../src/network/kafka-listener.js';
import { kafkaDefaults, testListenerOptions, until } from './listener-options.js';

const silent = createLogger('connection-quotas-test', 'silent');

/** A client connection that sends Metadata requests and collects the answers. */
class Client {
  readonly answers: number[] = [];
  closed = false;
  private readonly reader = new FrameReader({ maxFrameBytes: 1 << 20 });

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.reader.push(chunk)) this.answers.push(decodeResponse(ApiKey.Metadata, 12, frame).header.correlationId);
    });
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => undefined);
  }

  static async open(port: number): Promise<Client> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    return new Client(socket);
  }

  ask(correlationId: number): void {
    this.socket.write(
      encodeRequestFrame({ apiKey: ApiKey.Metadata, apiVersion: 12, correlationId, clientId: 't' }, createMetadataRequest({ topics: [] })),
    );
  }
}

/** Waits long enough for an answer the broker would send at once to have arrived. */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 200));

describe('connection limits over real sockets (Kafka: ConnectionQuotas)', () => {
  let listener: KafkaListener | undefined;
  const clients: Client[] = [];

  afterEach(async () => {
    for (const client of clients.splice(0)) client.socket.destroy();
    await listener?.stop(100);
    listener = undefined;
  });

  async function start(
    quotas: Partial<ConnectionQuotaLimits>,
    logger: Logger = silent,
  ): Promise<{ port: number; quotas: ConnectionQuotas }> {
    const router = new ApiRouter(API_AUTHORIZATION);
    router.register(ApiKey.Metadata, () => createMetadataResponse({ clusterId: 'quotas' }));
    const options = testListenerOptions(logger, { quotas });
    listener = new KafkaListener(options, router, logger, () => createMetadataResponse() as never);
    return { port: await listener.start(), quotas: options.quotas };
  }

  async function open(port: number): Promise<Client> {
    const client = await Client.open(port);
    clients.push(client);
    return client;
  }

  it('at max.connections a new connection waits for a slot instead of being reset, then is served; the wait is logged', async () => {
    const lines: string[] = [];
    const logger = createLogger('quotas', 'info', { write: (line: string) => lines.push(line) } as never);
    const { port, quotas } = await start({ maxConnections: 3 }, logger);
    const served = await Promise.all([open(port), open(port), open(port)]);
    served.forEach((client, i) => client.ask(i + 1));
    await until('the first three are answered', () => served.every((client) => client.answers.length === 1));

    const fourth = await open(port);
    fourth.ask(4);
    await settle();
    expect(fourth.answers).toEqual([]);
    expect(fourth.closed).toBe(false);
    expect(quotas.waitingCount).toBe(1);
    expect(lines.filter((line) => line.includes('"msg":"max.connections reached: new connections wait for a slot"'))).toHaveLength(1);

    served[0]!.socket.destroy();
    await until('the fourth is answered once a slot frees', () => fourth.answers.length === 1);
    expect(fourth.answers).toEqual([4]);
    expect(quotas.connectionCount).toBe(3);
  });

  it('closes connections past socket.listen.backlog.size waiting ones', async () => {
    const { port, quotas } = await start({ maxConnections: 1, listenBacklogSize: 2 });
    const first = await open(port);
    const waiting = [await open(port), await open(port)];
    await until('two wait', () => quotas.waitingCount === 2);
    const dropped = await open(port);
    await until('the one past the backlog is closed', () => dropped.closed);
    expect(first.closed).toBe(false);
    expect(waiting.map((client) => client.closed)).toEqual([false, false]);
  });

  it('closes a connection past max.connections.per.ip at once, honours the overrides, and logs it rate-limited', async () => {
    const lines: string[] = [];
    const logger = createLogger('quotas', 'info', { write: (line: string) => lines.push(line) } as never);
    const { port } = await start({ maxConnectionsPerIp: 2 }, logger);
    const kept = [await open(port), await open(port)];
    const refused = await Promise.all(Array.from({ length: 12 }, () => open(port)));
    await until('every connection past the limit is closed', () => refused.every((client) => client.closed));
    kept.forEach((client, i) => client.ask(i));
    await until('the first two are still served', () => kept.every((client) => client.answers.length === 1));
    const rejections = lines.filter((line) => line.includes('already has the configured maximum of 2 connections'));
    expect(rejections.length).toBeGreaterThan(0);
    expect(rejections.length).toBeLessThanOrEqual(5);
  });

  it('max.connections.per.ip.overrides raises the limit of one address', async () => {
    const { port } = await start({ maxConnectionsPerIp: 1, maxConnectionsPerIpOverrides: new Map([['127.0.0.1', 3]]) });
    const kept = [await open(port), await open(port), await open(port)];
    const fourth = await open(port);
    await until('the fourth is closed', () => fourth.closed);
    kept.forEach((client, i) => client.ask(i));
    await until('three are served', () => kept.every((client) => client.answers.length === 1));
  });
});

describe('per-listener connection limits over real sockets (Kafka: KIP-402 ListenerConnectionQuota, protected inter-broker listener)', () => {
  const listeners: KafkaListener[] = [];
  const clients: Client[] = [];

  afterEach(async () => {
    for (const client of clients.splice(0)) client.socket.destroy();
    await Promise.all(listeners.splice(0).map((listener) => listener.stop(100)));
  });

  /** INTERNAL and EXTERNAL listeners sharing one ConnectionQuotas, as the broker has them. */
  async function startTwo(
    limits: Partial<ConnectionQuotaLimits>,
    logger: Logger = silent,
  ): Promise<{ internal: number; external: number; quotas: ConnectionQuotas }> {
    const connectionLog = new ConnectionLog(logger);
    const quotas = new ConnectionQuotas({ ...kafkaDefaults.connectionQuotas, listeners: new Map(), ...limits }, connectionLog);
    const ports: number[] = [];
    for (const name of ['INTERNAL', 'EXTERNAL']) {
      const router = new ApiRouter(API_AUTHORIZATION);
      router.register(ApiKey.Metadata, () => createMetadataResponse({ clusterId: name }));
      const listener = new KafkaListener(
        { ...testListenerOptions(logger, { name, connectionLog }), quotas },
        router,
        logger,
        () => createMetadataResponse() as never,
      );
      listeners.push(listener);
      ports.push(await listener.start());
    }
    return { internal: ports[0]!, external: ports[1]!, quotas };
  }

  async function open(port: number): Promise<Client> {
    const client = await Client.open(port);
    clients.push(client);
    return client;
  }

  it("listener.name.<l>.max.connections: at the listener's limit its new connections wait for a slot, while the other listener keeps accepting", async () => {
    const lines: string[] = [];
    const logger = createLogger('quotas', 'info', { write: (line: string) => lines.push(line) } as never);
    const { internal, external, quotas } = await startTwo(
      { listeners: new Map([['EXTERNAL', { maxConnections: 2, maxConnectionCreationRate: 2_147_483_647 }]]) },
      logger,
    );
    const outside = [await open(external), await open(external)];
    const third = await open(external);
    third.ask(3);
    const inside = await Promise.all([open(internal), open(internal), open(internal)]);
    inside.forEach((client, i) => client.ask(10 + i));
    await until('the INTERNAL connections are answered', () => inside.every((client) => client.answers.length === 1));
    await settle();
    expect([third.answers, third.closed, quotas.waitingCount]).toEqual([[], false, 1]);
    expect([quotas.listenerConnectionCount('EXTERNAL'), quotas.listenerConnectionCount('INTERNAL')]).toEqual([2, 3]);
    expect(lines.filter((line) => line.includes('listener.name.<listener>.max.connections reached'))).toHaveLength(1);
    expect(lines.some((line) => line.includes('"listener":"EXTERNAL"'))).toBe(true);

    outside[0]!.socket.destroy();
    await until('the third EXTERNAL connection is answered once a slot on its listener frees', () => third.answers.length === 1);
    expect(quotas.listenerConnectionCount('EXTERNAL')).toBe(2);
  });

  it('one listener waiting on its own limit does not hold up connections to another listener waiting on max.connections', async () => {
    const { internal, external, quotas } = await startTwo({
      maxConnections: 3,
      listeners: new Map([['EXTERNAL', { maxConnections: 1, maxConnectionCreationRate: 2_147_483_647 }]]),
    });
    const first = await open(external);
    const externalWaiting = await open(external);
    const inside = [await open(internal), await open(internal)];
    const insideWaiting = await open(internal);
    insideWaiting.ask(1);
    externalWaiting.ask(2);
    await until('two wait', () => quotas.waitingCount === 2);
    inside[0]!.socket.destroy();
    await until('the INTERNAL one takes the freed broker-wide slot', () => insideWaiting.answers.length === 1);
    await settle();
    expect([externalWaiting.answers, externalWaiting.closed]).toEqual([[], false]);
    first.socket.destroy();
    await until('the EXTERNAL one follows once its listener has a slot', () => externalWaiting.answers.length === 1);
  });

  it('the inter-broker listener is not held to max.connections; past it the other listeners close their least recently active connection', async () => {
    const { internal, external, quotas } = await startTwo({ maxConnections: 2, protectedListener: 'INTERNAL' });
    const idle = await open(external);
    const busy = await open(external);
    busy.ask(1);
    await until('answered', () => busy.answers.length === 1);
    const replication = [await open(internal), await open(internal)];
    replication.forEach((client, i) => client.ask(10 + i));
    await until('the inter-broker connections are served at once', () => replication.every((client) => client.answers.length === 1));
    expect(quotas.connectionCount).toBe(4);
    await until('EXTERNAL closes connections until the broker is back at max.connections', () => quotas.connectionCount === 2, 5_000);
    expect([idle.closed, replication.map((client) => client.closed)]).toEqual([true, [false, false]]);
    const late = await open(external);
    late.ask(2);
    await settle();
    expect([late.answers, late.closed]).toEqual([[], false]);
  });
});

/** A stand-in socket for the rate test: admission only needs its address, pause/resume and close. */
class FakeSocket extends EventEmitter {
  destroyed = false;
  paused = false;
  constructor(readonly remoteAddress = '::ffff:10.0.0.1') {
    super();
  }
  pause(): this {
    this.paused = true;
    return this;
  }
  resume(): this {
    this.paused = false;
    return this;
  }
  destroy(): this {
    if (!this.destroyed) {
      this.destroyed = true;
      this.emit('close');
    }
    return this;
  }
}

describe('max.connection.creation.rate', () => {
  afterEach(() => vi.useRealTimers());

  it('delays connections past the rate instead of refusing them, admitting them in order as the rate allows', () => {
    vi.useFakeTimers({ now: 0 });
    const quotas = new ConnectionQuotas(
      { ...kafkaDefaults.connectionQuotas, maxConnectionCreationRate: 2 },
      new ConnectionLog(silent),
      () => Date.now(),
    );
    const admitted: number[] = [];
    const sockets = Array.from({ length: 6 }, () => new FakeSocket());
    sockets.forEach((socket, i) => quotas.accept('PLAINTEXT', socket as never, () => admitted.push(i)));
    expect(admitted).toEqual([0, 1]);
    expect(sockets.slice(2).every((socket) => socket.paused && !socket.destroyed)).toBe(true);
    vi.advanceTimersByTime(500);
    expect(admitted).toEqual([0, 1, 2]);
    vi.advanceTimersByTime(1000);
    expect(admitted).toEqual([0, 1, 2, 3, 4]);
    vi.advanceTimersByTime(500);
    expect(admitted).toEqual([0, 1, 2, 3, 4, 5]);
    expect(sockets.every((socket) => !socket.paused && !socket.destroyed)).toBe(true);
    expect(quotas.connectionCount).toBe(6);
    for (const socket of sockets) socket.destroy();
    expect(quotas.connectionCount).toBe(0);
    quotas.close();
  });

  it("listener.name.<l>.max.connection.creation.rate delays that listener's connections only (KIP-612)", () => {
    vi.useFakeTimers({ now: 0 });
    const quotas = new ConnectionQuotas(
      { ...kafkaDefaults.connectionQuotas, listeners: new Map([['EXTERNAL', { maxConnections: 100, maxConnectionCreationRate: 1 }]]) },
      new ConnectionLog(silent),
      () => Date.now(),
    );
    const admitted: string[] = [];
    for (const name of ['EXTERNAL', 'INTERNAL']) {
      for (let i = 0; i < 3; i++) quotas.accept(name, new FakeSocket() as never, () => admitted.push(`${name}-${i}`));
    }
    expect(admitted).toEqual(['EXTERNAL-0', 'INTERNAL-0', 'INTERNAL-1', 'INTERNAL-2']);
    vi.advanceTimersByTime(999);
    expect(admitted).toHaveLength(4);
    vi.advanceTimersByTime(1);
    expect(admitted.slice(4)).toEqual(['EXTERNAL-1']);
    vi.advanceTimersByTime(1000);
    expect(admitted.slice(4)).toEqual(['EXTERNAL-1', 'EXTERNAL-2']);
    quotas.close();
  });

  it('the protected inter-broker listener is not held to the broker-wide creation rate', () => {
    vi.useFakeTimers({ now: 0 });
    const quotas = new ConnectionQuotas(
      { ...kafkaDefaults.connectionQuotas, maxConnectionCreationRate: 1, listeners: new Map(), protectedListener: 'INTERNAL' },
      new ConnectionLog(silent),
      () => Date.now(),
    );
    const admitted: string[] = [];
    for (const name of ['EXTERNAL', 'INTERNAL']) {
      for (let i = 0; i < 2; i++) quotas.accept(name, new FakeSocket() as never, () => admitted.push(`${name}-${i}`));
    }
    expect(admitted).toEqual(['EXTERNAL-0', 'INTERNAL-0']);
    quotas.close();
  });

  it('counts an IPv4-mapped IPv6 address as its IPv4 address', () => {
    const quotas = new ConnectionQuotas(
      { ...kafkaDefaults.connectionQuotas, maxConnectionsPerIp: 1, maxConnectionsPerIpOverrides: new Map([['10.0.0.1', 2]]) },
      new ConnectionLog(silent),
    );
    const sockets = [new FakeSocket('::ffff:10.0.0.1'), new FakeSocket('10.0.0.1'), new FakeSocket('::ffff:10.0.0.1')];
    sockets.forEach((socket) => quotas.accept('PLAINTEXT', socket as never, () => undefined));
    expect(sockets.map((socket) => socket.destroyed)).toEqual([false, false, true]);
    quotas.close();
  });
});
