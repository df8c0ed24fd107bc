import { connect } from 'node:net';
import { ServerConfig } from '@strom/config';
import { ApiKey, createMetadataResponse } from '@strom/protocol';
import { createLogger } from '@strom/runtime';
import { describe, expect, it } from 'vitest';
import { ApiRouter } from '../src/api/router.js';
import { brokerOptions } from '../src/config.js';
import { KafkaListener } from '../src/network/kafka-listener.js';
import { API_AUTHORIZATION } from '../src/security/api-authorization.js';
import { listenerFixture, testListenerOptions, until } from './listener-options.js';

const silent = createLogger('idle-expiry-test', 'silent');

/**
 * connections.max.idle.ms as Kafka's Selector applies it, over a real socket: a connection with
 * no bytes for longer is closed; any negative value turns idle expiry off (issue 13: -10 closed
 * every idle connection within a second).
 */
describe('connections.max.idle.ms', () => {
  const fixture = listenerFixture();

  /** A listener with the limits the broker takes from `connections.max.idle.ms=<value>`, and one idle client connection. */
  async function idleConnection(value: string): Promise<{ closed: () => boolean }> {
    const { limits } = brokerOptions(
      ServerConfig.resolve({ file: { path: 'server.properties', entries: { 'connections.max.idle.ms': value } } }),
    );
    const router = new ApiRouter(API_AUTHORIZATION);
    router.register(ApiKey.Metadata, () => createMetadataResponse({ clusterId: 'idle' }));
    fixture.listener = new KafkaListener(testListenerOptions(silent, { limits }), router, silent, () => createMetadataResponse() as never);
    const port = await fixture.listener.start();
    const socket = connect({ host: '127.0.0.1', port });
    fixture.sockets.push(socket);
    let closed = false;
    socket.on('close', () => (closed = true));
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    await until('the listener holds the connection', () => fixture.listener!.connectionCount === 1);
    return { closed: () => closed };
  }

  it('closes a connection idle past a positive value', async () => {
    const connection = await idleConnection('500');
    await until('the idle connection is closed', connection.closed, 3_000);
  });

  it.each(['-1', '-10'])('keeps an idle connection open with %s (idle expiry off, as any negative in Kafka)', async (value) => {
    const connection = await idleConnection(value);
    // The listener checks every second: two checks pass with the connection idle throughout.
    await new Promise((resolve) => setTimeout(resolve, 2_200));
    expect([connection.closed(), fixture.listener!.connectionCount]).toEqual([false, 1]);
  });
});
