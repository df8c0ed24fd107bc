/**
 * Issue 13.4 end to end: Kafka's connection limits read from a server.properties by embedded
 * Strom, over real sockets. `max.connections.per.ip=10` was accepted and ignored (50 of 50
 * connections stayed open); per-listener limits (`listener.name.<l>.max.connections`, KIP-402)
 * were warned about and ignored.
 */
import { connect, type Socket } from 'node:net';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BrokerService } from '@strom/broker';
import { ApiKey, createMetadataRequest, decodeResponse, encodeRequestFrame, FrameReader } from '@strom/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStrom, type EmbeddedStrom } from './embedded-harness.js';
import { writeServerProperties } from './sasl-support.js';

/** A client connection from a chosen loopback address that asks Metadata and counts the answers. */
class Client {
  answers = 0;
  closed = false;
  private readonly reader = new FrameReader({ maxFrameBytes: 1 << 20 });

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.reader.push(chunk)) {
        decodeResponse(ApiKey.Metadata, 12, frame);
        this.answers++;
      }
    });
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => undefined);
  }

  static async open(port: number, localAddress = '127.0.0.1'): Promise<Client> {
    const socket = connect({ host: '127.0.0.1', port, localAddress });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    return new Client(socket);
  }

  ask(): void {
    this.socket.write(
      encodeRequestFrame(
        { apiKey: ApiKey.Metadata, apiVersion: 12, correlationId: 1, clientId: 'limits' },
        createMetadataRequest({ topics: [] }),
      ),
    );
  }
}

async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(10);
  }
}

describe('connection limits from server.properties (embedded Strom, two listeners)', () => {
  let strom: EmbeddedStrom;
  let propsPath: string;
  let ports: Map<string, number>;
  const clients: Client[] = [];

  beforeAll(async () => {
    propsPath = writeServerProperties([
      'listeners=INTERNAL://127.0.0.1:0,EXTERNAL://127.0.0.1:0',
      'listener.security.protocol.map=INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT',
      'inter.broker.listener.name=INTERNAL',
      'max.connections.per.ip=10',
      // The test's own address is not held to 10; 127.0.0.2 (loopback too) is.
      'max.connections.per.ip.overrides=127.0.0.1:1000',
      'listener.name.external.max.connections=2',
    ]);
    strom = await startEmbeddedStrom([], undefined, propsPath);
    ports = new Map(strom.running.app.get(BrokerService).boundListeners.map((listener) => [listener.name, listener.port]));
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.socket.destroy();
  });
  afterAll(async () => {
    await strom?.stop();
    if (propsPath) rmSync(dirname(propsPath), { recursive: true, force: true });
  });

  async function open(listener: string, localAddress?: string): Promise<Client> {
    const client = await Client.open(ports.get(listener)!, localAddress);
    clients.push(client);
    return client;
  }

  it('max.connections.per.ip=10: of 50 connections from one address, 10 stay open and are served', async () => {
    const opened = await Promise.all(Array.from({ length: 50 }, () => open('INTERNAL', '127.0.0.2')));
    await until('40 are closed', () => opened.filter((client) => client.closed).length === 40);
    const kept = opened.filter((client) => !client.closed);
    kept.forEach((client) => client.ask());
    await until('the 10 kept are answered', () => kept.every((client) => client.answers === 1));
    expect(kept).toHaveLength(10);
  });

  it('listener.name.external.max.connections=2: the third EXTERNAL connection waits for a slot while INTERNAL keeps serving', async () => {
    const external = [await open('EXTERNAL'), await open('EXTERNAL')];
    const third = await open('EXTERNAL');
    third.ask();
    const internal = await Promise.all(Array.from({ length: 5 }, () => open('INTERNAL')));
    internal.forEach((client) => client.ask());
    await until('INTERNAL answers', () => internal.every((client) => client.answers === 1));
    await sleep(200);
    expect([third.answers, third.closed]).toEqual([0, false]);
    external[0]!.socket.destroy();
    await until('the third is answered once a slot frees', () => third.answers === 1);
  });
});
