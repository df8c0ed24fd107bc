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

  it('at max.connections a new connection waits for a slot instead of being reset, then is served', async () => {
    const { port, quotas } = await start({ maxConnections: 3 });
    const served = await Promise.all([open(port), open(port), open(port)]);
    served.forEach((client, i) => client.ask(i + 1));
    await until('the first three are answered', () => served.every((client) => client.answers.length === 1));

    const fourth = await open(port);
    fourth.ask(4);
    await settle();
    expect(fourth.answers).toEqual([]);
    expect(fourth.closed).toBe(false);
    expect(quotas.waitingCount).toBe(1);

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
    sockets.forEach((socket, i) => quotas.accept(socket as never, () => admitted.push(i)));
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

  it('counts an IPv4-mapped IPv6 address as its IPv4 address', () => {
    const quotas = new ConnectionQuotas(
      { ...kafkaDefaults.connectionQuotas, maxConnectionsPerIp: 1, maxConnectionsPerIpOverrides: new Map([['10.0.0.1', 2]]) },
      new ConnectionLog(silent),
    );
    const sockets = [new FakeSocket('::ffff:10.0.0.1'), new FakeSocket('10.0.0.1'), new FakeSocket('::ffff:10.0.0.1')];
    sockets.forEach((socket) => quotas.accept(socket as never, () => undefined));
    expect(sockets.map((socket) => socket.destroyed)).toEqual([false, false, true]);
    quotas.close();
  });
});
