import { connect } from 'node:net';
import { ApiKey, createMetadataResponse, createProduceResponse, decodeResponse, FrameReader } from '@strom/protocol';
import { createLogger } from '@strom/runtime';
import { describe, expect, it } from 'vitest';
import { ApiRouter } from '../src/api/router.js';
import { API_AUTHORIZATION } from '../src/security/api-authorization.js';
import { KafkaListener } from '../src/network/kafka-listener.js';
import { RequestMemoryPool } from '../src/network/request-memory-pool.js';
import { produceRequestFrame, listenerFixture, testListenerOptions } from './listener-options.js';

const logger = createLogger('request-memory-test', 'silent');
const MiB = 1024 * 1024;

describe('RequestMemoryPool (queued.max.request.bytes, non-strict as Kafka)', () => {
  it('grants while any memory is left, then makes waiters wait in order until releases leave some', () => {
    const pool = new RequestMemoryPool(100);
    expect(pool.tryReserve(90)).toBe(true);
    expect(pool.tryReserve(90)).toBe(true); // 10 left: granted, the pool goes below zero
    expect(pool.tryReserve(1)).toBe(false);
    expect(pool.reservedBytes).toBe(180);
    const granted: string[] = [];
    pool.waitForMemory(() => (pool.tryReserve(50) ? (granted.push('a'), true) : false));
    pool.waitForMemory(() => (pool.tryReserve(50) ? (granted.push('b'), true) : false));
    pool.release(90); // 10 left: a gets it, then nothing is left for b
    expect(granted).toEqual(['a']);
    pool.release(90);
    expect(granted).toEqual(['a', 'b']);
    expect(pool.reservedBytes).toBe(100);
    expect(() => pool.release(101)).toThrow(/released more than was reserved/);
  });

  it('is unbounded at -1 and refuses other non-positive capacities', () => {
    const pool = new RequestMemoryPool(-1);
    expect(pool.tryReserve(1 << 30)).toBe(true);
    expect(pool.reservedBytes).toBe(0);
    expect(() => new RequestMemoryPool(0)).toThrow(/queued.max.request.bytes/);
    expect(() => new RequestMemoryPool(-2)).toThrow(/queued.max.request.bytes/);
  });
});

describe('the bytes of requests being read, bounded broker-wide', () => {
  const fixture = listenerFixture();

  it('five connections each sending most of a 90 MiB frame hold the pool, not 450 MiB; the waiting ones resume as requests are answered', async () => {
    const router = new ApiRouter(API_AUTHORIZATION);
    const handled: number[] = [];
    router.register(ApiKey.Produce, (_body, _version, client) => {
      handled.push(client.connectionId);
      return createProduceResponse({ responses: [] });
    });
    const options = testListenerOptions(logger, { queuedMaxRequestBytes: 100 * MiB });
    fixture.listener = new KafkaListener(options, router, logger, () => createMetadataResponse() as never);
    const port = await fixture.listener.start();
    const pool = options.requestMemory;

    const frames = Array.from({ length: 5 }, (_, i) => produceRequestFrame(i + 1, Buffer.alloc(90 * MiB, i + 1)));
    const answered: number[] = [];
    const clients = await Promise.all(
      frames.map(async (_, i) => {
        const socket = connect({ host: '127.0.0.1', port });
        fixture.sockets.push(socket);
        socket.on('error', () => undefined);
        const reader = new FrameReader({ maxFrameBytes: MiB });
        socket.on('data', (chunk: Buffer) => {
          for (const frame of reader.push(chunk)) answered.push(decodeResponse(ApiKey.Produce, 9, frame).header.correlationId);
        });
        await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
        return { socket, frame: frames[i]! };
      }),
    );
    // All but the last 10 MiB of each frame.
    for (const { socket, frame } of clients) socket.write(frame.subarray(0, frame.length - 10 * MiB));
    const deadline = Date.now() + 20_000;
    while (fixture.listener.bufferedRequestBytes < 2 * 80 * MiB && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300));

    // Two frames hold reservations (90 MiB each: the second is granted with 10 MiB left); three wait.
    expect(pool.reservedBytes).toBe(2 * (frames[0]!.length - 4));
    expect(fixture.listener.bufferedRequestBytes).toBeGreaterThanOrEqual(2 * 80 * MiB);
    expect(fixture.listener.bufferedRequestBytes).toBeLessThan(2 * 80 * MiB + 3 * MiB);
    expect(handled).toEqual([]);

    for (const { socket, frame } of clients) socket.write(frame.subarray(frame.length - 10 * MiB));
    const end = Date.now() + 30_000;
    while (answered.length < 5 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(answered.sort()).toEqual([1, 2, 3, 4, 5]);
    expect(pool.reservedBytes).toBe(0);
  }, 60_000);

  it('gives a closed connection’s reservation back', async () => {
    const router = new ApiRouter(API_AUTHORIZATION);
    router.register(ApiKey.Produce, () => createProduceResponse({ responses: [] }));
    const options = testListenerOptions(logger, { queuedMaxRequestBytes: 10 * MiB });
    fixture.listener = new KafkaListener(options, router, logger, () => createMetadataResponse() as never);
    const port = await fixture.listener.start();
    const socket = connect({ host: '127.0.0.1', port });
    fixture.sockets.push(socket);
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const frame = produceRequestFrame(1, Buffer.alloc(4 * MiB, 1));
    socket.write(frame.subarray(0, MiB));
    const deadline = Date.now() + 5000;
    while (options.requestMemory.reservedBytes === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(options.requestMemory.reservedBytes).toBe(frame.length - 4);
    socket.destroy();
    while (options.requestMemory.reservedBytes !== 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(options.requestMemory.reservedBytes).toBe(0);
  });
});
