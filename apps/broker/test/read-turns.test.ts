import { connect } from 'node:net';
import { ApiKey, createMetadataResponse, createProduceResponse, decodeResponse, FrameReader, type ProduceRequest } from '@strom/protocol';
import { createLogger } from '@strom/runtime';
import { describe, expect, it } from 'vitest';
import { ApiRouter } from '../src/api/router.js';
import { KafkaListener } from '../src/network/kafka-listener.js';
import { ReadTurns } from '../src/network/read-turns.js';
import { API_AUTHORIZATION } from '../src/security/api-authorization.js';
import { kafkaDefaults, produceRequestFrame, listenerFixture, testListenerOptions } from './listener-options.js';

const logger = createLogger('read-turns-test', 'silent');
const KiB = 1024;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('ReadTurns: the read budget of one turn of the event loop', () => {
  it('has budget left below the bound; once spent, each later reader waits for the check phase of this turn', async () => {
    const turns = new ReadTurns(100);
    const resumed: string[] = [];
    expect(turns.spend(60, () => resumed.push('a'))).toBe(false);
    expect(turns.spend(40, () => resumed.push('b'))).toBe(true);
    expect(turns.spend(1, () => resumed.push('c'))).toBe(true);
    expect(resumed).toEqual([]);
    await Promise.resolve();
    expect(resumed).toEqual([]); // not in a microtask: only once the turn's other callbacks ran
    await nextTurn();
    expect(resumed).toEqual(['b', 'c']);
    // A new turn starts with the whole budget.
    expect(turns.spend(99, () => resumed.push('d'))).toBe(false);
    await nextTurn();
    expect(resumed).toEqual(['b', 'c']);
  });

  it('refuses a budget that is not a positive integer', () => {
    expect(() => new ReadTurns(0)).toThrow(/positive integer/);
    expect(() => new ReadTurns(1.5)).toThrow(/positive integer/);
  });
});

describe('connections read within the turn budget', () => {
  const fixture = listenerFixture();

  /**
   * Four connections each pipeline 64 requests of 40 KiB at once. The handler notes how many
   * request bytes it was given in each turn of the loop (counted by a setImmediate chain). With a
   * 16 KiB budget, a turn takes at most the budget plus one chunk (64 KiB at most) per connection;
   * libuv alone would read up to 2 MiB per socket per turn.
   */
  it('bounds the bytes of requests handled in one turn, and answers every request in order', async () => {
    const budgetBytes = 16 * KiB;
    const connections = 4;
    const requestsPerConnection = 64;
    let turn = 0;
    let counting = true;
    const countTurns = (): void => {
      turn++;
      if (counting) setImmediate(countTurns);
    };
    setImmediate(countTurns);
    const bytesByTurn = new Map<number, number>();
    const router = new ApiRouter(API_AUTHORIZATION);
    router.register(ApiKey.Produce, (body: ProduceRequest) => {
      const bytes = body.topicData[0]!.partitionData[0]!.records!.length;
      bytesByTurn.set(turn, (bytesByTurn.get(turn) ?? 0) + bytes);
      return createProduceResponse({ responses: [] });
    });
    const options = testListenerOptions(logger, { limits: { ...kafkaDefaults.limits, readBytesPerTurn: budgetBytes } });
    fixture.listener = new KafkaListener(options, router, logger, () => createMetadataResponse() as never);
    const port = await fixture.listener.start();

    const answered = await Promise.all(
      Array.from({ length: connections }, async () => {
        const socket = connect({ host: '127.0.0.1', port });
        fixture.sockets.push(socket);
        await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
        const reader = new FrameReader();
        const ids: number[] = [];
        const done = new Promise<number[]>((resolve, reject) => {
          socket.on('error', reject);
          socket.on('data', (chunk: Buffer) => {
            for (const frame of reader.push(chunk)) ids.push(decodeResponse(ApiKey.Produce, 9, frame).header.correlationId);
            if (ids.length === requestsPerConnection) resolve(ids);
          });
        });
        socket.write(
          Buffer.concat(Array.from({ length: requestsPerConnection }, (_, i) => produceRequestFrame(i + 1, Buffer.alloc(40 * KiB, 7), 1))),
        );
        return done;
      }),
    );
    counting = false;

    for (const ids of answered) expect(ids).toEqual(Array.from({ length: requestsPerConnection }, (_, i) => i + 1));
    const handled = [...bytesByTurn.values()];
    expect(handled.reduce((a, b) => a + b, 0)).toBe(connections * requestsPerConnection * 40 * KiB);
    // Frames straddle chunks: a turn may also finish a frame begun in the turn before.
    const bound = budgetBytes + connections * 64 * KiB + connections * 40 * KiB;
    expect(Math.max(...handled)).toBeLessThanOrEqual(bound);
    expect(bytesByTurn.size).toBeGreaterThan((connections * requestsPerConnection * 40 * KiB) / bound);
  }, 30_000);
});
